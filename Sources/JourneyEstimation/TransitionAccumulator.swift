import CJourneyKernels
import Foundation
import JourneyFormats
import JourneyModel

/// Turns customers' states, one customer and period at a time, into the counts a fit needs:
/// the single accumulator every history source feeds (the journey-log reader, the raw
/// exports).
///
/// A customer's state in period `t` is their phase at the start of `t` and the channels
/// they met during `t` (a bit pattern over the vocabulary's channels). Two consecutive
/// periods `t`, `t + 1` of one customer give one transition: origin phase and pattern of
/// `t`, target phase of `t + 1`. Only each customer's previous state is kept.
///
/// ```swift
/// var acc = TransitionAccumulator(vocabulary: vocabulary)
/// let k = acc.customer(id: "c-17")
/// _ = acc.observe(customer: k, period: 0, phase: 0, pattern: 0b01)
/// _ = acc.observe(customer: k, period: 1, phase: 1, pattern: 0)
/// let summary = acc.finish()          // one transition 0 → 1 with pattern 0b01
/// ```
///
/// Customers are numbered densely in first-seen order through a hash table of their id
/// bytes, so memory grows with the number of distinct customers whatever the ids look
/// like (`customerTableBytes` reports it). Consecutive rows of the same customer, or of
/// the next customer in first-seen order (a log written period by period), are found
/// without hashing.
///
/// - Complexity: O(1) amortised per ``observe(customer:period:phase:pattern:segment:line:)``
///   and per ``customer(id:)`` (O(length of the id)); memory O(customers + periods +
///   distinct (origin, pattern, target) triples).
public struct TransitionAccumulator {
  /// What an observation did.
  public enum Observation: Equatable, Sendable {
    /// The customer's first state, or a transition from their previous one.
    case counted
    /// The customer already has this period (on `line`).
    case repeatedPeriod(line: Int)
    /// The period does not follow the customer's previous one, `previous` (on `line`).
    case notConsecutive(previous: Int, line: Int)
    /// The customer was in segment `previous` (on `line`).
    case otherSegment(previous: Int, line: Int)
    /// The period is negative or not below ``TransitionAccumulator/periodLimit``.
    case periodOutOfRange
  }

  public private(set) var vocabulary: Vocabulary
  public let holdoutFraction: Double
  /// Whether states carry a segment (counts are then also kept per segment).
  public let isSegmented: Bool
  /// Segment names in first-seen order.
  public private(set) var segments: [String] = []
  /// States observed.
  public private(set) var rows = 0

  var customers = CustomerTable()
  var training = TransitionCounts()
  var holdout = TransitionCounts()
  var segmentTraining: [TransitionCounts] = []
  var segmentHoldout: [TransitionCounts] = []
  var segmentCustomers: [Int] = []
  /// Rows per phase and exposures per channel of the periods `periodBase ..< periodBase +
  /// periodSpan`, one flat row of ``periodWidth`` entries per period: the phases'
  /// counts (``phaseSlots`` of them, for organic channels' drivers; a period's rows are
  /// their sum), then the channels' (``channelSlots``). Periods the table cannot take
  /// (farther apart than ``periodTableEntries`` allow) go to ``farPeriods``. The table
  /// never reaches outside `0 ..< periodLimit`, so the row kernel, which takes any period
  /// inside it, never counts a period the readers would reject.
  var periodTable: [Int] = []
  var periodBase = 0
  var periodSpan = 0
  var phaseSlots = 0
  var channelSlots = 0
  var periodWidth: Int { phaseSlots + channelSlots }
  var farPeriods: [Int: (rows: Int, exposed: [Int], phases: [Int])] = [:]
  /// Periods are `0 ..< periodLimit` (``JourneyFormats/JourneyLogFormat/periodLimit``).
  public static let periodLimit = JourneyLogFormat.periodLimit
  /// Entries the per-period table may hold (8 bytes each).
  static let periodTableEntries = 1 << 22
  var denseCounts: [Int]
  var denseHoldout: [Int]
  /// Dense counts' layout: index `((origin << denseShift) | pattern) · denseStride + target`;
  /// `denseStride` 0 when the counts are kept in ``training`` and ``holdout`` instead.
  var denseStride: Int
  var denseShift = 0
  /// Entries an inferred vocabulary's dense table may grow to.
  static let inferredDenseLimit = 1 << 22
  var firstPeriod = Int.max
  var lastPeriod = Int.min
  var endPeriod = Int.min
  /// Rows per phase in the last period, per segment (segmented logs only; unsegmented
  /// logs read the last period's row of ``periodTable``).
  var endSegmentCounts: [Int: [Int]] = [:]
  /// Customers per phase of their first state.
  var firstPhases: [Int] = []
  /// The earliest period of a first state, and customers per phase whose first state is in it.
  var earliestFirst = Int.max
  var earliestPhases: [Int] = []
  /// Whether a first state did not fit ``CustomerTable/firstStates`` (the accumulator then
  /// cannot be absorbed).
  var firstStatesOverflow = false

