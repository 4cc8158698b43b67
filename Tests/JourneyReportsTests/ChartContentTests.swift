import Foundation
import JourneyFormats
import JourneyModel
@testable import JourneyReports
import Testing
import _JourneyTestSupport

/// What the charts draw: bands with width, axes fitted to the data, palette colours,
/// bounds, currency, and the refusal of unrelated runs.
@Suite struct ChartContentTests {
  /// The SVG element with `id`, up to its `</svg>`.
  static func chart(_ id: String, in html: String) -> String? {
    guard let start = html.range(of: "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"\(id)\"") else { return nil }
    guard let end = html.range(of: "</svg>", range: start.upperBound..<html.endIndex) else { return nil }
    return String(html[start.lowerBound..<end.upperBound])
  }

  /// Every value of `attribute` in `svg`.
  static func values(of attribute: String, in svg: String) -> [String] {
    svg.components(separatedBy: " \(attribute)=\"").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
  }

  /// A band polygon's largest vertical extent in pixels: its upper points run left to
  /// right, then its lower points right to left.
  static func bandHeights(_ svg: String) -> [Double] {
    svg.components(separatedBy: "<polygon class=\"band\"").dropFirst().map { element in
      let points = values(of: "points", in: " " + element).first ?? ""
      let pairs = points.split(separator: " ").compactMap { p -> (Double, Double)? in
        let xy = p.split(separator: ",").compactMap { Double($0) }
        return xy.count == 2 ? (xy[0], xy[1]) : nil
      }
      let n = pairs.count / 2
      return (0..<n).map { i in Swift.abs(pairs[2 * n - 1 - i].1 - pairs[i].1) }.max() ?? 0
    }
  }

  /// A forecast of two plans whose conversions lie far from 0 and 0.5% apart.
  static func closePlans() -> ForecastFile {
    func plan(_ name: String, _ level: Double, increment: Double) -> ForecastFile.Plan {
      let periods = (0..<10).map { t in
        let c = level + Double(t) * 5
        return ForecastFile.Period(
          period: t, spend: 1000, conversions: .init(mean: c + 1, p5: c - 8, p50: c, p95: c + 8),
          increment: .init(mean: increment, p5: increment - 2, p50: increment, p95: increment + 3))
      }
      return .init(name: name, periods: periods, totals: .init(spend: 10_000))
    }
    return ForecastFile(
      scenario: "close", model: "m", replicates: 100, horizon: 10, period: "week",
      plans: [plan("baseline", 1000, increment: 0), plan("more", 1005, increment: 5)])
  }

  @Test func fanChartsStartNearTheDataAndTheIncrementBandHasWidth() throws {
    let html = HTMLReport(inputs: ReportInputs(forecast: Self.closePlans())).render()
    for id in ["fan-all", "fan-plan-0", "fan-plan-1"] {
      let svg = try #require(Self.chart(id, in: html), "chart \(id)")
      let ticks = svg.components(separatedBy: "text-anchor=\"end\" dominant-baseline=\"middle\">").dropFirst()
        .compactMap { $0.split(separator: "<").first }.map { String($0).replacingOccurrences(of: ",", with: "") }
      let lowest = try #require(ticks.compactMap(Double.init).min(), "y ticks of \(id)")
      #expect(lowest >= 900, "\(id): the y axis starts at \(lowest), not near the data (about 1,000)")
    }
    let increment = try #require(Self.chart("increment-plan-1", in: html))
    let heights = Self.bandHeights(increment)
    #expect(heights.count == 1 && heights[0] > 5, "increment band heights \(heights)")
    #expect(increment.contains("class=\"zero\""), "the increment chart marks 0")
    // Median solid, mean dashed: the two lines of a fan differ in style.
    let fan = try #require(Self.chart("fan-plan-1", in: html))
    #expect(fan.occurrences(of: "<polyline") == 2 && fan.occurrences(of: "stroke-dasharray") == 1)
    // Plans are named at their lines' ends, at least 13 px apart.
    let all = try #require(Self.chart("fan-all", in: html))
    let labels = all.components(separatedBy: "<text class=\"end-label\"").dropFirst()
    #expect(labels.count == 2)
    let ys = labels.compactMap { Double(Self.values(of: "y", in: $0).first ?? "") }.sorted()
    #expect(ys.count == 2 && ys[1] - ys[0] >= 13, "end labels at \(ys)")
  }

