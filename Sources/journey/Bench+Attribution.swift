import Foundation
import JourneyAttribution
import JourneyModel
import JourneySimulation

extension Bench {
  /// Attribution figures: exact order-1 Markov attribution of the paths of 1,000,000
  /// simulated customers of the benchmark scenario (from memory, and end to end from a
  /// ChannelAttribution-style CSV), and exact Shapley values over its 6 channels.
  func attributionFigures(_ spec: Scenario) throws {
    var paths = spec
    paths.population.size = 1_000_000
    let collector = JourneyPathCollector(scenario: paths)
    _ = try Simulator.run(paths, engine: .individual, threads: threadOptions.threads, journeyLog: collector)
    let table = collector.finish().table
    let unique = table.aggregated().count
    let label = "\(table.count) paths, \(unique) unique, \(table.steps.count) touches"
    let memory = try cpuTimed { _ = try PathAttribution.run(table) }
    line(
      "markov1_ms_1e6_paths", memory.wall * 1_000,
      "ms/attribution(\(label), from memory; CPU \(milliseconds(memory.cpu)))")
    // The same over an 8-period window: shorter paths, many repeated.
    var short = paths
    short.horizon = 8
    let shortCollector = JourneyPathCollector(scenario: short)
    _ = try Simulator.run(short, engine: .individual, threads: threadOptions.threads, journeyLog: shortCollector)
    let shortTable = shortCollector.finish().table
    let shortLabel =
      "\(shortTable.count) paths, \(shortTable.aggregated().count) unique, \(shortTable.steps.count) touches"
    let shortTime = try cpuTimed { _ = try PathAttribution.run(shortTable) }
    line(
      "markov1_ms_paths_8_periods", shortTime.wall * 1_000,
      "ms/attribution(\(shortLabel), from memory; CPU \(milliseconds(shortTime.cpu)))")
    let csv = pathsCSV ?? NSTemporaryDirectory() + "/journey-bench-paths-\(getpid()).csv"
    defer { if pathsCSV == nil { try? FileManager.default.removeItem(atPath: csv) } }
    let endToEnd = try csvTimed(table, csv)
    line(
      "markov1_csv_s_1e6_paths", endToEnd.wall,
      "s/attribution(read CSV, aggregate, solve; \(label); CPU \(milliseconds(endToEnd.cpu)))")
    let shortCSV = pathsCSV.map { ($0.hasSuffix(".csv") ? String($0.dropLast(4)) : $0) + "-8-periods.csv" }
      ?? NSTemporaryDirectory() + "/journey-bench-paths-8-\(getpid()).csv"
    defer { if pathsCSV == nil { try? FileManager.default.removeItem(atPath: shortCSV) } }
    let shortEndToEnd = try csvTimed(shortTable, shortCSV)
    line(
      "markov1_csv_s_paths_8_periods", shortEndToEnd.wall,
      "s/attribution(read CSV, aggregate, solve; \(shortLabel); CPU \(milliseconds(shortEndToEnd.cpu)))")
    let shapley = try cpuTimed(runs: Swift.min(`repeat`, 3)) {
      _ = ChannelContribution.run(spec, options: .init(draws: 0, threads: threadOptions.threads))
    }
    line(
      "shapley_ms_6_channels", shapley.wall * 1_000,
      "ms/attribution(2^6 expected-engine runs + marginals; CPU of all threads \(milliseconds(shapley.cpu)))")
  }

  /// Writes `table` as a ChannelAttribution-style path file (one row per customer) and
  /// times reading it back, aggregating and solving the order-1 chain.
  func csvTimed(_ table: PathTable, _ csv: String) throws -> (wall: Double, cpu: Double) {
    var text = "path,total_conversions,total_null,total_conversion_value\n"
    for p in 0..<table.count {
      text += table.path(p).map { table.channels[Int($0)] }.joined(separator: " > ")
      text += ",\(Int(table.conversions[p])),\(Int(table.nulls[p])),\(Int(table.values[p]))\n"
    }
    try text.write(toFile: csv, atomically: false, encoding: .utf8)
    return try cpuTimed(runs: Swift.min(`repeat`, 3)) {
      _ = try PathAttribution.run(PathTable.readPaths(path: csv, threads: threadOptions.threads).aggregated())
    }
  }

  /// Best wall time and best CPU time of the process (every thread) over `runs` runs.
  ///
  /// On a shared machine the wall time includes waiting for a core; the CPU time does not.
  func cpuTimed(runs: Int? = nil, _ body: () throws -> Void) throws -> (wall: Double, cpu: Double) {
    var wall = Double.infinity
    var cpu = Double.infinity
    func processCPU() -> Double {
      var t = timespec()
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
      return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
    for _ in 0..<(runs ?? `repeat`) {
      let start = DispatchTime.now().uptimeNanoseconds
      let cpuStart = processCPU()
      try body()
      cpu = Swift.min(cpu, processCPU() - cpuStart)
      wall = Swift.min(wall, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return (wall, cpu)
  }

  func milliseconds(_ seconds: Double) -> String {
    String(format: "%.1f ms", seconds * 1_000)
  }
}
