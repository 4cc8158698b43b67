import JourneyModel

/// Each customer's path until their first conversion, fed period by period (the rules of
/// ``JourneyPaths``): the state that ``JourneyPaths`` and ``JourneyPathCollector`` share.
///
/// A customer costs one 24-byte ``Customer`` record; their touches so far sit in blocks of
/// ``blockSteps`` channel bytes chained by index in one arena, so that a touch is a byte
/// store and not an append to a per-customer array (rows of different customers
/// interleave: a log is written period by period). A converted customer's blocks go back
/// to a free list.
///
/// - Complexity: O(1) amortised per row and touch; memory O(customers + touches of the
///   customers not yet converted).
struct PathAccumulator {
  /// A customer's state: the phase and period of their last row, their path's length,
  /// first and last block (0: none yet), and whether they converted (their path is done).
  struct Customer {
    var phase: Int32
    var period: Int32
    var length: Int32
    var head: UInt32
    var tail: UInt32
    var done: Bool
  }

  /// Channel bytes per block; a block's last 4 bytes link the next one.
  static let blockSteps = 12
  static let blockBytes = 16
  /// The most blocks the arena holds (indices are 32-bit; block 0 is never used).
  static let maxBlocks = Int(UInt32.max)

  let isConversion: [Bool]
  let values: [Double]
  private(set) var records: [Customer] = []
  /// The blocks, ``blockBytes`` each; block 0 is a placeholder (0 is "no block").
  private var arena = [UInt8](repeating: 0, count: PathAccumulator.blockBytes)
  /// The first free block (0: none), chained through the blocks' links.
  private var free: UInt32 = 0
  /// A path read back (``finish()`` and conversions).
  private var scratch: [UInt8] = []
  var table: PathTable
  var untouchedConversions = 0

  init(scenario: Scenario) {
    isConversion = scenario.phases.map(\.isConversion)
    values = scenario.phases.map(\.value)
    table = PathTable(channels: scenario.channels.map(\.name))
  }

  var customers: Int { records.count }

  /// Customer `k`'s period of their last row.
  func period(_ k: Int) -> Int { Int(records[k].period) }

  /// A customer's first row; returns their index.
  mutating func addCustomer(phase p: Int, period t: Int) -> Int {
    records.append(Customer(phase: Int32(p), period: Int32(clamping: t), length: 0, head: 0, tail: 0, done: false))
    return records.count - 1
  }

  /// A later row of customer `k`; returns whether its channels still count.
  mutating func observe(_ k: Int, period t: Int, phase p: Int) -> Bool {
    records[k].period = Int32(clamping: t)
    if records[k].done { return false }
    if isConversion[p] && Int(records[k].phase) != p {
      records[k].done = true
      if records[k].length == 0 {
        untouchedConversions += 1
      } else {
        readPath(k)
        table.appendUnchecked(scratch[...], conversions: 1, nulls: 0, value: values[p])
        release(k)
      }
      return false
    }
    records[k].phase = Int32(p)
    return true
  }

  /// Adds `channel` to customer `k`'s path (past ``PathTable/maxPathLength`` touches, it is
  /// dropped).
  ///
  /// - Returns: `false` when the arena is full (``maxBlocks``): the path is unchanged.
  @inline(__always)
  mutating func touch(_ k: Int, _ channel: UInt8) -> Bool {
    let length = Int(records[k].length)
    guard length < PathTable.maxPathLength else { return true }
    let slot = length % Self.blockSteps
    var block = records[k].tail
    if slot == 0 {
      guard let fresh = takeBlock() else { return false }
      if length == 0 {
        records[k].head = fresh
      } else {
        setLink(block, fresh)
      }
      records[k].tail = fresh
      block = fresh
    }
    arena[Int(block) * Self.blockBytes + slot] = channel
    records[k].length = Int32(length + 1)
    return true
  }

  /// Paths of customers who never converted count one null each.
  mutating func finish() -> JourneyPaths {
    var untouchedNulls = 0
    for k in 0..<customers where !records[k].done {
      if records[k].length == 0 {
        untouchedNulls += 1
      } else {
        readPath(k)
        table.appendUnchecked(scratch[...], conversions: 0, nulls: 1, value: 0)
      }
    }
    let count = customers
    records = []
    arena = []
    return JourneyPaths(
      table: table, customers: count, untouchedConversions: untouchedConversions,
      untouchedNulls: untouchedNulls)
  }

  // MARK: Blocks

  private func link(_ block: UInt32) -> UInt32 {
    arena.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: Int(block) * Self.blockBytes + Self.blockSteps, as: UInt32.self) }
  }

  private mutating func setLink(_ block: UInt32, _ next: UInt32) {
    arena.withUnsafeMutableBytes {
      $0.storeBytes(of: next, toByteOffset: Int(block) * Self.blockBytes + Self.blockSteps, as: UInt32.self)
    }
  }

  /// A free block, or a new one (`nil` when the arena holds ``maxBlocks``).
  private mutating func takeBlock() -> UInt32? {
    if free != 0 {
      let block = free
      free = link(block)
      return block
    }
    let count = arena.count / Self.blockBytes
    guard count < Self.maxBlocks else { return nil }
    arena.append(contentsOf: repeatElement(0, count: Self.blockBytes))
    return UInt32(count)
  }

  /// Customer `k`'s path into ``scratch``.
  private mutating func readPath(_ k: Int) {
    let length = Int(records[k].length)
    var block = records[k].head
    scratch.removeAll(keepingCapacity: true)
    var left = length
    while left > 0 {
      let take = Swift.min(left, Self.blockSteps)
      let start = Int(block) * Self.blockBytes
      scratch.append(contentsOf: arena[start..<(start + take)])
      left -= take
      if left > 0 { block = link(block) }
    }
  }

  /// Returns customer `k`'s blocks to the free list.
  private mutating func release(_ k: Int) {
    guard records[k].length > 0 else { return }
    setLink(records[k].tail, free)
    free = records[k].head
    records[k].head = 0
    records[k].tail = 0
    records[k].length = 0
  }
}