  @Test func seriesAndBandsUseThePalette() throws {
    let dir = try ReportFixtures.directory(ReportFixtures.names)
    let html = HTMLReport(inputs: try ReportInputs.load(directory: dir)).render()
    let allowed = Set(Palette.colours + [Palette.reference, "#1d2330", "#9aa5b5", "#5b6474", "#fff", "none"])
    for element in ["polyline class=\"series\"", "polygon class=\"band\"", "circle class=\"marker\""] {
      for piece in html.components(separatedBy: "<" + element).dropFirst() {
        let tag = String(piece.prefix { $0 != ">" })
        for colour in Self.values(of: "stroke", in: tag) + Self.values(of: "fill", in: tag) {
          #expect(allowed.contains(colour), "\(element) uses \(colour), not a palette colour")
        }
      }
    }
    // Search and TV, the two channels users could not tell apart, differ in colour and dash.
    let search = try #require(Self.chart("response-curve-0", in: html))
    let tv = try #require(Self.chart("response-curve-4", in: html))
    func line(_ svg: String) -> String { String(svg.components(separatedBy: "<polyline class=\"series\"").dropFirst().first ?? "") }
    #expect(Self.values(of: "stroke", in: line(search)).first != Self.values(of: "stroke", in: line(tv)).first)
    #expect(tv.contains("stroke-dasharray=\"\(Palette.dash(4))\""))
  }

  @Test func responseCurvesMarkTheBoundsTheOptimumAndTheCurrentSpend() throws {
    let dir = try ReportFixtures.directory(ReportFixtures.names)
    let html = HTMLReport(inputs: try ReportInputs.load(directory: dir)).render()
    let tv = try #require(Self.chart("response-curve-4", in: html))
    #expect(tv.contains("<rect class=\"shade\""), "spend below tv's lower bound is shaded")
    #expect(tv.contains("<title>tv: lower bound 500,000</title>"))
    #expect(tv.contains("<title>tv: optimum at 500,000</title>"))
    #expect(tv.contains("class=\"marker ring\""), "the current spend (baseline plan) is marked")
    let email = try #require(Self.chart("response-curve-3", in: html))
    #expect(email.contains("<title>email: upper bound 200,000</title>"))
    #expect(email.contains("<title>above the upper bound 200,000</title>"))
    // Contribution, not the total objective: every curve starts at 0.
    let points = Self.values(of: "points", in: tv).first ?? ""
    let ys = points.split(separator: " ").compactMap { Double($0.split(separator: ",").last ?? "") }
    #expect(ys.count > 2 && ys.max()! - ys.min()! > 100, "the curve fills the chart's height")
    #expect(html.contains("marginal conversions per 1,000 of spend"))
  }

  @Test func moneyCarriesTheCurrency() throws {
    let dir = try ReportFixtures.directory(ReportFixtures.names) { name, text in
      name == "fit.json" || name == "attribution.json"
        ? text : text.replacingOccurrences(of: "  \"format_version\" : 1,\n", with: "  \"format_version\" : 1,\n  \"currency\" : \"EUR\",\n")
    }
    let inputs = try ReportInputs.load(directory: dir)
    #expect(inputs.currency == "EUR")
    let html = HTMLReport(inputs: inputs).render()
    #expect(html.contains("<dt>currency</dt><dd>EUR</dd>"))
    #expect(html.contains("<td class=\"num\">€1,834,000</td>"), "allocation in euros")
    #expect(html.contains("€500,000 – €2,600,000"), "bounds in euros")
    #expect(html.contains("marginal conversions per €1,000"))
    #expect(html.contains(">spend over the horizon (EUR)</text>"), "the spend axis names the currency")
    #expect(html.contains("<th scope=\"row\">spend</th><td class=\"num\">€"), "simulation totals in euros")
    // Files that name different currencies come from unrelated runs.
    try ReportFixtures.write(
      try String(contentsOfFile: dir + "/optimize.json", encoding: .utf8).replacingOccurrences(of: "\"EUR\"", with: "\"USD\""),
      as: "optimize.json", in: dir)
    let e = #expect(throws: InputError.self) { try ReportInputs.load(directory: dir) }
    #expect(e?.description.contains("currency 'EUR' in summary.json, 'USD' in optimize.json") == true, "\(String(describing: e))")
  }

  static func withSource(_ text: String, kind: String, name: String, fingerprint: String) -> String {
    text.replacingOccurrences(
      of: "  \"format_version\" : 1,\n",
      with: "  \"format_version\" : 1,\n  \"source\" : { \"kind\" : \"\(kind)\", \"name\" : \"\(name)\", "
        + "\"model\" : \"b2c-webshop\", \"model_fingerprint\" : \"\(fingerprint)\" },\n")
  }

