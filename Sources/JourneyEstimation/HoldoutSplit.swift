import Foundation

/// Which customers are held out of a fit: decided by the MD5 digest of the customer id, so
/// that every SQL engine can make the same split where the data lives.
///
/// A customer is held out when the first 32 bits of `md5(id)` (the first 8 hex digits) are
/// below `fraction · 2³²`. The same test in SQL compares lower-case hex text:
/// `substr(md5(customer_id), 1, 8) < 'threshold'` (PostgreSQL, DuckDB, Spark) or
/// `SUBSTR(TO_HEX(MD5(customer_id)), 1, 8) < 'threshold'` (BigQuery), with
/// ``thresholdHex(_:)`` as the threshold. Hex strings of equal length compare like the
/// numbers they write, so the CSV reader and the database split identically.
///
/// MD5 is used for its availability in SQL engines, not for security. The digest is
/// computed here (RFC 1321, checked against its test vectors) rather than through a
/// cryptography package: one short function against a dependency that would add a minute
/// or more to every clean build.
public enum HoldoutSplit {
  /// `floor(fraction · 2³²)`, clamped to 0 … 2³².
  public static func threshold(_ fraction: Double) -> UInt64 {
    guard fraction > 0 else { return 0 }
    guard fraction < 1 else { return 1 << 32 }
    return UInt64((fraction * 4_294_967_296.0).rounded(.down))
  }

  /// The threshold as SQL compares it: 8 lower-case hex digits (`ffffffff` plus one
  /// digit, `100000000`, when every customer is held out; any 8-digit prefix is smaller).
  public static func thresholdHex(_ fraction: Double) -> String {
    let t = threshold(fraction)
    if t >= 1 << 32 { return "g" }  // above every hex digit: all held out
    let digits = String(t, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
  }

  /// Whether the customer with these id bytes is held out.
  public static func isHeldOut<C: Collection<UInt8>>(_ id: C, fraction: Double) -> Bool {
    guard fraction > 0 else { return false }
    return UInt64(MD5.prefix32(id)) < threshold(fraction)
  }
}

/// MD5 (RFC 1321) of short messages, for ``HoldoutSplit``.
enum MD5 {
  static let s: [UInt32] = [
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
    5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
    4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
    6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
  ]
  /// `floor(|sin(i + 1)| · 2³²)`.
  static let k: [UInt32] = (0..<64).map { UInt32(truncatingIfNeeded: Int64((abs(sin(Double($0 + 1))) * 4_294_967_296.0).rounded(.down))) }

  /// The 16-byte digest.
  static func digest<C: Collection<UInt8>>(_ message: C) -> [UInt8] {
    var bytes = Array(message)
    let bitLength = UInt64(bytes.count) &* 8
    bytes.append(0x80)
    while bytes.count % 64 != 56 { bytes.append(0) }
    for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i)))) }
    var a0: UInt32 = 0x6745_2301
    var b0: UInt32 = 0xefcd_ab89
    var c0: UInt32 = 0x98ba_dcfe
    var d0: UInt32 = 0x1032_5476
    var m = [UInt32](repeating: 0, count: 16)
    for chunk in stride(from: 0, to: bytes.count, by: 64) {
      for i in 0..<16 {
        let o = chunk + 4 * i
        m[i] = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
      }
      var a = a0, b = b0, c = c0, d = d0
      for i in 0..<64 {
        var f: UInt32
        let g: Int
        switch i {
        case 0..<16: f = (b & c) | (~b & d); g = i
        case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
        case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
        default: f = c ^ (b | ~d); g = (7 * i) % 16
        }
        f = f &+ a &+ k[i] &+ m[g]
        a = d
        d = c
        c = b
        b = b &+ ((f << s[i]) | (f >> (32 - s[i])))
      }
      a0 = a0 &+ a
      b0 = b0 &+ b
      c0 = c0 &+ c
      d0 = d0 &+ d
    }
    var out: [UInt8] = []
    out.reserveCapacity(16)
    for word in [a0, b0, c0, d0] {
      for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: word >> (8 * UInt32(i)))) }
    }
    return out
  }

  /// The first four digest bytes read big-endian: the number the first 8 hex digits write.
  static func prefix32<C: Collection<UInt8>>(_ message: C) -> UInt32 {
    let d = digest(message)
    return UInt32(d[0]) << 24 | UInt32(d[1]) << 16 | UInt32(d[2]) << 8 | UInt32(d[3])
  }
}

extension HoldoutSplit {
  /// The MD5 digest of `message` in lower-case hex (what SQL's `md5()` returns).
  public static func md5Hex<C: Collection<UInt8>>(_ message: C) -> String {
    MD5.digest(message).map { String(format: "%02x", $0) }.joined()
  }
}
