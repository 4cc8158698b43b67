import Foundation

/// Dense numbers for byte strings (customer ids, stage and channel names) in first-seen
/// order: the collector's table, built for rows in random customer order.
///
/// Open addressing with linear probing over 64-bit slots that hold a 24-bit tag of the
/// string's hash and the position of its record in one byte arena; a record is the
/// string's number (4 bytes), its length (4 bytes) and its bytes. A probe compares tags
/// in the slot array and touches the arena only on a tag match, so finding a known id
/// costs about two cache misses (the slot and the record), where a table of numbers
/// pointing at separately stored ends and bytes costs three. A run of rows of one
/// customer is answered from the last string found without hashing. The collector looks
/// ids up a ``Batch`` at a time, so that the misses of 32 rows overlap.
///
/// **Memory.** 16 to 32 bytes of slots (the capacity is a power of two, at least twice the
/// count), 8 bytes of offset and 8 bytes of record header per string, plus its bytes:
/// about 50 bytes per distinct 19-byte customer id, whatever the number of rows.
///
/// - Complexity: O(length of the string) per ``number(of:)``, amortised.
struct IDTable {
  /// Hash tag (top 24 bits) and record position + 1 (low 40 bits); 0 is empty.
  private var slots = [UInt64](repeating: 0, count: 16)
  private var arena: [UInt8] = []
  /// Where each string's record starts, by number.
  private var offsets: [Int] = []
  /// The record of the string found last (its offset, so that checking it touches no
  /// other array), or -1.
  private var lastOffset = -1

  /// Whether ``number(of:)`` scans `smallKeys` first.
  private let scansSmall: Bool
  /// ``smallKey(_:)`` of the first ``smallCount`` strings, by number.
  private var smallKeys: [UInt64] = []
  static let smallCount = 16
  /// The sum of the values touched ahead of a batch (keeps the reads).
  private(set) var touched: UInt64 = 0

  static let positionBits: UInt64 = 40
  static let positionMask: UInt64 = (1 << 40) - 1
  static let header = 8

  /// Distinct strings so far.
  var count: Int { offsets.count }

