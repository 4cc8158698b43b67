import Foundation
import JourneyFormats
import Testing

@testable import JourneyModel

/// The one error of `text`, or a recorded issue.
private func oneError(_ text: String, file: String = "big.yaml") -> InputError? {
  do {
    _ = try Scenario.parse(text: text, file: file)
    Issue.record("expected an error")
    return nil
  } catch {
    #expect(error.errors.count == 1, "\(error)")
    return error.errors.first
  }
}

/// Every error of `text`.
private func allErrors(_ text: String, file: String = "big.yaml") -> [InputError] {
  do {
    _ = try Scenario.parse(text: text, file: file)
    return []
  } catch {
    return error.errors
  }
}

/// Whether every message of `errors` stays short whatever the size of the input.
private func bounded(_ errors: [InputError], below limit: Int = 400) -> Bool {
  errors.allSatisfy { $0.description.utf8.count < limit }
}

@Suite struct DuplicateKeyTests {
  /// A scenario with `count` duplicate keys spread over nested mappings.
  static func scenarioWithDuplicates(_ count: Int) -> String {
    var text = Fixtures.minimal
    text += "colour:\n"
    for k in 0..<count {
      text += "  k\(k): 1\n  k\(k): 2\n"
    }
    return text
  }

  @Test func fiveHundredDuplicatesAreFoundInOnePass() {
    let text = Self.scenarioWithDuplicates(500)
    let reader = NodeReader(file: "dup.yaml")
    guard case .document = TolerantComposer.compose(text, reader: reader) else {
      Issue.record("the document should compose")
      return
    }
    // One failed composition, one scan, one composition of the repaired text.
    #expect(reader.passes == NodeReader.Passes(composed: 2, scanned: 1))
    #expect(reader.errors.count == 500)
    let base = Fixtures.minimal.split(separator: "\n", omittingEmptySubsequences: false).count
    for (k, error) in reader.errors.enumerated() {
      #expect(error.kind == .duplicate)
      #expect(error.line == base + 2 * k + 2)
      #expect(error.column == 3)
      #expect(error.path == "colour.k\(k)")
      #expect(error.message == "duplicate key 'k\(k)' (first at line \(base + 2 * k + 1))")
    }
  }

  @Test func aDocumentWithoutDuplicatesIsComposedOnce() {
    let reader = NodeReader(file: "mini.yaml")
    guard case .document = TolerantComposer.compose(Fixtures.minimal, reader: reader) else {
      Issue.record("the document should compose")
      return
    }
    #expect(reader.passes == NodeReader.Passes(composed: 1, scanned: 0))
  }

  @Test func duplicatesAreReportedInFileOrderWithTheOtherErrors() {
    let text = """
      name: d
      horizon: 3
      population: { size: 10 }
      phases: [a, b]
      transitions:
        a: { b: 0.1, "b": 0.2 }
        a: { b: 0.3 }
      channels:
        tv:
          spend: 1
          spend: 2
          reach: { half: 1, half: 2 }
      horizon: 4

      """
    #expect(
      allErrors(text, file: "d.yaml").map(\.description) == [
        "d.yaml:6:16: transitions.a.b: duplicate key 'b' (first at line 6)",
        "d.yaml:7:3: transitions.a: duplicate key 'a' (first at line 6)",
        "d.yaml:11:5: channels.tv.spend: duplicate key 'spend' (first at line 10)",
        "d.yaml:12:23: channels.tv.reach.half: duplicate key 'half' (first at line 12)",
        "d.yaml:13:1: horizon: duplicate key 'horizon' (first at line 2)",
      ])
  }

  @Test func jsonDuplicatesInOnePass() {
    let origin = #"{"origin": "a", "origin": "b", "parameters": [], "covariance": []}"#
    let text = "{\"origins\": [\n" + Array(repeating: origin, count: 300).joined(separator: ",\n") + "\n]}\n"
    let reader = NodeReader(file: "fit.json")
    guard case .document = TolerantComposer.compose(text, reader: reader) else {
      Issue.record("the document should compose")
      return
    }
    #expect(reader.passes == NodeReader.Passes(composed: 2, scanned: 1))
    #expect(reader.errors.count == 300)
    #expect(reader.errors.map(\.line) == Array(2...301))
    #expect(reader.errors.allSatisfy { $0.column == 17 && $0.path == "origins[\(($0.line ?? 0) - 2)].origin" })
  }

  @Test func structuresTheScanDoesNotFollowFallBackToOneError() {
    // A complex key: the scan leaves it, so Yams's own report is used, once.
    let text = "a: 1\n? b\n: 2\n? b\n: 3\n"
    let reader = NodeReader(file: "c.yaml")
    guard case .failed(let error) = TolerantComposer.compose(text, reader: reader) else {
      Issue.record("expected a failure")
      return
    }
    #expect(error.kind == .duplicate)
    #expect(error.message == "duplicate key 'b' in a mapping")
    #expect(reader.passes.composed <= 2 && reader.passes.scanned == 1)
  }

  @Test func blockScalarsQuotesAndSequencesDoNotConfuseTheScan() {
    let text = """
      name: |
        a: 1
        a: 2
      horizon: 3
      population: { size: 10 }
      phases:
        - { name: a }
        - name: b
          value: 1
        - name: c
      segments:
        - name: x
          share: 0.5
        - name: y
          share: 0.5
          share: 0.5
      'horizon': 5

      """
    #expect(
      allErrors(text, file: "s.yaml").map(\.description) == [
        "s.yaml:16:5: segments[1].share: duplicate key 'share' (first at line 15)",
        "s.yaml:17:1: horizon: duplicate key 'horizon' (first at line 4)",
      ])
  }
}

