import JourneyModel
import Testing
import _JourneyTestSupport

@testable import JourneySimulation

/// The individual engine's buffered draws and block counts.
@Suite struct Xoshiro256x8Tests {
  /// Scalar xoshiro256++ as its authors publish it.
  struct Reference {
    var s: (UInt64, UInt64, UInt64, UInt64)
    mutating func next() -> UInt64 {
      func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
      let result = rotl(s.0 &+ s.3, 23) &+ s.0
      let t = s.1 << 17
      s.2 ^= s.0
      s.3 ^= s.1
      s.1 ^= s.2
      s.0 ^= s.3
      s.2 ^= t
      s.3 = rotl(s.3, 45)
      return result
    }
  }

  @Test func firstOutputOfTheOneTwoThreeFourState() {
    var r = Reference(s: (1, 2, 3, 4))
    #expect(r.next() == 41_943_041)  // rotl(1 + 4, 23) + 1
  }

  @Test(arguments: [8, 16, 512, 1_000])
  func everyLaneIsAReferenceStreamAndBothFillsAgree(count: Int) {
    var g = SplitMix64(seed: 42, stream: 7)
    let a = UnsafeMutablePointer<UInt64>.allocate(capacity: Xoshiro256x8.words)
    let b = UnsafeMutablePointer<UInt64>.allocate(capacity: Xoshiro256x8.words)
    defer {
      a.deallocate()
      b.deallocate()
    }
    Xoshiro256x8.seed(a, from: &g)
    b.update(from: a, count: Xoshiro256x8.words)
    var lanes = (0..<8).map { l in Reference(s: (a[l], a[8 + l], a[16 + l], a[24 + l])) }
    var vector = [UInt64](repeating: 0, count: count)
    var scalar = [UInt64](repeating: 0, count: count)
    for _ in 0..<2 {  // twice: the state carries over between fills
      vector.withUnsafeMutableBufferPointer { Xoshiro256x8.fillVector(a, $0.baseAddress!, count: count) }
      scalar.withUnsafeMutableBufferPointer { Xoshiro256x8.fillLaneByLane(b, $0.baseAddress!, count: count) }
      #expect(vector == scalar)
      let expected = (0..<count).map { i in lanes[i % 8].next() }
      #expect(vector == expected)
    }
    #expect((0..<Xoshiro256x8.words).allSatisfy { a[$0] == b[$0] })
  }
}

@Suite struct BlockCountTests {
  /// The vector count and the one-customer-at-a-time count agree on random blocks, with
  /// lengths that are not multiples of 16.
  @Test(arguments: [(7, 512), (7, 395), (16, 511), (2, 17), (5, 3)])
  func vectorAndScalarCountsAgree(phases: Int, count: Int) {
    var g = SplitMix64(seed: 3, stream: UInt64(phases * 10_000 + count))
    var new = (0..<count).map { _ in UInt8(g.next() % UInt64(phases)) }
    var old = new.map { v in g.next() % 3 == 0 ? UInt8(g.next() % UInt64(phases)) : v }
    var vector = [UInt64](repeating: 0, count: 2 * phases)
    var scalar = vector
    new.withUnsafeMutableBufferPointer { n in
      old.withUnsafeMutableBufferPointer { o in
        IndividualEngine.countVector(
          new: n.baseAddress!, old: o.baseAddress!, count: count, phases: phases, tally: &vector)
        IndividualEngine.countScalar(new: n.baseAddress!, old: o.baseAddress!, from: 0, to: count, tally: &scalar)
      }
    }
    #expect(vector == scalar)
    #expect(vector.reduce(0, +) == UInt64(count))
  }
}

@Suite struct VectorEngineTests {
  /// Customers not divisible by the 8 lanes, the 16-customer count vectors, the 512-customer
  /// blocks or the 2^15-customer chunks, with arrivals (odd too).
  static func oddScenario(size: Int, horizon: Int, arrivals: Int) -> Scenario {
    Fixtures.webshop(size: size, horizon: horizon, arrivals: arrivals)
  }

  @Test func bitIdenticalOnOneTwoThreeAndEightThreads() throws {
    let scenario = Self.oddScenario(size: 3 * 32_768 + 517, horizon: 7, arrivals: 1_013)
    let one = try Simulator.run(scenario, engine: .individual, threads: 1)
    for threads in [2, 3, 8] {
      #expect(try one == Simulator.run(scenario, engine: .individual, threads: threads), "threads=\(threads)")
    }
    // A different seed gives a different run.
    #expect(try one != Simulator.run(scenario, engine: .individual, seed: scenario.seed &+ 1, threads: 1))
  }

  /// Monte Carlo means of an odd-sized population (5,003 = 9·512 + 395 customers, 41
  /// arrivals a period) within 4 standard errors of the exact expected engine over 100
  /// replicates, and a 5% shift detected.
  @Test func oddPopulationMeansMatchExpectedEngine() throws {
    let scenario = Self.oddScenario(size: 5_003, horizon: 20, arrivals: 41)
    let expected = EngineAgreementTests.figures(try Simulator.run(scenario, engine: .expected))
    let runs = try (0..<EngineAgreementTests.replicates).map { r in
      EngineAgreementTests.figures(try Simulator.run(scenario, engine: .individual, seed: UInt64(5_000 + r), threads: 3))
    }
    let summary = ReplicateSummary(runs)
    let bad = summary.outliers(against: expected)
    #expect(bad.isEmpty, "figures outside 4 SE at indices \(bad)")
    #expect(!summary.outliers(against: expected.map { $0 * 1.05 }).isEmpty)
  }

  /// A population smaller than one lane group: every customer still moves once a period.
  @Test func fewerCustomersThanLanes() throws {
    let scenario = Self.oddScenario(size: 5, horizon: 4, arrivals: 3)
    let r = try Simulator.run(scenario, engine: .individual, threads: 2)
    #expect(r.finalCounts.reduce(0, +) == Double(5 + 4 * 3))
    #expect(try r == Simulator.run(scenario, engine: .individual, threads: 1))
  }
}
