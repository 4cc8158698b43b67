import CJourneyKernels
import Foundation

/// A customer's previous state and the start of their id, in 32 bytes: what the row of
/// the next period needs, in one cache line with what finds the customer. The type is the
/// row kernel's `journey_customer_record` (CJourneyKernels), so that both read one layout:
/// `key`, the id's first 8 bytes, little-endian, zero past its end (``CustomerTable/key(_:)``);
/// `pattern`, the channels of the previous state; `period`, the period of the previous
/// state, -1 before the first; `idEnd`, the low 32 bits of where the id ends in
/// ``CustomerTable/idBytes``; `phaseAndFlag`, the phase of the previous state (bits 0–28),
/// whether the id has a byte below `!` or a `"` (bit 29: the row kernel never matches it),
/// whether the id is held whole in the arena (bit 30) and whether the customer is held out
/// (bit 31).
typealias CustomerRecord = journey_customer_record

extension CustomerRecord {
  static let heldOutBit: UInt32 = 1 << 31
  static let wholeIdBit: UInt32 = 1 << 30
  /// The id has a byte below `!` or a `"`: only a quoted field holds it, so a plain row with
  /// those bytes is left to the general reader (the row kernel does not check them).
  static let specialIdBit: UInt32 = 1 << 29
  static let flags = heldOutBit | wholeIdBit | specialIdBit

  /// A customer with no state yet.
  static func fresh(key: UInt64) -> CustomerRecord {
    CustomerRecord(key: key, pattern: 0, period: -1, idEnd: 0, phaseAndFlag: 0)
  }

  var phase: Int {
    @inline(__always) get { Int(phaseAndFlag & ~Self.flags) }
  }
  var hasWholeId: Bool {
    @inline(__always) get { phaseAndFlag & Self.wholeIdBit != 0 }
  }
  var heldOut: Bool {
    @inline(__always) get { phaseAndFlag & Self.heldOutBit != 0 }
  }
  @inline(__always)
  mutating func setPhase(_ phase: Int) {
    phaseAndFlag = (phaseAndFlag & Self.flags) | UInt32(truncatingIfNeeded: phase)
  }
}

/// ``CustomerRecord``s in pages of ``pageSize`` (the first page grows by doubling up to
/// it): adding a customer never copies the others, and no more than one page is unused.
///
/// A value: the pages belong to one ``Storage``, copied when a copy of the records is
/// about to change (``makeUnique()``). The page table's address is kept in the value
/// itself, so that reading a record takes no access to the storage object.
struct CustomerRecords {
  static let pageShift = 12
  static let pageSize = 1 << pageShift

  /// Owns the pages and the page table.
  final class Storage {
    let table: UnsafeMutablePointer<UnsafeMutablePointer<CustomerRecord>>
    let tableCapacity: Int
    var pageCount = 0

    init(tableCapacity: Int) {
      self.tableCapacity = tableCapacity
      table = .allocate(capacity: tableCapacity)
    }

    deinit {
      for p in 0..<pageCount { table[p].deallocate() }
      table.deallocate()
    }
  }

  private(set) var storage = Storage(tableCapacity: 1)
  /// `storage.table`.
  private(set) var pages: UnsafeMutablePointer<UnsafeMutablePointer<CustomerRecord>>
  private(set) var count = 0
  /// Records the last page can hold.
  private var lastCapacity = 0

  init() { pages = storage.table }

  /// Records allocated: the row kernel may add customers up to it (``adopt(count:)``).
  var capacity: Int { storage.pageCount == 0 ? 0 : (storage.pageCount - 1) * Self.pageSize + lastCapacity }

  /// Makes the pages this value's own before they change.
  @inline(__always)
  mutating func makeUnique() {
    if !isKnownUniquelyReferenced(&storage) { copyStorage(tableCapacity: storage.tableCapacity) }
  }

