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
