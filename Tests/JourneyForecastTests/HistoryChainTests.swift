import Foundation
import JourneyForecast
import JourneyFormats
import JourneyModel
import JourneySimulation
import Testing
import _JourneyTestSupport

@Suite struct HistoryStartTests {
  @Test func startContinuesFromASimulationSummaryOrAFitReport() throws {
    let summary = #"{"format": "journeykit-simulation", "format_version": 1, "final": {"unaware": 700, "aware": 200, "loyal": 100, "lost": 0}}"#
    let fit = String(decoding: try JSONFile.encode(FitFile(
      phases: [], channels: [], parameters: [], origins: [], reach: [], segments: [],
      diagnostics: .init(
        logLikelihood: 0, parameters: 0, transitions: 0, aic: 0, bic: 0, ridge: 0, holdoutTransitions: 0,
        holdoutLogLoss: nil, calibrationSet: .fit, calibration: []),
      warnings: [], historyEnd: .init(period: 51, counts: ["considering": 40, "service": 60])), file: "fit.json"), as: UTF8.self)
    // An older summary (only `final`, no horizon) stands at period 0; an older fit's
    // history_end at its last logged period, so the forecast starts one period later.
    for (file, expected, period, forecastStart) in [
      ("summary.json", [700.0, 200, 0, 0, 0, 100, 0], 0, 0), ("fit.json", [0.0, 0, 40, 0, 60, 0, 0], 51, 52),
    ] {
      let (_, result) = try loadBudget(
        "name: h\nmodel: b2c.yaml\nstart: { history: \(file) }\nplans: [ { name: base } ]\n",
        extra: ["summary.json": summary, "fit.json": fit])
      let budget = try result.get()
      let state = try #require(budget.startState)
      #expect(state.phaseCounts == expected)
      #expect(state.period == period && state.forecastStart == forecastStart && budget.startPeriod == forecastStart)
      // Without adstock in the file, the model's plan gives it.
      #expect(state.adstockSource == .plan)
      #expect(state.adstock == StartState.planAdstock(budget.model, through: period))
      // A pooled state is split over the model's segments by their shares.
      let split = state.counts(for: budget.model)
      #expect(abs(split[1][5] - 0.2 * expected[5]) < 1e-9)
      let s = Forecast.scenario(for: budget.plans[0], budget: budget)
      #expect(s.horizon == budget.horizon + forecastStart - period)
    }
  }

