import JourneyModel
@testable import JourneySimulation
import Testing
import _JourneyTestSupport

@Suite struct StreamIDTests {
  /// `[lo, hi]` of every purpose that draws with a run's own seed, at its documented limits.
  static let ranges: [(String, ClosedRange<UInt64>)] = [
    ("individual moves", StreamID.individualMoves(chunk: 0)...StreamID.individualMoves(chunk: (1 << 16) - 1)),
    ("individual log", StreamID.individualLog(chunk: 0)...StreamID.individualLog(chunk: (1 << 16) - 1)),
    ("cohort initial", StreamID.cohortInitial...StreamID.cohortInitial),
    ("cohort arrivals", StreamID.cohortArrivals(period: 0)...StreamID.cohortArrivals(period: (1 << 24) - 1)),
    (
      "cohort cells",
      StreamID.cohortCell(period: 0, segment: 0, phase: 0)...StreamID.cohortCell(
        period: (1 << 24) - 1, segment: 0xFFF, phase: 0xFFF)
    ),
    ("reference replicates", StreamID.referenceReplicate(0)...StreamID.referenceReplicate((1 << 24) - 1)),
  ]

  @Test func purposesSharingASeedNeverShareAStream() {
    for (i, a) in Self.ranges.enumerated() {
      for b in Self.ranges[(i + 1)...] {
        #expect(!a.1.overlaps(b.1), "\(a.0) overlaps \(b.0)")
      }
    }
  }

  @Test func forecastStreamsInterleave() {
    let all = (0..<1_000).flatMap { [StreamID.forecastReplicate($0), StreamID.forecastParameters($0)] }
    #expect(Set(all).count == all.count)
  }

  @Test func theIndividualEngineFitsItsRange() {
    // The most customers the individual engine takes, in chunks of 2^15.
    #expect((Int(Int32.max) + (1 << 15) - 1) >> 15 <= 1 << 16)
    #expect(Scenario.maxSegments <= 256)
  }

  @Test func valuesAreTheOnesResultsWereMadeWith() {
    #expect(StreamID.individualMoves(chunk: 3) == 3)
    #expect(StreamID.individualLog(chunk: 3) == UInt64(3) | 1 << 62)
    #expect(StreamID.cohortInitial == 0xC0_4087)
    #expect(StreamID.cohortArrivals(period: 5) == UInt64(0xC1) << 56 | 5)
    #expect(StreamID.cohortCell(period: 2, segment: 1, phase: 4) == UInt64(0xC2) << 56 | 2 << 24 | 1 << 12 | 4)
    #expect(StreamID.forecastReplicate(7) == 14 && StreamID.forecastParameters(7) == 15)
    #expect(StreamID.referenceReplicate(2) == 0x5EED_0002)
  }
}

@Suite struct ParallelTests {
  @Test(arguments: [1, 2, 3, 8])
  func everyItemRunsOnceWhateverTheWorkers(workers: Int) {
    let hits = Locked([Int](repeating: 0, count: 101))
    Parallel.strided(101, workers: workers) { k in hits.withLock { $0[k] += 1 } }
    #expect(hits.withLock { $0 } == [Int](repeating: 1, count: 101))
  }

  @Test func noItemsRunsNothing() {
    let count = Locked(0)
    Parallel.strided(0, workers: 4) { _ in count.withLock { $0 += 1 } }
    #expect(count.withLock { $0 } == 0)
  }

  @Test func individualRunsAreTheSameWhateverTheThreads() throws {
    let s = Fixtures.webshop(size: 70_000, horizon: 6, arrivals: 5_000)
    let one = try Simulator.run(s, engine: .individual, threads: 1)
    let three = try Simulator.run(s, engine: .individual, threads: 3)
    #expect(one == three)
  }

  @Test func tooManySegmentsThrowsInsteadOfTrapping() throws {
    var s = Fixtures.webshop(size: 100, horizon: 2, arrivals: 0)
    let segment = s.segments[0]
    s.segments = (0..<(Scenario.maxSegments + 1)).map { k in
      var copy = segment
      copy.name = "s\(k)"
      copy.share = 1 / Double(Scenario.maxSegments + 1)
      return copy
    }
    #expect(throws: SimulationError.tooManySegments(limit: 256)) {
      try Simulator.run(s, engine: .individual)
    }
  }
}

/// What the individual engine's workers update per chunk (tallies, random streams, final
/// counts) lies on cache lines of the chunk's own: two workers on neighbouring chunks would
/// otherwise send the shared line back and forth between their cores at every write.
@Suite struct ChunkLayoutTests {
  /// The 128-byte pair of cache lines an address falls in.
  static func linePair(_ p: UnsafeRawPointer) -> Int { Int(bitPattern: p) >> 7 }

  @Test(arguments: [1, 2, 7, 8, 9, 64])
  func chunksUpdateLinesOfTheirOwn(phases: Int) {
    let chunks = 5
    let storage = IndividualEngine.Storage(customers: chunks << 15, chunks: chunks, phases: phases)
    #expect(storage.tallyBlock >= 2 * phases && storage.tallyBlock % 16 == 0)
    var owner: [Int: Int] = [:]
    func claim(_ p: UnsafeRawPointer, bytes: Int, chunk: Int) {
      for line in Self.linePair(p)...Self.linePair(p + bytes - 1) {
        #expect(owner[line, default: chunk] == chunk, "line pair \(line) shared by chunks \(owner[line] ?? -1) and \(chunk)")
        owner[line] = chunk
      }
    }
    for k in 0..<chunks {
      claim(storage.tally + k * storage.tallyBlock, bytes: 2 * phases * 8, chunk: k)
      claim(storage.moves(k), bytes: 8, chunk: k)
      claim(storage.logStream(k), bytes: 8, chunk: k)
      #expect(storage.logStream(k) != storage.moves(k))
    }
    #expect(IndividualEngine.Storage.padded(0) == 0 && IndividualEngine.Storage.padded(1) == 16)
    #expect(IndividualEngine.Storage.padded(16) == 16 && IndividualEngine.Storage.padded(17) == 32)
  }
}
