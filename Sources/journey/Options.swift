import ArgumentParser
import Foundation
import JourneyFormats

/// `--threads`, for the commands that run work in parallel.
struct ThreadOptions: ParsableArguments {
  @Option(help: "Worker threads (results do not depend on it).")
  var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  func validate() throws {
    guard threads >= 1 else { throw ValidationError("Please give '--threads' of at least 1.") }
  }
}

/// `--seed`, for the commands that draw random numbers.
struct SeedOptions: ParsableArguments {
  @Option(help: "Random seed (default: the scenario's or budget file's seed).")
  var seed: UInt64?
}

/// `--out` and `--format`, for the commands that write result files named after their input.
struct OutputOptions: ParsableArguments {
  @Option(help: "Directory for the result files (default: results/<name of the scenario or budget>).")
  var out: String?

  @Option(help: "What to print: table, csv or json.")
  var format: OutputFormat = .table

  /// `--out`, else `fallback`, else `results/<name>` when `name` is a safe folder name;
  /// never a folder that holds the reference of another input than `file`.
  func directory(name: String, file: String, fallback: String? = nil) throws -> String {
    let directory = try out ?? fallback ?? ResultsFolder.path(for: name, file: file)
    try ResultsFolder.checkOwner(directory, input: file)
    return directory
  }
}

/// What goes to standard output.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table, csv, json
}
