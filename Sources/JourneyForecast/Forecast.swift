import Dispatch
import Foundation
import JourneyModel
import JourneySimulation

/// Mean and quantiles of a figure across replicates.
public struct Interval: Sendable, Equatable {
  public var mean: Double
  public var p5: Double
  public var p50: Double
  public var p95: Double

  /// Summarises `values` (not necessarily sorted). Quantiles interpolate linearly between
  /// order statistics (Hyndman & Fan type 7, the numpy and R default).
  public init(_ values: [Double]) {
    precondition(!values.isEmpty, "an interval needs at least one value")
    let sorted = values.sorted()
    mean = values.reduce(0, +) / Double(values.count)
    p5 = Interval.quantile(sorted, 0.05)
    p50 = Interval.quantile(sorted, 0.5)
    p95 = Interval.quantile(sorted, 0.95)
  }

  public static func quantile(_ sorted: [Double], _ q: Double) -> Double {
    let h = Double(sorted.count - 1) * q
    let lo = Int(h.rounded(.down))
    let hi = Swift.min(lo + 1, sorted.count - 1)
    return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
  }
}

/// The per-replicate figures of one plan.
public struct PlanReplicates: Sendable {
  public var name: String
  /// `[c][t]`: the plan's spend per channel and period.
  public var spend: [[Double]]
  /// `[r][t]`: conversions of replicate `r` in period `t`.
  public var conversions: [[Double]]
  /// `[r][t]`: revenue of replicate `r` in period `t`.
  public var revenue: [[Double]]
  /// `[r][i]`: customers per phase after the horizon.
  public var finalCounts: [[Double]]

  /// Total spend per period.
  public var spendPerPeriod: [Double] {
    guard let first = spend.first else { return [] }
    return first.indices.map { t in spend.reduce(0) { $0 + $1[t] } }
  }
}

/// Monte Carlo forecasts of every plan of a budget scenario.
///
/// Replicate `r` of every plan runs the cohort engine with the seed
/// `SplitMix64(seed: seed, stream: 2r).next()` and, with a fit, the same parameter draw from
/// the stream `2r + 1`: common random numbers, so the increments between plans are sharp and
/// the increment of a plan against itself is exactly 0. A draw takes the transition logits,
/// then the reach curves, then the organic rates (``ParameterSampler``); with a history
/// start, a drawn adstock `λ` also recomputes that channel's start adstock
/// (``ParameterSampler/startState(_:channels:)``). Replicates run in parallel; results
/// are collected by replicate index, so the thread count never changes them.
public struct Forecast: Sendable {
  public var budget: BudgetScenario
  public var replicates: Int
  public var seed: UInt64
  public var plans: [PlanReplicates]

  public var parameterUncertainty: Bool { budget.fit != nil }

  /// The note printed with the results.
  public var note: String {
    if let fit = budget.fit {
      let k = fit.origins.reduce(0) { $0 + $1.parameters.count }
      var parts = ["\(k) parameters of \(fit.origins.count) origin phases"]
      if !fit.reach.isEmpty { parts.append("\(fit.reach.count) reach curves (m, K, σ, λ)") }
      if !fit.organic.isEmpty { parts.append("\(fit.organic.count) organic \(fit.organic.count == 1 ? "rate" : "rates")") }
      let what = parts.count == 1 ? parts[0] : parts.dropLast().joined(separator: ", ") + " and " + parts[parts.count - 1]
      return "parameter uncertainty: \(what) drawn from the fit's covariance (\(budget.fitPath ?? "fit")) in every replicate, plus Monte Carlo noise"
    }
    return "parameter uncertainty: none (model has no covariance); intervals show Monte Carlo noise only"
  }

  /// Where the forecast starts, for its table and report: the calendar period of forecast
  /// period 0 and the history it continues (`nil` for a start from the model's population
  /// or plain counts).
  ///
  /// For example "starts at week 37 of the calendar, continuing the history of
  /// fit/fit.json from its state at the start of week 36 (1 week simulated again as
  /// warm-up)".
  public var startNote: String? {
    guard let state = budget.startState else { return nil }
    let word = budget.model.period.rawValue
    var s = "starts at \(word) \(state.forecastStart) of the calendar, continuing the history"
    if let path = budget.historyPath { s += " of \(path)" }
    if state.warmUp > 0 {
      s += " from its state at the start of \(word) \(state.period) (\(state.warmUp) \(word)\(state.warmUp == 1 ? "" : "s") simulated again as warm-up)"
    }
    return s
  }

