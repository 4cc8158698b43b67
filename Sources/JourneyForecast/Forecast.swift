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
///
/// The runs go through a ``CohortKernelCache``: without a fit one per plan, built once and
/// shared by every replicate (paid exposures, kernel rows and exposure-averaged rows do not
/// depend on the draws); with a fit one per replicate and plan. Either way the figures are
/// those of the cohort engine, bit for bit.
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
  ///   spread over `threads`; without a fit each run costs O(T · S · n · m) plus the cells
  ///   with organic channels (``CohortKernelCache``).
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
    let warmUp = start?.warmUp ?? 0
    let horizon = budget.horizon
    let phases = budget.model.phaseCount
    // Without a fit every replicate of a plan runs the same scenario, so the plan's kernels
    // and exposure-averaged rows are computed once here; with one, per replicate and plan.
    let shared = sampler == nil ? scenarios.map { CohortKernelCache($0, start: start) } : []
    let output = ReplicateBuffers(plans: planCount, replicates: r, periods: horizon, phases: phases)
    let done = Locked(0)
    Parallel.strided(r, workers: threads, state: { ReplicateWorkspace(periods: horizon, phases: phases) }) {
      index, workspace in
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
        if p < shared.count, let cache = shared[p] {
          cache.run(seed: simSeed, skip: warmUp, workspace: workspace.cohort, into: &workspace.figures)
        } else {
          var s = base
          var from = start
          if let segments { s.segments = segments }
          if let sampler, !reach.isEmpty {
            s.channels = sampler.channels(s.channels, reach: reach)
            // The adstock carried into the history's end follows the drawn λ.
            if let state = from { from = sampler.startState(state, channels: s.channels) }
          }
          if let sampler, !organic.isEmpty { s.channels = sampler.channels(s.channels, organic: organic) }
          run(s, seed: simSeed, start: from, warmUp: warmUp, workspace: &workspace)
        }
        output.store(plan: p, replicate: index, workspace.figures)
      }
      let n = done.withLock {
        $0 += 1
        return $0
      }
      progress?(n)
    }
    var plans: [PlanReplicates] = []
    for (p, plan) in budget.plans.enumerated() {
      plans.append(
        PlanReplicates(
          name: plan.name, spend: plan.spend(model: budget.model, horizon: budget.horizon, start: budget.startPeriod),
          conversions: output.rows(output.conversions, plan: p), revenue: output.rows(output.revenue, plan: p),
          finalCounts: output.rows(output.finalCounts, plan: p)))
    }
    return Forecast(budget: budget, replicates: r, seed: seed, plans: plans)
  }

  /// One cohort run of `scenario` into `workspace.figures`: through a kernel cache of its own
  /// (the scenario of one parameter draw), or the cohort engine when the cache would be too
  /// large. Both give the same figures.
  static func run(
    _ scenario: Scenario, seed: UInt64, start: StartState?, warmUp: Int, workspace: inout ReplicateWorkspace
  ) {
    if let cache = CohortKernelCache(scenario, start: start) {
      cache.run(seed: seed, skip: warmUp, workspace: workspace.cohort, into: &workspace.figures)
      return
    }
    do {
      let result = try Simulator.run(scenario, engine: .cohort, seed: seed, start: start)
      // The warm-up periods are history, not forecast.
      workspace.figures.conversions = Array(result.conversions.dropFirst(warmUp))
      workspace.figures.revenue = Array(result.revenue.dropFirst(warmUp))
      workspace.figures.finalCounts = result.finalCounts
    } catch {
      preconditionFailure("the cohort engine does not throw: \(error)")
    }
  }
}

/// The scratch of one forecast thread: the cohort runs' buffers and one run's figures.
struct ReplicateWorkspace {
  let cohort = CohortWorkspace()
  var figures: CohortFigures

  init(periods: Int, phases: Int) {
    figures = CohortFigures(periods: periods, phases: phases)
  }
}

/// Every replicate's figures of every plan, in flat buffers written by many threads: each
/// (plan, replicate) writes only its own rows, so no lock is needed.
final class ReplicateBuffers: @unchecked Sendable {
  let replicates: Int
  let periods: Int
  let phases: Int
  /// `[(plan · replicates + r) · periods + t]`.
  let conversions: UnsafeMutableBufferPointer<Double>
  let revenue: UnsafeMutableBufferPointer<Double>
  /// `[(plan · replicates + r) · phases + i]`.
  let finalCounts: UnsafeMutableBufferPointer<Double>

  init(plans: Int, replicates: Int, periods: Int, phases: Int) {
    self.replicates = replicates
    self.periods = periods
    self.phases = phases
    conversions = .allocate(capacity: Swift.max(1, plans * replicates * periods))
    revenue = .allocate(capacity: Swift.max(1, plans * replicates * periods))
    finalCounts = .allocate(capacity: Swift.max(1, plans * replicates * phases))
    conversions.initialize(repeating: 0)
    revenue.initialize(repeating: 0)
    finalCounts.initialize(repeating: 0)
  }

  deinit {
    conversions.deallocate()
    revenue.deallocate()
    finalCounts.deallocate()
  }

  func store(plan p: Int, replicate r: Int, _ figures: CohortFigures) {
    let row = p * replicates + r
    precondition(figures.conversions.count == periods && figures.finalCounts.count == phases)
    for t in 0..<periods {
      conversions[row * periods + t] = figures.conversions[t]
      revenue[row * periods + t] = figures.revenue[t]
    }
    for i in 0..<phases { finalCounts[row * phases + i] = figures.finalCounts[i] }
  }

  /// `[r][·]` of one plan: per-period rows of `conversions` or `revenue`, or per-phase rows
  /// of `finalCounts`.
  func rows(_ buffer: UnsafeMutableBufferPointer<Double>, plan p: Int) -> [[Double]] {
    let width = buffer.baseAddress == finalCounts.baseAddress ? phases : periods
    return (0..<replicates).map { r in
      let row = (p * replicates + r) * width
      return Array(buffer[row..<row + width])
    }
  }
}
