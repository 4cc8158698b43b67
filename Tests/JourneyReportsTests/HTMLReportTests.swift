import Foundation
import JourneyFormats
@testable import JourneyReports
import Testing
import _JourneyTestSupport

/// The page's sections and charts for each kind of input and their combinations.
@Suite struct HTMLReportTests {
  static let combinations: [[String]] = [
    ["summary.json"], ["forecast.json"], ["optimize.json"], ["summary.json", "forecast.json"],
    ["forecast.json", "optimize.json"], ["summary.json", "optimize.json"],
    ["summary.json", "forecast.json", "optimize.json"], ["fit.json"], ["summary.json", "fit.json"],
  ]

  static func expectedSections(_ files: [String]) -> Set<String> {
    var s = Set<String>()
    if files.contains("summary.json") { s.formUnion(["totals", "funnel", "conversions", "spend", "analytics"]) }
    if files.contains("forecast.json") { s.formUnion(["funnel", "fan", "increment", "comparison", "spend"]) }
    if files.contains("optimize.json") { s.insert("response-curves") }
    if files.contains("fit.json") { s.formUnion(["fit-summary", "effects", "calibration", "reach"]) }
    return s
  }

  static func expectedCharts(_ files: [String]) -> Set<String> {
    var s = Set<String>()
    if files.contains("summary.json") {
      s.formUnion(["funnel-simulation", "funnel-simulation-absorbed", "conversions-chart", "spend-simulation"])
    }
    if files.contains("forecast.json") {
      s.formUnion([
        "funnel-forecast", "funnel-forecast-absorbed", "fan-all", "fan-plan-0", "fan-plan-3", "increment-plan-1",
        "increment-plan-3", "comparison-conversions", "comparison-increment", "spend-forecast",
      ])
    }
    if files.contains("optimize.json") { s.formUnion((0..<5).map { "response-curve-\($0)" }) }
    if files.contains("fit.json") {
      s.formUnion(["effects-forest", "calibration-0", "calibration-5", "reach-curve-0", "adstock-decay-1"])
    }
    return s
  }

  func render(_ files: [String]) throws -> String {
    let dir = try ReportFixtures.directory(files)
    return HTMLReport(inputs: try ReportInputs.load(directory: dir)).render()
  }

