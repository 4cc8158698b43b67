import Foundation
import JourneyFormats
import JourneyModel
import JourneySimulation
import Testing

@Suite struct ScenarioParsingTests {
  @Test(arguments: Fixtures.shippedScenarios)
  func shippedScenarioParses(file: String) throws {
    let scenario = try Scenario.load(path: Fixtures.scenarioPath(file))
    #expect(scenario.horizon > 0)
    #expect(!scenario.phases.isEmpty)
    #expect(abs(scenario.segments.map(\.share).reduce(0, +) - 1) < 1e-9)
  }

  @Test func defaultScenarioFollowsTheDesign() throws {
    let s = try Scenario.load(path: Fixtures.scenarioPath("b2c.yaml"))
    #expect(s.phases.map(\.name) == ["unaware", "aware", "considering", "purchased", "service", "loyal", "lost"])
    #expect(s.channels.map(\.name) == ["search", "social", "display", "email", "tv", "referral"])
    #expect(s.segments.map(\.name) == ["b2c", "b2b"])
    #expect(s.population.size == 1_000_000 && s.population.arrivals == 5000 && s.seed == 42)
    let purchased = 3
    #expect(s.segments[0].parameters.probability(2, purchased) == 0.05)
    #expect(s.segments[1].parameters.probability(2, purchased) == 0.02)
    #expect(s.spend(at: 6)[4] == 0)  // tv is off in weeks 6...9
  }

  @Test func benchScenarioHasTheAgreedShape() throws {
    let s = try Scenario.load(path: Fixtures.scenarioPath("bench.yaml"))
    #expect(s.phaseCount == 7 && s.channelCount == 6 && s.segments.count == 1)
    #expect(s.population.size == 1_000_000 && s.population.arrivals == 0 && s.horizon == 52)
    for i in 0..<s.phaseCount {
      #expect(s.segments[0].parameters.relevantChannels(of: i).count <= 6)
    }
  }

  @Test func minimalScenarioValues() throws {
    let s = try Scenario.parse(text: Fixtures.minimal, file: "mini.yaml")
    #expect(s.name == "mini" && s.period == .week && s.horizon == 10 && s.seed == 3)
    #expect(s.population == Scenario.Population(size: 1000, initial: [0.6, 0.4, 0], arrivals: 10, arrivalPhases: [0, 1, 0]))
    #expect(
      s.phases == [
        Phase(name: "a"), Phase(name: "b", isConversion: true, value: 12.5), Phase(name: "z", isAbsorbing: true),
      ])
    #expect(
      s.channels[0].kind
        == .paid(
          spend: SpendPlan(
            base: 150, flights: [SpendPlan.Flight(from: 2, to: 3, scale: 2)], pulse: SpendPlan.Pulse(on: 2, off: 1)),
          adstock: 0.5, reach: HillReach(max: 0.8, half: 50, shape: 2)))
    #expect(s.channels[1].kind == .organic(driver: 1, rate: 1.5))
    #expect((0..<5).map { s.spend(at: $0)[0] } == [150, 150, 0, 300, 150])
    #expect(s.seasonality == [1, 1.2])

    #expect(s.segments.map(\.name) == ["s1", "s2"])
    #expect(s.segments.map(\.share) == [0.25, 0.75])
    let p1 = s.segments[0].parameters
    #expect(p1.probability(0, 1) == 0.2 && p1.probability(0, 2) == 0.1)
    #expect(abs(p1.probability(0, 0) - 0.7) < 1e-12)
    #expect(p1.probability(1, 0) == 0.05 && abs(p1.probability(1, 1) - 0.95) < 1e-12)
    #expect(p1.probability(2, 2) == 1 && p1.targets(of: 2).isEmpty)
    #expect(!p1.isAllowed(1, 2))
    #expect(p1.effect(0, 1, 0) == 0.7 && p1.effect(0, 1, 1) == -0.2)

    let p2 = s.segments[1].parameters
    #expect(p2.probability(0, 1) == 0.3 && p2.probability(0, 2) == 0.1)
    #expect(abs(p2.probability(0, 0) - 0.6) < 1e-12)
    #expect(p2.isAllowed(1, 2) && p2.probability(1, 2) == 0.01 && p2.probability(1, 0) == 0.05)
    #expect(p2.effect(0, 1, 0) == 1.1 && p2.effect(0, 1, 1) == -0.2)
  }

  @Test func withoutSegmentsThereIsOneSegmentAll() throws {
    let text = Fixtures.minimal.components(separatedBy: "segments:")[0] + "seasonality: [1, 1.2]\n"
    let s = try Scenario.parse(text: text, file: "mini.yaml")
    #expect(s.segments.count == 1 && s.segments[0].name == "all" && s.segments[0].share == 1)
  }

  @Test func spendForms() throws {
    let list = Fixtures.minimal(
      replacing: "{ weekly: 100, flights: [ { from: 2, to: 3, scale: 2 } ], on: 2, off: 1, scale: 1.5 }",
      with: "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]")
    let s = try Scenario.parse(text: list, file: "mini.yaml")
    #expect((0..<10).map { s.spend(at: $0)[0] } == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    let scalar = Fixtures.minimal(
      replacing: "{ weekly: 100, flights: [ { from: 2, to: 3, scale: 2 } ], on: 2, off: 1, scale: 1.5 }",
      with: "250")
    #expect(try Scenario.parse(text: scalar, file: "mini.yaml").spend(at: 7)[0] == 250)
  }

  @Test func jsonInput() throws {
    let json = """
      {"name": "json", "horizon": 4, "seed": 18446744073709551615,
       "population": {"size": 10, "arrivals": 2},
       "phases": ["a", {"name": "b", "conversion": true, "value": 1.5e2}],
       "transitions": {"a": {"b": 1e-1}},
       "channels": {"email": {"spend": {"per_period": 10, "on": 1, "off": 1},
                              "reach": {"half": 5}}},
       "effects": {"a->b": {"email": 0.5}}}
      """
    let s = try Scenario.parse(text: json, file: "mini.json")
    #expect(s.seed == UInt64.max)
    #expect(s.phases[1].value == 150)
    #expect(s.segments[0].parameters.probability(0, 1) == 0.1)
    #expect(s.segments[0].parameters.effect(0, 1, 0) == 0.5)
    #expect(s.population.initial == [1, 0] && s.population.arrivalPhases == [1, 0])
  }
}

