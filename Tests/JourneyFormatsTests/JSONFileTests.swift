import Foundation
import JourneyModel
import Testing
import _JourneyTestSupport

@testable import JourneyFormats

/// Small values of every file struct, with awkward numbers.
enum Samples {
  static let awkward: [Double] = [0.1 + 0.2, 1e-300, Double.leastNonzeroMagnitude, 1.7976931348623157e308, 1e22, -0.0, 123_456_789.123, 3]

  static let summary = SummaryFile(
    scenario: "b2c", engine: "individual", seed: UInt64.max, horizon: 2, period: "week", population: 1000,
    phases: ["unaware", "loyal"], channels: ["tv"],
    totals: .init(conversions: 0.1 + 0.2, revenue: 1e22, spend: Double.leastNonzeroMagnitude, cpa: nil, roi: 1.7976931348623157e308),
    final: ["unaware": 700, "loyal": 300],
    periods: [
      .init(period: 0, spend: 1, conversions: 2, revenue: 3, cpa: 0.5, counts: ["unaware": 1000, "loyal": 0],
            entries: ["unaware": 0, "loyal": 0], spendByChannel: ["tv": 1], exposure: ["tv": 0.25])
    ],
    analytics: .init(
      steadyExposure: ["tv": 0.1],
      segments: [.init(segment: "all", phases: [.init(phase: "unaware", conversionProbability: 0.7, periodsToConversion: nil, periodsToAbsorption: 3)])]))

  static let forecast = ForecastFile(
    scenario: "q1", model: "b2c", seed: 7, replicates: 100, horizon: 1, period: "week", parameterUncertainty: false,
    note: "no covariance", phases: ["a"], channels: ["tv"],
    plans: [
      .init(
        name: "baseline", periods: [.init(period: 0, spend: 1, conversions: .init(mean: 1, p5: 0, p50: 1, p95: 2), cpa: 1)],
        totals: .init(spend: 1, conversions: .init(mean: 1), roi: -0.5), finalCounts: ["a": 3], spendByChannel: ["tv": 1])
    ])

  static let optimize = OptimizeFile(
    scenario: "q1", model: "b2c", objective: "conversions", total: 1e6, perPeriod: true, horizon: 2,
    allocation: ["tv": 1e6], allocationByPeriod: ["tv": [4e5, 6e5]], expected: 0.1 + 0.2, baselineExpected: 2,
    marginal: ["tv": 1e-7], bounds: ["tv": [0, 1e6]], responseCurves: ["tv": [.init(spend: 0, value: 0)]],
    converged: true, iterations: 12)

  static let fit = FitFile(
    phases: ["aware", "considering"], channels: ["search"],
    parameters: [
      .init(kind: .baseline, origin: "aware", target: "considering", estimate: 0.1, standardError: 0.01, low: 0.08, high: 0.12),
      .init(kind: .effect, origin: "aware", target: "considering", channel: "search", estimate: 0.8, segment: "b2c"),
    ],
    origins: [
      .init(
        origin: "aware", segment: nil, transitions: 100, categories: ["aware", "considering"], channels: ["search"],
        parameters: ["alpha[considering]", "beta[considering,search]"], estimates: [-2, 0.8],
        covariance: [[0.04, -0.01], [-0.01, 0.02]], logLikelihood: -50.5, iterations: 6, converged: true)
    ],
    reach: [
      .init(
        channel: "search", parameters: [.init(kind: .reach, origin: "", target: "max", channel: "search", estimate: 0.5)],
        logLikelihood: -3, periods: 10, iterations: 4, converged: true, covariance: [])
    ],
    segments: [.init(name: "b2c", share: 1, customers: 100)],
    diagnostics: .init(
      logLikelihood: -50.5, parameters: 2, transitions: 100, aic: 105, bic: 110, ridge: 0, holdoutTransitions: 20,
      holdoutLogLoss: 0.3, calibrationSet: .holdout,
      calibration: [.init(origin: "aware", segment: nil, bin: 0, transitions: 20, predicted: 0.1, observed: 0.15)]),
    warnings: ["one"], historyEnd: .init(period: 51, counts: ["aware": 40, "considering": 60]))