  /// The bytes of string `k`.
  func id(_ k: Int) -> ArraySlice<UInt8> {
    let start = offsets[k] + Self.header
    let length = arena.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: offsets[k] + 4, as: UInt32.self)) }
    return arena[start..<(start + length)]
  }

  /// Where the bytes of string `k` are in the arena of ``withArena(_:)``.
  func range(_ k: Int) -> Range<Int> {
    let start = offsets[k] + Self.header
    let length = arena.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: offsets[k] + 4, as: UInt32.self)) }
    return start..<(start + length)
  }

  /// Calls `body` with the arena of the strings (see ``range(_:)``).
  func withArena<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    try arena.withUnsafeBufferPointer(body)
  }

  /// Bytes held.
  var storageBytes: Int { slots.capacity * 8 + arena.capacity + offsets.capacity * 8 }

  /// A 64-bit hash of `bytes`, eight at a time.
  @inline(__always)
  static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
    var p = 0
    while p + 8 <= bytes.count {
      h = (h ^ bytes.loadUnaligned(fromByteOffset: p, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
      h ^= h >> 31
      p += 8
    }
    if p < bytes.count {
      var w: UInt64 = 0
      var shift: UInt64 = 0
      while p < bytes.count {
        w |= UInt64(bytes[p]) << shift
        shift += 8
        p += 1
      }
      h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
      h ^= h >> 31
    }
    h = (h ^ (h >> 33)) &* 0xFF51_AFD7_ED55_8CCD
    return h ^ (h >> 33)
  }

  /// Whether the record at `offset` holds `id`; its number when it does.
  @inline(__always)
  static func number(at offset: Int, in arena: UnsafeRawBufferPointer, matching id: UnsafeBufferPointer<UInt8>) -> Int? {
    guard Int(arena.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)) == id.count else { return nil }
    guard equal(arena.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset + header, id.baseAddress, id.count) else {
      return nil
    }
    return Int(arena.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
  }

  /// A table that scans its first ``smallCount`` strings before hashing (stage and
  /// channel names: a few, met on every row); `false` for customer ids.
  init(scansSmall: Bool = false) {
    self.scansSmall = scansSmall
  }

  /// The length and first seven bytes of a string: equal keys are equal strings when the
  /// length is at most 7.
  @inline(__always)
  static func smallKey(_ id: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var key = UInt64(truncatingIfNeeded: id.count) << 56
    var i = 0
    let n = Swift.min(id.count, 7)
    while i < n {
      key |= UInt64(id[i]) << UInt64(8 * i)
      i += 1
    }
    return key
  }

  /// The number of `id` (new strings get the next number).
  mutating func number(of id: UnsafeBufferPointer<UInt8>) -> Int {
    if scansSmall {
      let key = Self.smallKey(id)
      let found: Int? = smallKeys.withUnsafeBufferPointer { keys in
        arena.withUnsafeBytes { a in
          for i in 0..<keys.count where keys[i] == key {
            if id.count <= 7 { return i }
            if Self.number(at: offsets[i], in: a, matching: id) != nil { return i }
          }
          return nil
        }
      }
      if let found { return found }
    }
    if lastOffset >= 0 {
      let found = arena.withUnsafeBytes { Self.number(at: lastOffset, in: $0, matching: id) }
      if let found { return found }
    }
    return number(of: id, hash: Self.hash(UnsafeRawBufferPointer(id)))
  }

  /// ``number(of:)`` of a string whose ``hash(_:)`` is known, without the last-string check.
  private mutating func number(of id: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> Int {
    let tag = h >> Self.positionBits
    let mask = slots.count - 1
    var i = Int(truncatingIfNeeded: h) & mask
    let hit: (number: Int, offset: Int)? = slots.withUnsafeBufferPointer { s in
      arena.withUnsafeBytes { a in
        while s[i] != 0 {
          let entry = s[i]
          let offset = Int(entry & Self.positionMask) - 1
          if entry >> Self.positionBits == tag, let n = Self.number(at: offset, in: a, matching: id) {
            return (n, offset)
          }
          i = (i + 1) & mask
        }
        return nil
      }
    }
    if let hit {
      lastOffset = hit.offset
      return hit.number
    }
    let n = offsets.count
    let offset = arena.count
    withUnsafeBytes(of: UInt32(truncatingIfNeeded: n).littleEndian) { arena.append(contentsOf: $0) }
    withUnsafeBytes(of: UInt32(truncatingIfNeeded: id.count).littleEndian) { arena.append(contentsOf: $0) }
    arena.append(contentsOf: id)
    offsets.append(offset)
    if scansSmall && n < Self.smallCount { smallKeys.append(Self.smallKey(id)) }
    slots[i] = tag << Self.positionBits | UInt64(offset + 1)
    lastOffset = offset
    if 2 * offsets.count > slots.count { grow() }
    return n
  }

  // MARK: Batched lookups

  /// Strings queued for ``IDTable/resolve(_:_:)``, which numbers them in order, as
  /// ``IDTable/number(of:)`` one by one would, but with the memory reads of the batch
  /// overlapped: on a table larger than the caches a lookup waits on two cache misses (the
  /// slot and the record); a batch issues the slot reads of all its strings, then their
  /// record reads, before comparing any, so the misses overlap instead of following each
  /// other. A string equal to the one queued before it (rows sorted by customer) is not
  /// hashed again.
  struct Batch {
    /// Strings per batch.
    static let capacity = 32
    /// A queued string: its end in `bytes`, its hash, and whether it repeats the one
    /// before it (then it is not in `bytes` again).
    struct Entry {
      var hash: UInt64
      var end: UInt32
      var same: Bool
    }
    var bytes: [UInt8] = []
    var entries: [Entry] = []
    /// Where the last string not repeating its predecessor starts in `bytes`.
    var lastStart = 0

    init() {
      bytes.reserveCapacity(64 * Self.capacity)
      entries.reserveCapacity(Self.capacity)
    }

    /// Strings queued.
    var count: Int { entries.count }

    /// Queues `id`.
    ///
    /// - Returns: Whether the batch is full (call ``IDTable/resolve(_:_:)``).
    @inline(__always)
    mutating func append(_ id: UnsafeBufferPointer<UInt8>) -> Bool {
      let start = bytes.count
      if let previous = entries.last, start - lastStart == id.count,
        bytes.withUnsafeBufferPointer({ q in IDTable.equal(q.baseAddress! + lastStart, id.baseAddress, id.count) })
      {
        entries.append(Entry(hash: previous.hash, end: UInt32(truncatingIfNeeded: start), same: true))
      } else {
        lastStart = start
        bytes.append(contentsOf: id)
        entries.append(Entry(hash: IDTable.hash(UnsafeRawBufferPointer(id)), end: UInt32(truncatingIfNeeded: start + id.count), same: false))
      }
      return entries.count >= Self.capacity
    }

    /// Empties the batch, keeping its storage.
    mutating func removeAll() {
      bytes.removeAll(keepingCapacity: true)
      entries.removeAll(keepingCapacity: true)
      lastStart = 0
    }
  }

  /// Whether `n` bytes at `a` and `b` are equal (`b` may be `nil` when `n` is 0).
  @inline(__always)
  static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>?, _ n: Int) -> Bool {
    guard let b else { return n == 0 }
    let ra = UnsafeRawPointer(a)
    let rb = UnsafeRawPointer(b)
    var i = 0
    while i + 8 <= n {
      if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
      i += 8
    }
    while i < n {
      if a[i] != b[i] { return false }
      i += 1
    }
    return true
  }

  /// Numbers the strings of `batch` in order — `body(position in the batch, number)` — and
  /// empties it.
  mutating func resolve(_ batch: inout Batch, _ body: (Int, Int) -> Void) {
    let count = batch.count
    guard count > 0 else { return }
    // Touch the slots, then the records they point at: independent loads the processor
    // overlaps. The sum keeps them from being optimised away.
    let mask = slots.count - 1
    var sink: UInt64 = 0
    batch.entries.withUnsafeBufferPointer { entries in
      slots.withUnsafeBufferPointer { s in
        arena.withUnsafeBytes { a in
          for e in entries where !e.same {
            sink &+= s[Int(truncatingIfNeeded: e.hash) & mask]
          }
          // The record's first and last byte (of a record as long as the string sought):
          // both its cache lines when it straddles two.
          var start = 0
          for e in entries where !e.same {
            let end = Int(e.end)
            let entry = s[Int(truncatingIfNeeded: e.hash) & mask]
            if entry != 0 && entry >> Self.positionBits == e.hash >> Self.positionBits {
              let offset = Int(entry & Self.positionMask) - 1
              sink &+= UInt64(a[offset]) &+ UInt64(a[Swift.min(offset + Self.header + end - start, a.count) - 1])
            }
            start = end
          }
        }
      }
      var n = 0
      batch.bytes.withUnsafeBufferPointer { b in
        var start = 0
        for q in 0..<count {
          let e = entries[q]
          if !e.same {
            let end = Int(e.end)
            n = number(of: UnsafeBufferPointer(rebasing: b[start..<end]), hash: e.hash)
            start = end
          }
          body(q, n)
        }
      }
    }
    touched &+= sink
    batch.removeAll()
  }

  /// Doubles the slots.
  private mutating func grow() {
    var bigger = [UInt64](repeating: 0, count: 2 * slots.count)
    let mask = bigger.count - 1
    arena.withUnsafeBytes { a in
      bigger.withUnsafeMutableBufferPointer { s in
        for offset in offsets {
          let length = Int(a.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
          let h = Self.hash(UnsafeRawBufferPointer(rebasing: a[(offset + Self.header)..<(offset + Self.header + length)]))
          var i = Int(truncatingIfNeeded: h) & mask
          while s[i] != 0 { i = (i + 1) & mask }
          s[i] = (h >> Self.positionBits) << Self.positionBits | UInt64(offset + 1)
        }
      }
    }
    slots = bigger
  }
}
