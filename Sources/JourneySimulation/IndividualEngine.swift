import CJourneyKernels
import Dispatch
import JourneyFormats
import JourneyModel

/// Receives the journey log (``JourneyFormats/JourneyLogFormat``) in row order.
public protocol JourneyLogSink: AnyObject {
  func write(_ bytes: UnsafeRawBufferPointer) throws
  /// Whether formula-like names get a leading `'` (see ``JourneyFormats/CSV``); `true` unless
  /// the sink says otherwise.
  var neutraliseFormulas: Bool { get }
}

extension JourneyLogSink {
  public var neutraliseFormulas: Bool { true }
}

/// The individual engine: every customer's phase, one random draw per customer-step from
/// the joint (exposure pattern, next phase) alias table of its segment and phase.
///
/// Customers live in fixed chunks of ``chunkSize``; chunk `k` owns the random streams
/// `(seed, k)` for moves and `(seed, k + 2^62)` for the journey log's other channels, so
/// results do not depend on the number of threads, and writing the log does not change
/// them. The moves stream seeds the chunk's eight xoshiro256++ lanes
/// (``Xoshiro256x8``) and then places the chunk's customers (initial and arrivals).
///
/// Each period, a chunk's active customers go in blocks of ``blockSize``: the lanes fill a
/// buffer with one 64-bit draw per customer of the block (customer `j` of the block takes
/// number `j`), a branch-free loop moves the block through the alias tables, and a
/// separate pass counts the block's (phase, moved) pairs. Blocks and draws depend on the
/// seed, the chunk and the number of active customers only, not on the thread that runs a
/// chunk nor on the ``EngineKernel`` (AVX-512, AVX2 or portable Swift) that runs the loop.
enum IndividualEngine {
  static let chunkSize = 1 << 15
  /// Customers per buffer of draws (a multiple of ``Xoshiro256x8/lanes``; at most 16·255
  /// for the byte counters of ``countBlock(new:old:count:phases:tally:)``).
  static let blockSize = 512
  static let maxCustomers = Int(Int32.max)
  /// Segments a customer's byte can name (``Scenario/maxSegments``).
  static let maxSegments = Scenario.maxSegments

