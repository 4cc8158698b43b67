import ArgumentParser
import Foundation
import JourneyFormats
import JourneyModel
import JourneyReports
import JourneySimulation

struct Simulate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "simulate",
    abstract: "Simulate a population through a scenario's journey under its budget plan.",
    discussion: """
      Writes periods.csv, summary.json and analytics.csv to --out (each file atomically) and \
      prints a summary. The individual engine can also write every customer's journey \
      (customer_id,period,phase,channels) with --journeys; without --out the other files \
      then go into the journey log's folder, so one run writes one folder.

      Examples:
        journey simulate scenarios/b2c.yaml
        journey simulate scenarios/b2c.yaml --engine cohort --seed 7 --format json
        journey simulate scenarios/b2b.yaml --journeys results/b2b-history/journeys.csv
        journey simulate scenarios/b2c.yaml --population 200000 --journeys results/history/journeys.csv
      """
  )

  @Argument(help: "Scenario file (YAML or JSON).")
  var scenario: String

  @Option(help: "individual, cohort or expected.")
  var engine: Engine = .individual

  @OptionGroup var seedOptions: SeedOptions

  @Option(help: "Simulate this many customers at the start instead of the scenario's size (arrivals scale alike).")
  var population: Int?

  @OptionGroup var threadOptions: ThreadOptions

  @OptionGroup var output: OutputOptions

  @Option(help: "Write the journey log to this CSV file (individual engine).")
  var journeys: String?

  @Flag(
    inversion: .prefixedNo,
    help: "Prefix CSV cells that spreadsheets would run as formulas (=, +, -, @) with ' (fit undoes it).")
  var neutraliseFormulas = true

  func validate() throws {
    if let population, population < 1 || population > Scenario.maxCustomers {
      throw ValidationError("Please give '--population' between 1 and 10^12.")
    }
    if journeys != nil && engine != .individual {
      throw ValidationError("'--journeys' needs '--engine individual': only it follows single customers.")
    }
  }

  func run() throws {
    var spec = try Scenario.load(path: scenario)
    if let population { spec = try spec.withPopulation(population) }
    let directory = try output.directory(name: spec.name, file: scenario, fallback: journeys.map(Self.folder(of:)))
    let progress = Progress(label: "simulating \(spec.period.rawValue)", total: spec.horizon)
    let log = try journeys.map { try JourneyLogFile(path: $0, neutraliseFormulas: neutraliseFormulas) }
    let result = try Simulator.run(
      spec, engine: engine, seed: seedOptions.seed, threads: threadOptions.threads, journeyLog: log,
      progress: progress.update)
    let analytics: ChainAnalytics?
    do {
      analytics = try ChainAnalytics(scenario: spec)
    } catch {
      analytics = nil
      FileHandle.standardError.write(Data("warning: no analytics.csv: \(error)\n".utf8))
    }
    var files = SimulationOutput(scenario: spec, result: result, analytics: analytics)
    files.neutraliseFormulas = neutraliseFormulas
    try files.write(to: directory, journeyLog: log)
    switch output.format {
    case .table: print(files.table(), terminator: "")
    case .csv: print(files.periodsCSV(), terminator: "")
    case .json: print(String(decoding: try files.summaryJSON(), as: UTF8.self), terminator: "")
    }
  }
}

extension Simulate {
  /// The folder of a file path (`.` for a bare file name).
  static func folder(of path: String) -> String {
    let folder = (path as NSString).deletingLastPathComponent
    return folder.isEmpty ? "." : folder
  }
}

extension Engine: ExpressibleByArgument {}
