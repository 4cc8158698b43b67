import Dispatch
import Foundation
import JourneyForecast
import JourneyFormats
import JourneyModel
import JourneySimulation

/// Makes and re-makes the figures a reference guards.
public enum ReferenceRunner {
  /// Runs for each figure's standard deviation when a reference is made.
  public static let defaultReplicates = 50

  /// The figures of one simulation: conversions and revenue per period and in total,
  /// total spend and CPA, and the final count of every phase.
  public static func metrics(of r: SimulationResult) -> [Reference.Metric] {
    var m: [Reference.Metric] = []
    for t in 0..<r.horizon {
      m.append(.init(metric: "conversions", period: t, value: r.conversions[t]))
    }
    for t in 0..<r.horizon {
      m.append(.init(metric: "revenue", period: t, value: r.revenue[t]))
    }
    m.append(.init(metric: "conversions", value: r.totalConversions))
    m.append(.init(metric: "revenue", value: r.totalRevenue))
    m.append(.init(metric: "spend", value: r.totalSpend))
    m.append(.init(metric: "cpa", value: r.totalConversions > 0 ? r.totalSpend / r.totalConversions : 0))
    for (i, phase) in r.phases.enumerated() {
      m.append(.init(metric: "final_" + phase, value: r.finalCounts[i]))
    }
    return m
  }

  /// Loads the scenario a reference points at (its `source`, relative to the reference's folder).
  public static func scenarioPath(of reference: Reference, at referencePath: String) -> String {
    if reference.source.hasPrefix("/") { return reference.source }
    return URL(fileURLWithPath: referencePath).deletingLastPathComponent()
      .appendingPathComponent(reference.source).standardizedFileURL.path
  }

  /// Re-runs a reference's scenario with its engine and seed.
  public static func rerun(_ reference: Reference, at referencePath: String, threads: Int) throws -> [Reference.Metric] {
    switch reference.kind {
    case .forecast:
      let budget = try BudgetScenario.load(path: scenarioPath(of: reference, at: referencePath))
      let forecast = try Forecast.run(budget, replicates: reference.replicates, seed: reference.seed, threads: threads)
      return ForecastReference.metrics(of: forecast)
    case .simulate:
      let scenario = try Scenario.load(path: scenarioPath(of: reference, at: referencePath))
      let result = try Simulator.run(scenario, engine: engine(reference.engine), seed: reference.seed, threads: threads)
      return metrics(of: result)
    }
  }

  static func engine(_ engine: Reference.Engine) -> Engine {
    switch engine {
    case .individual: return .individual
    case .cohort: return .cohort
    case .expected: return .expected
    }
  }

  static func engine(_ engine: Engine) -> Reference.Engine {
    switch engine {
    case .individual: return .individual
    case .cohort: return .cohort
    case .expected: return .expected
    }
  }