  /// - Complexity: O(T · (N + A·T/2)) draws for `T` periods, `N` customers at the start and
  ///   `A` arrivals per period (one draw per customer-step), plus the alias tables per
  ///   period, O(S · n · 2^k · n) for `S` segments, `n` phases and `k` effect channels per
  ///   phase; memory O(N + A·T) bytes.
  static func run(
    _ scenario: Scenario, seed: UInt64, threads: Int, journeyLog: JourneyLogSink?,
    progress: ((Int) -> Void)?, start startState: StartState? = nil, kernel: EngineKernel = .selected
  ) throws -> SimulationResult {
    precondition(kernel.rawValue <= EngineKernel.supported.rawValue, "kernel \(kernel) not supported here")
    let n = scenario.phaseCount
    let cCount = scenario.channelCount
    let segments = scenario.segments
    var population = scenario.population
    // With a start state, customers are laid out cell by cell: `startCells[k]` is the
    // first customer after cell `k` (segment `k / n`, phase `k % n`).
    let startCells: [Int]? = startState.map { state in
      var acc = 0
      return state.counts(for: scenario).flatMap { row in
        row.map { v -> Int in
          acc += Int(Swift.max(0, v).rounded())
          return acc
        }
      }
    }
    if let startCells { population.size = startCells.last ?? 0 }
    let pop = population
    guard pop.size <= maxCustomers else { throw SimulationError.tooManyCustomers(limit: maxCustomers) }
    let t0 = startState?.period ?? 0
    let horizon = scenario.horizon
    let (capacity, overflow) = pop.arrivals.multipliedReportingOverflow(by: horizon)
    guard !overflow, capacity <= maxCustomers - pop.size else {
      throw SimulationError.tooManyCustomers(limit: maxCustomers)
    }
    guard segments.count <= maxSegments else { throw SimulationError.tooManySegments(limit: maxSegments) }
    let total = pop.size + capacity
    let chunkCount = Swift.max(1, (total + chunkSize - 1) / chunkSize)
    let workers = Swift.max(1, Swift.min(threads, chunkCount))
    let storage = Storage(customers: total, chunks: chunkCount, phases: n)
    let tallyBlock = storage.tallyBlock
    for k in 0..<chunkCount {
      var moves = SplitMix64(seed: seed, stream: StreamID.individualMoves(chunk: k))
      Xoshiro256x8.seed(storage.lanes(k), from: &moves)
      storage.moves(k).pointee = moves
      storage.logStream(k).pointee = SplitMix64(seed: seed, stream: StreamID.individualLog(chunk: k))
    }

    let shareCDF = cumulative(segments.map(\.share))
    let initialCDF = cumulative(pop.initial)
    let arrivalCDF = cumulative(pop.arrivalPhases)

    /// Places the start state's customers `[lo, hi)` of chunk `k` in their cells, counting them.
    @Sendable func placeStart(_ k: Int, _ lo: Int, _ hi: Int, _ cells: [Int]) {
      let counts = storage.tally + k * tallyBlock
      guard lo < hi else { return }
      var cell = 0
      for customer in lo..<hi {
        while cells[cell] <= customer { cell += 1 }
        let i = cell % n
        storage.segment[customer] = UInt8(truncatingIfNeeded: cell / n)
        storage.phase[customer] = UInt8(truncatingIfNeeded: i)
        counts[2 * i] &+= 1
      }
    }

    /// Draws segment and phase for the customers `[lo, hi)` of chunk `k`, counting them.
    @Sendable func place(_ k: Int, _ lo: Int, _ hi: Int, _ phaseCDF: [Double]) {
      let counts = storage.tally + k * tallyBlock
      guard lo < hi else { return }
      for customer in lo..<hi {
        let s = draw(shareCDF, &storage.moves(k).pointee)
        let i = draw(phaseCDF, &storage.moves(k).pointee)
        storage.segment[customer] = UInt8(truncatingIfNeeded: s)
        storage.phase[customer] = UInt8(truncatingIfNeeded: i)
        counts[2 * i] &+= 1
      }
    }

    func gather() -> (counts: [Double], entries: [Double]) {
      var counts = [Double](repeating: 0, count: n)
      var entries = [Double](repeating: 0, count: n)
      for k in 0..<chunkCount {
        let block = storage.tally + k * tallyBlock
        for i in 0..<n {
          counts[i] += Double(block[2 * i] &+ block[2 * i + 1])
          entries[i] += Double(block[2 * i + 1])
        }
      }
      return (counts, entries)
    }

    storage.clearTallies()
    // Chunks go to whichever worker is free (a chunk's numbers do not depend on it).
    Parallel.dynamic(chunkCount, workers: workers) { k in
      let lo = k * chunkSize
      if let startCells {
        placeStart(k, lo, Swift.min(lo + chunkSize, pop.size), startCells)
      } else {
        place(k, lo, Swift.min(lo + chunkSize, pop.size), initialCDF)
      }
    }
    var start = gather().counts

    var result = SimulationResult(
      scenario: scenario.name, engine: .individual, seed: seed,
      phases: scenario.phases.map(\.name), channels: scenario.channels.map(\.name))
    var exposureState = ExposureState(channels: scenario.channels, adstock: startState?.adstock)
    let rowFormat = try journeyLog.map { sink in
      try JourneyLogFormat(
        phases: scenario.phases.map(\.name), channels: scenario.channels.map(\.name),
        segments: segments.count > 1 ? segments.map(\.name) : nil, neutraliseFormulas: sink.neutraliseFormulas,
        file: scenario.name)
    }
    if let journeyLog, let rowFormat {
      try Array(rowFormat.header.utf8).withUnsafeBytes { try journeyLog.write($0) }
    }

    for t in 0..<horizon {
      let active = pop.size + t * pop.arrivals
      let spend = scenario.spend(at: t0 + t)
      let p = exposureState.advance(spend: spend, phaseCounts: start)
      let kernels = PeriodKernels(scenario: scenario, exposure: p, period: t0 + t)
      storage.clearTallies()
      storage.install(AliasTables(kernels: kernels))
      let arrivalsLo = active
      let arrivalsHi = active + pop.arrivals

      Parallel.dynamic(chunkCount, workers: workers) { k in
        let lo = k * chunkSize
        let hi = Swift.min(lo + chunkSize, active)
        if lo < hi {
          if let rowFormat {
            stepWithLog(
              lo, hi, period: t0 + t, n: n, channels: cCount, tables: storage.step, exposure: p, format: rowFormat,
              phase: storage.phase, segment: storage.segment, lanes: storage.lanes(k),
              logRng: &storage.logStream(k).pointee, tally: storage.tally + k * tallyBlock,
              buffer: &storage.logBuffers[k], kernel: kernel)
          } else {
            stepFast(
              lo, hi, n: n, segments: segments.count, tables: storage.step, phase: storage.phase,
              segment: storage.segment, lanes: storage.lanes(k), tally: storage.tally + k * tallyBlock,
              kernel: kernel)
          }
        }
        let alo = Swift.max(lo, arrivalsLo)
        let ahi = Swift.min(lo + chunkSize, arrivalsHi)
        if alo < ahi { place(k, alo, ahi, arrivalCDF) }
      }
      if let journeyLog {
        for k in 0..<chunkCount where !storage.logBuffers[k].isEmpty {
          try storage.logBuffers[k].withUnsafeBytes { try journeyLog.write($0) }
          storage.logBuffers[k].removeAll(keepingCapacity: true)
        }
      }
      let (counts, entries) = gather()
      result.record(start: start, entries: entries, spend: spend, exposure: p, phases: scenario.phases)
      start = counts
      progress?(t + 1)
    }
    result.phaseCounts.append(start)
    result.startPeriod = t0
    result.segments = segments.map(\.name)
    result.finalSegmentCounts = finalCounts(
      storage, customers: total, chunks: chunkCount, segments: segments.count, phases: n, workers: workers)
    result.finalAdstock = exposureState.adstock
    return result
  }