  @Test func unrelatedRunsAreRefusedNamingTheFiles() throws {
    let dir = try ReportFixtures.directory(["summary.json", "forecast.json"]) { name, text in
      name == "summary.json"
        ? Self.withSource(text, kind: "scenario", name: "b2c-webshop", fingerprint: "00000000000000aa")
        : Self.withSource(text, kind: "budget", name: "q1", fingerprint: "00000000000000bb")
    }
    let e = #expect(throws: InputError.self) { try ReportInputs.load(directory: dir) }
    #expect(e?.kind == .notAllowed)
    #expect(e?.description.contains("\(dir)/forecast.json") == true)
    #expect(e?.description.contains("summary.json and forecast.json come from unrelated runs") == true, "\(String(describing: e))")
    let outcome = try CommandRunner.run(["report", dir])
    #expect(outcome.status == 2)
    #expect(outcome.stderr.contains("fingerprint 00000000000000aa"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/report.html"))

    // Older files without a source are compared by model name.
    let named = try ReportFixtures.directory(["summary.json", "optimize.json"]) { name, text in
      name == "optimize.json" ? text.replacingOccurrences(of: "\"scenario\" : \"b2c-webshop\"", with: "\"scenario\" : \"b2b-funnel\"")
        .replacingOccurrences(of: "  \"format_version\" : 1,\n", with: "  \"format_version\" : 1,\n  \"model\" : \"b2b-funnel\",\n") : text
    }
    let n = #expect(throws: InputError.self) { try ReportInputs.load(directory: named) }
    #expect(n?.description.contains("model 'b2c-webshop' in summary.json, model 'b2b-funnel' in optimize.json") == true, "\(String(describing: n))")

    // A fit of other phases is not the fit of this model.
    let fit = try ReportFixtures.directory(["summary.json", "fit.json"]) { name, text in
      name == "fit.json" ? text.replacingOccurrences(of: "\"service\"", with: "\"support\"") : text
    }
    let f = #expect(throws: InputError.self) { try ReportInputs.load(directory: fit) }
    #expect(f?.description.contains("summary.json and fit.json come from unrelated runs") == true)
  }

  @Test func aForecastAndAnOptimisationOfOtherBudgetsOverOneModelAreNamed() throws {
    let dir = try ReportFixtures.directory(["forecast.json", "optimize.json"]) { name, text in
      name == "forecast.json"
        ? Self.withSource(text, kind: "budget", name: "q1", fingerprint: "00000000000000aa")
        : Self.withSource(text, kind: "budget", name: "q2", fingerprint: "00000000000000aa")
    }
    let html = HTMLReport(inputs: try ReportInputs.load(directory: dir)).render()
    #expect(html.contains("forecast.json forecasts budget q1 and optimize.json optimises budget q2, both over model b2c-webshop."))
  }

  @Test func theFunnelPutsAbsorbingPhasesOnTheirOwnScale() throws {
    let dir = try ReportFixtures.directory(["summary.json"])
    let html = HTMLReport(inputs: try ReportInputs.load(directory: dir)).render()
    let main = try #require(Self.chart("funnel-simulation", in: html))
    let absorbed = try #require(Self.chart("funnel-simulation-absorbed", in: html))
    #expect(!main.contains(">lost</text>") && absorbed.contains(">lost</text>"))
  }

  @Test func theFitReportShowsEffectsCalibrationReachAndWarnings() throws {
    let dir = try ReportFixtures.directory(["fit.json"])
    let inputs = try ReportInputs.load(directory: dir)
    let fit = try #require(inputs.fit)
    let html = HTMLReport(inputs: inputs).render()
    #expect(html.contains("<div class=\"note\" id=\"fit-warnings\"><strong>\(fit.warnings.count) warnings"))
    let forest = try #require(Self.chart("effects-forest", in: html))
    let effects = fit.parameters.filter { $0.kind == .effect }
    #expect(forest.occurrences(of: "<circle class=\"marker\"") == effects.count)
    #expect(forest.occurrences(of: "<line class=\"whisker\"") == 3 * effects.filter { $0.low != nil }.count)
    #expect(forest.contains("class=\"zero\""), "the forest plot marks 0")
    let calibration = try #require(Self.chart("calibration-0", in: html))
    #expect(calibration.contains("class=\"diagonal\""))
    #expect(calibration.occurrences(of: "<circle class=\"point\"") == fit.diagnostics.calibration.filter { $0.origin == "unaware" }.count)
    let reach = try #require(Self.chart("reach-curve-0", in: html))
    #expect(Self.bandHeights(reach).first ?? 0 > 1, "the reach curve has a 95% band")
    #expect(Self.bandHeights(try #require(Self.chart("adstock-decay-0", in: html))).first ?? 0 > 1)
  }
}