@Suite struct LimitTests {
  static func phases(_ n: Int) -> String {
    "name: p\nhorizon: 3\npopulation: { size: 10 }\nphases:\n" + (0..<n).map { "  - p\($0)\n" }.joined()
  }

  @Test func tooManyPhasesFailBeforeAnyTableIsBuilt() {
    let text = Self.phases(30_000)
    let reader = NodeReader(file: "big.yaml")
    guard case .document(let root) = TolerantComposer.compose(text, reader: reader) else {
      Issue.record("the document should compose")
      return
    }
    let parser = ScenarioParser(reader: reader)
    #expect(parser.scenario(root) == nil)
    // No phase was read, so no table was sized by them.
    #expect(parser.phases.isEmpty && parser.declaredPhases.isEmpty)
    #expect(reader.errors.map(\.description) == ["big.yaml:5:3: phases: 30000 phases declared; at most 64 are allowed"])
    #expect(reader.errors[0].kind == .limit)
  }

  @Test func sixtyFourPhasesAreAllowed() throws {
    let s = try Scenario.parse(text: Self.phases(Limits.maxPhases), file: "ok.yaml")
    #expect(s.phaseCount == Limits.maxPhases)
  }

  @Test func tooManyChannels() {
    let channels = (0..<65).map { "  c\($0): { organic: { driver: a, rate: 1 } }\n" }.joined()
    let text = "name: c\nhorizon: 3\npopulation: { size: 10 }\nphases: [a, b]\nchannels:\n" + channels
    let reader = NodeReader(file: "c.yaml")
    guard case .document(let root) = TolerantComposer.compose(text, reader: reader) else { return }
    let parser = ScenarioParser(reader: reader)
    #expect(parser.scenario(root) == nil)
    #expect(parser.channels.isEmpty && parser.declaredChannels.isEmpty)
    #expect(reader.errors.map(\.description) == ["c.yaml:6:3: channels: 65 channels declared; at most 64 are allowed"])
  }

  @Test func tooManySegments() {
    let segments = (0..<257).map { "  - { name: s\($0), share: \(1.0 / 257) }\n" }.joined()
    let text = "name: s\nhorizon: 3\npopulation: { size: 10 }\nphases: [a, b]\nsegments:\n" + segments
    let error = oneError(text)
    #expect(error?.kind == .limit)
    #expect(error?.description == "big.yaml:6:3: segments: 257 segments declared; at most 256 are allowed")
  }

  @Test func twoHundredFiftySixSegmentsAreAllowed() throws {
    let share = 1.0 / 256
    let segments = (0..<256).map { "  - { name: s\($0), share: \(share) }\n" }.joined()
    let text = "name: s\nhorizon: 3\npopulation: { size: 10 }\nphases: [a, b]\nsegments:\n" + segments
    let s = try Scenario.parse(text: text, file: "ok.yaml")
    #expect(s.segments.count == Limits.maxSegments)
  }