  /// Final (segment, phase) counts of customers `0..<customers`, counted per chunk in parallel.
  static func finalCounts(
    _ storage: Storage, customers: Int, chunks: Int, segments: Int, phases n: Int, workers: Int
  ) -> [[Double]] {
    let cells = segments * n
    // Each chunk's counts on cache lines of their own (``Storage/padded(_:)``).
    let stride = Storage.padded(cells)
    let counts = UnsafeMutableRawPointer.allocate(byteCount: chunks * stride * MemoryLayout<UInt64>.stride, alignment: 128)
      .bindMemory(to: UInt64.self, capacity: chunks * stride)
    counts.initialize(repeating: 0, count: chunks * stride)
    defer { counts.deallocate() }
    let shared = UncheckedPointer(counts)
    Parallel.dynamic(chunks, workers: workers) { k in
      let mine = shared.pointer + k * stride
      let lo = k * chunkSize
      let hi = Swift.min(lo + chunkSize, customers)
      guard lo < hi else { return }
      for customer in lo..<hi {
        mine[Int(storage.segment[customer]) &* n &+ Int(storage.phase[customer])] &+= 1
      }
    }
    var bySegment = [[Double]](repeating: [Double](repeating: 0, count: n), count: segments)
    for k in 0..<chunks {
      for s in 0..<segments {
        for i in 0..<n { bySegment[s][i] += Double(counts[k * stride + s * n + i]) }
      }
    }
    return bySegment
  }