  /// Moves to a storage of its own with room for `tableCapacity` pages, copying the records.
  mutating func copyStorage(tableCapacity: Int) {
    let old = storage
    let fresh = Storage(tableCapacity: tableCapacity)
    for p in 0..<old.pageCount {
      let n = Swift.min(Self.pageSize, count - p * Self.pageSize)
      let capacity = p == old.pageCount - 1 ? lastCapacity : Self.pageSize
      fresh.table[p] = .allocate(capacity: capacity)
      fresh.table[p].initialize(from: old.table[p], count: n)
    }
    fresh.pageCount = old.pageCount
    storage = fresh
    pages = fresh.table
  }

  @inline(__always)
  func at(_ k: Int) -> UnsafeMutablePointer<CustomerRecord> {
    pages[k &>> Self.pageShift] + (k & (Self.pageSize &- 1))
  }

  /// Takes the records the row kernel wrote after the last one, up to record `count - 1`
  /// (below ``capacity``; after ``makeUnique()``).
  mutating func adopt(count: Int) {
    precondition(count >= self.count && count <= capacity)
    self.count = count
  }

  /// Appends a record (after ``makeUnique()``).
  mutating func append(_ record: CustomerRecord) {
    let offset = count & (Self.pageSize - 1)
    let pageCount = storage.pageCount
    if pageCount == 0 || (offset == 0 && lastCapacity == Self.pageSize) {
      if pageCount == storage.tableCapacity {
        // A bigger page table: the pages move over, their records stay.
        let fresh = Storage(tableCapacity: 2 * storage.tableCapacity)
        fresh.table.moveInitialize(from: storage.table, count: pageCount)
        fresh.pageCount = pageCount
        storage.pageCount = 0
        storage = fresh
        pages = fresh.table
      }
      let capacity = pageCount == 0 ? 16 : Self.pageSize
      pages[pageCount] = .allocate(capacity: capacity)
      storage.pageCount = pageCount + 1
      lastCapacity = capacity
    } else if offset == lastCapacity {
      // Only the first page grows.
      let capacity = 2 * lastCapacity
      let bigger = UnsafeMutablePointer<CustomerRecord>.allocate(capacity: capacity)
      bigger.moveInitialize(from: pages[0], count: count)
      pages[0].deallocate()
      pages[0] = bigger
      lastCapacity = capacity
    }
    (pages[storage.pageCount - 1] + offset).initialize(to: record)
    count += 1
  }
}

/// Customers by id: records in first-seen order (``CustomerRecords``), the longer ids'
/// bytes in one arena, and an open-addressing hash index over them. Sized by the number of
/// distinct customers only.
///
/// An id of at most 8 bytes, none of them zero, is held by its record's key alone (its
/// length is the number of nonzero bytes of the key); any other id is held whole in
/// ``idBytes`` (``CustomerRecord/hasWholeId``). Phases are numbered below 2²⁹ (a record
/// keeps three flags beside the phase).
///
/// What only some readings need is kept beside the records, and only when asked for:
/// the line of each customer's previous row (``keepsLines``: for the messages of a
/// reading that reports errors), their first state (``keepsFirstStates``: for a chunk
/// merged after another), their segment (``keepsSegments``).
struct CustomerTable {
  var records = CustomerRecords()
  /// The bytes of the ids not held by their key alone, one after another; id `k` ends at
  /// ``idEnd(_:)`` (and starts there too when its key holds it).
  var idBytes: [UInt8] = []
  /// The customers whose id ends past another multiple of 2³² bytes of ``idBytes``
  /// (``CustomerRecord/idEnd`` keeps the low 32 bits), in order.
  var wraps: [Int] = []
  /// Customers by hash, `-1` for an empty slot; else the customer's number in the low
  /// ``numberBits`` bits and a tag of the id's hash (bits 32 and up) above them, to bit 30:
  /// ids that share a probe sequence are mostly told apart by their tags, without reading
  /// their records (a cache miss each). The capacity is a power of two at least twice the
  /// number of customers, so a customer's number needs one bit less than the capacity's.
  var index = [Int32](repeating: -1, count: 16)
  /// The bits of a customer's number in ``index``: log2 of its capacity, less one.
  var numberBits = 3
  /// The slot found last, for runs of one customer or of consecutive customers.
  var last = -1
  /// Customers `0..<seeded` were copied from another table without their states
  /// (``seed()``): the same customers under the same numbers as there.
  var seeded = 0
  /// Whether ``index`` may share its storage with another table's (after ``seed()``, until
  /// this table adds a customer): the row kernel then adds none, as it writes into it.
  var indexShared = false

