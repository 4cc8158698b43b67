import CJourneyKernels
import Foundation
import JourneyFormats
import JourneyModel

/// The fused decoder of the journey-log reader: the common rows decoded while they are
/// scanned, straight from the bytes into the accumulator.
///
/// A row is taken here when every field is plain: no quote, no byte below `!` other than
/// the final line feed (so nothing to trim, no CR, no tab), no leading `'`, exactly the
/// header's number of fields, at most ``fusedRowBytes`` bytes, a period of 1 to 12
/// digits, and names already known (an unknown phase, channel or segment, an empty id or
/// phase, is left to the general reader, which adds or reports it). Any other row is left
/// to the tokenizer and ``JourneyLogRows/row(_:_:)``, so every message, limit and name
/// order stays theirs; the rows taken here give the same calls on the accumulator as that
/// path would.
///
/// Fields are found 8 bytes at a time: one 64-bit word flags its bytes below `!`, `,` and
/// `"` (and `;` in the channel list) with the zero-byte trick, and the lowest flag is the
/// field's end.
extension JourneyLogRows {
  /// The longest row the fused decoder takes, line feed included.
  static let fusedRowBytes = 256
  // The bytes the decoder looks for, as literals (a `static let` of another module is
  // read through an accessor call).
  static let comma: UInt8 = 0x2C
  static let quote: UInt8 = 0x22
  static let apostrophe: UInt8 = 0x27
  static let semicolon: UInt8 = 0x3B

  /// What a header column is to the fused decoder.
  enum FusedRole: UInt8 {
    case ignored, id, period, phase, channels, segment
  }

  /// The fused decoder's plan for the header's columns (empty: every row goes to the
  /// general reader).
  static func fusedRoles(
    _ names: [String], columns: (id: Int, period: Int, phase: Int, channels: Int, count: Int), segment: Int?
  ) -> [FusedRole] {
    guard names.count <= 32 else { return [] }
    var roles = [FusedRole](repeating: .ignored, count: names.count)
    roles[columns.id] = .id
    roles[columns.period] = .period
    roles[columns.phase] = .phase
    roles[columns.channels] = .channels
    if let segment { roles[segment] = .segment }
    return roles
  }

  /// Decodes the plain rows from `position` (see the type's discussion); stops before the
  /// first other row, or where fewer than ``fusedRowBytes`` + 8 bytes are left, or at
  /// `limit`. ``JourneyFormats/CSVReader/FastRecords``.
  mutating func fusedRecords(
    _ b: UnsafeMutableBufferPointer<UInt8>, from position: Int, upTo limit: Int, line: inout Int
  ) throws(InputErrors) -> Int {
    guard !fusedRoles.isEmpty, let base = b.baseAddress else { return position }
    accumulator.prepareForDense()
    let last = Swift.min(b.count - Self.fusedRowBytes - 8, limit - 1)
    var p = position
    if fusedRoles == Self.simulatorLayout, p <= last {
      let cache = tailCache()
      let tails = cache.entries
      while p <= last {
        if accumulator.denseStride > 0 {
          // The row kernel takes the rows it can; the row it stops at is decoded here.
          let (stop, why, row) = accumulator.kernelRows(
            base, from: p, last: last, line: &line, tails: tails, kernel: kernel)
          p = stop
          if why == Int32(JOURNEY_LOG_END) { break }
          if why == Int32(JOURNEY_LOG_DECODED) {
            // Decoded, with a customer the kernel does not count (see `handedBack`).
            handedBack += 1
            try countRow(
              b, base, p, idLength: row.idLength, key: row.key, period: row.period, phase: Int(row.phase),
              pattern: row.pattern, line: line)
            p = row.next
            line += 1
            continue
          }
          if why == Int32(JOURNEY_LOG_TAIL), let end = b[row.tail...].firstIndex(of: 10),
            let (phase, pattern, _) = self.tail(base, row.tail, end + 1)
          {
            cache.insert(base + row.tail, count: end - row.tail, phase: phase, pattern: pattern)
            tailMisses += 1
            continue
          }
        }
        let next = try simulatorRow(b, base, p, line)
        if next < 0 { break }
        p = next
        line += 1
      }
    } else {
      while p <= last {
        let next = try fusedRow(b, base, p, line)
        if next < 0 { break }
        p = next
        line += 1
      }
    }
    return p
  }