  /// A pointer handed to parallel workers that each write only their own part of it.
  struct UncheckedPointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<UInt64>
    init(_ pointer: UnsafeMutablePointer<UInt64>) { self.pointer = pointer }
  }

  static func cumulative(_ weights: [Double]) -> [Double] {
    let total = weights.reduce(0, +)
    var acc = 0.0
    var cdf = weights.map { w -> Double in
      acc += w / total
      return acc
    }
    if !cdf.isEmpty { cdf[cdf.count - 1] = 1 }
    return cdf
  }

  static func draw(_ cdf: [Double], _ rng: inout SplitMix64) -> Int {
    if cdf.count == 1 { return 0 }
    let u = rng.uniform()
    var i = 0
    while i < cdf.count - 1 && u >= cdf[i] { i += 1 }
    return i
  }

  /// Runs `body(start, count, draws)` for the blocks of customers `[lo, hi)`: `draws[j]` is
  /// the 64-bit draw of customer `start + j`.
  @inline(__always)
  static func forEachBlock(
    _ lo: Int, _ hi: Int, lanes: UnsafeMutablePointer<UInt64>, kernel: EngineKernel = .portable,
    _ body: (Int, Int, UnsafeMutablePointer<UInt64>) -> Void
  ) {
    withUnsafeTemporaryAllocation(of: UInt64.self, capacity: blockSize) { buffer in
      guard let draws = buffer.baseAddress else { return }
      var start = lo
      while start < hi {
        let count = Swift.min(blockSize, hi - start)
        let rounded = (count + Xoshiro256x8.lanes - 1) & ~(Xoshiro256x8.lanes - 1)
        kernel.fill(lanes, draws, count: rounded)
        body(start, count, draws)
        start += count
      }
    }
  }

  /// The inner loop without a journey log: per block, the draws, the moves, then the counts;
  /// the whole range in one call of `journey_step` for the AVX2 and AVX-512 kernels.
  static func stepFast(
    _ lo: Int, _ hi: Int, n: Int, segments: Int, tables: StepTables, phase: UnsafeMutablePointer<UInt8>,
    segment: UnsafeMutablePointer<UInt8>, lanes: UnsafeMutablePointer<UInt64>, tally: UnsafeMutablePointer<UInt64>,
    kernel: EngineKernel = .portable
  ) {
    if kernel != .portable {
      journey_step(
        Int32(kernel.rawValue), phase + lo, segments == 1 ? nil : UnsafePointer(segment + lo), hi - lo, n, segments * n,
        tables.slots, tables.info, lanes, tally)
      return
    }
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: blockSize) { oldBuffer in
      guard let old = oldBuffer.baseAddress else { return }
      forEachBlock(lo, hi, lanes: lanes) { start, count, draws in
        let ph = phase + start
        old.update(from: ph, count: count)
        if segments == 1 {
          move(ph, count: count, draws: draws, tables: tables)
        } else {
          move(ph, segment: segment + start, n: n, count: count, draws: draws, tables: tables)
        }
        countBlock(new: ph, old: old, count: count, phases: n, tally: tally)
      }
    }
  }

  /// Moves `count` customers of the only segment: table = phase.
  ///
  /// The slot is `offset + (u >> shift)`; the low 32 bits of `u` against the slot's
  /// threshold pick its primary (bits 0–7) or alias (bits 8–15) next phase, branch-free.
  @inline(__always)
  static func move(
    _ phase: UnsafeMutablePointer<UInt8>, count: Int, draws: UnsafeMutablePointer<UInt64>, tables: StepTables
  ) {
    let slots = tables.slots
    let info = tables.info
    for j in 0..<count {
      let u = draws[j]
      let e = info[Int(phase[j])]
      let slot = slots[Int(truncatingIfNeeded: e &>> 8) &+ Int(truncatingIfNeeded: u &>> (e & 63))]
      let next = UInt32(truncatingIfNeeded: u) < UInt32(truncatingIfNeeded: slot &>> 32) ? slot : slot &>> 8
      phase[j] = UInt8(truncatingIfNeeded: next)
    }
  }

  /// Moves `count` customers of several segments: table = segment · n + phase.
  @inline(__always)
  static func move(
    _ phase: UnsafeMutablePointer<UInt8>, segment: UnsafeMutablePointer<UInt8>, n: Int, count: Int,
    draws: UnsafeMutablePointer<UInt64>, tables: StepTables
  ) {
    let slots = tables.slots
    let info = tables.info
    for j in 0..<count {
      let u = draws[j]
      let e = info[Int(segment[j]) &* n &+ Int(phase[j])]
      let slot = slots[Int(truncatingIfNeeded: e &>> 8) &+ Int(truncatingIfNeeded: u &>> (e & 63))]
      let next = UInt32(truncatingIfNeeded: u) < UInt32(truncatingIfNeeded: slot &>> 32) ? slot : slot &>> 8
      phase[j] = UInt8(truncatingIfNeeded: next)
    }
  }

  /// Adds a block's counts to `tally`: at `2i` the customers that stayed in phase `i`, at
  /// `2i + 1` those that entered it.
  ///
  /// Optimised builds count up to 16 phases with byte compares, 16 customers a vector
  /// (a block of at most 16·255 customers keeps the byte counters from wrapping); more
  /// phases and debug builds count one customer at a time. Both give the same counts.
  @inline(__always)
  static func countBlock(
    new: UnsafeMutablePointer<UInt8>, old: UnsafeMutablePointer<UInt8>, count: Int, phases n: Int,
    tally: UnsafeMutablePointer<UInt64>
  ) {
    #if DEBUG
      countScalar(new: new, old: old, from: 0, to: count, tally: tally)
    #else
      if n > 16 {
        countScalar(new: new, old: old, from: 0, to: count, tally: tally)
      } else {
        countVector(new: new, old: old, count: count, phases: n, tally: tally)
      }
    #endif
  }

  /// ``countBlock(new:old:count:phases:tally:)`` for `n ≤ 16` phases and `count ≤ 16·255`
  /// customers with `SIMD16<UInt8>` compares: per phase, one pass over the block.
  @inline(__always)
  static func countVector(
    new: UnsafeMutablePointer<UInt8>, old: UnsafeMutablePointer<UInt8>, count: Int, phases n: Int,
    tally: UnsafeMutablePointer<UInt64>
  ) {
    let vectors = count / 16
    let newRaw = UnsafeRawPointer(new)
    let oldRaw = UnsafeRawPointer(old)
    for i in 0..<n {
      let target = SIMD16<UInt8>(repeating: UInt8(truncatingIfNeeded: i))
      var inPhase = SIMD16<UInt8>.zero
      var stayed = SIMD16<UInt8>.zero
      for v in 0..<vectors {
        let a = newRaw.loadUnaligned(fromByteOffset: 16 * v, as: SIMD16<UInt8>.self)
        let b = oldRaw.loadUnaligned(fromByteOffset: 16 * v, as: SIMD16<UInt8>.self)
        let isTarget = a .== target
        inPhase &+= SIMD16<UInt8>.zero.replacing(with: 1, where: isTarget)
        stayed &+= SIMD16<UInt8>.zero.replacing(with: 1, where: isTarget .& (b .== target))
      }
      let all = UInt64(SIMD16<UInt16>(truncatingIfNeeded: inPhase).wrappedSum())
      let stay = UInt64(SIMD16<UInt16>(truncatingIfNeeded: stayed).wrappedSum())
      tally[2 * i] &+= stay
      tally[2 * i + 1] &+= all &- stay
    }
    countScalar(new: new, old: old, from: 16 * vectors, to: count, tally: tally)
  }

  @inline(__always)
  static func countScalar(
    new: UnsafeMutablePointer<UInt8>, old: UnsafeMutablePointer<UInt8>, from lo: Int, to hi: Int,
    tally: UnsafeMutablePointer<UInt64>
  ) {
    guard lo < hi else { return }
    for j in lo..<hi {
      let next = Int(new[j])
      tally[2 &* next &+ (next != Int(old[j]) ? 1 : 0)] &+= 1
    }
  }

  /// The inner loop with a journey log: the same draws and moves as ``stepFast``, plus the
  /// outcome's exposure pattern and the other channels from the log stream.
  static func stepWithLog(
    _ lo: Int, _ hi: Int, period t: Int, n: Int, channels cCount: Int, tables: StepTables,
    exposure p: [Double], format: JourneyLogFormat, phase: UnsafeMutablePointer<UInt8>,
    segment: UnsafeMutablePointer<UInt8>, lanes: UnsafeMutablePointer<UInt64>, logRng: inout SplitMix64,
    tally: UnsafeMutablePointer<UInt64>, buffer: inout [UInt8], kernel: EngineKernel = .portable
  ) {
    var h = logRng
    buffer.reserveCapacity((hi - lo) * 32)
    forEachBlock(lo, hi, lanes: lanes, kernel: kernel) { start, count, draws in
      for j in 0..<count {
        let customer = start + j
        let ph = Int(phase[customer])
        let table = Int(segment[customer]) &* n &+ ph
        let u = draws[j]
        let e = tables.info[table]
        let index = Int(truncatingIfNeeded: e &>> 8) &+ Int(truncatingIfNeeded: u &>> (e & 63))
        let slot = tables.slots[index]
        let usePrimary = UInt32(truncatingIfNeeded: u) < UInt32(truncatingIfNeeded: slot &>> 32)
        let outcome = Int(usePrimary ? tables.primary[index] : tables.alias[index])
        let next = Int(tables.outcomeNext[tables.outcomeOffset[table] &+ outcome])
        var mask = tables.outcomePattern[tables.outcomeOffset[table] &+ outcome]
        let relevant = tables.relevantMask[table]
        for c in 0..<cCount where relevant & (1 << UInt64(c)) == 0 {
          if h.uniform() < p[c] { mask |= 1 << UInt64(c) }
        }
        format.appendRow(
          customer: customer + 1, period: t, phase: ph, channels: mask, segment: Int(segment[customer]), to: &buffer)
        phase[customer] = UInt8(truncatingIfNeeded: next)
        tally[2 &* next &+ (next != ph ? 1 : 0)] &+= 1
      }
    }
    logRng = h
  }
}

