import Foundation

/// Customer paths: sequences of channels met, each with its conversions, non-converting
/// customers ("nulls") and conversion value.
///
/// Paths live in one flat array of channel indices (`steps[offsets[p]..<offsets[p + 1]]`
/// is path `p`); rows may repeat a sequence until ``aggregated()`` merges them. Every
/// method of ``PathAttribution`` works on rows, aggregated or not, with the same result.
public struct PathTable: Sendable, Equatable {
  /// The most distinct channels a path table holds (channel indices are bytes).
  public static let maxChannels = 250
  /// The most touches in one path.
  public static let maxPathLength = 10_000

  public var channels: [String]
  public private(set) var steps: [UInt8] = []
  public private(set) var offsets: [Int] = [0]
  public private(set) var conversions: [Double] = []
  public private(set) var nulls: [Double] = []
  public private(set) var values: [Double] = []

  public init(channels: [String]) {
    precondition(channels.count <= Self.maxChannels, "at most \(Self.maxChannels) channels")
    self.channels = channels
  }

  /// Number of path rows.
  public var count: Int { conversions.count }

  public var totalConversions: Double { conversions.reduce(0, +) }
  public var totalNulls: Double { nulls.reduce(0, +) }
  public var totalValue: Double { values.reduce(0, +) }

  /// The channel indices of row `p`.
  public func path(_ p: Int) -> ArraySlice<UInt8> { steps[offsets[p]..<offsets[p + 1]] }

  /// Adds a path row.
  ///
  /// - Precondition: every index is below `channels.count`, the path is not empty, the
  ///   counts and value are finite and non-negative.
  public mutating func append(
    _ path: some Sequence<Int>, conversions c: Double, nulls n: Double, value v: Double = 0
  ) {
    let start = steps.count
    for channel in path {
      precondition(channel >= 0 && channel < channels.count, "channel index out of range")
      steps.append(UInt8(truncatingIfNeeded: channel))
    }
    precondition(steps.count > start, "a path needs at least one touch")
    offsets.append(steps.count)
    conversions.append(c)
    nulls.append(n)
    values.append(v)
  }

  /// Adds a row given as bytes (channel indices), without checks; for readers.
  mutating func appendUnchecked(
    _ path: ArraySlice<UInt8>, conversions c: Double, nulls n: Double, value v: Double
  ) {
    steps.append(contentsOf: path)
    offsets.append(steps.count)
    conversions.append(c)
    nulls.append(n)
    values.append(v)
  }

  /// Appends one touch to the row being read; ``closeRow(conversions:nulls:value:)``
  /// ends it. For readers, without checks.
  @inline(__always)
  mutating func appendStep(_ channel: UInt8) { steps.append(channel) }

  /// Ends the row whose touches were appended since the last row.
  mutating func closeRow(conversions c: Double, nulls n: Double, value v: Double) {
    offsets.append(steps.count)
    conversions.append(c)
    nulls.append(n)
    values.append(v)
  }

  /// Appends the rows of `other` (a later chunk of the same file), its channels mapped by
  /// name; names new to this table are appended in `other`'s order.
  ///
  /// - Returns: `false`, with nothing changed, when the channels would exceed ``maxChannels``.
  mutating func appendRows(of other: PathTable) -> Bool {
    var names = channels
    var map: [UInt8] = []
    for name in other.channels {
      if let k = names.firstIndex(of: name) {
        map.append(UInt8(truncatingIfNeeded: k))
      } else {
        guard names.count < Self.maxChannels else { return false }
        map.append(UInt8(truncatingIfNeeded: names.count))
        names.append(name)
      }
    }
    channels = names
    let base = steps.count
    if map.indices.allSatisfy({ Int(map[$0]) == $0 }) {
      steps.append(contentsOf: other.steps)
    } else {
      steps.append(contentsOf: other.steps.lazy.map { map[Int($0)] })
    }
    offsets.append(contentsOf: other.offsets.dropFirst().lazy.map { $0 &+ base })
    conversions.append(contentsOf: other.conversions)
    nulls.append(contentsOf: other.nulls)
    values.append(contentsOf: other.values)
    return true
  }

  /// Drops the touches of an unfinished row (a reader stopping at an error).
  mutating func dropSteps(from start: Int) { steps.removeSubrange(start...) }