  static var reference: ReferenceFile {
    var r = ReferenceFile(
      kind: .simulate, source: "../../scenarios/b2c.yaml", scenario: "b2c", engine: .individual, seed: 42,
      replicates: 5, tolerance: .default,
      metrics: [.init(metric: "conversions", period: 0, value: 0.1 + 0.2, sd: 1e-300), .init(plan: "a", metric: "cpa", value: 3)],
      exact: [.init(metric: "conversions", period: 0, value: 0.1 + 0.2 + 1e-12)])
    r.checksum = r.computedChecksum()
    return r
  }

  static let check = CheckResultFile(
    passed: false,
    results: [
      .init(
        scenario: "b2c", reference: "results/b2c/reference.json", engine: "individual", passed: false, figures: 3,
        moved: [
          .init(plan: nil, metric: "conversions", period: 2, reference: 1, now: 2, tolerance: 0.5, standardErrors: 4.2),
          .init(plan: nil, metric: "conversions", period: nil, exact: true, reference: 10, now: 11, tolerance: 1e-5, standardErrors: nil),
        ],
        closest: .init(figure: "revenue[total]", used: 0.25, standardErrors: 1.25),
        detectable: .init(plan: nil, exact: 1e-6, monteCarlo: 0.07)),
      .init(scenario: "b2b", reference: "results/b2b/reference.json", passed: false, figures: 0, moved: [], error: "scenarios/b2b.yaml: no such file"),
    ])
}

@Suite struct JSONFileRoundTripTests {
  func roundTrip<T: JSONFileFormat & Equatable>(_ value: T) throws {
    let data = try JSONFile.encode(value, file: "x.json")
    let text = String(decoding: data, as: UTF8.self)
    #expect(text.hasPrefix("{\n  \"format\" : \"\(T.formatName)\",\n  \"format_version\" : \(T.formatVersion),\n"))
    #expect(text.hasSuffix("}\n"))
    let again = try JSONFile.decode(T.self, from: data, file: "x.json")
    #expect(again == value)
    #expect(try JSONFile.encode(again, file: "x.json") == data, "encoding is deterministic")
  }

  @Test func summary() throws { try roundTrip(Samples.summary) }
  @Test func forecast() throws { try roundTrip(Samples.forecast) }
  @Test func optimize() throws { try roundTrip(Samples.optimize) }
  @Test func fit() throws { try roundTrip(Samples.fit) }
  @Test func reference() throws { try roundTrip(Samples.reference) }
  @Test func check() throws { try roundTrip(Samples.check) }

  @Test func doublesReadBackBitForBit() throws {
    var file = Samples.optimize
    file.marginal = Dictionary(uniqueKeysWithValues: Samples.awkward.enumerated().map { ("c\($0.offset)", $0.element) })
    let again = try JSONFile.decode(OptimizeFile.self, from: JSONFile.encode(file, file: "o.json"), file: "o.json")
    for (k, x) in file.marginal ?? [:] {
      #expect(again.marginal?[k]?.bitPattern == x.bitPattern || (x == 0 && again.marginal?[k] == 0), "\(k): \(x)")
    }
  }

  @Test func fitKeysAreSnakeCase() throws {
    let text = String(decoding: try JSONFile.encode(Samples.fit, file: "fit.json"), as: UTF8.self)
    let keys = text.matches(of: /"([A-Za-z_]+)" :/).map { String($0.1) }
    #expect(keys.contains("log_likelihood") && keys.contains("calibration_set") && keys.contains("history_end"))
    #expect(keys.filter { $0.contains(where: \.isUppercase) } == [])
  }
}

@Suite struct JSONFileErrorTests {
  @Test func nonFiniteNumbersNameTheFieldAndWriteNothing() throws {
    var file = Samples.summary
    file.totals?.cpa = .infinity
    let e = #expect(throws: InputError.self) { try JSONFile.encode(file, file: "out/summary.json") }
    #expect(e?.kind == .range)
    #expect(e?.file == "out/summary.json")
    #expect(e?.path == "totals.cpa")
    #expect(e?.message.contains("inf") == true && e?.message.contains("not a finite number") == true)

    let dir = try CommandRunner.temporaryDirectory()
    var nan = Samples.forecast
    nan.plans?[0].periods?[0].conversions?.p95 = .nan
    let f = #expect(throws: InputError.self) { try JSONFile.write(nan, to: dir + "/forecast.json") }
    #expect(f?.path == "plans[0].periods[0].conversions.p95")
    #expect(!FileManager.default.fileExists(atPath: dir + "/forecast.json"))
  }

