import JourneyModel
import JourneySimulation
import Testing
import _JourneyTestSupport

/// Monte Carlo engines against the exact expected engine: per-period conversions and final
/// phase counts lie within 4 standard errors of the expected figures over 100 replicates.
@Suite struct EngineAgreementTests {
  static let replicates = 100

  static func figures(_ r: SimulationResult) -> [Double] { r.conversions + r.finalCounts }

  @Test(arguments: [Engine.individual, .cohort])
  func fixtureMeansMatchExpectedEngine(engine: Engine) throws {
    let scenario = Fixtures.webshop(size: 5_000, horizon: 26, arrivals: 40)
    let expected = try Simulator.run(scenario, engine: .expected)
    let runs = try (0..<Self.replicates).map { r in
      Self.figures(try Simulator.run(scenario, engine: engine, seed: UInt64(1_000 + r), threads: 2))
    }
    let summary = ReplicateSummary(runs)
    let bad = summary.outliers(against: Self.figures(expected))
    #expect(bad.isEmpty, "\(engine) figures outside 4 SE at indices \(bad)")
    // The check can fail: a 5% shift of the expected figures is detected.
    let shifted = Self.figures(expected).map { $0 * 1.05 }
    #expect(!summary.outliers(against: shifted).isEmpty)
  }
}

@Suite struct DeterminismTests {
  final class Capture: JourneyLogSink {
    var bytes: [UInt8] = []
    func write(_ b: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: b) }
  }

  @Test func individualEngineIsBitIdenticalForAnyThreadCount() throws {
    let scenario = Fixtures.webshop(size: 150_000, horizon: 12, arrivals: 3_000)
    let one = try Simulator.run(scenario, engine: .individual, threads: 1)
    for threads in [2, 8] {
      let other = try Simulator.run(scenario, engine: .individual, threads: threads)
      #expect(one == other, "threads=\(threads) changed the result")
    }
  }

  @Test func journeyLogIsBitIdenticalAndDoesNotChangeResults() throws {
    let scenario = Fixtures.webshop(size: 70_000, horizon: 5, arrivals: 1_000)
    let plain = try Simulator.run(scenario, engine: .individual, threads: 1)
    let a = Capture()
    let b = Capture()
    let withLog1 = try Simulator.run(scenario, engine: .individual, threads: 1, journeyLog: a)
    let withLog8 = try Simulator.run(scenario, engine: .individual, threads: 8, journeyLog: b)
    #expect(plain == withLog1)
    #expect(withLog1 == withLog8)
    #expect(a.bytes == b.bytes)
    let lines = a.bytes.split(separator: UInt8(ascii: "\n"))
    // header + one row per active customer and period
    let rows = (0..<5).reduce(0) { $0 + 70_000 + $1 * 1_000 }
    #expect(lines.count == rows + 1)
  }

  @Test(arguments: [Engine.cohort, .expected])
  func otherEnginesRepeat(engine: Engine) throws {
    let scenario = Fixtures.webshop()
    #expect(try Simulator.run(scenario, engine: engine) == Simulator.run(scenario, engine: engine))
  }
}

@Suite struct ChainAnalyticsTests {
  /// A three-phase funnel without channels: aware → considering (0.5) or lost (0.25),
  /// considering → purchased (0.2) or lost (0.3); purchased and lost absorbing.
  /// By hand: from considering, P(convert) = 0.2/0.5 = 0.4 and E[T | convert] = 1/0.5 = 2;
  /// from aware, P = 0.5/0.75 · 0.4 = 4/15, E[T | convert] = 1/0.75 + 2 = 10/3.
  @Test func funnelByHand() throws {
    var p = TransitionParameters(phaseCount: 4, channelCount: 0)
    p.setProbability(0, 1, 0.5)
    p.setProbability(0, 3, 0.25)
    p.setProbability(1, 2, 0.2)
    p.setProbability(1, 3, 0.3)
    let phases = [Phase(name: "aware"), Phase(name: "considering"),
                  Phase(name: "purchased", isConversion: true, value: 1), Phase(name: "lost", isAbsorbing: true)]
    let scenario = Scenario(
      name: "funnel", horizon: 4,
      population: .init(size: 100, initial: [1, 0, 0, 0], arrivalPhases: [1, 0, 0, 0]),
      phases: phases, channels: [], segments: [Segment(name: "all", share: 1, parameters: p)])
    let a = try ChainAnalytics(scenario: scenario)
    let f = a.segments[0]
    #expect(abs(f.conversionProbability[0] - 4.0 / 15) < 1e-12)
    #expect(abs(f.conversionProbability[1] - 0.4) < 1e-12)
    #expect(f.conversionProbability[3] == 0)
    #expect(abs((f.periodsToConversion[0] ?? 0) - 10.0 / 3) < 1e-12)
    #expect(abs((f.periodsToConversion[1] ?? 0) - 2) < 1e-12)
    #expect(f.periodsToConversion[3] == nil)
    // To absorption (purchased and lost are both absorbing): t = N·1 = [1/0.75 + 0.5/0.75·2, 2].
    #expect(abs((f.periodsToAbsorption[1] ?? 0) - 2) < 1e-12)
    #expect(abs((f.periodsToAbsorption[0] ?? 0) - (1 / 0.75 + (0.5 / 0.75) * 2)) < 1e-12)
  }