  /// The columns as the simulator writes them, decoded by ``simulatorRow(_:_:_:_:)``.
  static let simulatorLayout: [FusedRole] = [.id, .period, .phase, .channels]

  /// ``fusedRow(_:_:_:_:)`` for the columns `customer_id,period,phase,channels` in this
  /// order: the same decoding without the per-field dispatch.
  @inline(__always)
  mutating func simulatorRow(
    _ b: UnsafeMutableBufferPointer<UInt8>, _ base: UnsafeMutablePointer<UInt8>, _ start: Int, _ line: Int
  ) throws(InputErrors) -> Int {
    let end = start + Self.fusedRowBytes
    // customer_id
    if base[start] == Self.apostrophe { return -1 }
    let idHi = Self.fieldEnd(base, start, end)
    if idHi <= start || base[idHi] != Self.comma { return -1 }
    // period
    var q = idHi + 1
    let a = q
    var period = 0
    while q < end {
      let d = base[q] &- 48
      if d > 9 { break }
      period = period &* 10 &+ Int(d)
      q += 1
    }
    if q == a || q - a > 12 || base[q] != Self.comma { return -1 }
    // phase
    q += 1
    guard let (phase, phaseHi) = phase(base, q, end) else { return -1 }
    // channels
    guard let (phase, pattern, next) = channels(base, phase, phaseHi + 1, end) else { return -1 }
    let n = idHi - start
    let word = Self.word(base, start)
    try countRow(
      b, base, start, idLength: n, key: n >= 8 ? word : word & ((1 << UInt64(8 * n)) &- 1), period: period,
      phase: phase, pattern: pattern, line: line)
    return next
  }

  /// Counts a row of ``simulatorRow(_:_:_:_:)`` decoded to its fields: the id of `idLength`
  /// bytes at `start` (`key` its first 8 bytes), the period, phase and channels.
  @inline(__always)
  mutating func countRow(
    _ b: UnsafeMutableBufferPointer<UInt8>, _ base: UnsafeMutablePointer<UInt8>, _ start: Int, idLength n: Int,
    key: UInt64, period: Int, phase: Int, pattern: UInt64, line: Int
  ) throws(InputErrors) {
    let customer = accumulator.customer(id: UnsafeBufferPointer(start: base + start, count: n), key: key)
    if accumulator.denseStride > 0
      && accumulator.observeDense(customer: customer, period: period, phase: phase, pattern: pattern, line: line)
    {
      return
    }
    self.line = line
    let outcome = accumulator.observe(customer: customer, period: period, phase: phase, pattern: pattern, line: line)
    try report(outcome, b, start, start + n, period: period, segment: 0)
  }

  /// The phase field at `q` of ``simulatorRow(_:_:_:_:)`` (ending before `end`): its index
  /// and the position of the comma after it, or `nil` when the row is left to the general
  /// reader.
  @inline(__always)
  func phase(_ base: UnsafeMutablePointer<UInt8>, _ q: Int, _ end: Int) -> (Int, Int)? {
    if base[q] == Self.apostrophe { return nil }
    let phaseHi = Self.fieldEnd(base, q, end)
    if phaseHi <= q || base[phaseHi] != Self.comma { return nil }
    let phase = phaseNames.index(base, q, phaseHi)
    return phase < 0 ? nil : (phase, phaseHi)
  }

  /// The channel list at `q` of ``simulatorRow(_:_:_:_:)`` after `phase` (ending before
  /// `end`): the phase, the channels' pattern and where the next row starts, or `nil`.
  @inline(__always)
  func channels(_ base: UnsafeMutablePointer<UInt8>, _ phase: Int, _ from: Int, _ end: Int) -> (Int, UInt64, Int)? {
    var q = from
    if base[q] == Self.apostrophe { return nil }
    var pattern: UInt64 = 0
    while true {
      let e = Self.fieldEnd(base, q, end, semicolon: true)
      if e < 0 { return nil }
      if e > q {
        let c = channelNames.index(base, q, e)
        if c < 0 { return nil }
        pattern |= 1 << UInt64(c)
      }
      q = e + 1
      let stop = base[e]
      if stop == 10 { break }
      if stop != Self.semicolon { return nil }
    }
    return (phase, pattern, q)
  }