  @Test(arguments: combinations)
  func sectionsAndChartsMatchTheInputs(files: [String]) throws {
    let html = try render(files)
    let expected = Self.expectedSections(files)
    for section in HTMLReport.Section.allCases {
      let present = html.contains("<section id=\"\(section.rawValue)\">")
      #expect(present == expected.contains(section.rawValue), "section \(section.rawValue) for \(files)")
    }
    for chart in Self.expectedCharts(files) {
      #expect(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"\(chart)\""), "chart \(chart)")
      #expect(html.contains("<title id=\"\(chart)-title\">"), "accessible title of \(chart)")
    }
    #expect(html.hasPrefix("<!DOCTYPE html>\n"))
    #expect(html.hasSuffix("</html>\n"))
    #expect(html.occurrences(of: "<svg ") == html.occurrences(of: "</svg>"))
    #expect(html.occurrences(of: "<section ") == html.occurrences(of: "</section>"))
    #expect(html.occurrences(of: "<svg ") == html.occurrences(of: "role=\"img\""))
    #expect(!html.contains("<script"), "the page needs no JavaScript")
    #expect(!html.contains("http://") || html.occurrences(of: "http://") == html.occurrences(of: "http://www.w3.org/2000/svg"))
    #expect(!html.contains("https://"), "no network resources")
    for file in files { #expect(html.contains(file), "header names \(file)") }
  }

  @Test func headerShowsTheRunsIdentity() throws {
    let html = try render(ReportFixtures.names)
    #expect(html.contains("<h1>b2c-webshop</h1>"))
    #expect(html.contains("<dt>horizon</dt><dd>52 weeks</dd>"))
    #expect(html.contains("expected engine, seed 42, 1,000,000 customers at start"))
    #expect(html.contains("scenario model, seed 42, 200 replicates, without parameter uncertainty"))
    #expect(html.contains("summary.json (journey simulate), forecast.json (journey forecast), optimize.json (journey optimize)"))
  }

  @Test func missingParameterUncertaintyIsNoted() throws {
    let html = try render(["forecast.json"])
    #expect(html.contains("id=\"uncertainty-note\""))
    #expect(html.contains("The scenario file has no fit covariance; intervals reflect Monte Carlo noise only."))
    let withUncertainty = try ReportFixtures.directory(["forecast.json"]) { _, text in
      text.replacingOccurrences(of: "\"parameter_uncertainty\" : false", with: "\"parameter_uncertainty\" : true")
    }
    let other = HTMLReport(inputs: try ReportInputs.load(directory: withUncertainty)).render()
    #expect(!other.contains("id=\"uncertainty-note\""))
  }

  @Test func numbersAreGroupedInTablesAndAxes() throws {
    let html = try render(ReportFixtures.names)
    // Totals of the simulation, plan comparison and allocation tables.
    #expect(html.contains("<th scope=\"row\">conversions</th><td class=\"num\">873,942</td>"))
    #expect(html.contains("<th scope=\"row\">search +25%</th><td class=\"num\">4,093,000</td>"))
    #expect(html.contains("<td class=\"num\">13,780 – 57,386</td>"))
    // With a forecast the allocation table starts with the current spend (the baseline plan's).
    #expect(html.contains("<td class=\"num\">1,834,000</td><td class=\"num\">48.0%</td>"))
    #expect(html.contains("<td class=\"num\">500,000 – 2,600,000</td><td class=\"num\">lower bound</td>"))
    #expect(html.contains("<td class=\"num\">20,000 – 200,000</td><td class=\"num\">upper bound</td>"))
    // Axis ticks of the simulation funnel (up to 1,000,000 customers).
    #expect(html.contains(">1,000,000</text>"))
    #expect(html.contains(">P(convert)</th>"))
    #expect(html.contains("<th scope=\"row\">unaware</th><td class=\"num\">0.7216</td><td class=\"num\">34.3</td><td class=\"num\">59.4</td>"))
  }

  @Test func optimumMarkersSitOnTheResponseCurves() throws {
    let dir = try ReportFixtures.directory(["optimize.json"])
    let inputs = try ReportInputs.load(directory: dir)
    let o = try #require(inputs.optimization)
    let curve = try #require(o.responseCurves?["search"])
    let y = try #require(HTMLReport.interpolate(curve, at: 1_834_000))
    #expect(y > 22_000 && y < 22_500)
    let html = HTMLReport(inputs: inputs).render()
    #expect(html.occurrences(of: "<circle class=\"marker\"") == 5)
    #expect(html.contains("search: optimum at 1,834,000"))
  }

  @Test func sameInputsGiveTheSameBytes() throws {
    let a = try render(ReportFixtures.names)
    let b = try render(ReportFixtures.names)
    #expect(a == b)
    #expect(Data(a.utf8) == Data(b.utf8))
  }

  @Test func optionalFieldsMayBeMissing() throws {
    let dir = try CommandRunner.temporaryDirectory()
    try ReportFixtures.write(
      """
      {"format": "journeykit-forecast", "format_version": 1, "plans": [
        {"name": "only", "periods": [{"period": 0, "conversions": {"mean": 5}, "cpa": null, "roi": null},
                                     {"period": 1, "conversions": {"mean": 7, "p5": 6, "p95": 9}}],
         "totals": {"conversions": {"mean": 12}, "cpa": null}}]}
      """, as: "forecast.json", in: dir)
    try ReportFixtures.write(
      #"{"format": "journeykit-optimization", "format_version": 1, "allocation": {"tv": 10}}"#,
      as: "optimize.json", in: dir)
    let html = HTMLReport(inputs: try ReportInputs.load(directory: dir)).render()
    #expect(html.contains("<section id=\"fan\">"))
    #expect(html.contains("<section id=\"response-curves\">"))
    #expect(html.contains("<th scope=\"row\">only</th><td class=\"num\">–</td><td class=\"num\">12</td>"))
    #expect(html.contains("<h1>unnamed scenario</h1>"))
  }
}

/// Every name from a user's file is escaped wherever it appears.
@Suite struct EscapingReportTests {
  @Test func escapeReplacesTheFiveSpecialCharacters() {
    #expect(HTML.escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;")
    #expect(HTML.escape("a&b\"c'") == "a&amp;b&quot;c&#39;")
    #expect(HTML.escape("plain – text") == "plain – text")
  }