  @Test func webshopFiguresAreProbabilities() throws {
    let a = try ChainAnalytics(scenario: Fixtures.webshop())
    for f in a.segments {
      #expect(f.conversionProbability.allSatisfy { $0 >= 0 && $0 <= 1 })
      // loyal customers purchase again before they are lost with probability > 0
      #expect(f.conversionProbability[5] > 0.5)
    }
  }
}

/// The same 4-standard-error agreement on every shipped scenario, scaled to 5,000 customers.
@Suite struct ShippedScenarioAgreementTests {
  static let names = ["b2c.yaml", "b2b.yaml", "word-of-mouth.yaml", "bench.yaml"]

  @Test func everyShippedScenarioIsCovered() {
    #expect(Set(RepositoryFiles.scenarioNames).isSubset(of: Set(Self.names)))
  }

  @Test(arguments: names, [Engine.individual, .cohort])
  func meansMatchExpectedEngine(name: String, engine: Engine) throws {
    let scenario = try RepositoryFiles.scenario(name, size: 5_000)
    let expected = try Simulator.run(scenario, engine: .expected)
    let runs = try (0..<EngineAgreementTests.replicates).map { r in
      EngineAgreementTests.figures(try Simulator.run(scenario, engine: engine, seed: UInt64(77 + r), threads: 2))
    }
    let bad = ReplicateSummary(runs).outliers(against: EngineAgreementTests.figures(expected))
    #expect(bad.isEmpty, "\(name) \(engine): figures outside 4 SE at indices \(bad)")
  }

  @Test(arguments: names)
  func shippedScenarioIsBitIdenticalOnOneTwoAndEightThreads(name: String) throws {
    let scenario = try RepositoryFiles.scenario(name, size: 100_000)
    let one = try Simulator.run(scenario, engine: .individual, threads: 1)
    #expect(try one == Simulator.run(scenario, engine: .individual, threads: 2))
    #expect(try one == Simulator.run(scenario, engine: .individual, threads: 8))
  }
}

@Suite struct ExtremeInputTests {
  /// Valid but extreme numbers (huge lifts, multipliers and spend) must give probabilities,
  /// never NaN or a trap, on every engine.
  @Test(arguments: Engine.allCases)
  func extremeButValidScenarioRuns(engine: Engine) throws {
    var s = Fixtures.webshop(size: 2_000, horizon: 8, arrivals: 10)
    s.seasonality = [1e300, 1e-300]
    for c in s.channels.indices {
      if case .paid(var plan, _, let reach) = s.channels[c].kind {
        plan.base = 1e308
        plan.flights = [.init(from: 0, to: 7, scale: 10)]
        s.channels[c].kind = .paid(spend: plan, adstock: 0, reach: reach)
      }
    }
    s.segments[0].parameters.setEffect(0, 1, 0, 700)
    s.segments[0].parameters.setEffect(1, 2, 1, -700)
    let r = try Simulator.run(s, engine: engine, threads: 2)
    for t in 0..<r.horizon {
      #expect(r.exposure[t].allSatisfy { $0 >= 0 && $0 <= 1 })
      #expect(r.phaseCounts[t].allSatisfy { $0.isFinite && $0 >= 0 })
    }
    #expect(abs(r.finalCounts.reduce(0, +) - Double(2_000 + 8 * 10)) < 1e-6)
  }
}