  @Test func anotherVersionIsRejectedFirstNamingTheFile() throws {
    let text = String(decoding: try JSONFile.encode(Samples.fit, file: "fit.json"), as: UTF8.self)
      .replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 99")
      .replacingOccurrences(of: "\"phases\" : [", with: "\"phases\" : 5, \"x\": [")
    let e = #expect(throws: InputError.self) { try JSONFile.decode(FitFile.self, from: Data(text.utf8), file: "r/fit.json") }
    #expect(
      e == InputError(
        .range, file: "r/fit.json", path: "format_version",
        "unknown format_version 99; this version of journey reads format_version 1"))
  }

  @Test func aForeignFormatIsRejected() throws {
    let data = try JSONFile.encode(Samples.summary, file: "summary.json")
    let e = #expect(throws: InputError.self) { try JSONFile.decode(FitFile.self, from: data, file: "fit.json") }
    #expect(e?.kind == .notAllowed)
    #expect(e?.description.hasPrefix("fit.json:2: format: format 'journeykit-simulation' is not a journey fit result") == true)
  }

  @Test func malformedJSONGivesLineAndColumn() throws {
    let text = "{\n  \"format\": \"journeykit-optimization\",\n  \"format_version\": 1,\n  \"total\": 5,,\n}\n"
    let e = #expect(throws: InputError.self) { try JSONFile.decode(OptimizeFile.self, from: Data(text.utf8), file: "o.json") }
    #expect(e?.kind == .syntax)
    #expect(e?.line == 4 && e?.column == 14)
    #expect(e?.description.hasPrefix("o.json:4:14: not valid JSON (unexpected ',';") == true, "\(e?.description ?? "")")

    let cut = "{\n  \"format\": \"journeykit-optimization\",\n  \"bounds\": {\"tv\": [1, "
    let f = #expect(throws: InputError.self) { try JSONFile.decode(OptimizeFile.self, from: Data(cut.utf8), file: "o.json") }
    #expect(f?.line == 3)
    #expect(f?.message.contains("unexpected end of the file") == true)
  }

  @Test func aWrongTypeNamesThePathAndLine() throws {
    let text = "{\"format\": \"journeykit-forecast\", \"format_version\": 1,\n \"plans\": [{\"name\": \"a\",\n   \"totals\": {\"spend\": \"lots\"}}]}"
    let e = #expect(throws: InputError.self) { try JSONFile.decode(ForecastFile.self, from: Data(text.utf8), file: "f.json") }
    #expect(e == InputError(.type, file: "f.json", line: 3, column: 24, path: "plans[0].totals.spend", "expected a number"))
  }

  @Test func duplicateKeysAreRejectedInEveryFile() throws {
    let text = "{\"format\": \"journeykit-simulation\", \"format_version\": 1,\n \"seed\": 1,\n \"seed\": 2}"
    let e = #expect(throws: InputError.self) { try JSONFile.decode(SummaryFile.self, from: Data(text.utf8), file: "s.json") }
    #expect(e == InputError(.duplicate, file: "s.json", line: 3, column: 2, path: "seed", "duplicate key 'seed' (first at line 2)"))
    let escaped = #"{"format": "journeykit-simulation", "format_version": 1, "final": {"a": 1, "\u0061": 2}}"#
    let f = #expect(throws: InputError.self) { try JSONFile.decode(SummaryFile.self, from: Data(escaped.utf8), file: "s.json") }
    #expect(f?.kind == .duplicate && f?.path == "final.a")
  }

  @Test func referencesRejectUnknownKeys() throws {
    let text = String(decoding: try Samples.reference.jsonData(), as: UTF8.self)
    let extra = text.replacingOccurrences(of: "\"scenario\" : \"b2c\",", with: "\"scenario\" : \"b2c\",\n  \"note\" : \"hi\",")
    let e = #expect(throws: InputError.self) { try JSONFile.decode(ReferenceFile.self, from: Data(extra.utf8), file: "ref.json") }
    #expect(e?.kind == .notAllowed && e?.path == "note")
    #expect(e?.message.hasPrefix("unknown key 'note'") == true)
    // Nested keys too (the exact figures come first in the file); the editable tolerance
    // keeps its per-metric overrides.
    let nested = text.replacingOccurrences(of: "\"sd\" : 0,", with: "\"sd\" : 0,\n \"weight\" : 1,")
    #expect(nested != text)
    let f = #expect(throws: InputError.self) { try JSONFile.decode(ReferenceFile.self, from: Data(nested.utf8), file: "ref.json") }
    #expect(f?.path == "exact[0].weight")
    let inMetrics = text.replacingOccurrences(of: "\"plan\" : \"a\",", with: "\"plan\" : \"a\",\n \"weight\" : 1,")
    #expect(inMetrics != text)
    let g = #expect(throws: InputError.self) { try JSONFile.decode(ReferenceFile.self, from: Data(inMetrics.utf8), file: "ref.json") }
    #expect(g?.path == "metrics[1].weight")
    let override = text.replacingOccurrences(
      of: "\"k\" : 5,", with: "\"k\" : 5,\n \"metrics\" : {\"conversions\" : {\"relative\" : 0.01}},")
    #expect(override != text)
    let loosened = try JSONFile.decode(ReferenceFile.self, from: Data(override.utf8), file: "ref.json")
    #expect(loosened.tolerance.metrics?["conversions"]?.relative == 0.01)
  }

  @Test func unknownEnumValuesListTheExpectedOnes() throws {
    let text = String(decoding: try Samples.reference.jsonData(), as: UTF8.self)
      .replacingOccurrences(of: "\"engine\" : \"individual\"", with: "\"engine\" : \"quantum\"")
    let e = #expect(throws: InputError.self) { try JSONFile.decode(ReferenceFile.self, from: Data(text.utf8), file: "ref.json") }
    #expect(e?.path == "engine")
    #expect(e?.message == "unknown value 'quantum'; expected one of: individual, cohort, expected")
  }

  @Test func deepNestingIsBounded() throws {
    let text = "{\"format\": \"journeykit-simulation\", \"format_version\": 1, \"x\": " + String(repeating: "[", count: 100_000)
    let e = #expect(throws: InputError.self) { try JSONFile.decode(SummaryFile.self, from: Data(text.utf8), file: "s.json") }
    #expect(e?.message.contains("nested deeper than 512 levels") == true)
  }
}