/// One test per kind of bad input, each checking the full message.
@Suite struct InputErrorTests {
  private func expectOne(
    _ text: String, _ kind: InputError.Kind, _ message: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let errors: [InputError]
    do {
      _ = try Scenario.parse(text: text, file: "mini.yaml")
      errors = []
    } catch {
      errors = error.errors
    }
    #expect(errors.map(\.description) == [message], sourceLocation: sourceLocation)
    #expect(errors.first?.kind == kind, sourceLocation: sourceLocation)
  }

  @Test func syntaxError() {
    expectOne(
      "name: x\nhorizon: [1\n", .syntax,
      "mini.yaml:3:1: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 10)")
  }

  @Test func emptyFile() {
    expectOne("", .empty, "mini.yaml: the file is empty; expected a scenario")
    expectOne("# nothing here\n", .empty, "mini.yaml: the file is empty; expected a scenario")
    expectOne("---\n~\n", .empty, "mini.yaml:2:1: the document is empty; expected a scenario")
  }

  @Test func unreadableFile() {
    let path = NSTemporaryDirectory() + "no-such-scenario-\(UUID().uuidString).yaml"
    #expect(throws: InputErrors([InputError(.io, file: path, "cannot read the file: no such file")])) {
      try Scenario.load(path: path)
    }
    let directory = NSTemporaryDirectory()
    #expect(throws: InputErrors([InputError(.io, file: directory, "cannot read the file: it is a directory")])) {
      try Scenario.load(path: directory)
    }
  }

  @Test func missingRequiredKey() {
    expectOne(
      Fixtures.minimal(replacing: "horizon: 10\n", with: ""), .missing, "mini.yaml:1:1: missing required key 'horizon'")
  }

  @Test func wrongType() {
    expectOne(
      Fixtures.minimal(replacing: "size: 1000", with: "size: many"), .type,
      "mini.yaml:5:21: population.size: expected a whole number, found 'many'")
  }

  @Test func probabilityOutsideUnitInterval() {
    expectOne(
      Fixtures.minimal(replacing: "b: 0.2, z: 0.1", with: "b: 1.4, z: 0.1"), .range,
      "mini.yaml:11:11: transitions.a.b: probability 1.4 is outside [0, 1]")
  }

  @Test func rowSumAboveOne() {
    expectOne(
      Fixtures.minimal(replacing: "b: 0.2, z: 0.1", with: "b: 0.7, z: 0.4"), .sum,
      "mini.yaml:11:6: transitions.a: probabilities out of 'a' sum to 1.1; expected at most 1 (staying is the remainder)")
  }

  @Test func nanAndInfinity() {
    expectOne(
      Fixtures.minimal(replacing: "adstock: 0.5", with: "adstock: .inf"), .range,
      "mini.yaml:16:14: channels.tv.adstock: expected a finite number, found '.inf'")
    expectOne(
      Fixtures.minimal(replacing: "[1, 1.2]", with: "[1, .nan]"), .range,
      "mini.yaml:24:18: seasonality[1]: expected a finite number, found '.nan'")
  }

  @Test func negativeSpend() {
    expectOne(
      Fixtures.minimal(replacing: "weekly: 100", with: "weekly: -100"), .range,
      "mini.yaml:15:22: channels.tv.spend.weekly: spend -100 is negative; expected a number ≥ 0")
  }

  @Test func spendWordOfAnotherPeriod() {
    expectOne(
      Fixtures.minimal(replacing: "period: week", with: "period: day"), .notAllowed,
      "mini.yaml:15:14: channels.tv.spend.weekly: 'weekly' spend in a scenario with period 'day'; expected 'daily' or 'per_period'"
    )
  }

  @Test func unknownPhase() {
    expectOne(
      Fixtures.minimal(replacing: "b: { a: 0.05 }", with: "b: { trial: 0.05 }"), .unknownName,
      "mini.yaml:12:8: transitions.b.trial: unknown phase 'trial'; expected one of: a, b, z")
  }

  @Test func unknownChannel() {
    expectOne(
      Fixtures.minimal(replacing: "{ tv: 0.7, wom", with: "{ radio: 0.7, wom"), .unknownName,
      "mini.yaml:20:13: effects.a -> b.radio: unknown channel 'radio'; expected one of: tv, wom")
  }

  @Test func duplicatePhaseName() {
    expectOne(
      Fixtures.minimal(replacing: "  - a\n", with: "  - a\n  - a\n"), .duplicate,
      "mini.yaml:8:5: phases[1]: duplicate phase name 'a' (first at line 7)")
  }

  @Test func duplicateKey() {
    expectOne(
      Fixtures.minimal(replacing: "b: 0.2, z: 0.1", with: "b: 0.2, b: 0.1"), .duplicate,
      "mini.yaml:11:16: transitions.a.b: duplicate key 'b' (first at line 11)")
    expectOne(
      Fixtures.minimal(replacing: "seed: 3\n", with: "seed: 3\nseed: 4\n"), .duplicate,
      "mini.yaml:5:1: seed: duplicate key 'seed' (first at line 4)")
  }

  @Test func effectOnUndeclaredTransition() {
    expectOne(
      Fixtures.minimal(replacing: "a -> b:", with: "b -> a:").replacingOccurrences(of: "b: { a: 0.05 }", with: "b: { }"),
      .notAllowed,
      "mini.yaml:20:3: effects.b -> a: the transition 'b->a' is not declared under 'transitions'; "
        + "declare it (probability 0 is fine) to give it effects")
  }

  @Test func unknownKey() {
    expectOne(
      Fixtures.minimal + "colour: red\n", .unknownName,
      "mini.yaml:25:1: colour: unknown key 'colour'; expected one of: name, period, horizon, seed, population, "
        + "phases, transitions, channels, effects, segments, seasonality, import, currency")
  }

  @Test func adstockOfOneOrMore() {
    expectOne(
      Fixtures.minimal(replacing: "adstock: 0.5", with: "adstock: 1"), .range,
      "mini.yaml:16:14: channels.tv.adstock: adstock 1 is outside [0, 1); expected the share of last period's adstock carried over"
    )
  }

  @Test func reachMaxOutOfRange() {
    expectOne(
      Fixtures.minimal(replacing: "max: 0.8", with: "max: 1.5"), .range,
      "mini.yaml:17:19: channels.tv.reach.max: maximum reach 1.5 is outside (0, 1]")
  }

  @Test func segmentSharesNotSummingToOne() {
    expectOne(
      Fixtures.minimal(replacing: "share: 0.25", with: "share: 0.2"), .sum,
      "mini.yaml:22:3: segments: segment shares sum to 0.95; expected 1")
  }

  @Test func initialSharesNotSummingToOne() {
    expectOne(
      Fixtures.minimal(replacing: "b: 0.4 }", with: "b: 0.3 }"), .sum,
      "mini.yaml:5:36: population.initial: initial shares sum to 0.9; expected 1")
  }

  @Test func flightOutOfRange() {
    expectOne(
      Fixtures.minimal(replacing: "to: 3", with: "to: 12"), .range,
      "mini.yaml:15:38: channels.tv.spend.flights[0]: flight from 2 to 12 is outside the periods 0…9; "
        + "expected 0 ≤ from ≤ to < horizon")
  }

  @Test func tooManyRelevantChannels() {
    let names = (1...13).map { "c\($0)" }
    let text = """
      name: wide
      horizon: 2
      population: { size: 10 }
      phases: [a, b]
      transitions: { a: { b: 0.1 } }
      channels:
      \(names.map { "  \($0): { organic: { driver: b, rate: 1 } }" }.joined(separator: "\n"))
      effects:
        a->b: { \(names.map { "\($0): 0.1" }.joined(separator: ", ")) }

      """
    expectOne(
      text, .limit,
      "mini.yaml:21:3: effects.a->b: 13 channels have effects on transitions out of 'a' "
        + "(\(names.joined(separator: ", "))); at most 12 are allowed per origin phase")
  }

  @Test func everyErrorInAFileIsReportedInOrder() {
    let text = """
      name: several
      horizon: 10
      horizon: 12
      population: { size: 0 }
      phases: [a, b, a]
      transitions:
        a: { b: 2, c: 0.1 }
      channels:
        tv: { spend: -1, reach: { half: 10 } }
      colour: red

      """
    #expect(
      Fixtures.errors(text) == [
        "mini.yaml:3:1: horizon: duplicate key 'horizon' (first at line 2)",
        "mini.yaml:4:21: population.size: population size 0 is below 1; expected a whole number ≥ 1",
        "mini.yaml:5:16: phases[2]: duplicate phase name 'a' (first at line 5)",
        "mini.yaml:7:11: transitions.a.b: probability 2 is outside [0, 1]",
        "mini.yaml:7:14: transitions.a.c: unknown phase 'c'; expected one of: a, b",
        "mini.yaml:9:16: channels.tv.spend: spend -1 is negative; expected a number ≥ 0",
        "mini.yaml:10:1: colour: unknown key 'colour'; expected one of: name, period, horizon, seed, population, "
          + "phases, transitions, channels, effects, segments, seasonality, import, currency",
      ])
  }

  @Test func randomMutationsNeverTrap() throws {
    let original = try String(contentsOfFile: Fixtures.scenarioPath("b2c.yaml"), encoding: .utf8)
    let base = Array(original.unicodeScalars)
    let pieces: [String] = [
      ":", "-", "{", "}", "[", "]", "\"", "'", "\n", " ", "  ", "\t", "#", "&a", "*a", "!", ">", "|", "%", "@",
      ",", "->", "-1", "1.4", ".nan", ".inf", "1e400", "99999999999999999999", "0", "null", "~", "yes", "é",
      "aware", "lost", "tv", "weekly", "daily", "on", "off", "from", "to", "transitions", "---", "? ",
    ]
    var rng = SplitMix64(state: 20_240_601)
    var parsed = 0
    var rejected = 0
    for round in 0..<2000 {
      var text = base
      let edits = 1 + Int(rng.next() % 3)
      for _ in 0..<edits {
        let at = Int(rng.next() % UInt64(text.count + 1))
        switch (round + Int(rng.next() % 5)) % 5 {
        case 0:
          text = Array(text[..<at])  // truncate
        case 1:
          let end = min(text.count, at + Int(rng.next() % 40))
          text.removeSubrange(at..<end)  // delete a stretch
        case 2:
          let piece = pieces[Int(rng.next() % UInt64(pieces.count))]
          text.insert(contentsOf: piece.unicodeScalars, at: at)  // insert a token
        case 3:
          let end = min(text.count, at + 1 + Int(rng.next() % 8))
          let piece = pieces[Int(rng.next() % UInt64(pieces.count))]
          text.replaceSubrange(at..<end, with: piece.unicodeScalars)  // replace a stretch
        default:
          var lines = String(String.UnicodeScalarView(text)).components(separatedBy: "\n")
          if lines.count > 1 {
            let i = Int(rng.next() % UInt64(lines.count))
            let j = Int(rng.next() % UInt64(lines.count))
            lines.swapAt(i, j)  // move lines around
            if rng.next() % 2 == 0 { lines.insert(lines[i], at: j) }  // or duplicate one
          }
          text = Array(lines.joined(separator: "\n").unicodeScalars)
        }
      }
      do {
        _ = try Scenario.parse(text: String(String.UnicodeScalarView(text)), file: "fuzz.yaml")
        parsed += 1
      } catch {
        #expect(!error.errors.isEmpty)
        rejected += 1
      }
    }
    #expect(parsed + rejected == 2000)
    #expect(rejected > 0)
  }
}