  /// An accumulator for states named by `vocabulary`.
  ///
  /// - Parameters:
  ///   - vocabulary: Fixed names, or ``Vocabulary/inferred`` (then add names with
  ///     ``addPhase(_:)`` and ``addChannel(_:)`` as they are met).
  ///   - holdoutFraction: The share of customers (by ``JourneyLogReader/isHeldOut(_:fraction:)``
  ///     of their id) whose transitions are held out.
  ///   - segmented: Whether observations carry a segment.
  public init(vocabulary: Vocabulary, holdoutFraction: Double = 0, segmented: Bool = false) {
    self.vocabulary = vocabulary
    self.holdoutFraction = holdoutFraction
    isSegmented = segmented
    customers.keepsSegments = segmented
    let p = vocabulary.phases.count
    let c = vocabulary.channels.count
    denseStride = 0
    denseCounts = []
    denseHoldout = []
    // Dense counts when the table is small: for a fixed vocabulary sized by it, for an
    // inferred one grown as names are met (see ``growDense()``).
    if vocabulary.seasonLength == 0 && !segmented {
      if !vocabulary.isInferred && c <= 16 && p * p << c <= 1 << 24 {
        makeDense(stride: p, shift: c)
      } else if vocabulary.isInferred {
        makeDense(stride: Swift.max(4, p), shift: Swift.max(3, c))
      }
    }
  }

  /// An empty dense table of this layout.
  mutating func makeDense(stride: Int, shift: Int) {
    denseStride = stride
    denseShift = shift
    denseCounts = [Int](repeating: 0, count: stride * stride << shift)
    denseHoldout = holdoutFraction > 0 ? denseCounts : []
  }

  /// Calls `body` with (origin, pattern, target, count) of every nonzero entry of a dense
  /// table of the current layout.
  func forEachDense(_ table: [Int], _ body: (Int, UInt64, Int, Int) -> Void) {
    let stride = denseStride
    let mask = (1 << denseShift) - 1
    for k in table.indices where table[k] > 0 {
      let rest = k / stride
      body(rest >> denseShift, UInt64(rest & mask), k % stride, table[k])
    }
  }

  /// Makes room in the dense table of an inferred vocabulary for its phases and channels:
  /// twice the phases or two more channels, or, past ``inferredDenseLimit`` entries or 16
  /// channels, the counts move to ``training`` and ``holdout``.
  mutating func growDense() {
    guard denseStride > 0,
      vocabulary.phases.count > denseStride || vocabulary.channels.count > denseShift
    else { return }
    var stride = denseStride
    var shift = denseShift
    while vocabulary.phases.count > stride { stride *= 2 }
    while vocabulary.channels.count > shift { shift += 2 }
    let old = (denseCounts, denseHoldout)
    let before = self
    if shift <= 16 && stride * stride << shift <= Self.inferredDenseLimit {
      makeDense(stride: stride, shift: shift)
      before.forEachDense(old.0) { o, p, t, n in denseCounts[((o << shift) | Int(p)) * stride + t] += n }
      before.forEachDense(old.1) { o, p, t, n in denseHoldout[((o << shift) | Int(p)) * stride + t] += n }
    } else {
      before.forEachDense(old.0) { o, p, t, n in training.add(origin: o, pattern: p, target: t, count: n) }
      before.forEachDense(old.1) { o, p, t, n in holdout.add(origin: o, pattern: p, target: t, count: n) }
      denseStride = 0
      denseCounts = []
      denseHoldout = []
    }
  }

  /// Counts `n` transitions of the pooled (unsegmented) counts.
  mutating func add(origin: Int, pattern: UInt64, target: Int, heldOut: Bool, count n: Int) {
    if denseStride > 0 {
      let index = ((origin << denseShift) | Int(pattern)) * denseStride + target
      if heldOut { denseHoldout[index] += n } else { denseCounts[index] += n }
    } else if heldOut {
      holdout.add(origin: origin, pattern: pattern, target: target, count: n)
    } else {
      training.add(origin: origin, pattern: pattern, target: target, count: n)
    }
  }

  /// Adds a phase to an inferred vocabulary; returns its index.
  public mutating func addPhase(_ name: String) -> Int {
    vocabulary.phases.append(name)
    growDense()
    return vocabulary.phases.count - 1
  }

  /// Adds a channel to an inferred vocabulary; returns its index, or `nil` when 64
  /// channels are already known (a pattern has 64 bits).
  public mutating func addChannel(_ name: String) -> Int? {
    guard vocabulary.channels.count < 64 else { return nil }
    vocabulary.channels.append(name)
    growDense()
    return vocabulary.channels.count - 1
  }

  /// Adds a segment; returns its index.
  public mutating func addSegment(_ name: String) -> Int {
    segments.append(name)
    segmentTraining.append(TransitionCounts())
    segmentHoldout.append(TransitionCounts())
    segmentCustomers.append(0)
    return segments.count - 1
  }

  /// The dense number of the customer with these id bytes (new ids get the next number).
  ///
  /// - Complexity: O(length of the id), amortised.
  public mutating func customer(id: UnsafeBufferPointer<UInt8>) -> Int {
    customers.find(id, holdoutFraction: holdoutFraction)
  }

  /// ``customer(id:)`` with the id's first 8 bytes (little-endian, zero past its end) known.
  @inline(__always)
  mutating func customer(id: UnsafeBufferPointer<UInt8>, key: UInt64) -> Int {
    customers.find(id, key: key, holdoutFraction: holdoutFraction)
  }

