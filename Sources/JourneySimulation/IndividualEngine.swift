import Dispatch
import JourneyModel

/// Receives the journey log, `customer_id,period,phase,channels`, in row order.
public protocol JourneyLogSink: AnyObject {
  func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// A pointer that parallel workers share; each worker touches only its own chunk's part.
struct SharedPointer<T>: @unchecked Sendable {
  let base: UnsafeMutablePointer<T>
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
  static let lanes = 4

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
    let total = pop.size + capacity
    let chunkCount = Swift.max(1, (total + chunkSize - 1) / chunkSize)
    let workers = Swift.max(1, Swift.min(threads, chunkCount))
    // Per chunk, `lanes` interleaved tallies of (phase, moved) so that consecutive
    // customers rarely increment the same counter: cell `lane·2n + 2·phase + moved`.
    let tallyBlock = lanes * 2 * n

    let phase = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(total, 1))
    let segment = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(total, 1))
    let rngs = UnsafeMutablePointer<SplitMix64>.allocate(capacity: chunkCount * 2)
    let tally = UnsafeMutablePointer<UInt64>.allocate(capacity: chunkCount * tallyBlock)
    let buffers = UnsafeMutablePointer<[UInt8]>.allocate(capacity: chunkCount)
    defer {
      phase.deallocate()
      segment.deallocate()
      rngs.deallocate()
      tally.deallocate()
      buffers.deinitialize(count: chunkCount)
      buffers.deallocate()
    }
    for k in 0..<chunkCount {
      rngs[2 * k] = SplitMix64(seed: seed, stream: UInt64(k))
      rngs[2 * k + 1] = SplitMix64(seed: seed, stream: UInt64(k) | (1 << 62))
    }
    buffers.initialize(repeating: [], count: chunkCount)

    let shareCDF = cumulative(segments.map(\.share))
    let initialCDF = cumulative(pop.initial)
    let arrivalCDF = cumulative(pop.arrivalPhases)
    let shared = (
      phase: SharedPointer(base: phase), segment: SharedPointer(base: segment),
      rngs: SharedPointer(base: rngs), tally: SharedPointer(base: tally),
      buffers: SharedPointer(base: buffers)
    )

    /// Places the start state's customers `[lo, hi)` of chunk `k` in their cells, counting them.
    @Sendable func placeStart(_ k: Int, _ lo: Int, _ hi: Int, _ cells: [Int]) {
      let counts = shared.tally.base + k * tallyBlock
      guard lo < hi else { return }
      var cell = 0
      for customer in lo..<hi {
        while cells[cell] <= customer { cell += 1 }
        let i = cell % n
        shared.segment.base[customer] = UInt8(cell / n)
        shared.phase.base[customer] = UInt8(i)
        counts[2 * i] &+= 1
      }
    }

    /// Draws segment and phase for the customers `[lo, hi)` of chunk `k`, counting them.
    @Sendable func place(_ k: Int, _ lo: Int, _ hi: Int, _ phaseCDF: [Double]) {
      let counts = shared.tally.base + k * tallyBlock
      guard lo < hi else { return }
      for customer in lo..<hi {
        let s = draw(shareCDF, &shared.rngs.base[2 * k])
        let i = draw(phaseCDF, &shared.rngs.base[2 * k])
        shared.segment.base[customer] = UInt8(s)
        shared.phase.base[customer] = UInt8(i)
        counts[2 * i] &+= 1
      }
    }

    func parallel(_ body: @escaping @Sendable (Int) -> Void) {
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        var k = w
        while k < chunkCount {
          body(k)
          k += workers
        }
      }
    }

    func gather() -> (counts: [Double], entries: [Double]) {
      var counts = [Double](repeating: 0, count: n)
      var entries = [Double](repeating: 0, count: n)
      for k in 0..<chunkCount {
        for lane in 0..<lanes {
          let block = tally + k * tallyBlock + lane * 2 * n
          for i in 0..<n {
            counts[i] += Double(block[2 * i] &+ block[2 * i + 1])
            entries[i] += Double(block[2 * i + 1])
          }
        }
      }
      return (counts, entries)
    }

    tally.initialize(repeating: 0, count: chunkCount * tallyBlock)
    parallel { k in
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
    let rowFormat = journeyLog.map { _ in LogFormat(scenario: scenario) }
    if let journeyLog {
      let header = "customer_id,period,phase,channels" + (segments.count > 1 ? ",segment" : "") + "\n"
      try Array(header.utf8).withUnsafeBytes { try journeyLog.write($0) }
    }

    for t in 0..<horizon {
      let active = pop.size + t * pop.arrivals
      let spend = scenario.spend(at: t0 + t)
      let p = exposureState.advance(spend: spend, phaseCounts: start)
      let kernels = PeriodKernels(scenario: scenario, exposure: p, period: t0 + t)
      let tables = AliasTables(kernels: kernels)
      tally.update(repeating: 0, count: chunkCount * tallyBlock)
      let arrivalsLo = active
      let arrivalsHi = active + pop.arrivals
      let step = StepTables(tables)
      defer { step.release() }

      parallel { k in
        let lo = k * chunkSize
        let hi = Swift.min(lo + chunkSize, active)
        if lo < hi {
          if let rowFormat {
            stepWithLog(
              lo, hi, period: t0 + t, n: n, channels: cCount, tables: step, exposure: p, format: rowFormat,
              phase: shared.phase.base, segment: shared.segment.base, rng: &shared.rngs.base[2 * k],
              logRng: &shared.rngs.base[2 * k + 1], tally: shared.tally.base + k * tallyBlock,
              buffer: &shared.buffers.base[k])
          } else {
            stepFast(
              lo, hi, n: n, tables: step, phase: shared.phase.base, segment: shared.segment.base,
              rng: &shared.rngs.base[2 * k], tally: shared.tally.base + k * tallyBlock)
          }
        }
        let alo = Swift.max(lo, arrivalsLo)
        let ahi = Swift.min(lo + chunkSize, arrivalsHi)
        if alo < ahi { place(k, alo, ahi, arrivalCDF) }
      }
      if let journeyLog {
        for k in 0..<chunkCount where !buffers[k].isEmpty {
          try buffers[k].withUnsafeBytes { try journeyLog.write($0) }
          buffers[k].removeAll(keepingCapacity: true)
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
      bySegment[Int(segment[customer])][Int(phase[customer])] += 1
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
    exposure p: [Double], format: LogFormat, phase: UnsafeMutablePointer<UInt8>,
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

/// The alias tables of one period as raw pointers for the workers.
struct StepTables: @unchecked Sendable {
  let slots: UnsafeMutablePointer<UInt64>
  let primary: UnsafeMutablePointer<UInt32>
  let alias: UnsafeMutablePointer<UInt32>
  let offset: UnsafeMutablePointer<Int>
  let shift: UnsafeMutablePointer<UInt64>
  let outcomeOffset: UnsafeMutablePointer<Int>
  let outcomeNext: UnsafeMutablePointer<UInt8>
  let outcomePattern: UnsafeMutablePointer<UInt64>
  let relevantMask: UnsafeMutablePointer<UInt64>

  init(_ t: AliasTables) {
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

  func release() {
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

/// Formats journey-log rows without going through `String`.
struct LogFormat: Sendable {
  let phaseNames: [[UInt8]]
  let channelNames: [[UInt8]]
  /// Segment names, written as a last column when the scenario has several segments.
  let segmentNames: [[UInt8]]?

  /// Whether the channel list needs CSV quotes (a channel name with a comma or quote).
  let quoteChannels: Bool

  init(scenario: Scenario) {
    phaseNames = scenario.phases.map { LogFormat.field($0.name) }
    channelNames = scenario.channels.map { Array($0.name.replacingOccurrences(of: "\"", with: "\"\"").utf8) }
    quoteChannels = scenario.channels.contains { LogFormat.needsQuotes($0.name) }
    segmentNames = scenario.segments.count > 1 ? scenario.segments.map { LogFormat.field($0.name) } : nil
  }

  static func needsQuotes(_ name: String) -> Bool {
    name.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
  }

  /// A CSV field: quoted (with doubled quotes) when the name needs it.
  static func field(_ name: String) -> [UInt8] {
    guard needsQuotes(name) else { return Array(name.utf8) }
    return Array(("\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"").utf8)
  }

  func appendRow(customer: Int, period: Int, phase: Int, channels: UInt64, segment: Int, to out: inout [UInt8]) {
    appendInt(customer, &out)
    out.append(UInt8(ascii: ","))
    appendInt(period, &out)
    out.append(UInt8(ascii: ","))
    out.append(contentsOf: phaseNames[phase])
    out.append(UInt8(ascii: ","))
    if quoteChannels { out.append(UInt8(ascii: "\"")) }
    var first = true
    var mask = channels
    while mask != 0 {
      let c = mask.trailingZeroBitCount
      if !first { out.append(UInt8(ascii: ";")) }
      out.append(contentsOf: channelNames[c])
      first = false
      mask &= mask - 1
    }
    if quoteChannels { out.append(UInt8(ascii: "\"")) }
    if let segmentNames {
      out.append(UInt8(ascii: ","))
      out.append(contentsOf: segmentNames[segment])
    }
    out.append(UInt8(ascii: "\n"))
  }

  private func appendInt(_ value: Int, _ out: inout [UInt8]) {
    if value == 0 {
      out.append(UInt8(ascii: "0"))
      return
    }
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
      (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    var v = value
    withUnsafeMutableBytes(of: &digits) { buf in
      while v > 0 {
        buf[count] = UInt8(truncatingIfNeeded: 48 + v % 10)
        v /= 10
        count += 1
      }
      for d in stride(from: count - 1, through: 0, by: -1) { out.append(buf[d]) }
    }
  }
}

/// A scenario the chosen engine cannot run.
public enum SimulationError: Error, CustomStringConvertible, Equatable, Sendable {
  case tooManyCustomers(limit: Int)

  public var description: String {
    switch self {
    case .tooManyCustomers(let limit):
      return "population size plus arrivals over the horizon exceeds the individual engine's limit of \(limit) customers; use --engine cohort"
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
