import ArgumentParser
import Foundation
import JourneyFormats
import JourneyModel

/// `journey validate`: checks scenario files and reports every problem in each.
struct Validate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check scenario and budget scenario files and report every error they contain.",
    discussion: """
      Reads each scenario file (YAML or JSON), checks it completely and prints one line \
      per good file. For a bad file every error is printed to standard error as \
      FILE:LINE:COLUMN: PATH: MESSAGE, and the command exits with code 2.

      Example:
        journey validate scenarios/b2c.yaml scenarios/b2b.yaml
        OK scenarios/b2c.yaml (7 phases, 6 channels, 2 segments, horizon 52 periods)
      """
  )

  @Argument(help: "Scenario files to check.")
  var paths: [String]

  func validate() throws {
    guard !paths.isEmpty else {
      throw ValidationError("Please give at least one scenario file, e.g. 'journey validate scenarios/b2c.yaml'.")
    }
  }

  func run() throws {
    var failed = false
    for path in paths {
      do {
        if Self.isBudgetScenario(path) {
          let budget = try BudgetScenario.load(path: path)
          print(Self.summary(of: budget, path: path))
          continue
        }
        let scenario = try Scenario.load(path: path)
        print(Self.summary(of: scenario, path: path))
      } catch {
        failed = true
        FileHandle.standardError.write(Data((error.description + "\n").utf8))
      }
    }
    if failed { throw ExitCode(2) }
  }

  static func isBudgetScenario(_ path: String) -> Bool { BudgetScenario.isBudgetFile(path: path) }

  /// `OK path (budget scenario: P plans on MODEL, horizon T periods, R replicates)`.
  static func summary(of budget: BudgetScenario, path: String) -> String {
    func count(_ n: Int, _ word: String) -> String { "\(n) \(word)" + (n == 1 ? "" : "s") }
    return "OK \(path) (budget scenario: \(count(budget.plans.count, "plan")) on \(budget.model.name), "
      + "horizon \(count(budget.horizon, "period")), \(count(budget.replicates, "replicate")))"
  }

  /// `OK path (N phases, M channels, S segments, horizon T periods)`.
  static func summary(of scenario: Scenario, path: String) -> String {
    func count(_ n: Int, _ word: String) -> String { "\(n) \(word)" + (n == 1 ? "" : "s") }
    return "OK \(path) (\(count(scenario.phaseCount, "phase")), \(count(scenario.channelCount, "channel")), "
      + "\(count(scenario.segments.count, "segment")), horizon \(count(scenario.horizon, "period")))"
  }
}