  /// Rows with the same channel sequence merged (counts and values added in row order),
  /// in order of first appearance.
  ///
  /// Sequences are found through an open-addressing table of row numbers keyed by a hash
  /// of the path's bytes read eight at a time, so a row costs one hash over its bytes and
  /// (usually) one comparison.
  ///
  /// - Complexity: O(total touches) expected.
  public func aggregated() -> PathTable {
    var out = PathTable(channels: channels)
    let n = count
    guard n > 0 else { return out }
    var capacity = 16
    while capacity < 2 * n { capacity <<= 1 }
    let mask = capacity &- 1
    var slots = [Int32](repeating: -1, count: capacity)
    var hashes: [UInt64] = []
    hashes.reserveCapacity(n)
    var rows: [Int32] = []
    rows.reserveCapacity(n)
    var newSteps: [UInt8] = []
    newSteps.reserveCapacity(steps.count)
    var newOffsets: [Int] = [0]
    // Row p goes to output row rows[p]; sums are then added in row order, as before.
    steps.withUnsafeBufferPointer { steps in
      offsets.withUnsafeBufferPointer { offsets in
        slots.withUnsafeMutableBufferPointer { slots in
          guard let base = UnsafeRawPointer(steps.baseAddress) else {
            // No touches at all: every row is the empty sequence.
            rows = [Int32](repeating: 0, count: n)
            hashes = [0]
            newOffsets.append(0)
            return
          }
          for p in 0..<n {
            let lo = offsets[p]
            let hi = offsets[p &+ 1]
            let h = Self.hash(base + lo, hi &- lo)
            var slot = Int(truncatingIfNeeded: h) & mask
            while true {
              let r = Int(slots[slot])
              if r < 0 {
                slots[slot] = Int32(truncatingIfNeeded: hashes.count)
                rows.append(Int32(truncatingIfNeeded: hashes.count))
                hashes.append(h)
                newSteps.append(contentsOf: UnsafeBufferPointer(rebasing: steps[lo..<hi]))
                newOffsets.append(newSteps.count)
                break
              }
              if hashes[r] == h {
                let olo = newOffsets[r]
                let length = hi &- lo
                if newOffsets[r &+ 1] &- olo == length
                  && newSteps.withUnsafeBytes({ kept in
                    kept.baseAddress.map { memcmp($0 + olo, base + lo, length) == 0 } ?? (length == 0)
                  })
                {
                  rows.append(Int32(truncatingIfNeeded: r))
                  break
                }
              }
              slot = (slot &+ 1) & mask
            }
          }
        }
      }
    }
    let m = hashes.count
    var c = [Double](repeating: 0, count: m)
    var u = [Double](repeating: 0, count: m)
    var v = [Double](repeating: 0, count: m)
    var seen = [Bool](repeating: false, count: m)
    for p in 0..<n {
      let r = Int(rows[p])
      if seen[r] {
        c[r] += conversions[p]
        u[r] += nulls[p]
        v[r] += values[p]
      } else {
        seen[r] = true
        c[r] = conversions[p]
        u[r] = nulls[p]
        v[r] = values[p]
      }
    }
    out.steps = newSteps
    out.offsets = newOffsets
    out.conversions = c
    out.nulls = u
    out.values = v
    return out
  }

  /// A 64-bit hash of `length` bytes at `p`, read eight at a time.
  @inline(__always)
  static func hash(_ p: UnsafeRawPointer, _ length: Int) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: length)
    var i = 0
    while i &+ 8 <= length {
      let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
      h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
      h ^= h >> 32
      i &+= 8
    }
    if i < length {
      var w: UInt64 = 0
      var shift: UInt64 = 0
      while i < length {
        w |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << shift
        shift &+= 8
        i &+= 1
      }
      h = (h ^ w) &* 0xC4CE_B9FE_1A85_EC53
    }
    h ^= h >> 29
    h = h &* 0xBF58_476D_1CE4_E5B9
    return h ^ (h >> 32)
  }

  /// The same rows with new counts and values (for bootstrap replicates).
  func reweighted(conversions c: [Double], nulls n: [Double], values v: [Double]) -> PathTable {
    var out = self
    out.conversions = c
    out.nulls = n
    out.values = v
    return out
  }
}
