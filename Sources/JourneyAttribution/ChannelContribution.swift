import Foundation
import JourneyForecast
import JourneyFormats
import JourneyModel
import JourneySimulation

/// What each channel of a model is worth over a horizon, on the exact expected engine.
///
/// With `v(S)` the expected conversions (or revenue) with exactly the channels of `S` on
/// (a paid channel off spends 0, an organic channel off has rate 0):
///
/// - the **incremental contribution** of `c` is `v(C) − v(C ∖ {c})`;
/// - the **Shapley value** `φ_c = Σ_{S ⊆ C∖{c}} |S|!(|C|−|S|−1)!/|C|! · (v(S∪{c}) − v(S))`
///   allocates `v(C) − v(∅)` over the channels (Shapley 1953). Up to ``exactLimit``
///   channels every subset is run once (2^|C| runs); beyond, or when asked, `m` random
///   permutations (stream `(seed, p)` each) average the marginal contributions along the
///   permutation, with standard error `sd / √m`. In both modes `Σ φ_c = v(C) − v(∅)`
///   (each permutation telescopes).
/// - **ROAS** = Shapley revenue / spend, **CPA** = spend / Shapley conversions;
///   **marginal ROAS** = `(R(1+h) − R(1−h)) / (2h · spend_c)` with the channel's spend in
///   every period scaled by `1 ± h` (central difference, default `h = 0.01`), **marginal
///   CPA** = `2h · spend_c / (conv(1+h) − conv(1−h))`.
///
/// With a ``ParameterSampler``, every figure is recomputed for `draws` parameter draws
/// (draw `d` from the stream `(seed, 2^40 + d)`) and reported with its 2.5% and 97.5%
/// percentiles.
public enum ChannelContribution {
  /// The most channels for exact Shapley values (2^12 = 4,096 expected-engine runs).
  public static let exactLimit = 12
  /// The most channels at all (subsets are 64-bit masks).
  public static let maxChannels = 62

  public struct Options: Sendable, Equatable {
    /// Permutations for sampled Shapley values; `nil` is exact.
    public var permutations: Int?
    public var seed: UInt64 = 1
    public var marginalStep = 0.01
    public var draws = 200
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public init(
      permutations: Int? = nil, seed: UInt64 = 1, marginalStep: Double = 0.01, draws: Int = 200,
      threads: Int? = nil
    ) {
      self.permutations = permutations
      self.seed = seed
      self.marginalStep = marginalStep
      self.draws = draws
      if let threads { self.threads = threads }
    }
  }

  /// The model with exactly the channels of `mask` on (bit `c` set: channel `c` on).
  public static func restricted(_ scenario: Scenario, on mask: UInt64) -> Scenario {
    var s = scenario
    for c in s.channels.indices where mask & (1 << UInt64(c)) == 0 {
      switch s.channels[c].kind {
      case .paid(_, let adstock, let reach):
        s.channels[c].kind = .paid(spend: SpendPlan(base: 0), adstock: adstock, reach: reach)
      case .organic(let driver, _):
        s.channels[c].kind = .organic(driver: driver, rate: 0)
      }
    }
    return s
  }

  /// Expected conversions and revenue over the scenario's horizon.
  public static func value(_ scenario: Scenario) -> (conversions: Double, revenue: Double) {
    // The expected engine does not throw; only the individual engine has limits.
    guard let r = try? Simulator.run(scenario, engine: .expected) else { return (.nan, .nan) }
    return (r.totalConversions, r.totalRevenue)
  }

  /// Per-channel figures of one parameter set.
  struct Figures {
    var all: (Double, Double) = (0, 0)
    var none: (Double, Double) = (0, 0)
    var incremental: [(Double, Double)] = []
    var shapley: [(Double, Double)] = []
    var shapleySE: [(Double, Double)]?
    var marginal: [(roas: Double?, cpa: Double?)] = []
  }

  static func spendTotals(_ scenario: Scenario) -> [Double] {
    var total = [Double](repeating: 0, count: scenario.channelCount)
    for t in 0..<scenario.horizon {
      let s = scenario.spend(at: t)
      for c in total.indices { total[c] += s[c] }
    }
    return total
  }

