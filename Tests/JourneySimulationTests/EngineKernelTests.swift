import JourneyModel
import Testing
import _JourneyTestSupport

@testable import JourneySimulation

/// The AVX2 and AVX-512 kernels give the portable code's bytes: fills, block updates and
/// whole runs, on every kernel this machine supports.
@Suite struct EngineKernelTests {
  static let accelerated = EngineKernel.available.filter { $0 != .portable }

  @Test func portableIsAlwaysAvailable() {
    #expect(EngineKernel.available.first == .portable)
    #expect(EngineKernel.available.contains(EngineKernel.selected))
  }

  @Test(arguments: accelerated, [8, 512, 1_000])
  func fillsEqualThePortableFill(kernel: EngineKernel, count: Int) {
    var g = SplitMix64(seed: 11, stream: UInt64(count))
    let a = UnsafeMutablePointer<UInt64>.allocate(capacity: Xoshiro256x8.words)
    let b = UnsafeMutablePointer<UInt64>.allocate(capacity: Xoshiro256x8.words)
    defer {
      a.deallocate()
      b.deallocate()
    }
    Xoshiro256x8.seed(a, from: &g)
    b.update(from: a, count: Xoshiro256x8.words)
    var portable = [UInt64](repeating: 0, count: count)
    var fast = portable
    for _ in 0..<2 {  // twice: the state carries over between fills
      portable.withUnsafeMutableBufferPointer { Xoshiro256x8.fillLaneByLane(a, $0.baseAddress!, count: count) }
      fast.withUnsafeMutableBufferPointer { kernel.fill(b, $0.baseAddress!, count: count) }
      #expect(fast == portable)
    }
    #expect((0..<32).allSatisfy { a[$0] == b[$0] })
  }

  /// Random alias tables (sizes 2 to 64 slots) and random customers: the same phases, lane
  /// states and tallies from the portable block loop and from the kernel, for ranges that
  /// are not multiples of 8, 64 or 512, one or several segments, and phase counts on both
  /// sides of the kernels' vector-count limit (32), and table counts on both sides of the
  /// AVX-512 kernel's permute limit (16 tables: segments · phases).
  @Test(arguments: accelerated, [(7, 1, 1), (7, 1, 517), (5, 3, 4_099), (8, 2, 1_031), (17, 1, 600), (7, 3, 33_285), (16, 2, 1_000), (40, 3, 2_053), (64, 1, 77)])
  func blockUpdatesEqualThePortableLoop(kernel: EngineKernel, shape: (phases: Int, segments: Int, count: Int)) {
    let (n, segments, count) = shape
    var g = SplitMix64(seed: 5, stream: UInt64(n * 1_000_000 + segments * 100_000 + count))
    var slots: [UInt64] = []
    var info: [UInt64] = []
    for _ in 0..<(n * segments) {
      let log2 = 1 + Int(g.next() % 6)
      info.append(UInt64(slots.count) << 8 | UInt64(64 - log2))
      for _ in 0..<(1 << log2) {
        let primary = g.next() % UInt64(n)
        let alias = g.next() % UInt64(n)
        slots.append((g.next() & 0xFFFF_FFFF_0000_0000) | alias << 8 | primary)
      }
    }
    let margin = 9  // bytes past the range that neither path may touch
    let start = (0..<(count + margin)).map { _ in UInt8(g.next() % UInt64(n)) }
    let segment = (0..<(count + margin)).map { _ in UInt8(g.next() % UInt64(segments)) }
    let lanes = UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * Xoshiro256x8.words)
    defer { lanes.deallocate() }
    Xoshiro256x8.seed(lanes, from: &g)
    (lanes + Xoshiro256x8.words).update(from: lanes, count: Xoshiro256x8.words)

    func run(_ kernel: EngineKernel, lanes: UnsafeMutablePointer<UInt64>) -> ([UInt8], [UInt64]) {
      var phase = start
      var seg = segment
      var tally = [UInt64](repeating: 0, count: 2 * n)
      var arrays = AliasTables()
      arrays.slots = slots
      arrays.info = info
      let tables = StepTables(copying: arrays)
      defer { tables.deallocate() }
      phase.withUnsafeMutableBufferPointer { p in
        seg.withUnsafeMutableBufferPointer { sg in
          tally.withUnsafeMutableBufferPointer { t in
            IndividualEngine.stepFast(
              0, count, n: n, segments: segments, tables: tables, phase: p.baseAddress!,
              segment: sg.baseAddress!, lanes: lanes, tally: t.baseAddress!, kernel: kernel)
          }
        }
      }
      return (phase, tally)
    }
    let portable = run(.portable, lanes: lanes)
    let fast = run(kernel, lanes: lanes + Xoshiro256x8.words)
    #expect(fast.0 == portable.0)
    #expect(fast.1 == portable.1)
    #expect(portable.1.reduce(0, +) == UInt64(count))
    #expect(Array(portable.0[count...]) == Array(start[count...]))
    #expect((0..<32).allSatisfy { lanes[$0] == lanes[Xoshiro256x8.words + $0] })
  }

  /// Whole runs (two segments, arrivals, sizes off every boundary) on 1, 2, 3 and 8 threads,
  /// with and without the journey log, equal the portable run on one thread.
  @Test(arguments: accelerated)
  func runsEqualThePortableRunOnAnyThreadCount(kernel: EngineKernel) throws {
    let scenario = Fixtures.webshop(size: 2 * 32_768 + 517, horizon: 6, arrivals: 1_013)
    let portable = try IndividualEngine.run(
      scenario, seed: scenario.seed, threads: 1, journeyLog: nil, progress: nil, kernel: .portable)
    for threads in [1, 2, 3, 8] {
      let fast = try IndividualEngine.run(
        scenario, seed: scenario.seed, threads: threads, journeyLog: nil, progress: nil, kernel: kernel)
      #expect(fast == portable, "kernel \(kernel), threads=\(threads)")
    }
    let small = Fixtures.webshop(size: 9_001, horizon: 4, arrivals: 77)
    let a = DeterminismTests.Capture()
    let b = DeterminismTests.Capture()
    let logged = try IndividualEngine.run(
      small, seed: small.seed, threads: 1, journeyLog: a, progress: nil, kernel: .portable)
    let fastLogged = try IndividualEngine.run(
      small, seed: small.seed, threads: 3, journeyLog: b, progress: nil, kernel: kernel)
    #expect(logged == fastLogged)
    #expect(a.bytes == b.bytes)
    #expect(
      try logged == IndividualEngine.run(small, seed: small.seed, threads: 2, journeyLog: nil, progress: nil, kernel: kernel))
  }
}