  /// The dense number of the customer `id`.
  public mutating func customer(id: String) -> Int {
    var text = id
    return text.withUTF8 { customers.find($0, holdoutFraction: holdoutFraction) }
  }

  /// Distinct customers so far.
  public var customerCount: Int { customers.count }
  /// Bytes held by the customer table.
  public var customerTableBytes: Int { customers.storageBytes }

  /// Records one customer's state in one period.
  ///
  /// - Parameters:
  ///   - customer: The number from ``customer(id:)``.
  ///   - period: The period, `0 ..< periodLimit`; a customer's periods must increase by
  ///     exactly 1.
  ///   - phase: The phase at the start of the period (index into the vocabulary).
  ///   - pattern: The channels met during the period (bit `c` for channel `c`).
  ///   - segment: The customer's segment (index from ``addSegment(_:)``); ignored unless
  ///     ``isSegmented``.
  ///   - line: Where the state comes from, reported by later observations that clash.
  /// - Returns: ``Observation/counted``, or why the state is not counted: a period out of
  ///   range, or one that does not fit the customer's previous state.
  public mutating func observe(
    customer: Int, period: Int, phase: Int, pattern: UInt64, segment: Int = 0, line: Int = 0
  ) -> Observation {
    guard period >= 0 && period < Self.periodLimit else { return .periodOutOfRange }
    rows += 1
    tally(period: period, pattern: pattern, phase: phase)
    firstPeriod = Swift.min(firstPeriod, period)
    lastPeriod = Swift.max(lastPeriod, period)
    if isSegmented {
      if period > endPeriod {
        endPeriod = period
        endSegmentCounts = [:]
      }
      if period == endPeriod {
        var row = endSegmentCounts[segment] ?? []
        if phase >= row.count { row += [Int](repeating: 0, count: phase + 1 - row.count) }
        row[phase] += 1
        endSegmentCounts[segment] = row
      }
    }
    customers.makeUnique()
    let r = customers.records.at(customer)
    let previous = r.pointee
    if previous.period < 0 {
      if isSegmented {
        customers.segments[customer] = Int32(segment)
        segmentCustomers[segment] += 1
      }
      noteFirst(customer, period: period, phase: phase)
    } else if isSegmented && Int(customers.segments[customer]) != segment {
      return .otherSegment(previous: Int(customers.segments[customer]), line: self.line(of: customer))
    } else if period != previous.period + 1 {
      return period == previous.period
        ? .repeatedPeriod(line: self.line(of: customer)) : .notConsecutive(previous: previous.period, line: self.line(of: customer))
    } else {
      count(from: previous, segment: isSegmented ? Int(customers.segments[customer]) : 0, to: phase)
    }
    r.pointee.period = period
    r.pointee.setPhase(phase)
    r.pointee.pattern = pattern
    if customers.keepsLines { customers.lines[customer] = line }
    return .counted
  }

  /// The line of the customer's previous row (0 when lines are not kept).
  func line(of customer: Int) -> Int {
    customers.keepsLines ? customers.lines[customer] : 0
  }

  /// Counts a customer's first state: towards the phases of first states, of the earliest
  /// first period in particular (``finish()`` tells initial customers from arrivals by
  /// them), and in the customer's ``CustomerTable/firstStates`` when kept.
  @inline(__always)
  mutating func noteFirst(_ customer: Int, period: Int, phase: Int) {
    if customers.keepsFirstStates {
      if period >= 0 && period < 1 << 40 && phase < 1 << 24 {
        customers.firstStates[customer] = UInt64(period) << 24 | UInt64(phase)
      } else {
        firstStatesOverflow = true
      }
    }
    tallyFirst(period: period, phase: phase, count: 1)
  }

  /// Adds `n` first states in `period` and `phase` to the tallies of first states.
  mutating func tallyFirst(period: Int, phase: Int, count n: Int) {
    if phase >= firstPhases.count { firstPhases += [Int](repeating: 0, count: phase + 1 - firstPhases.count) }
    firstPhases[phase] += n
    if period < earliestFirst {
      earliestFirst = period
      earliestPhases = []
    }
    if period == earliestFirst {
      if phase >= earliestPhases.count { earliestPhases += [Int](repeating: 0, count: phase + 1 - earliestPhases.count) }
      earliestPhases[phase] += n
    }
  }

  /// Makes the customer table this accumulator's own, once before a run of
  /// ``observeDense(customer:period:phase:pattern:line:)`` calls.
  mutating func prepareForDense() {
    customers.makeUnique()
  }