  @Test func seasonalityAndSpendListsAndFlights() {
    let base = "name: s\nhorizon: 3\npopulation: { size: 10 }\nphases: [a, b]\n"
    let season = oneError(base + "seasonality: [" + Array(repeating: "1", count: 100_001).joined(separator: ",") + "]\n")
    #expect(season?.kind == .limit)
    #expect(season?.message == "100001 multipliers; at most 100000 are allowed")
    let spend = oneError(
      base + "channels:\n  tv:\n    spend: [" + Array(repeating: "1", count: 100_001).joined(separator: ",")
        + "]\n    reach: { half: 1 }\n")
    #expect(spend?.kind == .limit)
    #expect(spend?.message == "100001 spend values; at most 100000 are allowed")
    let flights = oneError(
      base + "channels:\n  tv:\n    spend: { per_period: 1, flights: ["
        + Array(repeating: "{from: 0, to: 1, scale: 1}", count: 1001).joined(separator: ",")
        + "] }\n    reach: { half: 1 }\n")
    #expect(flights?.kind == .limit)
    #expect(flights?.path == "channels.tv.spend.flights")
    #expect(flights?.message == "1001 flights; at most 1000 are allowed")
  }

  @Test func horizonPopulationAndArrivals() {
    let base = "name: s\nhorizon: 3\npopulation: { size: 10 }\nphases: [a, b]\n"
    let horizon = oneError(base.replacingOccurrences(of: "horizon: 3", with: "horizon: 100001"))
    #expect(horizon?.kind == .limit && horizon?.message == "horizon 100001 is above the limit of 100000")
    let size = oneError(base.replacingOccurrences(of: "size: 10", with: "size: 1000000000001"))
    #expect(size?.kind == .limit && size?.message == "population size 1000000000001 is above the limit of 1000000000000")
    let arrivals = oneError(base.replacingOccurrences(of: "size: 10", with: "size: 10, arrivals: 2e12"))
    #expect(arrivals?.kind == .limit && arrivals?.path == "population.arrivals")
  }
}

@Suite struct BoundedMessageTests {
  @Test func aTenMillionDigitNumberGivesAShortMessage() {
    // The message is as short for 10⁸ digits; 10⁷ keep the test quick.
    let digits = String(repeating: "9", count: 10_000_000)
    let error = oneError(Fixtures.minimal(replacing: "size: 1000", with: "size: " + digits), file: "mini.yaml")
    #expect(error?.kind == .range)
    #expect(error?.line == 5 && error?.path == "population.size")
    #expect(error?.message == "integer \(InputError.echo(digits)) is too large")
    #expect(error.map { bounded([$0]) } == true)
  }

  @Test func longValuesAndKeysAreCutInEveryMessage() {
    let long = String(repeating: "x", count: 1_000_000)
    let cases = [
      Fixtures.minimal(replacing: "size: 1000", with: "size: " + long),
      Fixtures.minimal(replacing: "period: week", with: "period: " + long),
      Fixtures.minimal(replacing: "b: { a: 0.05 }", with: "b: { \(long): 0.05 }"),
      Fixtures.minimal(replacing: "adstock: 0.5", with: "adstock: 1\(long)"),
      Fixtures.minimal(replacing: "  - a\n", with: "  - a\n  - \"\(long)->\"\n"),
      Fixtures.minimal + "\(long): 1\n",
      Fixtures.minimal(replacing: "{ tv: 0.7, wom", with: "{ \(long): 0.7, wom"),
    ]
    for text in cases {
      let errors = allErrors(text, file: "mini.yaml")
      #expect(!errors.isEmpty)
      #expect(bounded(errors, below: 1000), "\(errors.map(\.description.utf8.count))")
      let cut = errors.contains { $0.description.contains("bytes)") }
      #expect(cut || errors.allSatisfy { $0.kind == .syntax }, "\(errors.map { $0.description.prefix(300) })")
    }
  }