  /// Makes a reference for the scenario at `scenarioPath`, to be stored at `referencePath`.
  ///
  /// The figures are one run with `seed`; each figure's standard deviation comes from
  /// `replicates` further runs with seeds derived from it (none for the expected engine).
  public static func make(
    scenarioPath: String, referencePath: String, engine: Engine, seed: UInt64?, replicates: Int,
    threads: Int, tolerance: Reference.Tolerance
  ) throws -> Reference {
    let referenceFolder = URL(fileURLWithPath: referencePath).deletingLastPathComponent().standardizedFileURL
    let source = relativePath(from: referenceFolder, to: URL(fileURLWithPath: scenarioPath).standardizedFileURL)
    if BudgetScenario.isBudgetFile(path: scenarioPath) {
      // A forecast: its own replicates give every figure's standard deviation.
      let budget = try BudgetScenario.load(path: scenarioPath)
      let seed = seed ?? budget.seed
      let forecast = try Forecast.run(budget, seed: seed, threads: threads)
      var reference = Reference(
        kind: .forecast, source: source, scenario: budget.name, engine: .cohort, seed: seed, replicates: forecast.replicates,
        tolerance: tolerance, metrics: ForecastReference.metrics(of: forecast), checksum: "")
      reference.checksum = reference.computedChecksum()
      return reference
    }
    let scenario = try Scenario.load(path: scenarioPath)
    let seed = seed ?? scenario.seed
    var values = metrics(of: try Simulator.run(scenario, engine: engine, seed: seed, threads: threads))
    let runs = engine == .expected ? 0 : replicates
    if runs > 1 {
      let seeds = (0..<runs).map { r -> UInt64 in
        var g = SplitMix64(seed: seed, stream: StreamID.referenceReplicate(r))
        return g.next()
      }
      var samples = [[Double]](repeating: [], count: runs)
      if engine == .individual {
        for r in 0..<runs {
          samples[r] = metrics(of: try Simulator.run(scenario, engine: engine, seed: seeds[r], threads: threads)).map(\.value)
        }
      } else {
        // The cohort and expected engines do not throw.
        let box = Locked([Result<[Double], any Error>](repeating: .success([]), count: runs))
        Parallel.strided(runs, workers: threads) { r in
          let result = Result { try metrics(of: Simulator.run(scenario, engine: engine, seed: seeds[r], threads: 1)).map(\.value) }
          box.withLock { $0[r] = result }
        }
        samples = try box.withLock { $0 }.map { try $0.get() }
      }
      for i in values.indices {
        let xs = samples.map { $0[i] }
        let mean = xs.reduce(0, +) / Double(runs)
        let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(runs - 1)
        values[i].sd = variance.squareRoot()
      }
    }
    var reference = Reference(
      kind: .simulate, source: source, scenario: scenario.name, engine: Self.engine(engine), seed: seed, replicates: runs,
      tolerance: tolerance, metrics: values, checksum: "")
    reference.checksum = reference.computedChecksum()
    return reference
  }

  static func relativePath(from folder: URL, to file: URL) -> String {
    let a = folder.pathComponents
    let b = file.pathComponents
    var common = 0
    while common < a.count && common < b.count && a[common] == b[common] { common += 1 }
    return (Array(repeating: "..", count: a.count - common) + b[common...]).joined(separator: "/")
  }
}

/// The outcome of comparing fresh figures with a reference.
public struct Comparison: Sendable {
  public struct Row: Sendable, Equatable {
    public var metric: Reference.Metric
    public var now: Double
    public var tolerance: Double
    /// `|now − reference| / (√2 · sd)`, `nil` for deterministic figures.
    public var standardErrors: Double?
    public var passed: Bool
  }

  public var scenario: String
  public var referencePath: String
  public var rows: [Row]

  public var failures: [Row] { rows.filter { !$0.passed } }
  public var passed: Bool { failures.isEmpty }

  /// - Throws: ``InputError`` when the figures do not line up with the reference's
  ///   (a different scenario structure: phases or horizon changed).
  public init(reference: Reference, referencePath: String, now: [Reference.Metric]) throws {
    scenario = reference.scenario
    self.referencePath = referencePath
    guard now.count == reference.metrics.count,
          zip(now, reference.metrics).allSatisfy({ $0.label == $1.label }) else {
      let new = Set(now.map(\.label))
      let old = Set(reference.metrics.map(\.label))
      let added = new.subtracting(old).sorted().prefix(5)
      let removed = old.subtracting(new).sorted().prefix(5)
      throw InputError(.notAllowed, file: referencePath,
        "the scenario now reports other figures than the reference (new: \(added.joined(separator: ", ")); gone: \(removed.joined(separator: ", "))); review and regenerate with 'journey check --update'")
    }
    rows = zip(reference.metrics, now).map { ref, cur in
      let bound = reference.tolerance.bound(for: ref)
      let diff = Swift.abs(cur.value - ref.value)
      let z: Double? = ref.sd > 0 ? diff / (2.0.squareRoot() * ref.sd) : nil
      return Row(metric: ref, now: cur.value, tolerance: bound, standardErrors: z,
                 passed: diff <= bound && cur.value.isFinite == ref.value.isFinite)
    }
  }
}
