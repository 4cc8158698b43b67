import ArgumentParser
import Foundation
import JourneyModel
import JourneyReports
import JourneySimulation

struct Simulate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Simulate a population through a scenario's journey under its budget plan.",
    discussion: """
      Writes periods.csv, summary.json and analytics.csv to --out (each file atomically) and \
      prints a summary. The individual engine can also write every customer's journey \
      (customer_id,period,phase,channels) with --journeys.

      Examples:
        journey simulate scenarios/b2c.yaml
        journey simulate scenarios/b2c.yaml --engine cohort --seed 7 --format json
        journey simulate scenarios/b2b.yaml --journeys results/b2b/journeys.csv
        journey simulate scenarios/b2c.yaml --population 200000 --journeys history.csv
      """
  )

  @Argument(help: "Scenario file (YAML or JSON).")
  var scenario: String

  @Option(help: "individual, cohort or expected.")
  var engine: Engine = .individual

  @Option(help: "Random seed (default: the scenario's seed).")
  var seed: UInt64?

  @Option(help: "Simulate this many customers at the start instead of the scenario's size (arrivals scale alike).")
  var population: Int?

  @Option(help: "Worker threads for the individual engine (results do not depend on it).")
  var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: "Directory for the result files (default: results/<scenario name>).")
  var out: String?

  @Option(help: "Write the journey log to this CSV file (individual engine).")
  var journeys: String?

  @Option(help: "What to print: table, csv (per period) or json (summary).")
  var format: OutputFormat = .table

  @Flag(
    inversion: .prefixedNo,
    help: "Prefix CSV cells that spreadsheets would run as formulas (=, +, -, @) with ' (fit undoes it).")
  var neutraliseFormulas = true

  func validate() throws {
    guard threads >= 1 else { throw ValidationError("Please give '--threads' of at least 1.") }
    if let population, population < 1 || population > 1_000_000_000_000 {
      throw ValidationError("Please give '--population' between 1 and 10^12.")
    }
    if journeys != nil && engine != .individual {
      throw ValidationError("'--journeys' needs '--engine individual': only it follows single customers.")
    }
  }

  func run() throws {
    var spec = try Scenario.load(path: scenario)
    if let population {
      let factor = Double(population) / Double(spec.population.size)
      spec.population.arrivals = Int((Double(spec.population.arrivals) * factor).rounded())
      spec.population.size = population
    }
    let progress = Progress(label: "simulating \(spec.period.rawValue)", total: spec.horizon)
    let log = try journeys.map { try JourneyLogFile(path: $0, neutraliseFormulas: neutraliseFormulas) }
    let result = try Simulator.run(
      spec, engine: engine, seed: seed, threads: threads, journeyLog: log, progress: progress.update)
    try log?.finish()
    let analytics = try? ChainAnalytics(scenario: spec)
    var output = SimulationOutput(scenario: spec, result: result, analytics: analytics)
    output.neutraliseFormulas = neutraliseFormulas
    try output.write(to: out ?? "results/\(spec.name)")
    switch format {
    case .table: print(output.table(), terminator: "")
    case .csv: print(output.periodsCSV(), terminator: "")
    case .json: print(String(decoding: try output.summaryJSON(), as: UTF8.self), terminator: "")
    }
  }
}

extension Engine: ExpressibleByArgument {}