  /// A row's tail (phase and channels) at `q`, as ``simulatorRow(_:_:_:_:)`` decodes it:
  /// the phase, the pattern and where the next row starts, or `nil`; `end` is where the
  /// row's line feed ends.
  func tail(_ base: UnsafeMutablePointer<UInt8>, _ q: Int, _ end: Int) -> (Int, UInt64, Int)? {
    guard let (phase, phaseHi) = phase(base, q, end) else { return nil }
    guard let (phase, pattern, next) = channels(base, phase, phaseHi + 1, end) else { return nil }
    return next == end ? (phase, pattern, next) : nil
  }

  /// The row kernel's tail cache, this decoder's own: tails map to phase and channel
  /// numbers of this decoder's names (made here on first use, and anew when a copy of the
  /// decoder shares it), in the slots of this decoder's kernel instance.
  mutating func tailCache() -> TailCache {
    if !isKnownUniquelyReferenced(&tails) || tails?.kernel != kernel { tails = TailCache(kernel: kernel) }
    return tails!
  }

  /// Bits 7, 15, … set for the bytes of `w` below `!` or equal to `,` or `"` (and `;` when
  /// `semicolon`); the lowest set bit is exact (higher ones may be borrows).
  @inline(__always)
  static func stops(_ w: UInt64, semicolon: Bool) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let high: UInt64 = 0x8080_8080_8080_8080
    let low = (w &- ones &* 0x21) & ~w & high
    let comma = w ^ (ones &* UInt64(Self.comma))
    let quote = w ^ (ones &* UInt64(Self.quote))
    var m = low | ((comma &- ones) & ~comma & high) | ((quote &- ones) & ~quote & high)
    if semicolon {
      let s = w ^ (ones &* UInt64(Self.semicolon))
      m |= (s &- ones) & ~s & high
    }
    return m
  }

  @inline(__always)
  static func word(_ base: UnsafeMutablePointer<UInt8>, _ at: Int) -> UInt64 {
    UInt64(littleEndian: UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self))
  }

  /// Where the field from `at` ends (its first stop byte), or -1 at or past `end`.
  @inline(__always)
  static func fieldEnd(_ base: UnsafeMutablePointer<UInt8>, _ at: Int, _ end: Int, semicolon: Bool = false) -> Int {
    var q = at
    while q < end {
      let m = stops(word(base, q), semicolon: semicolon)
      if m != 0 {
        let e = q + m.trailingZeroBitCount >> 3
        return e < end ? e : -1
      }
      q += 8
    }
    return -1
  }

  /// Decodes the row at `start` (see ``fusedRecords(_:from:upTo:line:)``); returns where
  /// the next row starts, or -1 when the row is left to the general reader.
  @inline(__always)
  mutating func fusedRow(
    _ b: UnsafeMutableBufferPointer<UInt8>, _ base: UnsafeMutablePointer<UInt8>, _ start: Int, _ line: Int
  ) throws(InputErrors) -> Int {
    let end = start + Self.fusedRowBytes
    var q = start
    var idLo = 0
    var idHi = 0
    var period = 0
    var phase = -1
    var pattern: UInt64 = 0
    var segment = 0
    let count = fusedRoles.count
    for k in 0..<count {
      let a = q
      if base[a] == Self.apostrophe { return -1 }
      switch fusedRoles[k] {
      case .id:
        q = Self.fieldEnd(base, a, end)
        idLo = a
        idHi = q
      case .period:
        while q < end {
          let d = base[q] &- 48
          if d > 9 { break }
          period = period &* 10 &+ Int(d)
          q += 1
        }
        if q == a || q - a > 12 { return -1 }
      case .phase:
        q = Self.fieldEnd(base, a, end)
        if q <= a { return -1 }
        phase = phaseNames.index(base, a, q)
        if phase < 0 { return -1 }
      case .channels:
        var lo = a
        while true {
          q = Self.fieldEnd(base, lo, end, semicolon: true)
          if q < 0 { return -1 }
          if q > lo {
            let c = channelNames.index(base, lo, q)
            if c < 0 { return -1 }
            pattern |= 1 << UInt64(c)
          }
          if base[q] != Self.semicolon { break }
          lo = q + 1
        }
      case .segment:
        q = Self.fieldEnd(base, a, end)
        if q <= a { return -1 }
        segment = segmentNames.index(base, a, q)
        if segment < 0 { return -1 }
      case .ignored:
        q = Self.fieldEnd(base, a, end)
      }
      if q < 0 { return -1 }
      if base[q] != (k + 1 < count ? Self.comma : 10) { return -1 }
      q += 1
    }
    if idHi <= idLo { return -1 }
    let n = idHi - idLo
    let word = Self.word(base, idLo)
    let customer = accumulator.customer(
      id: UnsafeBufferPointer(start: base + idLo, count: n), key: n >= 8 ? word : word & ((1 << UInt64(8 * n)) &- 1))
    if accumulator.denseStride > 0 && !accumulator.isSegmented
      && accumulator.observeDense(customer: customer, period: period, phase: phase, pattern: pattern, line: line)
    {
      return q
    }
    self.line = line
    let outcome = accumulator.observe(
      customer: customer, period: period, phase: phase, pattern: pattern, segment: segment, line: line)
    try report(outcome, b, idLo, idHi, period: period, segment: segment)
    return q
  }
}