  @Test func aFileThatIsNotAScenarioIsNotRepeated() {
    let passwd = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    let error = oneError(passwd, file: "/etc/passwd")
    #expect(error?.kind == .type)
    #expect(
      error?.description
        == "/etc/passwd:1:1: the file is not a scenario: expected a mapping with name, horizon, population and phases, found text"
    )
    #expect(error?.description.contains("root:x") == false)
  }

  @Test func aBudgetWhoseModelIsNotAScenarioSaysSoBriefly() throws {
    let dir = NSTemporaryDirectory() + "budget-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let secret = (0..<50).map { "user\($0):x:\($0):\($0):secret-\($0):/home:/bin/sh" }.joined(separator: "\n")
    try secret.write(toFile: dir + "/passwd", atomically: true, encoding: .utf8)
    do {
      _ = try BudgetScenario.parse(text: "name: b\nmodel: passwd\nplans: [ { name: base } ]\n", file: dir + "/budget.yaml", files: .disk)
      Issue.record("expected errors")
    } catch {
      let lines = error.errors.map(\.description)
      #expect(
        lines == [
          "\(dir)/budget.yaml:2:8: model: model file '\(dir)/passwd' has 1 error",
          "\(dir)/passwd:1:1: the file is not a scenario: expected a mapping with name, horizon, population and phases, found text",
        ])
      #expect(!lines.joined().contains("secret"))
    }
  }
}

@Suite struct EncodingTests {
  @Test func invalidUTF8NamesLineAndColumnOfTheFirstBadByte() {
    var bytes = Array("name: é\nhorizon: 3\nphases: [ab".utf8)
    bytes.append(0xFF)
    bytes += Array("c]\n".utf8)
    #expect(throws: InputErrors([
      InputError(
        .syntax, file: "bad.yaml", line: 3, column: 12,
        "the file is not valid UTF-8 text: byte 0xFF does not begin a well-formed character")
    ])) {
      try InputText.decode(Data(bytes), file: "bad.yaml")
    }
  }

  @Test(arguments: [
    ([0xC3], 1, 1),  // truncated at the end
    ([0x61, 0xC3, 0x28], 1, 2),  // a lead byte without its continuation
    ([0x0A, 0x0A, 0xE0, 0x80, 0x80], 3, 1),  // overlong
    ([0xED, 0xA0, 0x80], 1, 1),  // a surrogate
    ([0xC3, 0xA9, 0x80], 1, 2),  // a lone continuation byte after 'é'
  ] as [([UInt8], Int, Int)])
  func malformedSequences(bytes: [UInt8], line: Int, column: Int) {
    let found = InputText.firstInvalidUTF8(in: bytes)
    #expect(found?.line == line && found?.column == column)
  }

  @Test func validTextDecodes() throws {
    #expect(try InputText.decode(Data("a: é€😀\n".utf8), file: "ok.yaml") == "a: é€😀\n")
    #expect(InputText.firstInvalidUTF8(in: Array("a: é€😀\n".utf8)) == nil)
  }

  @Test func loadReportsThePosition() throws {
    let path = NSTemporaryDirectory() + "bad-\(UUID().uuidString).yaml"
    var bytes = Array(Fixtures.minimal.utf8)
    bytes.insert(0xFE, at: Array(Fixtures.minimal.utf8).firstIndex(of: UInt8(ascii: "\n"))! + 3)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    do {
      _ = try Scenario.load(path: path)
      Issue.record("expected an error")
    } catch {
      #expect(error.errors.map(\.kind) == [.syntax])
      #expect(error.errors.first?.line == 2 && error.errors.first?.column == 3)
    }
  }
}