  /// Masks that exact or sampled Shapley values need, and the permutations.
  static func plan(channels n: Int, options: Options) -> (masks: [UInt64], permutations: [[Int]]?) {
    let full: UInt64 = n == 64 ? ~0 : (1 << UInt64(n)) - 1
    guard let m = options.permutations else { return (Array(0...full), nil) }
    var masks: Set<UInt64> = [0, full]
    var permutations: [[Int]] = []
    for p in 0..<m {
      var rng = SplitMix64(seed: options.seed, stream: StreamID.attributionPermutation(p))
      var order = Array(0..<n)
      for i in stride(from: n - 1, to: 0, by: -1) {
        let j = Int(rng.next() % UInt64(i + 1))
        order.swapAt(i, j)
      }
      var mask: UInt64 = 0
      for c in order {
        mask |= 1 << UInt64(c)
        masks.insert(mask)
      }
      permutations.append(order)
    }
    for c in 0..<n { masks.insert(full & ~(1 << UInt64(c))) }
    return (masks.sorted(), permutations)
  }

  static func figures(
    _ scenario: Scenario, masks: [UInt64], permutations: [[Int]]?, step h: Double, spend: [Double],
    threads: Int
  ) -> Figures {
    let n = scenario.channelCount
    let full: UInt64 = (1 << UInt64(n)) - 1
    // Subset values, in parallel; each run is exact, so the order does not matter.
    let store = Locked([(Double, Double)](repeating: (0, 0), count: masks.count))
    Parallel.strided(masks.count, workers: threads) { i in
      let r = value(restricted(scenario, on: masks[i]))
      store.withLock { $0[i] = r }
    }
    let values = store.withLock { $0 }
    var v: [UInt64: (Double, Double)] = [:]
    v.reserveCapacity(masks.count)
    for (i, mask) in masks.enumerated() { v[mask] = values[i] }
    func at(_ mask: UInt64) -> (Double, Double) { v[mask] ?? (0, 0) }
    var f = Figures()
    f.all = at(full)
    f.none = at(0)
    f.incremental = (0..<n).map { c in
      let off = at(full & ~(1 << UInt64(c)))
      return (f.all.0 - off.0, f.all.1 - off.1)
    }
    if let permutations {
      var sum = [(Double, Double)](repeating: (0, 0), count: n)
      var sumSq = sum
      for order in permutations {
        var mask: UInt64 = 0
        var previous = at(0)
        for c in order {
          mask |= 1 << UInt64(c)
          let now = at(mask)
          let d = (now.0 - previous.0, now.1 - previous.1)
          sum[c].0 += d.0
          sum[c].1 += d.1
          sumSq[c].0 += d.0 * d.0
          sumSq[c].1 += d.1 * d.1
          previous = now
        }
      }
      let m = Double(permutations.count)
      f.shapley = sum.map { ($0.0 / m, $0.1 / m) }
      f.shapleySE = (0..<n).map { c in
        guard m > 1 else { return (Double.nan, Double.nan) }
        func se(_ s: Double, _ q: Double) -> Double {
          (Swift.max(0, (q - s * s / m) / (m - 1)) / m).squareRoot()
        }
        return (se(sum[c].0, sumSq[c].0), se(sum[c].1, sumSq[c].1))
      }
    } else {
      // Weights |S|!(n−|S|−1)!/n! by subset size.
      var weight = [Double](repeating: 0, count: n)
      for s in 0..<n {
        weight[s] = Foundation.exp(
          lgamma(Double(s + 1)) + lgamma(Double(n - s)) - lgamma(Double(n + 1)))
      }
      f.shapley = .init(repeating: (0, 0), count: n)
      for mask in 0...full {
        let size = mask.nonzeroBitCount
        let here = at(mask)
        for c in 0..<n where mask & (1 << UInt64(c)) == 0 {
          let with = at(mask | (1 << UInt64(c)))
          f.shapley[c].0 += weight[size] * (with.0 - here.0)
          f.shapley[c].1 += weight[size] * (with.1 - here.1)
        }
      }
    }
    f.marginal = (0..<n).map { c in
      guard scenario.channels[c].isPaid, spend[c] > 0, h > 0 else { return (nil, nil) }
      let up = value(scaled(scenario, channel: c, by: 1 + h))
      let down = value(scaled(scenario, channel: c, by: 1 - h))
      let dSpend = 2 * h * spend[c]
      let dConv = up.0 - down.0
      return ((up.1 - down.1) / dSpend, dConv > 0 ? dSpend / dConv : nil)
    }
    return f
  }