/// The alias tables of one period as raw pointers for the workers; ``IndividualEngine/Storage``
/// allocates and frees them.
struct StepTables {
  var slots: UnsafeMutablePointer<UInt64>
  var primary: UnsafeMutablePointer<UInt32>
  var alias: UnsafeMutablePointer<UInt32>
  /// Per table: first slot `<< 8 | shift` (see ``AliasTables/info``).
  var info: UnsafeMutablePointer<UInt64>
  var outcomeOffset: UnsafeMutablePointer<Int>
  var outcomeNext: UnsafeMutablePointer<UInt8>
  var outcomePattern: UnsafeMutablePointer<UInt64>
  var relevantMask: UnsafeMutablePointer<UInt64>

  /// Copies of the tables' arrays.
  init(copying t: AliasTables) {
    func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
      let p = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(a.count, 1))
      p.initialize(from: a, count: a.count)
      return p
    }
    slots = copy(t.slots)
    primary = copy(t.primary)
    alias = copy(t.alias)
    info = copy(t.info)
    outcomeOffset = copy(t.outcomeOffset)
    outcomeNext = copy(t.outcomeNext)
    outcomePattern = copy(t.outcomePattern)
    relevantMask = copy(t.relevantMask)
  }

  /// Frees the copies (their elements are trivial types).
  func deallocate() {
    slots.deallocate()
    primary.deallocate()
    alias.deallocate()
    info.deallocate()
    outcomeOffset.deallocate()
    outcomeNext.deallocate()
    outcomePattern.deallocate()
    relevantMask.deallocate()
  }
}