  /// Lets the row kernel (`journey_log_rows`, CJourneyKernels) count the rows of `bytes`
  /// from `position` that start at or before `last`, in the simulator's column order; it
  /// stops at the first row it does not take (see ``JourneyLogRows/fusedRecords(_:from:upTo:line:)``).
  ///
  /// The kernel gives exactly the calls of ``observeDense(customer:period:phase:pattern:line:)``
  /// for the rows it takes; it reads the customers' records, the dense counts, the
  /// per-period table and the lines in place.
  ///
  /// - Precondition: `denseStride > 0`, ``prepareForDense()`` called since the
  ///   accumulator was last copied, at least 128 readable bytes after `last`.
  /// - Returns: Where it stopped, why (`JOURNEY_LOG_END`, `JOURNEY_LOG_ROW`,
  ///   `JOURNEY_LOG_TAIL` or `JOURNEY_LOG_DECODED`) and what it knows of the row there.
  mutating func kernelRows(
    _ bytes: UnsafeMutablePointer<UInt8>, from position: Int, last: Int, line: inout Int,
    tails: UnsafePointer<journey_tail_entry>, kernel: RowKernel = .selected
  ) -> (position: Int, why: Int32, row: journey_log_row) {
    // New customers: added by the kernel too (held out by the same MD5 split), into an
    // index of this table's own, up to the records the pages hold; the lines and first
    // states kept get an entry for each of those records first (0 past the customers).
    let adds = !customers.indexShared
    if adds {
      let capacity = customers.records.capacity
      if customers.keepsLines && customers.lines.count < capacity {
        customers.lines.append(contentsOf: repeatElement(0, count: capacity - customers.lines.count))
      }
      if customers.keepsFirstStates && customers.firstStates.count < capacity {
        customers.firstStates.append(contentsOf: repeatElement(0, count: capacity - customers.firstStates.count))
      }
    }
    if firstPhases.count < phaseSlots { firstPhases += [Int](repeating: 0, count: phaseSlots - firstPhases.count) }
    if earliestPhases.count < phaseSlots { earliestPhases += [Int](repeating: 0, count: phaseSlots - earliestPhases.count) }
    // The arrays are moved out for the call (no copy: each stays uniquely referenced), so
    // that their buffers can be lent to the kernel at once.
    var dense: [Int] = []
    var held: [Int] = []
    var table: [Int] = []
    var lines: [Int] = []
    var index: [Int32] = []
    var firsts: [UInt64] = []
    var firstTally: [Int] = []
    var earliestTally: [Int] = []
    let keepsFirstStates = customers.keepsFirstStates
    swap(&dense, &denseCounts)
    swap(&held, &denseHoldout)
    swap(&table, &periodTable)
    swap(&lines, &customers.lines)
    swap(&index, &customers.index)
    swap(&firsts, &customers.firstStates)
    swap(&firstTally, &firstPhases)
    swap(&earliestTally, &earliestPhases)
    defer {
      swap(&dense, &denseCounts)
      swap(&held, &denseHoldout)
      swap(&table, &periodTable)
      swap(&lines, &customers.lines)
      swap(&index, &customers.index)
      swap(&firsts, &customers.firstStates)
      swap(&firstTally, &firstPhases)
      swap(&earliestTally, &earliestPhases)
    }
    let ids = customers.idBytes
    var state = journey_log_state()
    state.pages = UnsafeRawPointer(customers.records.pages).assumingMemoryBound(
      to: Optional<UnsafeMutablePointer<journey_customer_record>>.self)
    state.customers = customers.records.count
    state.idOffsetsExact = customers.wraps.isEmpty ? 1 : 0
    state.last = customers.last
    state.denseShift = denseShift
    state.denseStride = denseStride
    state.periodBase = periodBase
    state.periodSpan = periodSpan
    state.phaseSlots = phaseSlots
    state.channelSlots = channelSlots
    state.rows = rows
    state.firstPeriod = firstPeriod
    state.lastPeriod = lastPeriod
    state.tails = tails
    state.level = kernel.level
    state.earliestFirst = earliestFirst
    state.indexMask = index.count - 1
    state.numberBits = customers.numberBits
    state.recordCapacity = adds ? customers.records.capacity : 0
    state.newIdEnd = UInt32(truncatingIfNeeded: ids.count)
    state.holdoutThreshold = HoldoutSplit.threshold(holdoutFraction)
    var why: Int32 = 0
    var row = journey_log_row()
    let keepsLines = customers.keepsLines
    // The index is lent writable where the kernel adds customers, else read-only (a shared
    // index is not copied). The calls are written out: a local function capturing the
    // arrays would have every call check exclusive access at run time.
    let stop =
      adds
      ? index.withUnsafeMutableBufferPointer { index in
        Self.callKernel(
          bytes, position, last, &line, &state, &why, &row, index: index.baseAddress, ids: ids, dense: &dense, held: &held,
          table: &table, lines: &lines, keepsLines: keepsLines, firsts: &firsts, keepsFirstStates: keepsFirstStates,
          firstTally: &firstTally, earliestTally: &earliestTally)
      }
      : index.withUnsafeBufferPointer { index in
        Self.callKernel(
          bytes, position, last, &line, &state, &why, &row, index: UnsafeMutablePointer(mutating: index.baseAddress),
          ids: ids, dense: &dense, held: &held, table: &table, lines: &lines, keepsLines: keepsLines, firsts: &firsts,
          keepsFirstStates: keepsFirstStates, firstTally: &firstTally, earliestTally: &earliestTally)
      }
    customers.records.adopt(count: state.customers)
    customers.last = state.last
    rows = state.rows
    firstPeriod = state.firstPeriod
    lastPeriod = state.lastPeriod
    earliestFirst = state.earliestFirst
    return (stop, why, row)
  }

