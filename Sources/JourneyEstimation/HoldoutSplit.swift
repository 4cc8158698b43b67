import CJourneyKernels
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
/// computed in this package (`journey_md5` in CJourneyKernels, RFC 1321, checked against
/// its test vectors) rather than through a cryptography package: one short function
/// against a dependency that would add a minute or more to every clean build, and one
/// the journey-log row kernel calls for each customer it adds.
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

/// MD5 (RFC 1321), for ``HoldoutSplit``: `journey_md5` in CJourneyKernels, which the
/// journey-log row kernel also calls to split the customers it adds.
enum MD5 {
  /// The 16-byte digest.
  static func digest<C: Collection<UInt8>>(_ message: C) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 16)
    withBytes(message) { bytes in
      out.withUnsafeMutableBufferPointer { journey_md5(bytes.baseAddress, bytes.count, $0.baseAddress) }
    }
    return out
  }

  /// The first four digest bytes read big-endian: the number the first 8 hex digits write.
  static func prefix32<C: Collection<UInt8>>(_ message: C) -> UInt32 {
    withBytes(message) { journey_md5_prefix32($0.baseAddress, $0.count) }
  }

  /// `body` of the message's bytes, copied only when they are not contiguous.
  private static func withBytes<C: Collection<UInt8>, R>(_ message: C, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let r = message.withContiguousStorageIfAvailable(body) { return r }
    return Array(message).withUnsafeBufferPointer(body)
  }
}

extension HoldoutSplit {
  /// The MD5 digest of `message` in lower-case hex (what SQL's `md5()` returns).
  public static func md5Hex<C: Collection<UInt8>>(_ message: C) -> String {
    MD5.digest(message).map { String(format: "%02x", $0) }.joined()
  }
}
