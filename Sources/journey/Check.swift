import ArgumentParser
import Foundation
import JourneyCheck
import JourneyFormats
import JourneyModel
import JourneyReports
import JourneySimulation

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Fail when a code or model change moves the forecast (exact figures at all, Monte Carlo ones beyond noise).",
    discussion: """
      Re-runs every scenario that has a reference (results/<name>/reference.json) and \
      compares two sets of figures. The reference engine's figures, with the reference's \
      seed (identical when nothing changed, whatever --threads), hold when \
      |now - reference| <= max(absolute, relative * |reference|, k * sqrt(2) * sd), sd being \
      the figure's Monte Carlo standard deviation stored in the reference. The expected \
      engine's figures (no Monte Carlo noise) hold when |now - reference| <= \
      max(absolute, exact * |reference|): any change of the scenario or the model beyond \
      that fails, however small the scenario (defaults: absolute 1e-6, relative 1e-9, k 5, \
      exact 1e-6; edit 'tolerance' in a reference, also per metric). A PASS line names the \
      figure that came closest to its tolerance. Exit 0 when all hold, 1 when something \
      moved, 2 on bad input or when a reference could not be compared (a missing scenario \
      file fails its reference only; the others are still checked).

      PATHS are reference files, folders searched for reference.json (default: results), or \
      scenario or budget files (their reference is results/<name>/reference.json). A budget \
      file's reference holds its forecast (per plan: mean conversions per period, total \
      conversions with P5/P50/P95, revenue, spend, increment), each figure's sd from the \
      forecast's own replicates, and each plan's expected-engine figures at the point \
      parameters. --update prints the smallest change of total conversions each reference \
      detects.

      Examples:
        journey check
        journey check --format junit > check.xml
        journey check scenarios/b2c.yaml --update --engine individual
      """
  )

  @Argument(help: "References, folders or scenario files (default: results).")
  var paths: [String] = []

  @Flag(help: "Rewrite the references deliberately and print what changed.")
  var update = false

  @Option(help: "table, json or junit.")
  var format: CheckFormat = .table

  @OptionGroup var threadOptions: ThreadOptions

  @Option(help: "Engine for new references (with --update; existing ones keep theirs).")
  var engine: Engine?

  @Option(help: "Runs for each figure's standard deviation (with --update).")
  var replicates: Int?

  func validate() throws {
    if let replicates, replicates < 2 { throw ValidationError("Please give '--replicates' of at least 2.") }
    if !update && (engine != nil || replicates != nil) {
      throw ValidationError("'--engine' and '--replicates' only apply with '--update'.")
    }
  }

  func run() throws {
    let targets = try resolve(paths.isEmpty ? ["results"] : paths)
    guard !targets.isEmpty else {
      throw InputError(.missing, file: paths.first ?? "results", Self.noReferences)
    }
    if update {
      try runUpdate(targets)
      return
    }
    let comparisons = targets.map {
      ReferenceRunner.check(referencePath: $0.reference, scenarioPath: $0.scenario, threads: threadOptions.threads)
    }
    switch format {
    case .table: print(CheckOutput.table(comparisons), terminator: "")
    case .json: print(String(decoding: try CheckOutput.json(comparisons), as: UTF8.self), terminator: "")
    case .junit: print(CheckOutput.junit(comparisons), terminator: "")
    }
    let moved = comparisons.reduce(0) { $0 + $1.failures.count }
    let problems = comparisons.compactMap(\.problem)
    if !problems.isEmpty {
      if moved > 0 { FileHandle.standardError.write(Data("check failed: \(CheckFailed(moved: moved))\n".utf8)) }
      throw ReferencesNotCompared(problems: problems)
    }
    if moved > 0 { throw CheckFailed(moved: moved) }
  }

  static let noReferences = "no references yet: run `journey check FILE --update` with a scenario or budget file"

  func runUpdate(_ targets: [Target]) throws {
    for target in targets {
      // An unreadable old reference is replaced when the scenario is named, else reported.
      // A reference of an older file-format version is read for its settings.
      var old: Reference?
      var unreadable: (any Error)?
      if FileManager.default.fileExists(atPath: target.reference) {
        do { old = try Reference.loadForUpdate(path: target.reference) } catch { unreadable = error }
      }
      let scenarioPath: String
      if let scenario = target.scenario {
        scenarioPath = scenario
        if let unreadable {
          FileHandle.standardError.write(Data("warning: replacing an unreadable reference: \(unreadable)\n".utf8))
        }
      } else if let old {
        scenarioPath = ReferenceRunner.scenarioPath(of: old, at: target.reference)
      } else {
        throw InputError(.syntax, file: target.reference, "cannot read this reference to update it (\(unreadable.map { "\($0)" } ?? "unknown problem")); name its scenario file instead: 'journey check SCENARIO --update'")
      }
      let chosenEngine = engine ?? old.flatMap { Engine(rawValue: $0.engine.rawValue) } ?? .individual
      let reference = try ReferenceRunner.make(
        scenarioPath: scenarioPath, referencePath: target.reference, engine: chosenEngine,
        seed: old?.seed, replicates: replicates ?? old?.replicates ?? ReferenceRunner.defaultReplicates,
        threads: threadOptions.threads, tolerance: old?.tolerance ?? .default)
      try AtomicFile.write(try reference.jsonData(), to: target.reference)
      // A version-1 reference has no exact figures: only its Monte Carlo figures are compared.
      let now = ReferenceRunner.Figures(metrics: reference.metrics, exact: old?.exact.isEmpty == false ? reference.exact : [])
      if let old, let comparison = try? Comparison(reference: old, referencePath: target.reference, now: now) {
        let moved = comparison.failures
        let upgraded = old.formatVersion != Reference.formatVersion ? " (from file-format version \(old.formatVersion))" : ""
        print("updated \(target.reference)\(upgraded): \(moved.count) of \(comparison.rows.count) figures moved beyond tolerance")
        if !moved.isEmpty { print(CheckOutput.table([comparison]).split(separator: "\n").dropFirst().joined(separator: "\n")) }
      } else {
        print("wrote \(target.reference): \(reference.metrics.count) figures, \(reference.engine) engine, seed \(reference.seed), sd from \(reference.replicates) runs")
      }
      print("  " + CheckOutput.detectable(reference.detectable, engine: reference.engine))
    }
  }

  struct Target {
    var reference: String
    /// The scenario file, when the path named one.
    var scenario: String?
  }

  func resolve(_ paths: [String]) throws -> [Target] {
    var targets: [Target] = []
    let fm = FileManager.default
    for path in paths {
      var isDirectory: ObjCBool = false
      let isScenario = path.hasSuffix(".yaml") || path.hasSuffix(".yml")
      guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
        if isScenario { throw InputError(.io, file: path, "no such scenario or budget file") }
        if path.hasSuffix(".json") {
          throw InputError(.io, file: path, "no such reference file; make one with 'journey check SCENARIO --update'")
        }
        throw InputError(.missing, file: path, Self.noReferences)
      }
      if isDirectory.boolValue {
        let found = (fm.enumerator(atPath: path)?.compactMap { $0 as? String } ?? [])
          .filter { $0.hasSuffix("reference.json") }.sorted()
        guard !found.isEmpty else { throw InputError(.missing, file: path, Self.noReferences) }
        targets += found.map { Target(reference: (path as NSString).appendingPathComponent($0)) }
      } else if isScenario {
        let name = BudgetScenario.isBudgetFile(path: path)
          ? try BudgetScenario.load(path: path).name : try Scenario.load(path: path).name
        let folder = try ResultsFolder.path(for: name, file: path)
        targets.append(Target(reference: folder + "/reference.json", scenario: path))
      } else {
        targets.append(Target(reference: path))
      }
    }
    return targets
  }
}

/// References that could not be compared (exit 2); the others were checked and printed.
struct ReferencesNotCompared: JourneyError {
  var problems: [String]
  var description: String {
    problems.joined(separator: "\n") + "\n\(problems.count) reference\(problems.count == 1 ? "" : "s") not compared"
  }
}

enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
  case table, json, junit
}
