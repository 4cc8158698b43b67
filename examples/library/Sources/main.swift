// JourneyKit as a library: load a shipped scenario, run the expected engine, fit the
// model from the shipped journey log, and print a few figures.
//
//   swift run --package-path examples/library journey-library-example [REPOSITORY]
//
// REPOSITORY is the JourneyKit checkout holding scenarios/ (default: the current folder).
import Foundation
import JourneyEstimation
import JourneyFormats
import JourneyModel
import JourneySimulation

let root = CommandLine.arguments.dropFirst().first ?? "."
let scenarioPath = root + "/scenarios/word-of-mouth.yaml"
let historyPath = root + "/scenarios/history/word-of-mouth-journeys.csv"

do {
  // 1. A scenario file, parsed and validated (errors name file, line and YAML path).
  let scenario = try Scenario.load(path: scenarioPath)
  print("scenario \(scenario.name): \(scenario.phases.count) phases, horizon \(scenario.horizon)")

  // 2. The expected engine: the mean recursion, no Monte Carlo noise.
  let run = try Simulator.run(scenario, engine: .expected)
  let conversions = run.conversions.reduce(0, +)
  let spend = run.spend.joined().reduce(0, +)
  print("expected conversions \(String(format: "%.1f", conversions)), spend \(String(format: "%.0f", spend))")

  // 3. A fit of the transition probabilities and channel effects from a journey log.
  let outcome = try TransitionFit.run(
    FitRequest(source: .journeyLog(path: historyPath), model: scenarioPath, holdout: 0.2))
  print("fit: \(outcome.fit.parameters.count) parameters, log-likelihood \(String(format: "%.3f", outcome.fit.logLikelihood))")
  for parameter in outcome.fit.parameters where parameter.channel == "referral" && parameter.kind.rawValue == "effect" {
    let se = parameter.standardError.map { String(format: "%.4f", $0) } ?? "-"
    print("  \(parameter.origin) -> \(parameter.target) referral \(String(format: "%.4f", parameter.estimate)) (se \(se))")
  }

  // 4. The fitted model is a scenario: simulate it like any other.
  let refit = try Simulator.run(outcome.scenario, engine: .expected)
  print("fitted model: expected conversions \(String(format: "%.1f", refit.conversions.reduce(0, +)))")
} catch {
  FileHandle.standardError.write(Data("error: \(error)\n".utf8))
  exit(2)
}