  /// `journey_log_rows` with the buffers of the arrays lent for the call (see
  /// ``kernelRows(_:from:last:line:tails:kernel:)``).
  @inline(__always)
  static func callKernel(
    _ bytes: UnsafeMutablePointer<UInt8>, _ position: Int, _ last: Int, _ line: inout Int, _ state: inout journey_log_state,
    _ why: inout Int32, _ row: inout journey_log_row, index: UnsafeMutablePointer<Int32>?, ids: [UInt8], dense: inout [Int],
    held: inout [Int], table: inout [Int], lines: inout [Int], keepsLines: Bool, firsts: inout [UInt64],
    keepsFirstStates: Bool, firstTally: inout [Int], earliestTally: inout [Int]
  ) -> Int {
    state.index = index
    return ids.withUnsafeBufferPointer { ids in
      dense.withUnsafeMutableBufferPointer { dense in
        held.withUnsafeMutableBufferPointer { held in
          table.withUnsafeMutableBufferPointer { table in
            lines.withUnsafeMutableBufferPointer { lines in
              firstTally.withUnsafeMutableBufferPointer { firstTally in
                earliestTally.withUnsafeMutableBufferPointer { earliestTally in
                  state.idBytes = ids.baseAddress
                  state.dense = dense.baseAddress
                  state.denseHoldout = held.baseAddress
                  state.periodTable = table.baseAddress
                  state.lines = keepsLines ? lines.baseAddress : nil
                  state.firstPhases = firstTally.baseAddress
                  state.earliestPhases = earliestTally.baseAddress
                  state.earliestSlots = earliestTally.count
                  guard keepsFirstStates else { return journey_log_rows(bytes, position, last, &line, &state, &why, &row) }
                  return firsts.withUnsafeMutableBufferPointer { firsts in
                    state.firstStates = firsts.baseAddress
                    return journey_log_rows(bytes, position, last, &line, &state, &why, &row)
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// ``observe(customer:period:phase:pattern:segment:line:)`` for the journey-log reader's
  /// fused decoder, with dense counts and no segments: `false`, with nothing changed, when
  /// the state does not continue the customer's previous one (then `observe` tells why).
  ///
  /// - Precondition: `denseStride > 0`, not ``isSegmented``, and ``prepareForDense()``
  ///   called since the accumulator was last copied.
  @inline(__always)
  mutating func observeDense(customer: Int, period: Int, phase: Int, pattern: UInt64, line: Int) -> Bool {
    guard period >= 0 && period < Self.periodLimit else { return false }
    let r = customers.records.at(customer)
    let s = r.pointee
    if s.period >= 0 {
      guard period == s.period &+ 1 else { return false }
      let index = ((s.phase << denseShift) | Int(s.pattern)) * denseStride + phase
      if s.heldOut { denseHoldout[index] += 1 } else { denseCounts[index] += 1 }
    } else {
      noteFirst(customer, period: period, phase: phase)
    }
    rows += 1
    tally(period: period, pattern: pattern, phase: phase)
    if period < firstPeriod { firstPeriod = period }
    if period > lastPeriod { lastPeriod = period }
    r.pointee.period = period
    r.pointee.setPhase(phase)
    r.pointee.pattern = pattern
    if customers.keepsLines { customers.lines[customer] = line }
    return true
  }

  /// Counts the transition from a customer's previous state `s` (in `segment`) to `phase`.
  @inline(__always)
  mutating func count(from s: CustomerRecord, segment: Int, to phase: Int) {
    let origin = s.phase
    if denseStride > 0 {
      let index = ((origin << denseShift) | Int(s.pattern)) * denseStride + phase
      if s.heldOut { denseHoldout[index] += 1 } else { denseCounts[index] += 1 }
    } else {
      var key = s.pattern
      if vocabulary.seasonLength > 0 {
        let season = ((s.period % vocabulary.seasonLength) + vocabulary.seasonLength) % vocabulary.seasonLength
        key |= UInt64(season) << UInt64(TransitionCounts.seasonShift)
      }
      if s.heldOut {
        holdout.add(origin: origin, pattern: key, target: phase)
        if isSegmented { segmentHoldout[segment].add(origin: origin, pattern: key, target: phase) }
      } else {
        training.add(origin: origin, pattern: key, target: phase)
        if isSegmented { segmentTraining[segment].add(origin: origin, pattern: key, target: phase) }
      }
    }
  }

  /// Appends what another accumulator observed on the rows that follow this one's (the
  /// next chunk of a file read in parallel), as if this accumulator had observed them.
  ///
  /// Names new to this accumulator's vocabulary and segments are added in `later`'s
  /// first-seen order, so the result equals one accumulator fed every row in order,
  /// whatever the chunks. A customer of both continues here: `later`'s first state of the
  /// customer closes the transition from this accumulator's last state of the customer.
  ///
  /// - Returns: `false` when `later`'s rows cannot follow (a customer whose periods do not
  ///   continue, or who changes segment, or more than 64 channels); the accumulator is
  ///   then partly merged, and the caller reads the rows in one sequence to report why.
  /// - Complexity: O(customers, periods and distinct transitions of `later`).
  mutating func absorb(_ later: TransitionAccumulator) -> Bool {
    guard vocabulary.seasonLength == later.vocabulary.seasonLength, isSegmented == later.isSegmented else { return false }
    var phaseMap: [Int] = []
    for name in later.vocabulary.phases {
      phaseMap.append(vocabulary.phases.firstIndex(of: name) ?? addPhase(name))
    }
    var channelMap: [Int] = []
    for name in later.vocabulary.channels {
      guard let c = vocabulary.channels.firstIndex(of: name) ?? addChannel(name) else { return false }
      channelMap.append(c)
    }
    let identity = phaseMap == Array(phaseMap.indices) && channelMap == Array(channelMap.indices)
    var segmentMap: [Int] = []
    for name in later.segments { segmentMap.append(segments.firstIndex(of: name) ?? addSegment(name)) }
    func pattern(_ p: UInt64) -> UInt64 {
      if identity { return p }
      var out = p & ~TransitionCounts.channelMask
      var bits = p & TransitionCounts.channelMask
      while bits != 0 {
        out |= 1 << UInt64(channelMap[bits.trailingZeroBitCount])
        bits &= bits - 1
      }
      return out
    }
    func merge(_ counts: TransitionCounts, into target: inout TransitionCounts) {
      for (key, n) in counts.counts {
        target.add(
          origin: phaseMap[Int(key.origin)], pattern: pattern(key.pattern), target: phaseMap[Int(key.target)], count: n)
      }
    }
    func phases(_ row: [Int]) -> [Int] {
      var out = [Int](repeating: 0, count: vocabulary.phases.count)
      for (i, n) in row.enumerated() { out[phaseMap[i]] += n }
      return out
    }
    func channels(_ row: [Int]) -> [Int] {
      var out = [Int](repeating: 0, count: vocabulary.channels.count)
      for (c, n) in row.enumerated() { out[channelMap[c]] += n }
      return out
    }
    func sum(_ a: [Int], _ b: [Int]) -> [Int] {
      var out = a.count >= b.count ? a : b
      for (k, n) in (a.count >= b.count ? b : a).enumerated() { out[k] += n }
      return out
    }

    // Counts of the rows themselves.
    rows += later.rows
    firstPeriod = Swift.min(firstPeriod, later.firstPeriod)
    lastPeriod = Swift.max(lastPeriod, later.lastPeriod)
    let width = later.periodWidth
    for r in 0..<later.periodSpan {
      let row = r * width
      for i in 0..<later.phaseSlots where later.periodTable[row + i] > 0 {
        addTally(period: later.periodBase + r, phase: phaseMap[i], count: later.periodTable[row + i])
      }
      for c in 0..<later.channelSlots where later.periodTable[row + later.phaseSlots + c] > 0 {
        addTally(period: later.periodBase + r, channel: channelMap[c], count: later.periodTable[row + later.phaseSlots + c])
      }
    }
    for (t, far) in later.farPeriods {
      for (i, n) in far.phases.enumerated() where n > 0 { addTally(period: t, phase: phaseMap[i], count: n) }
      for (c, n) in far.exposed.enumerated() where n > 0 { addTally(period: t, channel: channelMap[c], count: n) }
    }
    if later.endPeriod >= endPeriod && later.endPeriod > Int.min {
      if later.endPeriod > endPeriod {
        endPeriod = later.endPeriod
        endSegmentCounts = [:]
      }
      for (k, row) in later.endSegmentCounts {
        endSegmentCounts[segmentMap[k]] = sum(endSegmentCounts[segmentMap[k]] ?? [], phases(row))
      }
    }

    // Transitions within `later`.
    if identity && denseStride > 0 && later.denseStride == denseStride && later.denseShift == denseShift {
      for k in later.denseCounts.indices where later.denseCounts[k] > 0 { denseCounts[k] += later.denseCounts[k] }
      for k in later.denseHoldout.indices where later.denseHoldout[k] > 0 { denseHoldout[k] += later.denseHoldout[k] }
    } else {
      later.forEachDense(later.denseCounts) { o, p, t, n in
        add(origin: phaseMap[o], pattern: pattern(p), target: phaseMap[t], heldOut: false, count: n)
      }
      later.forEachDense(later.denseHoldout) { o, p, t, n in
        add(origin: phaseMap[o], pattern: pattern(p), target: phaseMap[t], heldOut: true, count: n)
      }
    }
    for (key, n) in later.training.counts {
      add(origin: phaseMap[Int(key.origin)], pattern: pattern(key.pattern), target: phaseMap[Int(key.target)], heldOut: false, count: n)
    }
    for (key, n) in later.holdout.counts {
      add(origin: phaseMap[Int(key.origin)], pattern: pattern(key.pattern), target: phaseMap[Int(key.target)], heldOut: true, count: n)
    }
    for (j, k) in segmentMap.enumerated() {
      merge(later.segmentTraining[j], into: &segmentTraining[k])
      merge(later.segmentHoldout[j], into: &segmentHoldout[k])
    }

    // Customers: new ones join, known ones continue.
    guard later.customers.keepsFirstStates, !later.firstStatesOverflow else { return false }
    customers.makeUnique()
    // A log written period by period meets the customers in the same order in every chunk.
    // Customers seeded from this table's start (CustomerTable.seed()) have its numbers.
    guard later.customers.seeded <= customers.count, !isSegmented || later.customers.seeded == 0 else { return false }
    var guess = -1
    for k in 0..<later.customers.count {
      let l = later.customers.records.at(k).pointee
      // A seeded customer the later rows never met.
      if l.period < 0 { continue }
      let first = later.customers.firstStates[k]
      let firstPeriod = Int(first >> 24)
      let firstPhase = phaseMap[Int(first & 0xFF_FFFF)]
      let segment = isSegmented ? segmentMap[Int(later.customers.segments[k])] : 0
      let (g, isNew) =
        k < later.customers.seeded
        ? (k, false) : later.customers.withId(k) { customers.insert($0, heldOut: l.heldOut, guess: guess) }
      assert(k >= later.customers.seeded || customers.records.at(k).pointee.key == l.key)
      guess = g + 1
      let r = customers.records.at(g)
      if isNew {
        if isSegmented {
          customers.segments[g] = Int32(segment)
          segmentCustomers[segment] += 1
        }
        if customers.keepsFirstStates {
          guard firstPhase < 1 << 24 else { return false }
          customers.firstStates[g] = UInt64(firstPeriod) << 24 | UInt64(firstPhase)
        }
        tallyFirst(period: firstPeriod, phase: firstPhase, count: 1)
      } else {
        let s = r.pointee
        guard !isSegmented || Int(customers.segments[g]) == segment, firstPeriod == s.period + 1 else { return false }
        count(from: s, segment: segment, to: firstPhase)
      }
      r.pointee.period = l.period
      r.pointee.setPhase(phaseMap[l.phase])
      r.pointee.pattern = pattern(l.pattern)
      if customers.keepsLines { customers.lines[g] = later.line(of: k) }
    }
    return true
  }

  /// Counts the row towards its period's market, phases and exposures.
  @inline(__always)
  mutating func tally(period: Int, pattern: UInt64, phase: Int) {
    var r = period &- periodBase
    if r < 0 || r >= periodSpan || phase >= phaseSlots || pattern >> channelSlots != 0 {
      guard widenPeriods(period: period, phase: phase, pattern: pattern) else {
        addFar(period: period, phase: phase, pattern: pattern, count: 1)
        return
      }
      r = period - periodBase
    }
    let row = r * periodWidth
    let exposures = row + phaseSlots
    periodTable.withUnsafeMutableBufferPointer { table in
      table[row + phase] += 1
      var bits = pattern
      while bits != 0 {
        table[exposures + bits.trailingZeroBitCount] += 1
        bits &= bits &- 1
      }
    }
  }

  /// Adds `n` rows in `phase` to `period`'s counts.
  mutating func addTally(period: Int, phase: Int, count n: Int) {
    guard widenPeriods(period: period, phase: phase, pattern: 0) else {
      return addFar(period: period, phase: phase, pattern: 0, count: n)
    }
    periodTable[(period - periodBase) * periodWidth + phase] += n
  }

  /// Adds `n` exposures to `channel` to `period`'s counts (no rows: their phases count them).
  mutating func addTally(period: Int, channel: Int, count n: Int) {
    guard widenPeriods(period: period, phase: 0, pattern: 1 << UInt64(channel)) else {
      var entry = farPeriods[period] ?? (0, [], [])
      if entry.exposed.count <= channel { entry.exposed += [Int](repeating: 0, count: channel + 1 - entry.exposed.count) }
      entry.exposed[channel] += n
      farPeriods[period] = entry
      return
    }
    periodTable[(period - periodBase) * periodWidth + phaseSlots + channel] += n
  }

  /// Counts `n` rows of one phase and pattern in a period the table cannot take.
  mutating func addFar(period: Int, phase: Int, pattern: UInt64, count n: Int) {
    var entry = farPeriods[period] ?? (0, [], [])
    entry.rows += n
    if phase >= entry.phases.count { entry.phases.append(contentsOf: repeatElement(0, count: phase + 1 - entry.phases.count)) }
    entry.phases[phase] += n
    var bits = pattern
    while bits != 0 {
      let k = bits.trailingZeroBitCount
      if entry.exposed.count <= k { entry.exposed.append(contentsOf: repeatElement(0, count: k + 1 - entry.exposed.count)) }
      entry.exposed[k] += n
      bits &= bits - 1
    }
    farPeriods[period] = entry
  }

  /// Makes room in ``periodTable`` for `period`, `phase` and the channels of `pattern`
  /// (the span grows by doubling, the phases and channels to the next power of two);
  /// `false` when the period does not fit (``periodTableEntries``): it goes to
  /// ``farPeriods``, and a period that does not fit never will. The table stays inside
  /// `0 ..< periodLimit` (`period` is in it).
  mutating func widenPeriods(period: Int, phase: Int, pattern: UInt64) -> Bool {
    let inSpan = periodSpan > 0 && period >= periodBase && period < periodBase + periodSpan
    if inSpan && phase < phaseSlots && pattern >> channelSlots == 0 { return true }
    var phases = Swift.max(phaseSlots, 8)
    while phases <= phase { phases *= 2 }
    var channels = Swift.max(channelSlots, 8)
    while pattern >> channels != 0 { channels *= 2 }
    let width = phases + channels
    let room = Swift.min(Self.periodLimit, Self.periodTableEntries / width)
    var lo = periodSpan == 0 ? period : Swift.min(periodBase, period)
    var hi = periodSpan == 0 ? period + 1 : Swift.max(periodBase + periodSpan, period + 1)
    if hi - lo > room {
      // The period does not fit: it goes far, the table stays as it is.
      guard inSpan else { return false }
      lo = periodBase
      hi = periodBase + periodSpan
    } else if periodSpan > 0 {
      // Doubling, so that periods met one after another (either way) cost amortised O(1).
      if period >= periodBase + periodSpan {
        hi = Swift.max(hi, Swift.min(periodBase + 2 * periodSpan, lo + room, Self.periodLimit))
      }
      if period < periodBase { lo = Swift.min(lo, Swift.max(periodBase - periodSpan, hi - room, 0)) }
    }
    var table = [Int](repeating: 0, count: (hi - lo) * width)
    for r in 0..<periodSpan {
      let from = r * periodWidth
      let to = (periodBase + r - lo) * width
      for i in 0..<phaseSlots { table[to + i] = periodTable[from + i] }
      for c in 0..<channelSlots { table[to + phases + c] = periodTable[from + phaseSlots + c] }
    }
    periodTable = table
    periodBase = lo
    periodSpan = hi - lo
    phaseSlots = phases
    channelSlots = channels
    return true
  }

  /// Rows per phase (`phases` entries) and exposures per channel (`channels` entries) in `t`.
  func periodCounts(_ t: Int, phases p: Int, channels c: Int) -> (rows: Int, phases: [Int], exposed: [Int]) {
    var byPhase = [Int](repeating: 0, count: p)
    var exposed = [Int](repeating: 0, count: c)
    var rows = 0
    if t >= periodBase && t < periodBase + periodSpan {
      let row = (t - periodBase) * periodWidth
      for i in 0..<phaseSlots {
        rows += periodTable[row + i]
        if i < p { byPhase[i] = periodTable[row + i] }
      }
      for k in 0..<Swift.min(c, channelSlots) { exposed[k] = periodTable[row + phaseSlots + k] }
    } else if let far = farPeriods[t] {
      rows = far.rows
      for (k, n) in far.exposed.enumerated() where k < c { exposed[k] = n }
      for (i, n) in far.phases.enumerated() where i < p { byPhase[i] = n }
    }
    return (rows, byPhase, exposed)
  }

  /// Rows exposed to each channel, over all periods.
  var channelRows: [Int] {
    var rows = [Int](repeating: 0, count: vocabulary.channels.count)
    for r in 0..<periodSpan {
      let row = r * periodWidth + phaseSlots
      for k in 0..<Swift.min(rows.count, channelSlots) { rows[k] += periodTable[row + k] }
    }
    for far in farPeriods.values {
      for (k, n) in far.exposed.enumerated() where k < rows.count { rows[k] += n }
    }
    return rows
  }

  /// The summary of everything observed.
  ///
  /// - Complexity: O(customers + periods + phases² · 2^channels) with dense counts.
  public func finish() -> JourneyLogSummary {
    var training = training
    var holdout = holdout
    forEachDense(denseCounts) { o, p, t, n in training.add(origin: o, pattern: p, target: t, count: n) }
    forEachDense(denseHoldout) { o, p, t, n in holdout.add(origin: o, pattern: p, target: t, count: n) }
    var initial = [Int](repeating: 0, count: vocabulary.phases.count)
    var arrivals = initial
    for (i, n) in firstPhases.enumerated() where i < arrivals.count { arrivals[i] = n }
    if earliestFirst == firstPeriod {
      for (i, n) in earliestPhases.enumerated() where i < initial.count {
        initial[i] = n
        arrivals[i] -= n
      }
    }
    var summary = JourneyLogSummary(
      vocabulary: vocabulary, training: training, holdout: holdout, rows: rows, customers: customers.count,
      firstPeriod: firstPeriod, lastPeriod: lastPeriod, initialPhases: initial, arrivalPhases: arrivals,
      channelRows: channelRows)
    summary.customerTableBytes = customers.storageBytes
    summary.exposure = exposureCounts()
    summary.endCounts =
      firstPeriod <= lastPeriod
      ? periodCounts(lastPeriod, phases: vocabulary.phases.count, channels: 0).phases
      : [Int](repeating: 0, count: vocabulary.phases.count)
    summary.segments = segments
    summary.endSegmentCounts = segments.indices.map { k in
      let row = endSegmentCounts[k] ?? []
      return row + [Int](repeating: 0, count: Swift.max(0, vocabulary.phases.count - row.count))
    }
    summary.segmentTraining = segmentTraining
    summary.segmentHoldout = segmentHoldout
    summary.segmentCustomers = segmentCustomers
    return summary
  }

  /// Market size and exposures of every period with a row.
  ///
  /// - Complexity: O(table entries + periods with rows · (phases + channels)): what is
  ///   built grows with the periods met, not with the span between them.
  func exposureCounts() -> ExposureCounts {
    let c = vocabulary.channels.count
    let p = vocabulary.phases.count
    var met: [Int] = []
    for r in 0..<periodSpan {
      let row = r * periodWidth
      var rows = 0
      for i in 0..<phaseSlots { rows |= periodTable[row + i] }
      if rows != 0 { met.append(periodBase + r) }
    }
    met += farPeriods.compactMap { $0.value.rows > 0 ? $0.key : nil }
    met.sort()
    var counts = ExposureCounts()
    counts.periods.reserveCapacity(met.count)
    for t in met {
      let period = periodCounts(t, phases: p, channels: c)
      counts.periods.append(t)
      counts.customers.append(period.rows)
      counts.exposed.append(period.exposed)
      counts.phases.append(period.phases)
    }
    return counts
  }
}
