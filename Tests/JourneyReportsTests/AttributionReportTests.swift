import Foundation
import JourneyFormats
@testable import JourneyReports
import Testing
import _JourneyTestSupport

/// The sections drawn from `attribution.json`: contribution with intervals and ROAS, the
/// path-based methods side by side, and the evaluation against the true shares.
@Suite struct AttributionReportTests {
  static let charts = [
    "contribution-conversions", "contribution-revenue", "contribution-roas", "path-attribution-chart",
    "evaluation-shares", "evaluation-error",
  ]

  static func fixture() throws -> AttributionFile {
    try AttributionFile.decode(Data(ReportFixtures.text(ReportInputs.attributionFile).utf8), file: "attribution.json")
  }

  static func render(_ file: AttributionFile) -> String {
    HTMLReport(inputs: ReportInputs(attribution: file)).render()
  }

  /// The SVG element with `id`, from its opening tag to its closing tag.
  static func chart(_ id: String, in html: String) -> String? {
    guard let start = html.range(of: "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"\(id)\""),
      let end = html.range(of: "</svg>", range: start.upperBound..<html.endIndex)
    else { return nil }
    return String(html[start.lowerBound..<end.upperBound])
  }

  /// The fixture with 95% intervals on every model figure and on the Markov shares.
  static func withIntervals() throws -> AttributionFile {
    var file = try fixture()
    func around(_ x: Double) -> AttributionFile.Range { .init(lower: x * 0.8, upper: x * 1.2) }
    for (i, c) in (file.model?.channels ?? []).enumerated() {
      file.model?.channels[i].intervals = .init(
        incrementalConversions: around(c.incrementalConversions), incrementalRevenue: around(c.incrementalRevenue),
        shapleyConversions: around(c.shapleyConversions), shapleyRevenue: around(c.shapleyRevenue),
        roas: c.roas.map(around), marginalRoas: c.marginalRoas.map(around))
    }
    file.model?.draws = 100
    file.model?.uncertainty = "100 draws from the fit's covariance"
    for (i, c) in (file.paths?.channels ?? []).enumerated() {
      file.paths?.channels[i].markovInterval = around(c.markov)
      file.paths?.channels[i].markovValueInterval = around(c.markovValue)
    }
    file.paths?.bootstrap = 200
    return file
  }

  @Test func everyPartHasItsSectionChartsAndTables() throws {
    let html = Self.render(try Self.fixture())
    for section in ["contribution", "path-attribution", "attribution-evaluation"] {
      #expect(html.contains("<section id=\"\(section)\">"), "section \(section)")
    }
    for section in ["totals", "funnel", "fan", "response-curves"] {
      #expect(!html.contains("<section id=\"\(section)\">"), "no \(section) without its file")
    }
    for chart in Self.charts {
      #expect(Self.chart(chart, in: html) != nil, "chart \(chart)")
      #expect(html.contains("<title id=\"\(chart)-title\">"), "accessible title of \(chart)")
    }
    for table in ["contribution-table", "path-attribution-table", "evaluation-table"] {
      #expect(html.contains("<table class=\"data\" id=\"\(table)\">"), "table \(table)")
    }
    #expect(html.contains("<h1>b2c-webshop</h1>"))
    #expect(html.contains("attribution.json (journey attribute)"))
    #expect(html.occurrences(of: "<svg ") == html.occurrences(of: "</svg>"))
    #expect(!html.contains("<script"))
  }

  @Test func contributionBarsShowEveryChannelsShapleyAndIncrement() throws {
    let file = try Self.fixture()
    let model = try #require(file.model)
    let svg = try #require(Self.chart("contribution-conversions", in: Self.render(file)))
    #expect(svg.occurrences(of: "<rect class=\"bar\"") == 2 * model.channels.count)
    for c in model.channels {
      #expect(svg.contains(">\(HTML.escape(c.name))</text>"), "label of \(c.name)")
      let shapley = HTMLReport(inputs: .init()).significant(c.shapleyConversions)
      #expect(svg.contains("<title>\(c.name), Shapley: \(shapley)</title>"), "Shapley bar of \(c.name)")
    }
    // Without draws: no whiskers and no interval columns.
    #expect(!svg.contains("class=\"whisker\""))
    #expect(!Self.render(file).contains("95% interval</th>"))
  }

  @Test func intervalsBecomeWhiskersAndTableColumns() throws {
    let file = try Self.withIntervals()
    let html = Self.render(file)
    let model = try #require(file.model)
    let conversions = try #require(Self.chart("contribution-conversions", in: html))
    // Three whisker lines (bar and two caps) per bar with an interval.
    #expect(conversions.occurrences(of: "class=\"whisker\"") == 3 * 2 * model.channels.count)
    #expect(conversions.contains("(95% interval "))
    let roas = try #require(Self.chart("contribution-roas", in: html))
    let paid = model.channels.filter { $0.roas != nil }
    #expect(roas.occurrences(of: "class=\"whisker\"") == 3 * 2 * paid.count)
    #expect(roas.contains("<line class=\"reference\""), "break-even line")
    let paths = try #require(Self.chart("path-attribution-chart", in: html))
    #expect(paths.occurrences(of: "class=\"whisker\"") == 3 * (file.paths?.channels.count ?? 0))
    #expect(html.occurrences(of: "95% interval</th>") == 4 + 2)
    #expect(html.contains("Whiskers are 95% intervals across 100 parameter draws"))
  }