extension IndividualEngine {
  /// The raw buffers of one run, allocated together and freed together when the run ends.
  ///
  /// Parallel workers share the handle; each touches only its own chunk's customers,
  /// random streams, tallies and log buffer, which is what makes the unchecked `Sendable`
  /// sound.
  final class Storage: @unchecked Sendable {
    /// Phase of every customer (phases ≤ 64 fit a byte).
    let phase: UnsafeMutablePointer<UInt8>
    /// Segment of every customer (``IndividualEngine/maxSegments`` fit a byte).
    let segment: UnsafeMutablePointer<UInt8>
    /// Per chunk `k`: the moves stream at `k·rngStride`, the journey-log stream after it.
    private let rngs: UnsafeMutablePointer<SplitMix64>
    /// Per chunk, one ``Xoshiro256x8`` state block (64-byte aligned).
    private let laneStates: UnsafeMutablePointer<UInt64>
    /// Per chunk, the tallies of (phase, moved): cell `k·tallyBlock + 2·phase + moved`
    /// (``tallyBlock`` padded: see ``padded(_:)``).
    let tally: UnsafeMutablePointer<UInt64>
    /// Per chunk, the journey-log rows of the current period.
    let logBuffers: UnsafeMutablePointer<[UInt8]>
    /// The current period's alias tables (see ``install(_:)``).
    private(set) var step: StepTables
    let tallyBlock: Int
    private let chunks: Int

    /// Words (8 bytes) from one chunk's random streams to the next's.
    static let rngStride = padded(2)

    /// `words` rounded up to a multiple of 16 words (128 bytes, two cache lines, which
    /// the CPU may fetch as a pair): what two workers update per item then never shares a
    /// cache line, which would otherwise go back and forth between their cores at every
    /// write (placing a customer draws twice from its chunk's stream and counts it).
    static func padded(_ words: Int) -> Int { (words + 15) / 16 * 16 }