  /// Whether ``lines`` are kept.
  var keepsLines = true
  /// The line of each customer's previous row (at least ``count`` entries: the row
  /// kernel's readings give one to each record the pages hold, 0 past the customers).
  var lines: [Int] = []
  /// Whether ``firstStates`` are kept.
  var keepsFirstStates = false
  /// Each customer's first state: period (below 2⁴⁰) shifted left by 24, or'ed with the
  /// phase (below 2²⁴); at least ``count`` entries, 0 past the customers, as ``lines``.
  var firstStates: [UInt64] = []
  /// Whether ``segments`` are kept.
  var keepsSegments = false
  /// Each customer's segment.
  var segments: [Int32] = []

  var count: Int { records.count }

  var storageBytes: Int {
    records.capacity * MemoryLayout<CustomerRecord>.stride + idBytes.capacity + index.capacity * MemoryLayout<Int32>.stride
      + wraps.capacity * MemoryLayout<Int>.stride + lines.capacity * MemoryLayout<Int>.stride
      + firstStates.capacity * MemoryLayout<UInt64>.stride + segments.capacity * MemoryLayout<Int32>.stride
  }

  /// Makes the records this table's own before they change (tables are values).
  @inline(__always)
  mutating func makeUnique() {
    records.makeUnique()
  }

  /// Where id `k` ends in ``idBytes``.
  @inline(__always)
  func idEnd(_ k: Int) -> Int {
    let low = Int(records.at(k).pointee.idEnd)
    if wraps.isEmpty { return low }
    var wrapped = 0
    while wrapped < wraps.count && wraps[wrapped] <= k { wrapped += 1 }
    return low | (wrapped << 32)
  }

  /// Where id `k` starts in ``idBytes``.
  @inline(__always)
  func idStart(_ k: Int) -> Int { k == 0 ? 0 : idEnd(k - 1) }

  @inline(__always)
  func matches(_ k: Int, _ id: UnsafeBufferPointer<UInt8>, _ key: UInt64) -> Bool {
    let record = records.at(k).pointee
    guard record.key == key else { return false }
    if !record.hasWholeId { return id.count == Self.compactLength(key) }
    let lo = idStart(k)
    let hi = idEnd(k)
    guard hi - lo == id.count else { return false }
    if id.count <= 8 { return true }
    return idBytes.withUnsafeBufferPointer { bytes in memcmp(bytes.baseAddress! + lo + 8, id.baseAddress! + 8, id.count - 8) == 0 }
  }

  /// The length of an id held by its key alone: its nonzero bytes.
  @inline(__always)
  static func compactLength(_ key: UInt64) -> Int { (71 &- key.leadingZeroBitCount) &>> 3 }

  /// Whether the key alone holds `id`: at most 8 bytes, none zero.
  static func isCompact(_ id: UnsafeBufferPointer<UInt8>) -> Bool {
    id.count <= 8 && !id.contains(0)
  }

