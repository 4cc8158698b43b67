import ArgumentParser
import Foundation
import JourneyEstimation
import JourneyFormats
import JourneyImport
import JourneyModel
import JourneyPostgres
import JourneyReports

struct Fit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fit",
    abstract: "Fit transition probabilities and channel effects from a journey log.",
    discussion: """
      Reads a journey log (customer_id,period,phase,channels; the simulator writes one with \
      --journeys) and fits, per origin phase, a multinomial logit over staying and the \
      allowed targets with the channel exposures as covariates. Writes model.yaml (a \
      scenario with the fitted parameters) and fit.json (estimates, standard errors, 95% \
      intervals, covariance per origin, diagnostics, warnings) to --out, each atomically.

      Instead of a journey log, raw exports can be given: --stages (customer_id,timestamp,phase) \
      and --touchpoints (customer_id,timestamp,channel), bucketed into --period periods in \
      --timezone (default UTC) counted from --start (default: the earliest timestamp's period). \
      A period's phase is the one in effect when it starts. With --spend \
      (period,channel,spend) the reach curve and adstock of every paid channel are fitted \
      from the observed exposure rates. A 'segment' column in the journey log gives one fit \
      per segment. --events reads event tables or CRM stage histories with the options of \
      'journey import' (docs/importing.md), without a journey log in between.

      Large histories are aggregated where they live: --postgres URL with --table or \
      --query sends the aggregation to PostgreSQL and fits from the counts it returns; \
      'journey sql' prints the same aggregation for BigQuery, Spark or DuckDB, and --counts \
      fits from the counts such a query exports. --write-counts saves a history's counts \
      for refitting in milliseconds.

      Examples:
        journey fit --journeys results/b2c/journeys.csv --model scenarios/b2c.yaml
        journey fit --journeys export.csv --holdout 0.2 --ridge 0.1 --format json
        journey fit --stages stage_events.csv --touchpoints touchpoints.csv --period week --spend spend.csv
        journey fit --postgres postgresql://analyst@db/crm --table journeys --model scenarios/b2c.yaml
        journey fit --counts counts.csv --model scenarios/b2c.yaml
        journey fit --events events.csv.gz --period week --conversion purchased
      """
  )

  @Option(help: "The journey log (CSV with header customer_id,period,phase,channels[,segment]).")
  var journeys: String?

  @Option(help: "Counts of a history (kind,segment,period,phase,channels,target,holdout,count), as 'journey sql' or --write-counts make them.")
  var counts: String?

  @Option(help: "A PostgreSQL URL or key=value settings (PG* environment variables fill in the rest; '' for them alone); use with --table or --query.")
  var postgres: String?

  @Option(help: "The PostgreSQL table or view holding the journey log (schema.table allowed).")
  var table: String?

  @Option(help: "A PostgreSQL query returning the journey log's columns.")
  var query: String?

  @Option(help: "Also write the history's counts to this CSV file, to refit with --counts.")
  var writeCounts: String?

  @Option(
    parsing: .upToNextOption,
    help: "Event tables or CRM stage histories (as for 'journey import'), read straight into the fit.")
  var events: [String] = []

  @Option(
    parsing: .upToNextOption,
    help: "Google Analytics 4 BigQuery exports (newline-delimited JSON or the flattened CSV, detected by content unless --ga4-format says, as for 'journey import ga4'), read straight into the fit.")
  var ga4: [String] = []

  @OptionGroup(title: "Google Analytics 4 exports (--ga4)") var ga4Options: GA4Options

  @OptionGroup(title: "Event tables (--events, --ga4)") var importOptions: ImportOptions

  @Option(help: "A conversion phase of the fitted model when there is no --model (repeatable; default: inferred from the names).")
  var conversion: [String] = []

  @Option(help: "Raw export of stage events (customer_id,timestamp,phase); use with --touchpoints.")
  var stages: String?

  @Option(help: "Raw export of touchpoints (customer_id,timestamp,channel); use with --stages.")
  var touchpoints: String?

  @OptionGroup(title: "Periods of timed events (--stages/--touchpoints, --events, --ga4)") var periods: PeriodOptions

  @OptionGroup var threadOptions: ThreadOptions

  @Option(help: "Spend per period and channel (period,channel,spend), to fit reach curves and adstock.")
  var spend: String?

  @Option(help: "A scenario whose phases, channels, allowed transitions and effect channels define the model.")
  var model: String?

  @Option(help: "Share of customers held out (by the MD5 digest of their id, the split SQL engines make too) to score the fit.")
  var holdout: Double = 0

  @Option(help: "Ridge penalty λ on the squared effects (not on the baselines).")
  var ridge: Double = 0

  @Option(help: "Directory for model.yaml and fit.json; never a folder holding another file's reference.json.")
  var out: String = "results/fit"

  @Option(help: "What to print: table or json.")
  var format: OutputFormat = .table

  func validate() throws {
    let sources = [journeys != nil, stages != nil || touchpoints != nil, !events.isEmpty, !ga4.isEmpty, counts != nil, postgres != nil]
      .filter { $0 }.count
    guard sources == 1 else {
      throw ValidationError(
        sources == 0
          ? "Please give '--journeys FILE', '--events FILE…', '--ga4 FILE…', both '--stages FILE' and '--touchpoints FILE', '--counts FILE', or '--postgres URL' with '--table' or '--query'."
          : "Please give one history: '--journeys', '--events', '--ga4', '--stages'/'--touchpoints', '--counts' or '--postgres'.")
    }
    if ga4Options.ga4Format != nil && ga4.isEmpty {
      throw ValidationError("'--ga4-format' goes with '--ga4 FILE…'.")
    }
    if stages != nil || touchpoints != nil {
      guard stages != nil && touchpoints != nil else {
        throw ValidationError("Please give both '--stages FILE' and '--touchpoints FILE'.")
      }
    }
    if postgres != nil {
      guard (table != nil) != (query != nil) else {
        throw ValidationError("Please give '--postgres' with either '--table NAME' or '--query SQL'.")
      }
    } else if table != nil || query != nil {
      throw ValidationError("'--table' and '--query' go with '--postgres'.")
    }
    if !conversion.isEmpty && model != nil {
      throw ValidationError("'--conversion' names the conversion phases when there is no '--model'; the model's phases say it otherwise.")
    }
    guard TimeZone(identifier: periods.timezone) != nil else {
      throw ValidationError("Unknown '--timezone' \(periods.timezone); please give an IANA name such as UTC or Europe/Berlin.")
    }
    guard holdout >= 0 && holdout < 1 else {
      throw ValidationError("Please give '--holdout' as a fraction in [0, 1), e.g. 0.2.")
    }
    guard ridge >= 0 && ridge.isFinite else { throw ValidationError("Please give a '--ridge' of at least 0.") }
    guard format != .csv else { throw ValidationError("Please give '--format' table or json.") }
  }

  func run() throws {
    try ResultsFolder.checkOwner(out, input: out + "/model.yaml")
    let source: FitRequest.Source
    var holdout = holdout
    var eventSource: EventHistorySource?
    var readingDisplay: Progress?
    if let journeys {
      source = .journeyLog(path: journeys)
    } else if let counts {
      source = .counts(path: counts)
    } else if let postgres {
      let seasonLength = try model.map { Vocabulary(model: try Scenario.load(path: $0)).seasonLength } ?? 0
      let rows = try PostgresCounts.fetch(
        connection: postgres, source: table.map { .table($0) } ?? .query(query ?? ""),
        columns: try importOptions.columns.map { try CountsQuery.Columns.parse($0) } ?? CountsQuery.Columns(),
        seasonLength: seasonLength, holdoutThreshold: holdout > 0 ? HoldoutSplit.thresholdHex(holdout) : nil)
      source = .countsRows(rows)
      holdout = 0
    } else if !events.isEmpty || !ga4.isEmpty {
      let template = try model.map { try Scenario.load(path: $0) }
      let settings = try importOptions.settings(
        model: template, unit: periods.period, timeZone: periods.timezone, start: periods.start, from: periods.from,
        until: periods.until)
      let (display, reading) = Progress.reading(ga4.isEmpty ? events : ga4)
      readingDisplay = display
      eventSource =
        ga4.isEmpty
        ? EventHistorySource(paths: events, settings: settings, progress: reading)
        : EventHistorySource(paths: ga4, settings: settings, ga4: try ga4Options.settings(), progress: reading)
      source = .reader(eventSource!)
    } else {
      source = .rawExports(
        stages: stages ?? "", touchpoints: touchpoints ?? "", unit: periods.period, timeZone: periods.timezone,
        start: periods.start, from: periods.from, until: periods.until)
    }
    // The file size only scales the progress display.
    var size = 0
    if let journeys, let bytes = try? FileManager.default.attributesOfItem(atPath: journeys)[.size] as? Int {
      size = bytes
    }
    let progress = Progress(label: "reading", total: size, bytes: true)
    let request = FitRequest(
      source: source, model: model, spend: spend, holdout: holdout, ridge: ridge, threads: threadOptions.threads)
    var outcome = try TransitionFit.run(request, progress: { progress.update($0) })
    if journeys != nil { progress.finish() }
    readingDisplay?.finish()
    if let eventSource, let report = eventSource.lastReport {
      FileHandle.standardError.write(Data(report.text.utf8))
      if model == nil {
        outcome.fit.warnings += try EventImport.complete(
          &outcome.scenario, report: report, settings: eventSource.settings, conversion: conversion, hasSpend: spend != nil)
      }
    }
    let report = try outcome.fit.json(file: out + "/fit.json")
    let files = ResultSet()
    try files.stage(outcome.scenario.yamlText(), to: out + "/model.yaml")
    try files.stage(report, to: out + "/fit.json")
    if let writeCounts {
      try files.stage(CountsFile(summary: outcome.summary, file: writeCounts).csv(), to: writeCounts)
    }
    try files.commit()
    switch format {
    case .json: print(String(decoding: report, as: UTF8.self))
    default: print(table(outcome.fit, outcome.summary), terminator: "")
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
      rows.append([p.kind.rawValue, (p.segment.map { $0 + ": " } ?? "") + p.origin, p.target, p.channel ?? "", f(p.estimate), f(p.standardError), f(p.low), f(p.high)])
    }
    for r in fit.reach {
      for p in r.parameters {
        rows.append(["reach", "", p.target, p.channel ?? "", f(p.estimate), f(p.standardError), f(p.low), f(p.high)])
      }
    }
    for o in fit.organic {
      let p = o.rate
      rows.append(["organic", o.driver, p.target, p.channel ?? "", f(p.estimate), f(p.standardError), f(p.low), f(p.high)])
    }
    text += NumberText.table(rows)
    if !fit.calibration.isEmpty {
      text += "\ncalibration (\(fit.calibrationSet == .holdout ? "hold-out" : "fit") transitions): predicted vs observed probability of leaving\n"
      var cal = [["origin", "bin", "transitions", "predicted", "observed"]]
      for c in fit.calibration {
        cal.append([(c.segment.map { $0 + ": " } ?? "") + c.origin, "\(c.bin)", "\(c.transitions)", f(c.predicted), f(c.observed)])
      }
      text += NumberText.table(cal)
    }
    text += "\nlog-likelihood \(String(format: "%.3f", fit.logLikelihood)), parameters \(fit.parameterCount), "
    text += "AIC \(String(format: "%.3f", fit.aic)), BIC \(String(format: "%.3f", fit.bic))\n"
    if let loss = fit.holdoutLogLoss {
      text += "hold-out log-loss \(String(format: "%.5f", loss)) per transition (\(fit.holdoutTransitions) transitions)\n"
    }
    for w in fit.warnings { text += "warning: \(w)\n" }
    return text
  }
}

extension PeriodUnit: ExpressibleByArgument {}
