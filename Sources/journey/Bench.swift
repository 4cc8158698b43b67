import ArgumentParser
import Foundation
import JourneyAttribution
import JourneyEstimation
import JourneyForecast
import JourneyFormats
import JourneyModel
import JourneyReports
import JourneySimulation

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Measure throughput (build with -c release).",
    discussion: """
      Prints one figure per line: NAME VALUE UNIT. Each figure is the best of --repeat runs.

      Example:
        swift run -c release journey bench
      """
  )

  @Option(help: "The benchmark scenario.")
  var scenario: String = "scenarios/bench.yaml"

  @Option(help: "The model of the forecast and optimiser figures.")
  var forecastModel: String = "scenarios/b2c.yaml"

  @OptionGroup var threadOptions: ThreadOptions

  @Option(help: "Runs per figure; the best is reported.")
  var `repeat`: Int = 5

  @Flag(help: "Only the attribution figures.")
  var attributionOnly = false

  @Flag(help: "Only the individual engine's figure (what bench/compare measures).")
  var individualOnly = false

  @Option(
    help: "Keep the attribution figures' path files (1,000,000 paths over 52 weeks at this path, over 8 weeks beside it with '-8-periods.csv').")
  var pathsCSV: String?

  @Flag(help: "Only the fit-ingest figures.")
  var ingestOnly = false

  @Option(help: "Keep the fit figures' journey log (200,000 customers) at this path.")
  var journeyLog: String?

  func validate() throws {
    guard `repeat` >= 1 else { throw ValidationError("Please give '--repeat' of at least 1.") }
  }

  func run() throws {
    #if DEBUG
      FileHandle.standardError.write(Data("warning: debug build; figures are meaningless, use -c release\n".utf8))
    #endif
    let threads = threadOptions.threads
    let spec = try Scenario.load(path: scenario)
    if attributionOnly { return try attributionFigures(spec) }
    if ingestOnly { return try fitFigures(spec) }
    let horizon = Double(spec.horizon)
    let initialSteps = Double(spec.population.size) * horizon
    let arrivalSteps = Double(spec.population.arrivals) * horizon * (horizon - 1) / 2
    let steps = initialSteps + arrivalSteps
    var individualCPU = Double.infinity
    let individual = try timed(inner: 1) {
      let before = Self.cpuSeconds()
      _ = try Simulator.run(spec, engine: .individual, threads: threads)
      individualCPU = Swift.min(individualCPU, Self.cpuSeconds() - before)
    }
    line("individual_customer_steps_per_s", steps / individual, "customer-steps/s")
    // The run's CPU time of all threads (the process's start and the scenario's loading
    // left out): what bench/compare sets against the C reference's process.
    line("individual_customer_steps_per_cpu_s", steps / individualCPU, "customer-steps per CPU-second")
    if individualOnly { return }

    var big = spec
    big.population.size = 1_000_000_000
    let cohort = try timed(inner: 20) { _ = try Simulator.run(big, engine: .cohort) }
    line("cohort_forecast_ms_n1e9", cohort * 1_000, "ms/forecast(\(spec.horizon) periods)")
    let expected = try timed(inner: 20) { _ = try Simulator.run(big, engine: .expected) }
    line("expected_forecast_ms", expected * 1_000, "ms/forecast(\(spec.horizon) periods)")

    try fitFigures(spec)
    try eventFigures()
    // journey forecast: 1,000 replicates × 52 weeks × 3 plans of the B2C model at N = 10⁷.
    let model = try Scenario.load(path: forecastModel).withPopulation(10_000_000)
    let paid = model.channels.indices.filter { model.channels[$0].isPaid }
    let budget = BudgetScenario(
      name: "bench", model: model, horizon: 52, seed: 1, replicates: 1_000,
      plans: [
        BudgetPlan(name: "baseline"), BudgetPlan(name: "lean", total: 0.8),
        paid.count >= 2
          ? BudgetPlan(name: "shift", shifts: [.init(from: paid[paid.count - 1], to: paid[0], fraction: 0.2)])
          : BudgetPlan(name: "more", total: 1.2),
      ])
    let forecast = try timed(runs: Swift.min(`repeat`, 3)) {
      _ = try JourneyForecast.Forecast.run(budget, threads: threads).summary()
    }
    line("forecast_s_1000x52x3_n1e7", forecast, "s/forecast(1000 replicates, 52 periods, 3 plans)")

    // journey optimize: 6 paid channels (the organic channel bought as a paid one), 52 weeks.
    var six = spec
    for c in six.channels.indices where !six.channels[c].isPaid {
      six.channels[c].kind = .paid(
        spend: SpendPlan(base: 5_000), adstock: 0.5, reach: HillReach(max: 0.3, half: 20_000, shape: 1))
    }
    let optimizer = BudgetOptimizer(scenario: six, total: 5_000_000, threads: threads)
    let optimize = try timed(runs: Swift.min(`repeat`, 3)) { _ = optimizer.run() }
    line("optimize_s_6_channels", optimize, "s/optimisation(6 channels, 52 periods)")
    try attributionFigures(spec)
  }

  /// Fitting: a journey log of 200,000 customers (10.6M rows, 252 MB for the shipped
  /// scenario), read with the scenario's names and with inferred ones, on `--threads`
  /// threads and on one; MB/s per core is the bytes over the process's CPU time.
  func fitFigures(_ spec: Scenario) throws {
    let threads = threadOptions.threads
    var logged = spec
    logged.population.size = 200_000
    let path = journeyLog ?? NSTemporaryDirectory() + "/journey-bench-\(getpid()).csv"
    defer { if journeyLog == nil { try? FileManager.default.removeItem(atPath: path) } }
    let log = try JourneyLogFile(path: path)
    _ = try Simulator.run(logged, engine: .individual, threads: threads, journeyLog: log)
    try log.finish()
    let bytes = Double((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
    let named = Vocabulary(phases: logged.phases.map(\.name), channels: logged.channels.map(\.name))
    var rows = 0
    for (label, vocabulary, workers) in [("", named, threads), ("_inferred", .inferred, threads), ("_1_thread", named, 1)] {
      var cpu = Double.infinity
      let wall = try timed {
        let before = Self.cpuSeconds()
        rows = try JourneyLogReader.read(path: path, vocabulary: vocabulary, threads: workers).rows
        cpu = Swift.min(cpu, Self.cpuSeconds() - before)
      }
      line("fit_ingest\(label)_rows_per_s", Double(rows) / wall, "rows/s(\(workers) threads)")
      line("fit_ingest\(label)_mb_per_s", bytes / 1e6 / wall, "MB/s(\(workers) threads)")
      line("fit_ingest\(label)_mb_per_s_per_core", bytes / 1e6 / cpu, "MB/s per CPU-second")
    }
    let fit = try timed {
      let summary = try JourneyLogReader.read(path: path, vocabulary: named, threads: threads)
      _ = try TransitionFit.fit(summary, model: logged, file: path)
    }
    line("fit_seconds", fit, "s(read + fit, \(rows) rows, \(Int(bytes / 1e6)) MB)")
    // The same log as customer paths (journey attribute --journeys), on one thread.
    var paths = 0
    var pathsCPU = Double.infinity
    _ = try timed(runs: Swift.min(`repeat`, 3)) {
      let before = Self.cpuSeconds()
      paths = try JourneyPaths.read(path: path, scenario: logged).table.count
      pathsCPU = Swift.min(pathsCPU, Self.cpuSeconds() - before)
    }
    line(
      "journey_paths_mb_per_s_per_core", bytes / 1e6 / pathsCPU,
      "MB/s per CPU-second(the log as \(paths) customer paths, 1 thread)")
  }

  /// User plus system CPU time of the process so far.
  static func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    return user + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
  }

  /// Best wall time over `repeat` runs of `inner` calls, per call.
  func timed(inner: Int = 1, runs: Int? = nil, _ body: () throws -> Void) throws -> Double {
    var fastest = Double.infinity
    for _ in 0..<(runs ?? `repeat`) {
      let start = DispatchTime.now().uptimeNanoseconds
      for _ in 0..<inner { try body() }
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(inner)
      fastest = Swift.min(fastest, seconds)
    }
    return fastest
  }

  func line(_ name: String, _ value: Double, _ unit: String) {
    print("\(name) \(String(format: value >= 1000 ? "%.4g" : "%.3f", value)) \(unit)")
  }
}
