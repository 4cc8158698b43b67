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
/// them.
enum IndividualEngine {
  static let chunkSize = 1 << 15
  static let maxCustomers = Int(Int32.max)
  /// Segments a customer's byte can name (``Scenario/maxSegments``).
  static let maxSegments = Scenario.maxSegments
  static let lanes = 4

  /// - Complexity: O(T · (N + A·T/2)) draws for `T` periods, `N` customers at the start and
  ///   `A` arrivals per period (one draw per customer-step), plus the alias tables per
  ///   period, O(S · n · 2^k · n) for `S` segments, `n` phases and `k` effect channels per
  ///   phase; memory O(N + A·T) bytes.
  static func run(
    _ scenario: Scenario, seed: UInt64, threads: Int, journeyLog: JourneyLogSink?,
    progress: ((Int) -> Void)?, start startState: StartState? = nil
  ) throws -> SimulationResult {
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
      storage.rngs[2 * k] = SplitMix64(seed: seed, stream: StreamID.individualMoves(chunk: k))
      storage.rngs[2 * k + 1] = SplitMix64(seed: seed, stream: StreamID.individualLog(chunk: k))
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
        let s = draw(shareCDF, &storage.rngs[2 * k])
        let i = draw(phaseCDF, &storage.rngs[2 * k])
        storage.segment[customer] = UInt8(truncatingIfNeeded: s)
        storage.phase[customer] = UInt8(truncatingIfNeeded: i)
        counts[2 * i] &+= 1
      }
    }

    func gather() -> (counts: [Double], entries: [Double]) {
      var counts = [Double](repeating: 0, count: n)
      var entries = [Double](repeating: 0, count: n)
      for k in 0..<chunkCount {
        for lane in 0..<lanes {
          let block = storage.tally + k * tallyBlock + lane * 2 * n
          for i in 0..<n {
            counts[i] += Double(block[2 * i] &+ block[2 * i + 1])
            entries[i] += Double(block[2 * i + 1])
          }
        }
      }
      return (counts, entries)
    }

    storage.clearTallies()
    Parallel.strided(chunkCount, workers: workers) { k in
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

      Parallel.strided(chunkCount, workers: workers) { k in
        let lo = k * chunkSize
        let hi = Swift.min(lo + chunkSize, active)
        if lo < hi {
          if let rowFormat {
            stepWithLog(
              lo, hi, period: t0 + t, n: n, channels: cCount, tables: storage.step, exposure: p, format: rowFormat,
              phase: storage.phase, segment: storage.segment, rng: &storage.rngs[2 * k],
              logRng: &storage.rngs[2 * k + 1], tally: storage.tally + k * tallyBlock,
              buffer: &storage.logBuffers[k])
          } else {
            stepFast(
              lo, hi, n: n, tables: storage.step, phase: storage.phase, segment: storage.segment,
              rng: &storage.rngs[2 * k], tally: storage.tally + k * tallyBlock)
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
    var bySegment = [[Double]](repeating: [Double](repeating: 0, count: n), count: segments.count)
    for customer in 0..<(pop.size + horizon * pop.arrivals) {
      bySegment[Int(storage.segment[customer])][Int(storage.phase[customer])] += 1
    }
    result.finalSegmentCounts = bySegment
    result.finalAdstock = exposureState.adstock
    return result
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

  /// The inner loop without a journey log.
  static func stepFast(
    _ lo: Int, _ hi: Int, n: Int, tables: StepTables, phase: UnsafeMutablePointer<UInt8>,
    segment: UnsafeMutablePointer<UInt8>, rng: inout SplitMix64, tally: UnsafeMutablePointer<UInt64>
  ) {
    let twoN = 2 * n
    let slots = tables.slots
    let offset = tables.offset
    let shift = tables.shift
    var g = rng
    for customer in lo..<hi {
      let ph = Int(phase[customer])
      let table = Int(segment[customer]) &* n &+ ph
      let u = g.next()
      let slot = slots[offset[table] &+ Int(truncatingIfNeeded: u &>> shift[table])]
      let usePrimary = UInt32(truncatingIfNeeded: u) < UInt32(truncatingIfNeeded: slot &>> 32)
      let next = Int(truncatingIfNeeded: usePrimary ? slot & 0xFF : (slot &>> 8) & 0xFF)
      phase[customer] = UInt8(truncatingIfNeeded: next)
      tally[(customer & (lanes - 1)) &* twoN &+ 2 &* next &+ (next != ph ? 1 : 0)] &+= 1
    }
    rng = g
  }

  /// The inner loop with a journey log: the same draws as ``stepFast``, plus the outcome's
  /// exposure pattern and the other channels from the log stream.
  static func stepWithLog(
    _ lo: Int, _ hi: Int, period t: Int, n: Int, channels cCount: Int, tables: StepTables,
    exposure p: [Double], format: JourneyLogFormat, phase: UnsafeMutablePointer<UInt8>,
    segment: UnsafeMutablePointer<UInt8>, rng: inout SplitMix64, logRng: inout SplitMix64,
    tally: UnsafeMutablePointer<UInt64>, buffer: inout [UInt8]
  ) {
    let twoN = 2 * n
    var g = rng
    var h = logRng
    buffer.reserveCapacity((hi - lo) * 32)
    for customer in lo..<hi {
      let ph = Int(phase[customer])
      let table = Int(segment[customer]) &* n &+ ph
      let u = g.next()
      let index = tables.offset[table] &+ Int(truncatingIfNeeded: u &>> tables.shift[table])
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
      tally[(customer & (lanes - 1)) &* twoN &+ 2 &* next &+ (next != ph ? 1 : 0)] &+= 1
    }
    rng = g
    logRng = h
  }
}

/// The alias tables of one period as raw pointers for the workers; ``IndividualEngine/Storage``
/// allocates and frees them.
struct StepTables {
  var slots: UnsafeMutablePointer<UInt64>
  var primary: UnsafeMutablePointer<UInt32>
  var alias: UnsafeMutablePointer<UInt32>
  var offset: UnsafeMutablePointer<Int>
  var shift: UnsafeMutablePointer<UInt64>
  var outcomeOffset: UnsafeMutablePointer<Int>
  var outcomeNext: UnsafeMutablePointer<UInt8>
  var outcomePattern: UnsafeMutablePointer<UInt64>
  var relevantMask: UnsafeMutablePointer<UInt64>

  /// Copies of the tables' arrays.
  fileprivate init(copying t: AliasTables) {
    func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
      let p = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(a.count, 1))
      p.initialize(from: a, count: a.count)
      return p
    }
    slots = copy(t.slots)
    primary = copy(t.primary)
    alias = copy(t.alias)
    offset = copy(t.offset)
    shift = copy(t.shift)
    outcomeOffset = copy(t.outcomeOffset)
    outcomeNext = copy(t.outcomeNext)
    outcomePattern = copy(t.outcomePattern)
    relevantMask = copy(t.relevantMask)
  }

  /// Frees the copies (their elements are trivial types).
  fileprivate func deallocate() {
    slots.deallocate()
    primary.deallocate()
    alias.deallocate()
    offset.deallocate()
    shift.deallocate()
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
    /// Per chunk `k`: the moves stream at `2k`, the journey-log stream at `2k + 1`.
    let rngs: UnsafeMutablePointer<SplitMix64>
    /// Per chunk, ``IndividualEngine/lanes`` interleaved tallies of (phase, moved), so that
    /// consecutive customers rarely increment the same counter: cell
    /// `k·tallyBlock + lane·2n + 2·phase + moved`.
    let tally: UnsafeMutablePointer<UInt64>
    /// Per chunk, the journey-log rows of the current period.
    let logBuffers: UnsafeMutablePointer<[UInt8]>
    /// The current period's alias tables (see ``install(_:)``).
    private(set) var step: StepTables
    let tallyBlock: Int
    private let chunks: Int

    init(customers: Int, chunks: Int, phases n: Int) {
      self.chunks = chunks
      tallyBlock = IndividualEngine.lanes * 2 * n
      phase = .allocate(capacity: Swift.max(customers, 1))
      segment = .allocate(capacity: Swift.max(customers, 1))
      rngs = .allocate(capacity: chunks * 2)
      rngs.initialize(repeating: SplitMix64(state: 0), count: chunks * 2)
      tally = .allocate(capacity: chunks * tallyBlock)
      tally.initialize(repeating: 0, count: chunks * tallyBlock)
      logBuffers = .allocate(capacity: chunks)
      logBuffers.initialize(repeating: [], count: chunks)
      step = StepTables(copying: AliasTables.empty)
    }

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
      rngs.deinitialize(count: chunks * 2)
      rngs.deallocate()
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