  @Test func badHistoryFilesAreNamed() throws {
    let (path, lines) = try errors(
      "name: h\nmodel: b2c.yaml\nstart: { history: nowhere.json }\nplans: [ { name: base } ]\n")
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    let expected: String =
      "\(path):3:19: start.history: history file '\(folder)/nowhere.json' cannot be read; "
      + "expected a journey fit report (fit.json, with history_end) or a journey simulate summary (summary.json, with final)"
    #expect(lines == [expected])
    let (_, unknown) = try errors(
      "name: h\nmodel: b2c.yaml\nstart: { history: s.json }\nplans: [ { name: base } ]\n",
      extra: ["s.json": #"{"format": "journeykit-simulation", "format_version": 1, "final": {"trial": 5}}"#])
    #expect(unknown.count == 1 && unknown[0].contains("counts phase 'trial', which the model does not have"))
    let (_, versioned) = try errors(
      "name: h\nmodel: b2c.yaml\nstart: { history: s.json }\nplans: [ { name: base } ]\n",
      extra: ["s.json": #"{"format": "journeykit-simulation", "format_version": 99, "final": {"aware": 5}}"#])
    #expect(versioned.count == 1)
    #expect(versioned.first?.contains("start.history: history file ") == true)
    #expect(versioned.first?.contains("s.json: format_version: unknown format_version 99") == true, "\(versioned)")
    let (_, foreign) = try errors(
      "name: h\nmodel: b2c.yaml\nstart: { history: s.json }\nplans: [ { name: base } ]\n",
      extra: ["s.json": #"{"final": {"aware": 5}}"#])
    #expect(foreign.first?.contains("s.json: format: missing") == true, "\(foreign)")
  }
}

@Suite struct SegmentCovarianceTests {
  /// A fit report with one origin per segment moves only that segment's parameters.
  @Test func segmentOriginsApplyToTheirOwnSegment() throws {
    let fit = """
      {"origins": [
        {"origin": "aware", "segment": "b2c",
         "parameters": [{"kind": "intercept", "target": "considering", "estimate": -2.0}], "covariance": [[0.25]]},
        {"origin": "aware", "segment": "b2b",
         "parameters": [{"kind": "intercept", "target": "considering", "estimate": -2.0}], "covariance": [[1e-12]]}]}
      """
    let (_, result) = try loadBudget(
      "name: s\nmodel: b2c.yaml\nfit: fit.json\nplans: [ { name: base } ]\n", extra: ["fit.json": fit])
    let budget = try result.get()
    let covariance = try #require(budget.fit)
    #expect(covariance.origins.map(\.segment) == ["b2c", "b2b"])
    let sampler = try ParameterSampler(covariance, file: "fit.json")
    var rng = SplitMix64(seed: 3, stream: 0)
    let aware = try #require(budget.model.phaseIndex(named: "aware"))
    let considering = try #require(budget.model.phaseIndex(named: "considering"))
    var b2cMoved = 0
    for _ in 0..<20 {
      let segments = sampler.segments(for: budget.model, theta: sampler.draw(using: &rng))
      let b2c = segments[0].parameters.probability(aware, considering)
      let b2b = segments[1].parameters.probability(aware, considering)
      if abs(b2c - budget.model.segments[0].parameters.probability(aware, considering)) > 1e-4 { b2cMoved += 1 }
      #expect(abs(b2b - budget.model.segments[1].parameters.probability(aware, considering)) < 1e-4)
    }
    #expect(b2cMoved >= 18)
  }

  @Test func duplicateOriginWithinASegmentAndUnknownSegmentsAreErrors() throws {
    let fit = """
      {"origins": [
        {"origin": "aware", "segment": "b2c", "parameters": [{"kind": "intercept", "target": "considering", "estimate": -2.0}], "covariance": [[0.25]]},
        {"origin": "aware", "segment": "b2c", "parameters": [{"kind": "intercept", "target": "considering", "estimate": -2.0}], "covariance": [[0.25]]},
        {"origin": "aware", "segment": "retail", "parameters": [{"kind": "intercept", "target": "considering", "estimate": -2.0}], "covariance": [[0.25]]}]}
      """
    let (_, lines) = try errors("name: s\nmodel: b2c.yaml\nfit: fit.json\nplans: [ { name: base } ]\n", extra: ["fit.json": fit])
    #expect(lines.contains { $0.contains("origin 'aware' appears twice in segment 'b2c'") })
    #expect(lines.contains { $0.contains("unknown segment 'retail'; expected one of: b2c, b2b") })
  }
}

@Suite struct HistoryChainTests {
  /// simulate --journeys → fit → forecast from the end of the history with the fit's
  /// covariance, through the CLI: the fitted model describes the history's market, and the
  /// forecast starts from the customers of the history's last period.
  @Test func simulateFitForecastChain() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let sim = try CommandRunner.run([
      "simulate", "scenarios/b2c.yaml", "--population", "20000", "--out", dir + "/history", "--journeys", dir + "/journeys.csv",
    ])
    #expect(sim.status == 0, "\(sim.stderr)")
    let fit = try CommandRunner.run([
      "fit", "--journeys", dir + "/journeys.csv", "--model", "scenarios/b2c.yaml", "--out", dir + "/fit",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    let model = try Scenario.load(path: dir + "/fit/model.yaml")
    #expect(model.population.size == 20_000)
    #expect(model.population.arrivals == 100)
    #expect(model.segments.map(\.name) == ["b2c", "b2b"])
    let report = try JSONFile.read(FitFile.self, path: dir + "/fit/fit.json")
    let end = try #require(report.historyEnd)
    #expect(end.period == 51)
    #expect(end.forecastStart == 52)
    #expect(end.adstockSource == "plan")
    let customers: Int = end.counts.values.reduce(0, +)
    #expect(customers == 25_100)
    let bySegment = try #require(end.segments)
    #expect(Set(bySegment.keys) == ["b2c", "b2b"])
    #expect(bySegment.values.reduce(0) { $0 + $1.values.reduce(0, +) } == customers)
    let adstock = try #require(end.adstock)
    #expect(adstock["tv"].map { $0 > 0 } == true)
    // simulate's summary.json holds the state after its 52 periods in the same form.
    let summary = try JSONFile.read(SummaryFile.self, path: dir + "/history/summary.json")
    let simEnd = try #require(summary.historyEnd)
    #expect(simEnd.period == 52 && simEnd.forecastStart == 52)
    #expect(simEnd.adstockSource == "spend")
    #expect(Set(simEnd.segments?.keys.map { $0 } ?? []) == ["b2c", "b2b"])

    try """
      name: chain
      model: fit/model.yaml
      fit: fit/fit.json
      start: { history: fit/fit.json }
      horizon: 6
      replicates: 50
      plans: [ { name: base }, { name: more-search, scale: { search: 1.5 } } ]
      """.write(toFile: dir + "/budget.yaml", atomically: true, encoding: .utf8)
    let forecast = try CommandRunner.run(["forecast", dir + "/budget.yaml", "--out", dir + "/forecast", "--format", "json"])
    #expect(forecast.status == 0, "\(forecast.stderr)")
    let root = try JSONFile.decode(ForecastFile.self, from: Data(forecast.stdout.utf8), file: "forecast.json")
    #expect(root.parameterUncertainty == true)
    // The forecast's period 0 is the calendar period after the history.
    #expect(root.startPeriod == 52)
    #expect(root.startState?.period == 51)
    #expect(root.startHistory == dir + "/fit/fit.json")
    #expect(root.plans?.count == 2)
    // The referral rate is fitted and drawn with the transitions.
    #expect(report.organic?.first?.channel == "referral")
    #expect(root.note?.contains("1 organic rate") == true)
    // The table and the report say where the forecast starts.
    let table = try CommandRunner.run(["forecast", dir + "/budget.yaml", "--out", dir + "/forecast"])
    #expect(table.status == 0, "\(table.stderr)")
    #expect(
      table.stdout.contains(
        "starts at week 52 of the calendar, continuing the history of \(dir)/fit/fit.json from its state at the start of week 51 (1 week simulated again as warm-up)"),
      "\(table.stdout)")
    let html = try CommandRunner.run(["report", dir + "/forecast", "--out", dir + "/report.html"])
    #expect(html.status == 0, "\(html.stderr)")
    let page = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
    #expect(page.contains("<dt>forecast start</dt><dd>week 52 of the calendar, continuing the history of \(dir)/fit/fit.json"), "report")
  }
}

@Suite struct DataSizeUncertaintyTests {
  /// Fits from 4× the history give forecast intervals about half as wide: simulate
  /// histories of 5,000 and 20,000 customers, fit each, forecast a large market (10⁷
  /// customers, so Monte Carlo noise is small next to parameter uncertainty) with each
  /// fit's covariance, and compare the P5–P95 widths of total conversions.
  @Test func fourTimesTheDataHalvesTheForecastInterval() throws {
    let dir = try CommandRunner.temporaryDirectory()
    var widths: [Double] = []
    for size in [5_000, 20_000] {
      let run = "\(dir)/n\(size)"
      let sim = try CommandRunner.run([
        "simulate", "scenarios/bench.yaml", "--population", String(size), "--seed", "5", "--engine", "individual",
        "--out", run + "/history", "--journeys", run + "/journeys.csv",
      ])
      #expect(sim.status == 0, "\(sim.stderr)")
      let fit = try CommandRunner.run(["fit", "--journeys", run + "/journeys.csv", "--model", "scenarios/bench.yaml", "--out", run + "/fit"])
      #expect(fit.status == 0, "\(fit.stderr)")
      try """
        name: width
        model: \(RepositoryFiles.path("scenarios/bench.yaml"))
        fit: fit/fit.json
        start: { unaware: 10000000 }
        horizon: 26
        seed: 3
        replicates: 400
        plans: [ { name: base } ]
        """.write(toFile: run + "/budget.yaml", atomically: true, encoding: .utf8)
      let forecast = try CommandRunner.run(["forecast", run + "/budget.yaml", "--out", run + "/forecast", "--format", "json"])
      #expect(forecast.status == 0, "\(forecast.stderr)")
      let root = try #require(try JSONSerialization.jsonObject(with: Data(forecast.stdout.utf8)) as? [String: Any])
      let plans = try #require(root["plans"] as? [[String: Any]])
      let totals = try #require(plans.first?["totals"] as? [String: Any])
      let conversions = try #require(totals["conversions"] as? [String: Double])
      widths.append(try #require(conversions["p95"]) - #require(conversions["p5"]))
    }
    let ratio = widths[1] / widths[0]
    #expect(ratio > 0.35 && ratio < 0.65, "width ratio \(ratio) (\(widths))")
  }
}