  @Test func roasChartListsOnlyPaidChannels() throws {
    let file = try Self.fixture()
    let svg = try #require(Self.chart("contribution-roas", in: Self.render(file)))
    for c in file.model?.channels ?? [] {
      #expect(svg.contains(">\(c.name)</text>") == (c.kind == "paid"), "\(c.name) is \(c.kind)")
    }
    #expect(svg.contains(", marginal ROAS: "))
  }

  @Test func pathMethodsStandSideBySide() throws {
    let file = try Self.fixture()
    let paths = try #require(file.paths)
    let svg = try #require(Self.chart("path-attribution-chart", in: Self.render(file)))
    #expect(svg.occurrences(of: "<rect class=\"bar\"") == 4 * paths.channels.count)
    for method in ["first touch", "last touch", "linear", "Markov order \(paths.order)"] {
      #expect(svg.occurrences(of: ", \(method): ") == paths.channels.count, "\(method)")
    }
  }

  @Test func evaluationSetsEachMethodBesideTheTrueShare() throws {
    let file = try Self.fixture()
    let e = try #require(file.evaluation)
    let html = Self.render(file)
    let svg = try #require(Self.chart("evaluation-shares", in: html))
    #expect(svg.occurrences(of: "<rect class=\"bar\"") == (e.methods.count + 1) * e.channels.count)
    let first = e.channels[0]
    let truth = NumberText.grouped(first.trueShare * 100, decimals: 1) + "%"
    #expect(svg.contains("<title>\(first.name), true share: \(truth)</title>"))
    // The truth is black; every method has its own colour.
    #expect(svg.contains("fill=\"#000000\""))
    let colours = Set((["true share"] + e.methods).map(HTMLReport.methodColour))
    #expect(colours.count == e.methods.count + 1)
    let errors = try #require(Self.chart("evaluation-error", in: html))
    #expect(errors.occurrences(of: "<rect class=\"bar\"") == e.methods.count)
    // The table shows each share with its signed error in points.
    let share = NumberText.grouped(first.shares[0] * 100, decimals: 1) + "%"
    let points = NumberText.grouped(Swift.abs(first.errors[0]) * 100, decimals: 1)
    #expect(html.contains("\(share) (\(first.errors[0] > 0 ? "+" : "−")\(points) pp)"))
    #expect(html.contains("<th scope=\"row\">mean absolute error</th>"))
  }

  @Test func negativeValuesDrawLeftOfZero() throws {
    let svg = SVGChart.intervalBars(
      id: "t", title: "t", description: "d", categories: ["a", "b"],
      groups: [.init(name: "g", colour: "#0072B2", values: [-5, 10], intervals: [nil, (8, 12)])], xLabel: "x")
    let zero = svg.components(separatedBy: "<line class=\"zero\" x1=\"")[1].prefix { $0 != "\"" }
    let bars = svg.components(separatedBy: "<rect class=\"bar\" x=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
    #expect(bars.count == 2)
    let left = try #require(Double(bars[0]))
    #expect(try left < #require(Double(zero)), "the negative bar starts left of zero")
    #expect(bars[1] == zero, "the positive bar starts at zero")
    #expect(svg.contains("<title>a, g: -5</title>") || svg.contains("<title>a, g: −5</title>"))
    #expect(svg.occurrences(of: "class=\"whisker\"") == 3)
  }

  @Test func missingValuesReadNotAvailable() {
    let svg = SVGChart.intervalBars(
      id: "t", title: "t", description: "d", categories: ["a"],
      groups: [.init(name: "g", colour: "#0072B2", values: [nil]), .init(name: "h", colour: "#E69F00", values: [.nan])],
      xLabel: "x")
    #expect(svg.occurrences(of: ">n/a</text>") == 2)
    #expect(!svg.contains("<rect"))
  }

  @Test func extremeFiguresAndOddMethodNamesDrawWithoutTrapping() throws {
    var file = try Self.withIntervals()
    file.model?.channels[0].shapleyConversions = 1e300
    file.model?.channels[1].incrementalConversions = -1e300
    file.model?.channels[2].intervals?.shapleyConversions = .init(lower: -1e308, upper: 1e308)
    file.model?.horizon = 0
    file.paths?.order = 0
    file.evaluation?.methods = ["markov_0", "markov_99999999999999999999", "", "markov_-3"]
    file.evaluation?.channels[0].shares = []
    let html = Self.render(file)
    #expect(html.hasSuffix("</html>\n"))
    let svg = try #require(Self.chart("contribution-conversions", in: html))
    #expect(svg.contains(">n/a</text>"), "a figure beyond the axis reads n/a")
    for bad in ["\"nan\"", "\"inf\"", "\"-inf\"", ">nan<", ">inf<"] {
      #expect(!svg.contains(bad), "no \(bad) coordinate or label")
    }
  }

  @Test func equalFilesGiveEqualBytes() throws {
    #expect(Self.render(try Self.withIntervals()) == Self.render(try Self.withIntervals()))
  }
}
