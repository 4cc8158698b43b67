import Foundation
import JourneyModel

/// ISO-8601 timestamps and calendar periods, without `DateFormatter` (exports are large).
public enum Timestamps {
  /// A parsed timestamp: seconds since 1970-01-01T00:00 of the wall clock it was written
  /// in, and its UTC offset in seconds when the text gave one (`Z`, `+02:00`, `-0500`).
  public struct Parsed: Equatable, Sendable {
    public var wallSeconds: Int64
    public var offset: Int?
    public init(wallSeconds: Int64, offset: Int?) {
      self.wallSeconds = wallSeconds
      self.offset = offset
    }
  }

  /// Parses `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS[.fff]]`,
  /// optionally followed by `Z`, `±HH`, `±HH:MM`, `±HHMM` or ` UTC` (BigQuery's
  /// `2024-03-05 14:30:00.123456 UTC`). `nil` when malformed or out of range.
  public static func parse(_ text: String) -> Parsed? {
    var text = text
    return text.withUTF8 { parse(bytes: $0) }
  }

  /// ``parse(_:)`` on UTF-8 bytes.
  public static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> Parsed? {
    // A cursor with mutating methods, not closures capturing the index: no dynamic
    // exclusivity checks in a loop that runs once per row of an import.
    var c = ByteCursor(b: b)
    guard let y = c.digits(4), c.expect(UInt8(ascii: "-")), let mo = c.digits(2), c.expect(UInt8(ascii: "-")),
      let d = c.digits(2)
    else { return nil }
    guard (1...12).contains(mo), d >= 1, d <= daysIn(year: y, month: mo) else { return nil }
    var seconds = 0
    var offset: Int?
    if c.i < b.count {
      guard b[c.i] == UInt8(ascii: "T") || b[c.i] == UInt8(ascii: " ") || b[c.i] == UInt8(ascii: "t") else { return nil }
      c.i += 1
      guard let h = c.digits(2), c.expect(UInt8(ascii: ":")), let m = c.digits(2), h <= 23, m <= 59 else { return nil }
      var s = 0
      if c.expect(UInt8(ascii: ":")) {
        guard let sec = c.digits(2), sec <= 60 else { return nil }
        s = sec
        if c.expect(UInt8(ascii: ".")) || c.expect(UInt8(ascii: ",")) {
          let start = c.i
          while c.i < b.count && b[c.i] >= 48 && b[c.i] <= 57 { c.i += 1 }
          guard c.i > start else { return nil }
        }
      }
      seconds = h * 3600 + m * 60 + s
      if b.count - c.i == 4 && b[c.i] == 32 && b[c.i + 1] == UInt8(ascii: "U") && b[c.i + 2] == UInt8(ascii: "T")
        && b[c.i + 3] == UInt8(ascii: "C")
      {
        c.i += 4
        offset = 0
      }
      if c.i < b.count {
        if b[c.i] == UInt8(ascii: "Z") || b[c.i] == UInt8(ascii: "z") {
          c.i += 1
          offset = 0
        } else if b[c.i] == UInt8(ascii: "+") || b[c.i] == UInt8(ascii: "-") {
          let sign = b[c.i] == UInt8(ascii: "-") ? -1 : 1
          c.i += 1
          guard let oh = c.digits(2), oh <= 18 else { return nil }
          var om = 0
          if c.i < b.count {
            _ = c.expect(UInt8(ascii: ":"))
            guard let mm = c.digits(2), mm <= 59 else { return nil }
            om = mm
          }
          offset = sign * (oh * 3600 + om * 60)
        }
        guard c.i == b.count else { return nil }
      }
    }
    return Parsed(wallSeconds: Int64(daysFromCivil(y, mo, d)) * 86_400 + Int64(seconds), offset: offset)
  }

  /// Days in a month of the proleptic Gregorian calendar.
  public static func daysIn(year y: Int, month m: Int) -> Int {
    switch m {
    case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  /// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm).
  public static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  /// The date of a day number (inverse of ``daysFromCivil(_:_:_:)``).
  public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
  }

  /// The calendar bucket of a local day number: the day itself, the ISO week (weeks start
  /// on Monday; 1970-01-05 was a Monday), or the month (`year·12 + month − 1`).
  public static func bucket(localDay day: Int, unit: PeriodUnit) -> Int {
    switch unit {
    case .day: return day
    case .week: return floorDiv(day - 4, 7)
    case .month:
      let c = civilFromDays(day)
      return c.year * 12 + c.month - 1
    }
  }

  /// The first day of a bucket, as `YYYY-MM-DD`.
  public static func label(bucket: Int, unit: PeriodUnit) -> String {
    let day: Int
    switch unit {
    case .day: day = bucket
    case .week: day = bucket * 7 + 4
    case .month: day = daysFromCivil(floorDiv(bucket, 12), bucket - floorDiv(bucket, 12) * 12 + 1, 1)
    }
    let c = civilFromDays(day)
    return String(format: "%04d-%02d-%02d", c.year, c.month, c.day)
  }

  /// `⌊a / b⌋` for `b > 0`.
  public static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
}

/// A position in bytes being parsed.
struct ByteCursor {
  let b: UnsafeBufferPointer<UInt8>
  var i = 0

  /// `count` decimal digits as a number, or `nil` (the position unchanged).
  mutating func digits(_ count: Int) -> Int? {
    guard i + count <= b.count else { return nil }
    var v = 0
    for k in i..<(i + count) {
      let d = Int(b[k]) - 48
      guard d >= 0 && d <= 9 else { return nil }
      v = v * 10 + d
    }
    i += count
    return v
  }

  /// Whether the next byte is `c` (then skipped).
  mutating func expect(_ c: UInt8) -> Bool {
    guard i < b.count, b[i] == c else { return false }
    i += 1
    return true
  }
}

/// Maps instants to local wall-clock time in a time zone, caching fixed offsets.
public struct ZoneClock: Sendable {
  let zone: TimeZone
  let fixedOffset: Int?

  public init(_ zone: TimeZone) {
    self.zone = zone
    // A zone without daylight saving in the years of interest keeps one offset.
    let probe = [0.0, 1.6e9, 1.7e9, 1.8e9].map { zone.secondsFromGMT(for: Date(timeIntervalSince1970: $0)) }
    let dstFree = [1.7e9, 1.7e9 + 182 * 86_400].map { zone.isDaylightSavingTime(for: Date(timeIntervalSince1970: $0)) }
    fixedOffset = Set(probe).count == 1 && !dstFree.contains(true) ? probe[0] : nil
  }

  /// UTC seconds of a parsed timestamp (wall time in `zone` when it has no offset).
  public func utc(_ p: Timestamps.Parsed) -> Int64 {
    if let o = p.offset { return p.wallSeconds - Int64(o) }
    if let f = fixedOffset { return p.wallSeconds - Int64(f) }
    let guess = p.wallSeconds - Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(p.wallSeconds))))
    return p.wallSeconds - Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(guess))))
  }

  /// The local day number (days since 1970-01-01 on the zone's calendar) of a UTC instant.
  public func localDay(utc: Int64) -> Int {
    let offset = fixedOffset ?? zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(utc)))
    return Int(Timestamps.floorDiv(Int(utc) + offset, 86_400))
  }
}