  /// Calls `body` with the bytes of id `k`.
  func withId<R>(_ k: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if records.at(k).pointee.hasWholeId {
      let lo = idStart(k)
      let hi = idEnd(k)
      return idBytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[lo..<hi])) }
    }
    let key = records.at(k).pointee.key
    let n = Self.compactLength(key)
    var bytes = UInt64(littleEndian: key)
    return withUnsafeBytes(of: &bytes) { raw in
      body(UnsafeBufferPointer(start: raw.bindMemory(to: UInt8.self).baseAddress, count: n))
    }
  }

  /// The first `min(8, count)` bytes of an id, little-endian.
  @inline(__always)
  static func key<C: Collection<UInt8>>(_ id: C) -> UInt64 {
    var key: UInt64 = 0
    var shift: UInt64 = 0
    for b in id.prefix(8) {
      key |= UInt64(b) << shift
      shift += 8
    }
    return key
  }

  /// The hash of an id whose ``key(_:)`` is `key`. (For ids of up to 8 bytes the row
  /// kernel computes it too, `prefetchIdSlot` in CJourneyKernels: change both together.)
  @inline(__always)
  static func hash<C: Collection<UInt8>>(_ id: C, key: UInt64) -> Int {
    var h = (key ^ UInt64(truncatingIfNeeded: id.count)) &* 0x9E37_79B9_7F4A_7C15
    if id.count > 8 {
      for b in id.dropFirst(8) { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    }
    h ^= h >> 29
    return Int(truncatingIfNeeded: h)
  }

  /// The slot of `id`, added when new.
  mutating func find(_ id: UnsafeBufferPointer<UInt8>, holdoutFraction: Double) -> Int {
    find(id, key: Self.key(id), holdoutFraction: holdoutFraction)
  }

  /// ``hash(_:key:)`` of an id its key holds alone (``compactLength(_:)`` bytes).
  @inline(__always)
  static func compactHash(_ key: UInt64) -> Int {
    var h = (key ^ UInt64(truncatingIfNeeded: compactLength(key))) &* 0x9E37_79B9_7F4A_7C15
    h ^= h >> 29
    return Int(truncatingIfNeeded: h)
  }

  /// ``find(_:holdoutFraction:)`` with the id's ``key(_:)`` known.
  @inline(__always)
  mutating func find(_ id: UnsafeBufferPointer<UInt8>, key: UInt64, holdoutFraction: Double) -> Int {
    if last >= 0 {
      if matches(last, id, key) { return last }
      if last + 1 < records.count && matches(last + 1, id, key) {
        last += 1
        return last
      }
    }
    return lookUp(id, key: key, holdoutFraction: holdoutFraction)
  }

  /// ``find(_:key:holdoutFraction:)`` past the guesses: the hash index.
  mutating func lookUp(_ id: UnsafeBufferPointer<UInt8>, key: UInt64, holdoutFraction: Double) -> Int {
    let (k, isNew) = insert(id, key: key) { JourneyLogReader.isHeldOut(id, fraction: holdoutFraction) }
    _ = isNew
    last = k
    return k
  }

  /// The slot of `id` and whether it is new (added with `heldOut`), for merging tables:
  /// slot `guess` is tried first.
  mutating func insert(_ id: UnsafeBufferPointer<UInt8>, heldOut: Bool, guess: Int) -> (Int, Bool) {
    let key = Self.key(id)
    if guess >= 0 && guess < records.count && matches(guess, id, key) { return (guess, false) }
    return insert(id, key: key) { heldOut }
  }

  /// The tag of hash `h` in an ``index`` entry whose number takes `numberBits` bits.
  @inline(__always)
  static func tag(_ h: Int, numberBits: Int) -> Int {
    ((h &>> 32) & ((1 &<< Swift.max(0, 31 &- numberBits)) &- 1)) &<< numberBits
  }

  /// The slot of `id`, and whether it is new (added, held out when `heldOut()`).
  mutating func insert(_ id: UnsafeBufferPointer<UInt8>, key: UInt64, heldOut: () -> Bool) -> (Int, Bool) {
    let mask = index.count - 1
    let hash = Self.hash(id, key: key)
    let tag = Self.tag(hash, numberBits: numberBits)
    let number = (1 &<< numberBits) &- 1
    var h = hash & mask
    while true {
      let entry = Int(index[h])
      if entry < 0 { break }
      if entry & ~number == tag && matches(entry & number, id, key) { return (entry & number, false) }
      h = (h + 1) & mask
    }
    makeUnique()
    let k = records.count
    index[h] = Int32(truncatingIfNeeded: k | tag)
    indexShared = false
    let before = idBytes.count
    var record = CustomerRecord.fresh(key: key)
    if !Self.isCompact(id) {
      idBytes.append(contentsOf: id)
      record.phaseAndFlag = CustomerRecord.wholeIdBit
    }
    if before >> 32 != idBytes.count >> 32 { wraps.append(k) }
    record.idEnd = UInt32(truncatingIfNeeded: idBytes.count)
    if heldOut() { record.phaseAndFlag |= CustomerRecord.heldOutBit }
    if id.contains(where: { $0 < 0x21 || $0 == 0x22 }) { record.phaseAndFlag |= CustomerRecord.specialIdBit }
    records.append(record)
    if keepsLines && lines.count == k { lines.append(0) }
    if keepsFirstStates && firstStates.count == k { firstStates.append(0) }
    if keepsSegments { segments.append(0) }
    if 2 * records.count > index.count { grow() }
    return (k, true)
  }

  /// A table of the same customers under the same numbers, with no state yet (no period,
  /// phase or channels; the held-out and id flags kept), keeping first states, and
  /// ``seeded`` set to their count: what a later chunk of a parallel reading starts from,
  /// so that it finds the customers it shares with the start of the file without adding
  /// them to an index of its own, and its merge matches them by number. The records are
  /// copied (the table is read while this one goes on changing); the ids and the index are
  /// shared until either side adds a customer (``indexShared``, set on both).
  mutating func seed() -> CustomerTable {
    var copy = CustomerTable()
    copy.records = records
    copy.records.copyStorage(tableCapacity: Swift.max(1, records.storage.tableCapacity))
    for k in 0..<copy.records.count {
      let r = copy.records.at(k)
      r.pointee.period = -1
      r.pointee.pattern = 0
      r.pointee.phaseAndFlag &= CustomerRecord.flags
    }
    copy.idBytes = idBytes
    copy.wraps = wraps
    copy.index = index
    copy.numberBits = numberBits
    copy.keepsLines = false
    copy.keepsFirstStates = true
    copy.firstStates = [UInt64](repeating: 0, count: records.count)
    copy.seeded = records.count
    copy.indexShared = true
    indexShared = true
    return copy
  }

  /// Doubles the hash index.
  mutating func grow() {
    var bigger = [Int32](repeating: -1, count: 2 * index.count)
    let mask = bigger.count - 1
    let bits = numberBits + 1
    let count = records.count
    /// The hash of customer `k`'s id: from its key alone when the key holds it.
    func hash(_ k: Int) -> Int {
      let r = records.at(k).pointee
      return r.hasWholeId ? withId(k) { Self.hash($0, key: r.key) } : Self.compactHash(r.key)
    }
    bigger.withUnsafeMutableBufferPointer { slots in
      // The slot of the customer 8 ahead is asked for while this one is placed: the slots
      // are random, and the index is mostly past the caches.
      let ahead = 8
      for k in 0..<Swift.min(ahead, count) { journey_prefetch(slots.baseAddress! + (hash(k) & mask)) }
      for k in 0..<count {
        if k + ahead < count { journey_prefetch(slots.baseAddress! + (hash(k + ahead) & mask)) }
        let hash = hash(k)
        var h = hash & mask
        while slots[h] >= 0 { h = (h + 1) & mask }
        slots[h] = Int32(truncatingIfNeeded: k | Self.tag(hash, numberBits: bits))
      }
    }
    index = bigger
    indexShared = false
    numberBits = bits
  }

}
