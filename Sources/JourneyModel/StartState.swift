/// Where a simulation or forecast continues a history: the population per segment and
/// phase at the start of one calendar period, and the adstock carried into it.
///
/// **Meaning.** A start state *stands at* calendar period ``period``: ``counts`` are the
/// customers at the start of that period, before its spend, its moves and the arrivals that
/// join at its end; ``adstock`` is every paid channel's `a_c(period − 1)`, the adstock
/// carried into that period (so period ``period`` has `a_c = s_c(period) + λ_c · adstock[c]`).
/// A simulation summary's state after a history of `T` periods stands at `T`; a fit's
/// state stands at the history's last logged period `T − 1` (the journey log shows every
/// customer's phase at the start of a period, not where the last period took them), and
/// ``forecastStart`` says that the history covers that period too.
///
/// A forecast from a start state simulates the periods `period ..< forecastStart` again
/// (the warm-up: their outcome is not in the history) with the model's own calendar
/// spend, then the forecast periods `0 ..< H`, which are calendar periods
/// `forecastStart ..< forecastStart + H`. Spend plans, flights, pulsing, seasonality and
/// adstock continue from the calendar period; budget plans' flights stay 0-based in the
/// forecast horizon.
///
/// ```swift
/// let state = StartState(period: 52, segments: ["b2c", "b2b"], counts: [[...], [...]], adstock: [...])
/// let result = try Simulator.run(model, engine: .cohort, start: state)  // calendar 52, 53, …
/// ```
public struct StartState: Sendable, Equatable {
  /// Where ``adstock`` comes from.
  public enum AdstockSource: String, Sendable, Equatable {
    /// The history's recorded spend (a fit with a spend file, or a simulation).
    case spend
    /// The model's own spend plan over the history's periods (a fit without a spend file).
    case plan
  }

  /// The calendar period this state stands at (the state at the start of that period).
  public var period: Int
  /// The first calendar period after the history (`period` or `period + 1`).
  public var forecastStart: Int
  /// Segment names, parallel to ``counts``.
  public var segments: [String]
  /// `[s][i]`: customers of segment `s` in phase `i` at the start of ``period``.
  public var counts: [[Double]]
  /// `[c]`: adstock carried into ``period`` (0 for organic channels).
  public var adstock: [Double]
  public var adstockSource: AdstockSource

  public init(
    period: Int, forecastStart: Int? = nil, segments: [String], counts: [[Double]], adstock: [Double],
    adstockSource: AdstockSource = .spend
  ) {
    precondition(segments.count == counts.count, "one row of counts per segment")
    self.period = period
    self.forecastStart = forecastStart ?? period
    self.segments = segments
    self.counts = counts
    self.adstock = adstock
    self.adstockSource = adstockSource
  }

  /// Periods simulated before the forecast's period 0 (`forecastStart − period`).
  public var warmUp: Int { Swift.max(0, forecastStart - period) }

  /// Customers per phase over every segment.
  public var phaseCounts: [Double] {
    guard let first = counts.first else { return [] }
    return first.indices.map { i in counts.reduce(0) { $0 + $1[i] } }
  }

  /// Counts per (model segment, phase), `[s][i]`, matched by segment name. Segments the
  /// state does not name start empty; a state with one segment that the model does not
  /// name (a pooled history) is split over the model's segments by their shares.
  public func counts(for model: Scenario) -> [[Double]] {
    let n = model.phaseCount
    if counts.count == 1, model.segments.count > 1 || !model.segments.contains(where: { $0.name == segments[0] }) {
      return model.segments.map { s in (0..<n).map { i in i < counts[0].count ? counts[0][i] * s.share : 0 } }
    }
    return model.segments.map { s in
      guard let k = segments.firstIndex(of: s.name) else { return [Double](repeating: 0, count: n) }
      return (0..<n).map { i in i < counts[k].count ? counts[k][i] : 0 }
    }
  }

  /// Every paid channel's adstock carried into calendar period `period` under the model's
  /// own spend plan from period 0: `a_c(t) = s_c(t) + λ_c a_c(t − 1)`, `a_c(−1) = 0`.
  public static func planAdstock(_ model: Scenario, through period: Int) -> [Double] {
    model.channels.map { channel in
      guard case .paid(let plan, let lambda, _) = channel.kind else { return 0 }
      var a = 0.0
      for t in 0..<Swift.max(0, period) { a = plan.spend(at: t) + (lambda == 0 ? 0 : lambda * a) }
      return a
    }
  }

  /// The adstock recursion over explicit spend, `spend[c][t]` for `t < period`.
  public static func adstock(spend: [[Double]], lambdas: [Double], through period: Int) -> [Double] {
    zip(spend, lambdas).map { s, lambda in
      var a = 0.0
      for t in 0..<Swift.max(0, period) { a = (t < s.count ? s[t] : 0) + (lambda == 0 ? 0 : lambda * a) }
      return a
    }
  }
}