  /// The scenario a plan is simulated on: the plan's spend over the horizon, the
  /// budget's starting population.
  ///
  /// With a history start (``BudgetScenario/startState``) the scenario is in calendar
  /// periods: it runs from the state's period for the warm-up (``StartState/warmUp``
  /// periods on the model's own spend) plus the horizon, and the plan's spend fills
  /// calendar periods `forecastStart ..< forecastStart + horizon`. Run it with
  /// `Simulator.run(_, engine:, start: budget.startState)` and drop the warm-up periods.
  public static func scenario(for plan: BudgetPlan, budget: BudgetScenario) -> Scenario {
    if let state = budget.startState {
      var s = plan.apply(to: budget.model, horizon: budget.horizon, start: state.forecastStart)
      s.horizon = state.warmUp + budget.horizon
      return s
    }
    var s = plan.apply(to: budget.model, horizon: budget.horizon)
    if case .counts(let counts) = budget.start {
      let total = counts.reduce(0, +)
      s.population.size = total
      s.population.initial = counts.map { Double($0) / Double(total) }
    }
    return s
  }

  /// The cohort engine's seed of replicate `r`.
  public static func replicateSeed(_ seed: UInt64, _ r: Int) -> UInt64 {
    var rng = SplitMix64(seed: seed, stream: StreamID.forecastReplicate(r))
    return rng.next()
  }

  /// Runs every plan `replicates` times.
  ///
  /// - Parameters:
  ///   - replicates: default the budget's.
  ///   - seed: default the budget's.
  ///   - threads: worker threads (results do not depend on it).
  ///   - progress: called with the number of replicates done (from any thread).
  /// - Throws: ``InputErrors`` when the fit's covariance is not positive definite.
  /// - Complexity: `replicates × plans` cohort-engine runs (see ``Simulator/run(_:engine:seed:threads:journeyLog:progress:)``),
  ///   spread over `threads`.
  public static func run(
    _ budget: BudgetScenario, replicates: Int? = nil, seed: UInt64? = nil,
    threads: Int = ProcessInfo.processInfo.activeProcessorCount,
    progress: (@Sendable (Int) -> Void)? = nil
  ) throws(InputErrors) -> Forecast {
    let r = replicates ?? budget.replicates
    let seed = seed ?? budget.seed
    precondition(r >= 1, "at least one replicate")
    let sampler = try budget.fit.map { fit throws(InputErrors) in
      try ParameterSampler(fit, file: budget.fitPath ?? budget.file)
    }
    let scenarios = budget.plans.map { scenario(for: $0, budget: budget) }
    let start = budget.startState
    let planCount = scenarios.count
    let store = Locked([ReplicateFigures?](repeating: nil, count: r * planCount))
    let done = Locked(0)
    let warmUp = start?.warmUp ?? 0
    Parallel.strided(r, workers: threads) { index in
      let simSeed = replicateSeed(seed, index)
      var segments: [Segment]?
      var reach: [[Double]] = []
      var organic: [Double] = []
      if let sampler {
        var rng = SplitMix64(seed: seed, stream: StreamID.forecastParameters(index))
        segments = sampler.segments(for: budget.model, theta: sampler.draw(using: &rng))
        // After the origins' draw, so forecasts without reach curves draw as before.
        reach = sampler.drawReach(using: &rng)
        // After the reach curves, so forecasts without organic rates draw as before.
        organic = sampler.drawOrganic(using: &rng)
      }
      for (p, base) in scenarios.enumerated() {
        var s = base
        var from = start
        if let segments { s.segments = segments }
        if let sampler, !reach.isEmpty {
          s.channels = sampler.channels(s.channels, reach: reach)
          // The adstock carried into the history's end follows the drawn λ.
          if let state = from { from = sampler.startState(state, channels: s.channels) }
        }
        if let sampler, !organic.isEmpty { s.channels = sampler.channels(s.channels, organic: organic) }
        do {
          let result = try Simulator.run(s, engine: .cohort, seed: simSeed, start: from)
          // The warm-up periods are history, not forecast.
          let figures = ReplicateFigures(
            conversions: Array(result.conversions.dropFirst(warmUp)), revenue: Array(result.revenue.dropFirst(warmUp)),
            finalCounts: result.finalCounts)
          store.withLock { $0[index * planCount + p] = figures }
        } catch {
          preconditionFailure("the cohort engine does not throw: \(error)")
        }
      }
      let n = done.withLock {
        $0 += 1
        return $0
      }
      progress?(n)
    }
    let figures = store.withLock { $0 }
    var plans: [PlanReplicates] = []
    for (p, plan) in budget.plans.enumerated() {
      let results = (0..<r).map { i -> ReplicateFigures in
        guard let f = figures[i * planCount + p] else { preconditionFailure("replicate \(i) was not run") }
        return f
      }
      plans.append(
        PlanReplicates(
          name: plan.name, spend: plan.spend(model: budget.model, horizon: budget.horizon, start: budget.startPeriod),
          conversions: results.map(\.conversions), revenue: results.map(\.revenue),
          finalCounts: results.map(\.finalCounts)))
    }
    return Forecast(budget: budget, replicates: r, seed: seed, plans: plans)
  }
}

/// What a forecast keeps of one cohort run.
struct ReplicateFigures: Sendable {
  var conversions: [Double]
  var revenue: [Double]
  var finalCounts: [Double]
}