@Suite struct NumberRangeTests {
  @Test(arguments: [
    ("b: 0.2, z: 0.1", "b: .nan, z: 0.1", "transitions.a.b", "expected a finite number, found '.nan'"),
    ("weekly: 100", "weekly: 1e300", "channels.tv.spend.weekly", "spend 1e300 is above the limit of 1e+15"),
    ("weekly: 100", "weekly: -.inf", "channels.tv.spend.weekly", "expected a finite number, found '-.inf'"),
    ("scale: 1.5 }", "scale: 1e7 }", "channels.tv.spend.scale", "scale 1e7 is above the limit of 1000000"),
    ("scale: 2 } ]", "scale: 1e9 } ]", "channels.tv.spend.flights[0].scale", "scale 1e9 is above the limit of 1000000"),
    ("tv: 0.7, wom", "tv: 1e300, wom", "effects.a -> b.tv", "lift 1e300 is outside [−50, 50]; expected a log-odds lift"),
    ("tv: 0.7, wom", "tv: .inf, wom", "effects.a -> b.tv", "expected a finite number, found '.inf'"),
    ("adstock: 0.5", "adstock: 1e308", "channels.tv.adstock",
     "adstock 1e308 is outside [0, 1); expected the share of last period's adstock carried over"),
    ("value: 12.5", "value: 1e20", "phases[1].value", "value 1e20 is above the limit of 1e+15"),
    ("half: 50", "half: 1e300", "channels.tv.reach.half", "half-saturation 1e300 is above the limit of 1e+18"),
    ("shape: 2", "shape: 1000", "channels.tv.reach.shape", "shape 1000 is above the limit of 100"),
    ("rate: 1.5", "rate: 1e300", "channels.wom.organic.rate", "rate 1e300 is above the limit of 1000000"),
    ("[1, 1.2]", "[1, 1e300]", "seasonality[1]", "multiplier 1e300 is above the limit of 1000000"),
    ("size: 1000", "size: 1e300", "population.size", "expected a whole number, found '1e300'"),
    ("horizon: 10", "horizon: .inf", "horizon", "expected a finite number, found '.inf'"),
    ("count: 10", "count: 99999999999999999999999", "population.arrivals.count",
     "integer 99999999999999999999999 is too large"),
  ])
  func rangeErrors(old: String, new: String, path: String, message: String) {
    let error = oneError(Fixtures.minimal(replacing: old, with: new), file: "mini.yaml")
    #expect(error?.kind == .range || error?.kind == .type)
    #expect(error?.path == path)
    #expect(error?.message == message)
  }

  @Test func spendTimesOverlappingFlightsIsBounded() {
    let flights = Array(repeating: "{ from: 0, to: 9, scale: 1e6 }", count: 3).joined(separator: ", ")
    let error = oneError(
      Fixtures.minimal(replacing: "flights: [ { from: 2, to: 3, scale: 2 } ]", with: "flights: [ \(flights) ]"),
      file: "mini.yaml")
    #expect(error?.kind == .range)
    #expect(error?.path == "channels.tv.spend")
    #expect(error?.message == "spend reaches 1.5e+20 in one period with its scale and flights; at most 1e+15 is allowed")
  }

  @Test func peakFactorOfOverlappingFlights() {
    #expect(SpendPlan.peakFactor([]) == 1)
    #expect(abs(SpendPlan.peakFactor([(0, 5, 10), (3, 8, 10), (9, 9, 1000)]) - 1000) < 1e-6)
    #expect(abs(SpendPlan.peakFactor([(0, 5, 10), (3, 8, 10), (7, 9, 0.5)]) - 100) < 1e-9)
    #expect(abs(SpendPlan.peakFactor([(0, 5, 0), (0, 5, 1e6)]) - 1) < 1e-12)
    let many = (0..<1000).map { _ in (from: 0, to: 0, scale: 1e6) }
    #expect(SpendPlan.peakFactor(many) == .infinity)
  }
}

@Suite struct BudgetLimitTests {
  /// The errors of a budget file next to a copy of the B2C model.
  static func budgetErrors(_ text: String) throws -> (dir: String, errors: [InputError]) {
    let dir = NSTemporaryDirectory() + "budget-limits-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: Fixtures.scenarioPath("b2c.yaml"), toPath: dir + "/b2c.yaml")
    do {
      _ = try BudgetScenario.parse(text: text, file: dir + "/budget.yaml", files: .disk)
      return (dir, [])
    } catch {
      return (dir, error.errors)
    }
  }

  @Test func tooManyPlans() throws {
    let plans = (0...Limits.maxPlans).map { "  - { name: p\($0) }\n" }.joined()
    let (dir, errors) = try Self.budgetErrors("name: b\nmodel: b2c.yaml\nreplicates: 1\nhorizon: 1\nplans:\n" + plans)
    #expect(errors.map(\.description) == ["\(dir)/budget.yaml:6:3: plans: 1001 plans; at most 1000 are allowed"])
    #expect(errors.first?.kind == .limit)
  }