    init(customers: Int, chunks: Int, phases n: Int) {
      self.chunks = chunks
      tallyBlock = Self.padded(2 * n)
      laneStates = UnsafeMutableRawPointer.allocate(
        byteCount: chunks * Xoshiro256x8.words * MemoryLayout<UInt64>.stride, alignment: 64
      ).bindMemory(to: UInt64.self, capacity: chunks * Xoshiro256x8.words)
      laneStates.initialize(repeating: 0, count: chunks * Xoshiro256x8.words)
      phase = .allocate(capacity: Swift.max(customers, 1))
      segment = .allocate(capacity: Swift.max(customers, 1))
      rngs = UnsafeMutableRawPointer.allocate(
        byteCount: chunks * Self.rngStride * MemoryLayout<SplitMix64>.stride, alignment: 128
      ).bindMemory(to: SplitMix64.self, capacity: chunks * Self.rngStride)
      rngs.initialize(repeating: SplitMix64(state: 0), count: chunks * Self.rngStride)
      tally = UnsafeMutableRawPointer.allocate(
        byteCount: chunks * tallyBlock * MemoryLayout<UInt64>.stride, alignment: 128
      ).bindMemory(to: UInt64.self, capacity: chunks * tallyBlock)
      tally.initialize(repeating: 0, count: chunks * tallyBlock)
      logBuffers = .allocate(capacity: chunks)
      logBuffers.initialize(repeating: [], count: chunks)
      step = StepTables(copying: AliasTables.empty)
    }

    /// Chunk `k`'s moves stream (seeds its lanes, places its customers).
    func moves(_ k: Int) -> UnsafeMutablePointer<SplitMix64> { rngs + k * Self.rngStride }

    /// Chunk `k`'s journey-log stream.
    func logStream(_ k: Int) -> UnsafeMutablePointer<SplitMix64> { rngs + k * Self.rngStride + 1 }

    /// Chunk `k`'s xoshiro256++ lanes.
    func lanes(_ k: Int) -> UnsafeMutablePointer<UInt64> { laneStates + k * Xoshiro256x8.words }

    /// Zeroes every chunk's tallies.
    func clearTallies() { tally.update(repeating: 0, count: chunks * tallyBlock) }

    /// Replaces the alias tables with copies of `tables`.
    func install(_ tables: AliasTables) {
      step.deallocate()
      step = StepTables(copying: tables)
    }

    deinit {
      phase.deallocate()
      segment.deallocate()
      rngs.deinitialize(count: chunks * Self.rngStride)
      rngs.deallocate()
      laneStates.deallocate()
      tally.deallocate()
      logBuffers.deinitialize(count: chunks)
      logBuffers.deallocate()
      step.deallocate()
    }
  }
}

/// A scenario the chosen engine cannot run.
public enum SimulationError: JourneyError, Equatable, Sendable {
  case tooManyCustomers(limit: Int)
  case tooManySegments(limit: Int)

  public var description: String {
    switch self {
    case .tooManyCustomers(let limit):
      return "population size plus arrivals over the horizon exceeds the individual engine's limit of \(limit) customers; use --engine cohort"
    case .tooManySegments(let limit):
      return "the scenario has more segments than the individual engine's limit of \(limit)"
    }
  }
}

/// Runs a scenario on one of the engines.
public enum Simulator {
  /// Simulates `scenario` and returns its per-period figures.
  ///
  /// - Parameters:
  ///   - engine: which engine draws the population.
  ///   - seed: the run seed; defaults to the scenario's.
  ///   - threads: worker threads for the individual engine (results do not depend on it).
  ///   - journeyLog: receives the journey log (individual engine only).
  ///   - progress: called with the number of periods done.
  ///   - start: continue from this state: its (segment, phase) counts replace the
  ///     population's initial customers, and period `t` of the run is calendar period
  ///     `start.period + t` for spend, flights, pulsing, seasonality and the journey log,
  ///     with the state's adstock carried into the first period.
  /// - Throws: ``SimulationError`` when the engine cannot run the scenario, and any error of
  ///   the journey-log sink.
  /// - Complexity: per period, individual: O(customers) draws; cohort: O(S · n · 2^k · n)
  ///   for `S` segments, `n` phases and `k` effect channels out of a phase, whatever the
  ///   population; expected: the same plus one O(n²) product per segment.
  public static func run(
    _ scenario: Scenario, engine: Engine, seed: UInt64? = nil, threads: Int = 1,
    journeyLog: JourneyLogSink? = nil, progress: ((Int) -> Void)? = nil, start: StartState? = nil
  ) throws -> SimulationResult {
    let seed = seed ?? scenario.seed
    switch engine {
    case .individual:
      return try IndividualEngine.run(
        scenario, seed: seed, threads: threads, journeyLog: journeyLog, progress: progress, start: start)
    case .cohort:
      return CohortEngine.run(scenario, seed: seed, start: start)
    case .expected:
      return ExpectedEngine.run(scenario, seed: seed, start: start)
    }
  }
}