  @Test func hostileNamesAreEscapedEverywhere() throws {
    let dir = try ReportFixtures.directory(ReportFixtures.names) { _, text in ReportFixtures.hostileText(text) }
    let inputs = try ReportInputs.load(directory: dir)
    #expect(inputs.simulation?.scenario == "<script>alert(1)</script>")
    #expect(inputs.forecast?.plans?.first?.name == "</table><b>plan & 'co'")
    let html = HTMLReport(inputs: inputs).render()
    for raw in ReportFixtures.hostileRaw {
      #expect(!html.contains(raw), "unescaped \(raw)")
    }
    for h in ReportFixtures.hostile {
      #expect(html.contains(h.escaped), "escaped \(h.escaped)")
    }
    #expect(!html.contains("<script"))
    #expect(!html.contains("<img"))
    #expect(!html.contains("onload=alert(3)>"))
    #expect(html.occurrences(of: "<svg ") == html.occurrences(of: "</svg>"))
    #expect(html.occurrences(of: "<table") == html.occurrences(of: "</table>"))
    // The scenario name reaches the page title and heading, escaped.
    #expect(html.contains("<title>JourneyKit report: &lt;script&gt;alert(1)&lt;/script&gt;</title>"))
    #expect(html.contains("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>"))
  }
}

/// Axis ticks: nice steps, grouped labels, exact period axes.
@Suite struct AxisReportTests {
  @Test func ticksUseNiceSteps() {
    let t = Ticks(lo: 0, hi: 873_942, count: 5)
    #expect(t.step == 200_000 && t.lower == 0 && t.upper == 1_000_000)
    #expect(t.values.map(t.label) == ["0", "200,000", "400,000", "600,000", "800,000", "1,000,000"])
    let small = Ticks(lo: 0, hi: 0.0147, count: 5)
    #expect(small.step == 0.005)
    #expect(small.values.map(small.label) == ["0", "0.005", "0.010", "0.015"])
  }

  @Test func periodAxesEndAtTheHorizon() {
    let t = Ticks.exact(lo: 0, hi: 51, count: 10)
    #expect(t.lower == 0 && t.upper == 51)
    #expect(t.values == [0, 10, 20, 30, 40, 50])
  }

  @Test func degenerateRangesStillGiveAnAxis() {
    let flat = Ticks(lo: 5, hi: 5)
    #expect(flat.lower <= 5 && flat.upper >= 5 && flat.upper > flat.lower)
    let zero = Ticks(lo: 0, hi: 0)
    #expect(zero.upper > zero.lower)
    let one = Ticks.exact(lo: 0, hi: 0, count: 10)
    #expect(one.upper > one.lower)
  }

  @Test func aOnePeriodHorizonIsDrawn() throws {
    let dir = try CommandRunner.temporaryDirectory()
    try ReportFixtures.write(
      """
      {"format": "journeykit-simulation", "format_version": 1, "scenario": "tiny", "horizon": 1, "period": "day",
       "phases": ["a", "b"], "channels": [], "final": {"a": 1, "b": 2},
       "periods": [{"period": 0, "conversions": 3, "spend": 0, "counts": {"a": 3, "b": 0}}]}
      """, as: "summary.json", in: dir)
    let html = HTMLReport(inputs: try ReportInputs.load(directory: dir)).render()
    #expect(html.contains("<dt>horizon</dt><dd>1 day</dd>"))
    #expect(html.contains("<section id=\"conversions\">"))
    #expect(html.occurrences(of: "<svg ") == html.occurrences(of: "</svg>"))
  }
}
