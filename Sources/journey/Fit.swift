import ArgumentParser
import Foundation
import JourneyEstimation
import JourneyModel
import JourneyReports

struct Fit: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fit transition probabilities and channel effects from a journey log.",
    discussion: """
      Reads a journey log (customer_id,period,phase,channels; the simulator writes one with \
      --journeys) and fits, per origin phase, a multinomial logit over staying and the \
      allowed targets with the channel exposures as covariates. Writes model.yaml (a \
      scenario with the fitted parameters) and fit.json (estimates, standard errors, 95% \
      intervals, covariance per origin, diagnostics, warnings) to --out, each atomically.

      Examples:
        journey fit --journeys results/b2c/journeys.csv --model scenarios/b2c.yaml
        journey fit --journeys export.csv --holdout 0.2 --ridge 0.1 --format json
      """
  )

  @Option(help: "The journey log (CSV with header customer_id,period,phase,channels).")
  var journeys: String

  @Option(help: "A scenario whose phases, channels, allowed transitions and effect channels define the model.")
  var model: String?

  @Option(help: "Share of customers held out (by a hash of their id) to score the fit.")
  var holdout: Double = 0

  @Option(help: "Ridge penalty λ on the squared effects (not on the baselines).")
  var ridge: Double = 0

  @Option(help: "Directory for model.yaml and fit.json (default: results/fit).")
  var out: String = "results/fit"

  @Option(help: "What to print: table or json.")
  var format: OutputFormat = .table

  func validate() throws {
    guard holdout >= 0 && holdout < 1 else {
      throw ValidationError("Please give '--holdout' as a fraction in [0, 1), e.g. 0.2.")
    }
    guard ridge >= 0 && ridge.isFinite else { throw ValidationError("Please give a '--ridge' of at least 0.") }
    guard format != .csv else { throw ValidationError("Please give '--format' table or json.") }
  }

  func run() throws {
    let template = try model.map { try Scenario.load(path: $0) }
    let vocabulary = template.map {
      Vocabulary(phases: $0.phases.map(\.name), channels: $0.channels.map(\.name))
    } ?? .inferred
    let size = (try? FileManager.default.attributesOfItem(atPath: journeys)[.size] as? Int) ?? 0
    let progress = Progress(label: "reading bytes", total: size)
    let summary = try JourneyLogReader.read(
      path: journeys, vocabulary: vocabulary, holdoutFraction: holdout, progress: progress.update)
    progress.update(size)
    let fit = try TransitionFit.fit(summary, model: template, ridge: ridge, file: journeys)
    let scenario = fit.scenario(template: template, summary: summary)
    let report = try fit.json()
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    try AtomicFile.write(scenario.yamlText(), to: out + "/model.yaml")
    try AtomicFile.write(report, to: out + "/fit.json")
    switch format {
    case .json: print(String(decoding: report, as: UTF8.self))
    default: print(table(fit, summary), terminator: "")
    }
  }

  func table(_ fit: TransitionFit, _ summary: JourneyLogSummary) -> String {
    func f(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "-" }
    var text = "\(summary.rows) rows, \(summary.customers) customers, \(fit.transitions) transitions"
    if model == nil {
      text += "\nphases (first seen): \(fit.phases.joined(separator: ", "))"
      text += "\nchannels (first seen): \(fit.channels.joined(separator: ", "))"
    }
    text += "\n\n"
    var rows = [["kind", "origin", "target", "channel", "estimate", "se", "95% low", "95% high"]]
    for p in fit.parameters {
      rows.append([p.kind, p.origin, p.target, p.channel ?? "", f(p.estimate), f(p.standardError), f(p.low), f(p.high)])
    }
    text += NumberText.table(rows)
    text += "\nlog-likelihood \(String(format: "%.3f", fit.logLikelihood)), parameters \(fit.parameterCount), "
    text += "AIC \(String(format: "%.3f", fit.aic)), BIC \(String(format: "%.3f", fit.bic))\n"
    if let loss = fit.holdoutLogLoss {
      text += "hold-out log-loss \(String(format: "%.5f", loss)) per transition (\(fit.holdoutTransitions) transitions)\n"
    }
    for w in fit.warnings { text += "warning: \(w)\n" }
    return text
  }
}