@Suite struct HistoryEndTests {
  @Test func fitReportsAndSummariesGiveTheirCounts() throws {
    let fit = try JSONFile.encode(Samples.fit, file: "fit.json")
    #expect(try HistoryEnd.counts(data: fit, file: "fit.json").get() == ["aware": 40, "considering": 60])
    let summary = try JSONFile.encode(Samples.summary, file: "summary.json")
    #expect(try HistoryEnd.counts(data: summary, file: "summary.json").get() == ["unaware": 700, "loyal": 300])
    let e = #expect(throws: InputError.self) {
      try HistoryEnd.counts(data: JSONFile.encode(Samples.optimize, file: "o.json"), file: "o.json")
    }
    #expect(e?.path == "format")
  }

  @Test func startStatesRoundTripAndOlderFilesStillRead() throws {
    let model = try Scenario.load(path: RepositoryFiles.path("scenarios/b2c.yaml"))
    var rows = model.segments.map { _ in [Double](repeating: 0, count: model.phaseCount) }
    rows[0][1] = 30
    rows[rows.count - 1][2] = 12
    var adstock = [Double](repeating: 0, count: model.channelCount)
    let paid = try #require(model.channels.firstIndex { $0.isPaid })
    adstock[paid] = 1234.5
    let state = StartState(period: 52, segments: model.segments.map(\.name), counts: rows, adstock: adstock)
    var summary = Samples.summary
    summary.historyEnd = StartStateFile(state, phases: model.phases.map(\.name), channels: model.channels)
    let data = try JSONFile.encode(summary, file: "summary.json")
    #expect(try HistoryEnd.state(data: data, file: "summary.json", model: model).get() == state)
    #expect(try JSONFile.decode(SummaryFile.self, from: data, file: "summary.json") == summary)
    // A fit report without the optional fields: one pooled segment, the plan's adstock,
    // the forecast one period after the last logged one.
    let fit = try HistoryEnd.state(data: JSONFile.encode(Samples.fit, file: "fit.json"), file: "fit.json", model: model).get()
    #expect(fit.period == 51 && fit.forecastStart == 52 && fit.segments == ["all"])
    #expect(fit.adstockSource == .plan && fit.adstock == StartState.planAdstock(model, through: 51))
    #expect(fit.phaseCounts.reduce(0, +) == 100)
    // A phase the model does not have is named.
    var bad = Samples.summary
    bad.historyEnd = StartStateFile(period: 3, counts: ["trial": 5])
    let problem = try HistoryEnd.state(data: JSONFile.encode(bad, file: "s.json"), file: "s.json", model: model)
    guard case .failure(.badState(let kind, let message)) = problem else {
      Issue.record("expected a bad state, got \(problem)")
      return
    }
    #expect(kind == .unknownName && message.contains("counts phase 'trial'"))
  }
}

