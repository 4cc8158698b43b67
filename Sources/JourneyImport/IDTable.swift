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
/// customer is answered from the last string found without hashing.
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

  /// The queue of ``enqueue(_:)``: bytes, end of each string in them, hashes, and whether
  /// a string repeats the one before it.
  private var queuedBytes: [UInt8] = []
  private var queuedEnds: [UInt32] = []
  private var queuedHashes: [UInt64] = []
  private var queuedSame: [Bool] = []
  /// Where the last string not repeating its predecessor starts in `queuedBytes`.
  private var queuedLastStart = 0
  /// The sum of the values touched ahead of a batch (keeps the reads).
  private(set) var touched: UInt64 = 0
  /// Strings per batch of ``enqueue(_:)``.
  static let batch = 32

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
    if id.count > 0 {
      guard memcmp(arena.baseAddress! + offset + header, id.baseAddress!, id.count) == 0 else { return nil }
    }
    return Int(arena.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
  }

  /// The number of `id` (new strings get the next number).
  mutating func number(of id: UnsafeBufferPointer<UInt8>) -> Int {
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
    slots[i] = tag << Self.positionBits | UInt64(offset + 1)
    lastOffset = offset
    if 2 * offsets.count > slots.count { grow() }
    return n
  }

  // MARK: Batched lookups

  /// Queues `id` for ``resolveQueued(_:)``, which numbers the queued strings in order, as
  /// ``number(of:)`` one by one would, but with the memory reads of the batch overlapped:
  /// on a table larger than the caches a lookup waits on two cache misses (the slot and
  /// the record); a batch issues the slot reads of all its strings, then their record
  /// reads, before comparing any, so the misses overlap instead of following each other.
  /// A string equal to the one queued before it (rows sorted by customer) is not hashed.
  ///
  /// - Returns: Whether the batch is full (call ``resolveQueued(_:)``).
  @inline(__always)
  mutating func enqueue(_ id: UnsafeBufferPointer<UInt8>) -> Bool {
    let start = queuedBytes.count
    if !queuedEnds.isEmpty, start - queuedLastStart == id.count,
      queuedBytes.withUnsafeBufferPointer({ q in id.isEmpty || memcmp(q.baseAddress! + queuedLastStart, id.baseAddress!, id.count) == 0 })
    {
      queuedEnds.append(UInt32(truncatingIfNeeded: start))
      queuedHashes.append(queuedHashes[queuedHashes.count - 1])
      queuedSame.append(true)
    } else {
      queuedLastStart = start
      queuedBytes.append(contentsOf: id)
      queuedEnds.append(UInt32(truncatingIfNeeded: start + id.count))
      queuedHashes.append(Self.hash(UnsafeRawBufferPointer(id)))
      queuedSame.append(false)
    }
    return queuedEnds.count >= Self.batch
  }

  /// Strings queued.
  var queuedCount: Int { queuedEnds.count }

  /// Numbers the queued strings in order: `body(position in the queue, number)`; empties
  /// the queue.
  mutating func resolveQueued(_ body: (Int, Int) -> Void) {
    let count = queuedEnds.count
    guard count > 0 else { return }
    // Touch the slots, then the records they point at: independent loads the processor
    // overlaps. The sum keeps them from being optimised away.
    let mask = slots.count - 1
    var sink: UInt64 = 0
    slots.withUnsafeBufferPointer { s in
      arena.withUnsafeBytes { a in
        for q in 0..<count where !queuedSame[q] {
          sink &+= s[Int(truncatingIfNeeded: queuedHashes[q]) & mask]
        }
        for q in 0..<count where !queuedSame[q] {
          let h = queuedHashes[q]
          let entry = s[Int(truncatingIfNeeded: h) & mask]
          if entry != 0 && entry >> Self.positionBits == h >> Self.positionBits {
            sink &+= UInt64(a.loadUnaligned(fromByteOffset: Int(entry & Self.positionMask) - 1 + 4, as: UInt32.self))
          }
        }
      }
    }
    touched &+= sink
    let bytes = queuedBytes
    let ends = queuedEnds
    let hashes = queuedHashes
    let same = queuedSame
    var n = 0
    bytes.withUnsafeBufferPointer { b in
      var start = 0
      for q in 0..<count {
        let end = Int(ends[q])
        if !same[q] {
          let id = UnsafeBufferPointer(rebasing: b[start..<end])
          n = number(of: id, hash: hashes[q])
          start = end
        }
        body(q, n)
      }
    }
    queuedBytes.removeAll(keepingCapacity: true)
    queuedEnds.removeAll(keepingCapacity: true)
    queuedHashes.removeAll(keepingCapacity: true)
    queuedSame.removeAll(keepingCapacity: true)
    queuedLastStart = 0
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
