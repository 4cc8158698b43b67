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

  /// The figures a re-run gives, in the reference's order.
  public struct Figures: Sendable, Equatable {
    /// Of the reference's engine and seed (``Reference/metrics``).
    public var metrics: [Reference.Metric]
    /// Of the expected engine (``Reference/exact``).
    public var exact: [Reference.Metric]

    public init(metrics: [Reference.Metric], exact: [Reference.Metric] = []) {
      self.metrics = metrics
      self.exact = exact
    }
  }

  /// The expected engine's figures of a scenario: deterministic, whatever the seed and
  /// thread count. Empty when the reference's engine is the expected engine itself.
  public static func exactMetrics(of scenario: Scenario, engine: Engine) throws -> [Reference.Metric] {
    engine == .expected ? [] : metrics(of: try Simulator.run(scenario, engine: .expected))
  }

  /// Re-runs a reference's scenario with its engine and seed, and with the expected engine.
  ///
  /// - Throws: ``InputError`` when the scenario (``Reference/source``) is missing or invalid.
  public static func rerun(_ reference: Reference, at referencePath: String, threads: Int) throws -> Figures {
    switch reference.kind {
    case .forecast:
      let budget = try BudgetScenario.load(path: scenarioPath(of: reference, at: referencePath))
      let forecast = try Forecast.run(budget, replicates: reference.replicates, seed: reference.seed, threads: threads)
      return Figures(metrics: ForecastReference.metrics(of: forecast), exact: try ForecastReference.exactMetrics(of: budget))
    case .simulate:
      let scenario = try Scenario.load(path: scenarioPath(of: reference, at: referencePath))
      let result = try Simulator.run(scenario, engine: engine(reference.engine), seed: reference.seed, threads: threads)
      return Figures(metrics: metrics(of: result), exact: try exactMetrics(of: scenario, engine: engine(reference.engine)))
    }
  }

  /// Checks one reference: re-runs it and compares. Whatever goes wrong with this
  /// reference (no reference file, an unreadable one, a missing or invalid scenario file,
  /// figures that no longer line up) fails this reference only, with the reason in
  /// ``Comparison/problem``, so that the others are still checked.
  ///
  /// - Parameters:
  ///   - referencePath: The reference file.
  ///   - scenarioPath: The scenario or budget file named on the command line, if any (for
  ///     messages; the re-run uses the reference's ``Reference/source``).
  public static func check(referencePath: String, scenarioPath: String? = nil, threads: Int) -> Comparison {
    let folderName = URL(fileURLWithPath: referencePath).deletingLastPathComponent().lastPathComponent
    guard FileManager.default.fileExists(atPath: referencePath) else {
      let message = InputError(
        .missing, file: referencePath,
        "no reference yet: run `journey check \(scenarioPath ?? "FILE") --update`\(scenarioPath == nil ? " with its scenario or budget file" : "")"
      ).description
      return Comparison(scenario: folderName, referencePath: referencePath, problem: message)
    }
    let reference: Reference
    do {
      reference = try Reference.load(path: referencePath)
    } catch {
      return Comparison(scenario: folderName, referencePath: referencePath, problem: "\(error)")
    }
    do {
      let now = try rerun(reference, at: referencePath, threads: threads)
      return try Comparison(reference: reference, referencePath: referencePath, now: now)
    } catch {
      return Comparison(scenario: reference.scenario, referencePath: referencePath, problem: "\(error)")
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
  /// The exact figures are one run of the expected engine.
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
        tolerance: tolerance, metrics: ForecastReference.metrics(of: forecast),
        exact: try ForecastReference.exactMetrics(of: budget), checksum: "")
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
      tolerance: tolerance, metrics: values, exact: try exactMetrics(of: scenario, engine: engine), checksum: "")
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