extension NameTable {
  /// The index of the name `base[lo..<hi]`, or -1, for a field of the fused decoder: at
  /// least 8 readable bytes from `lo`, none below `!` in the field (so that a name of at
  /// most 8 bytes is told by its masked first word alone). One probe of ``slots`` mostly.
  @inline(__always)
  func index(_ base: UnsafeMutablePointer<UInt8>, _ lo: Int, _ hi: Int) -> Int {
    let n = hi - lo
    let word = JourneyLogRows.word(base, lo)
    let key = n >= 8 ? word : word & ((1 << UInt64(8 * n)) &- 1)
    return slots.withUnsafeBufferPointer { slots in
      slotKeys.withUnsafeBufferPointer { slotKeys in
        let mask = slots.count &- 1
        var h = Self.slot(key, n) & mask
        while true {
          let info = slots[h]
          if info < 0 { return -1 }
          if slotKeys[h] == key && Int(info &>> 32) == n {
            let k = Int(info & 0xFFFF_FFFF)
            if n <= 8 { return k }
            let match = bytes[k].withUnsafeBufferPointer { name in
              memcmp(name.baseAddress! + 8, base + lo + 8, n - 8) == 0
            }
            if match { return k }
          }
          h = (h &+ 1) & mask
        }
      }
    }
  }
}

/// The row kernel's cache of decoded tails (`journey_tail_entry`, CJourneyKernels), for
/// one instance of the kernel: each instance hashes a tail its own way.
final class TailCache {
  let entries: UnsafeMutablePointer<journey_tail_entry>
  let kernel: RowKernel

  init(kernel: RowKernel) {
    self.kernel = kernel
    // Aligned to the cache line, which an entry fills: the kernel's 64-byte compare of an
    // entry is then one line, not two (malloc's 16-byte alignment split every entry).
    let count = Int(JOURNEY_TAIL_SLOTS)
    entries = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<journey_tail_entry>.stride, alignment: 64)
      .bindMemory(to: journey_tail_entry.self, capacity: count)
    entries.initialize(repeating: journey_tail_entry(), count: count)
  }

  deinit { UnsafeMutableRawPointer(entries).deallocate() }

  /// Records the tail `bytes[0..<count]` (1 to `JOURNEY_TAIL_BYTES` bytes) as `phase` and
  /// `pattern`.
  func insert(_ bytes: UnsafePointer<UInt8>, count: Int, phase: Int, pattern: UInt64) {
    journey_tail_insert(entries, kernel.level, bytes, count, phase, pattern)
  }

  /// The two slots of `tail` (1 to `JOURNEY_TAIL_BYTES` bytes: a phase, a comma and the
  /// channels) in `kernel`'s cache, the one the kernel looks at first first.
  static func slots(_ tail: [UInt8], kernel: RowKernel) -> (first: Int, second: Int) {
    var slots: (UInt32, UInt32) = (0, 0)
    tail.withUnsafeBufferPointer { tail in
      withUnsafeMutableBytes(of: &slots) { out in
        journey_tail_slots(
          tail.baseAddress, tail.count, kernel.level, out.baseAddress!.assumingMemoryBound(to: UInt32.self))
      }
    }
    return (Int(slots.0), Int(slots.1))
  }
}