  /// The scenario with channel `c`'s spend multiplied by `factor` in every period.
  static func scaled(_ scenario: Scenario, channel c: Int, by factor: Double) -> Scenario {
    var s = scenario
    guard case .paid(_, let adstock, let reach) = s.channels[c].kind else { return s }
    let perPeriod = (0..<scenario.horizon).map { scenario.spend(at: $0)[c] * factor }
    s.channels[c].kind = .paid(
      spend: SpendPlan(base: 0, perPeriod: perPeriod), adstock: adstock, reach: reach)
    return s
  }

  /// Runs the attribution of `scenario` over its horizon.
  ///
  /// - Parameters:
  ///   - sampler: the fit's parameter distribution; `nil` gives no intervals.
  /// - Precondition: `scenario.channelCount ≤ maxChannels`, and `≤ exactLimit` unless
  ///   `options.permutations` is set.
  public static func run(
    _ scenario: Scenario, sampler: ParameterSampler? = nil, options: Options = Options()
  )
    -> AttributionFile.ModelContribution
  {
    let n = scenario.channelCount
    precondition(n <= maxChannels, "at most \(maxChannels) channels")
    precondition(
      options.permutations != nil || n <= exactLimit,
      "exact Shapley values for at most \(exactLimit) channels")
    let spend = spendTotals(scenario)
    let (masks, permutations) = plan(channels: n, options: options)
    let f = figures(
      scenario, masks: masks, permutations: permutations, step: options.marginalStep, spend: spend,
      threads: options.threads)
    var channels: [AttributionFile.ModelChannel] = scenario.channels.enumerated().map {
      c, channel in
      var out = AttributionFile.ModelChannel(
        name: channel.name, kind: channel.isPaid ? "paid" : "organic", spend: spend[c])
      out.incrementalConversions = f.incremental[c].0
      out.incrementalRevenue = f.incremental[c].1
      out.shapleyConversions = f.shapley[c].0
      out.shapleyRevenue = f.shapley[c].1
      if let se = f.shapleySE?[c], se.0.isFinite {
        out.shapleyConversionsSe = se.0
        out.shapleyRevenueSe = se.1
      }
      if spend[c] > 0 {
        out.roas = f.shapley[c].1 / spend[c]
        if f.shapley[c].0 > 0 { out.cpa = spend[c] / f.shapley[c].0 }
      }
      out.marginalRoas = f.marginal[c].roas
      out.marginalCpa = f.marginal[c].cpa
      return out
    }
    var uncertainty = "none"
    var draws = 0
    if let sampler, options.draws > 0 {
      draws = options.draws
      let k = sampler.covariance.origins.reduce(0) { $0 + $1.parameters.count }
      uncertainty =
        "\(k) parameters of \(sampler.covariance.origins.count) origin phases drawn \(draws) times from the fit's covariance"
      var drawn: [Figures] = []
      drawn.reserveCapacity(draws)
      for d in 0..<draws {
        var rng = SplitMix64(seed: options.seed, stream: StreamID.attributionParameters(d))
        var s = scenario
        s.segments = sampler.segments(for: scenario, theta: sampler.draw(using: &rng))
        drawn.append(
          figures(
            s, masks: masks, permutations: permutations, step: options.marginalStep, spend: spend,
            threads: options.threads))
      }
      func range(_ x: [Double]) -> AttributionFile.Range {
        let sorted = x.sorted()
        return AttributionFile.Range(
          lower: Interval.quantile(sorted, 0.025), upper: Interval.quantile(sorted, 0.975))
      }
      for c in 0..<n {
        let roas = spend[c] > 0 ? range(drawn.map { $0.shapley[c].1 / spend[c] }) : nil
        let marginal = drawn.compactMap { $0.marginal[c].roas }
        channels[c].intervals = AttributionFile.ModelIntervals(
          incrementalConversions: range(drawn.map { $0.incremental[c].0 }),
          incrementalRevenue: range(drawn.map { $0.incremental[c].1 }),
          shapleyConversions: range(drawn.map { $0.shapley[c].0 }),
          shapleyRevenue: range(drawn.map { $0.shapley[c].1 }), roas: roas,
          marginalRoas: marginal.count == draws ? range(marginal) : nil)
      }
    }
    return AttributionFile.ModelContribution(
      scenario: scenario.name, horizon: scenario.horizon,
      shapleyMode: permutations == nil ? "exact" : "sampled",
      permutations: permutations?.count, seed: options.seed, marginalStep: options.marginalStep,
      uncertainty: uncertainty, draws: draws, conversions: f.all.0, revenue: f.all.1,
      baseConversions: f.none.0,
      baseRevenue: f.none.1, channels: channels)
  }
}