/// The report fixtures are written as `JSONFile` writes them (re-record with
/// `RECORD_FIXTURES=1`).
@Suite struct ReportFixtureTests {
  static let fixtures: [(String, any JSONFileFormat.Type)] = [
    ("summary.json", SummaryFile.self), ("forecast.json", ForecastFile.self), ("optimize.json", OptimizeFile.self),
  ]

  func canonical<T: JSONFileFormat>(_ type: T.Type, _ path: String) throws -> (Data, Data) {
    let data = try JSONFile.readData(path)
    return (data, try JSONFile.encode(JSONFile.decode(type, from: data, file: path), file: path))
  }

  @Test(arguments: [0, 1, 2])
  func fixtureIsCanonical(index: Int) throws {
    let (name, type) = Self.fixtures[index]
    let path = RepositoryFiles.path("Tests/JourneyReportsTests/Fixtures/" + name)
    let (data, again) = try canonical(type, path)
    if ProcessInfo.processInfo.environment["RECORD_FIXTURES"] == "1" { try again.write(to: URL(fileURLWithPath: path)) }
    #expect(Bool(data == again), "\(name) is not in the canonical form")
  }
}

/// The layout every result file gets after Foundation's pretty printing: `format` and
/// `format_version` first, empty lists and objects on one line, whatever the keys' order.
struct JSONLayoutTests {
  struct Sample: JSONFileFormat {
    static let formatName = "journey-sample"
    static let formatVersion = 3
    static let producer = "journey test"
    static let rejectsUnknownKeys = true
    var format = "journey-sample"
    var formatVersion = 3
    var alpha: [Int] = []
    var beta: [String: [Int]] = [:]
    var gamma: [[Int]] = [[], [1]]
    var zeta: [String: [String: Int]] = ["a": [:]]
    enum CodingKeys: String, CodingKey {
      case format
      case formatVersion = "format_version"
      case alpha, beta, gamma, zeta
    }
  }

  @Test func headerFirstAndEmptyContainersOnOneLine() throws {
    let text = String(decoding: try JSONFile.encode(Sample(), file: "sample.json"), as: UTF8.self)
    #expect(
      text == """
        {
          "format" : "journey-sample",
          "format_version" : 3,
          "alpha" : [],
          "beta" : {},
          "gamma" : [
            [],
            [
              1
            ]
          ],
          "zeta" : {
            "a" : {}
          }
        }

        """)
  }

  /// `format` sorted last among the keys: the comma moves from it to the line before.
  @Test func headerLastInSortedOrder() throws {
    struct Late: Codable {
      var a = 1
      var format = "x"
    }
    let data = try JSONFile.encoder().encode(Late())
    #expect(String(decoding: JSONFile.headerFirst(data), as: UTF8.self) == "{\n  \"format\" : \"x\",\n  \"a\" : 1\n}")
    struct Only: Codable { var format = "x" }
    let only = try JSONFile.encoder().encode(Only())
    #expect(String(decoding: JSONFile.headerFirst(only), as: UTF8.self) == "{\n  \"format\" : \"x\"\n}")
    struct None: Codable { var a: [Int] = [] }
    let none = try JSONFile.encoder().encode(None())
    #expect(JSONFile.headerFirst(none) == none)
    #expect(String(decoding: JSONFile.compactEmpty(none), as: UTF8.self) == "{\n  \"a\" : []\n}")
    // Not a blank line: left as it is.
    let spaced = Data("[\n  1\n]".utf8)
    #expect(JSONFile.compactEmpty(spaced) == spaced)
  }
}