  @Test func replicatesTimesPlansTimesPeriodsIsCheckedBeforeThePlansAreRead() throws {
    let plans = (0..<20).map { "  - { name: p\($0), scale: { nowhere: 1 } }\n" }.joined()
    let (dir, errors) = try Self.budgetErrors(
      "name: b\nmodel: b2c.yaml\nreplicates: 100000\nhorizon: 100\nplans:\n" + plans)
    // No plan was read: their unknown channels are not reported.
    #expect(
      errors.map(\.description) == [
        "\(dir)/budget.yaml:6:3: plans: 100000 replicates × 20 plans × 100 periods is 200000000 figures; "
          + "at most 100000000 are allowed (lower replicates or horizon, or split the plans)"
      ])
  }

  @Test func replicatesHorizonFlightsAndShifts() throws {
    let flights = Array(repeating: "{ from: 0, to: 1, scale: 1 }", count: 1001).joined(separator: ", ")
    let shifts = Array(repeating: "{ from: tv, to: search, fraction: 0.1 }", count: 1001).joined(separator: ", ")
    let (dir, errors) = try Self.budgetErrors(
      """
      name: b
      model: b2c.yaml
      replicates: 100001
      horizon: 100001
      plans:
        - { name: a, flights: { tv: [ \(flights) ] } }
        - { name: b, shift: [ \(shifts) ] }

      """)
    #expect(
      errors.map(\.description) == [
        "\(dir)/budget.yaml:3:13: replicates: replicates 100001 is above the limit of 100000",
        "\(dir)/budget.yaml:4:10: horizon: horizon 100001 is above the limit of 100000",
        "\(dir)/budget.yaml:6:31: plans[0].flights.tv: 1001 flights; at most 1000 are allowed",
        "\(dir)/budget.yaml:7:23: plans[1].shift: 1001 shifts; at most 1000 are allowed",
      ])
    #expect(errors.allSatisfy { $0.kind == .limit })
  }

  @Test func hugeFactorsAreRangeErrors() throws {
    let (dir, errors) = try Self.budgetErrors(
      """
      name: b
      model: b2c.yaml
      plans:
        - { name: a, scale: { tv: 1e300 }, total: .inf }
        - { name: b, scale: { tv: 1e6, search: 1e6 }, total: 1e6 }
        - { name: c, flights: { tv: [ { from: 0, to: 5, scale: 1e6 }, { from: 3, to: 4, scale: 1e6 } ] } }

      """)
    let lines = errors.map(\.description)
    #expect(
      lines == [
        "\(dir)/budget.yaml:4:29: plans[0].scale.tv: scale 1e300 is above the limit of 1000000",
        "\(dir)/budget.yaml:4:45: plans[0].total: expected a finite number, found '.inf'",
        "\(dir)/budget.yaml:5:5: plans[1]: plan 'b' can spend up to 8e+16 in one period; at most 1e+15 is allowed",
        "\(dir)/budget.yaml:6:5: plans[2]: plan 'c' can spend up to 5e+16 in one period; at most 1e+15 is allowed",
      ])
    #expect(errors.allSatisfy { $0.kind == .range })
  }

  @Test func historyCountsEchoBoundedNames() throws {
    let long = String(repeating: "q", count: 100_000)
    let dir = NSTemporaryDirectory() + "budget-history-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: Fixtures.scenarioPath("b2c.yaml"), toPath: dir + "/b2c.yaml")
    try "{\"format\": \"journeykit-simulation\", \"format_version\": 1, \"final\": {\"\(long)\": 5}}".write(toFile: dir + "/summary.json", atomically: true, encoding: .utf8)
    do {
      _ = try BudgetScenario.parse(
        text: "name: b\nmodel: b2c.yaml\nstart: { history: summary.json }\nplans: [ { name: a } ]\n",
        file: dir + "/budget.yaml", files: .disk)
      Issue.record("expected an error")
    } catch {
      #expect(error.errors.count == 1)
      #expect(error.errors[0].kind == .unknownName)
      #expect(error.errors[0].line == 3 && error.errors[0].path == "start.history")
      #expect(error.errors[0].message.contains(InputError.echo(long)))
      #expect(error.errors[0].description.utf8.count < 500)
    }
  }
}
