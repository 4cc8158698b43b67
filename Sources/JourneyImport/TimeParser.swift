import JourneyEstimation
import JourneyModel

/// Reads the timestamps of event tables and stage histories, never guessing.
///
/// Always accepted: ISO 8601 (`2024-03-05`, `2024-03-05T14:30:00Z`,
/// `2024-03-05 14:30+01:00`) and BigQuery (`2024-03-05 14:30:00.123456 UTC`), see
/// ``Timestamps/parse(_:)``. With ``epoch`` set, numbers are seconds, milliseconds or
/// microseconds since 1970-01-01 UTC (fractions are cut). With ``dateFormat`` set, dates
/// in that order (`DD/MM/YYYY`, `MM/DD/YYYY`, any one separator), optionally followed by a
/// space or `T` and `HH:MM[:SS[.fff]]`. A number without ``epoch``, or a day/month date
/// without ``dateFormat``, is an error with a hint: `03/05/2024` could be either.
public struct TimeParser: Sendable, Equatable {
  /// The unit of epoch numbers.
  public enum EpochUnit: String, CaseIterable, Sendable {
    case s, ms, us
    var perSecond: Int64 {
      switch self {
      case .s: 1
      case .ms: 1_000
      case .us: 1_000_000
      }
    }
  }

  /// The order of the parts of a date and their separator.
  public struct DateFormat: Sendable, Equatable {
    /// The parts in order: `d`, `m`, `y`.
    public let order: [Character]
    public let separator: UInt8
    public let text: String

    /// Parses `DD/MM/YYYY`, `MM/DD/YYYY`, `YYYY/MM/DD`, … (one separator, any order).
    public init?(_ text: String) {
      let upper = text.uppercased()
      let separators = upper.filter { !"DMY".contains($0) }
      guard let sep = separators.first, separators.allSatisfy({ $0 == sep }), let ascii = sep.asciiValue else { return nil }
      let parts = upper.split(separator: sep, omittingEmptySubsequences: false)
      guard parts.count == 3 else { return nil }
      var order: [Character] = []
      for p in parts {
        switch p {
        case "DD", "D": order.append("d")
        case "MM", "M": order.append("m")
        case "YYYY": order.append("y")
        default: return nil
        }
      }
      guard Set(order).count == 3 else { return nil }
      self.order = order
      separator = ascii
      self.text = text
    }
  }

  public var epoch: EpochUnit?
  public var dateFormat: DateFormat?

  public init(epoch: EpochUnit? = nil, dateFormat: DateFormat? = nil) {
    self.epoch = epoch
    self.dateFormat = dateFormat
  }

  /// The result of parsing one value.
  public enum Outcome: Equatable {
    case parsed(Timestamps.Parsed)
    /// Not a timestamp; the message says what was expected.
    case invalid(String)
  }

  /// Parses one value.
  ///
  /// - Complexity: O(length of the value).
  public func parse(_ b: UnsafeBufferPointer<UInt8>) -> Outcome {
    if dateFormat == nil, let p = Self.parseFixedWidth(b) { return .parsed(p) }
    if let dateFormat, let p = parse(b, dateFormat) { return .parsed(p) }
    if let p = Timestamps.parse(bytes: b) { return .parsed(p) }
    if isNumber(b) {
      guard let epoch else {
        return .invalid("is a number; give --time-unit s, ms or us for epoch seconds, milliseconds or microseconds")
      }
      if let p = parseEpoch(b, epoch) { return .parsed(p) }
      return .invalid("is out of range; expected \(epoch.rawValue) since 1970-01-01 UTC")
    }
    if dateFormat == nil, looksLikeDayMonth(b) {
      return .invalid("could be day-first or month-first; give --date-format DD/MM/YYYY or MM/DD/YYYY")
    }
    var expected = "ISO 8601 (2024-03-05T14:30:00Z) or BigQuery (2024-03-05 14:30:00 UTC)"
    if let dateFormat { expected += ", or \(dateFormat.text) [HH:MM[:SS]]" }
    if let epoch { expected += ", or epoch \(epoch.rawValue)" }
    return .invalid("is not a timestamp; expected \(expected)")
  }

  /// The common fixed-width forms read from fixed positions: `YYYY-MM-DD`,
  /// `YYYY-MM-DDTHH:MM:SS` (or a space or `t` for the `T`), the same with `Z` (or `z`) and
  /// with ` UTC`. `nil` for any other form or a value out of range, which then takes
  /// ``Timestamps/parse(bytes:)``: where this gives a result, it is that function's.
  ///
  /// - Complexity: O(1).
  @inline(__always)
  static func parseFixedWidth(_ b: UnsafeBufferPointer<UInt8>) -> Timestamps.Parsed? {
    let n = b.count
    guard n == 10 || n == 19 || n == 20 || n == 23, let p = b.baseAddress else { return nil }
    @inline(__always) func digit(_ i: Int) -> Int? {
      let d = p[i] &- 48
      return d < 10 ? Int(d) : nil
    }
    guard p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"), let y0 = digit(0), let y1 = digit(1), let y2 = digit(2),
      let y3 = digit(3), let mo0 = digit(5), let mo1 = digit(6), let d0 = digit(8), let d1 = digit(9)
    else { return nil }
    let year = y0 * 1000 + y1 * 100 + y2 * 10 + y3
    let month = mo0 * 10 + mo1
    let day = d0 * 10 + d1
    guard month >= 1 && month <= 12, day >= 1, day <= Timestamps.daysIn(year: year, month: month) else { return nil }
    let date = Int64(Timestamps.daysFromCivil(year, month, day)) * 86_400
    if n == 10 { return Timestamps.Parsed(wallSeconds: date, offset: nil) }
    let t = p[10]
    guard t == UInt8(ascii: "T") || t == 32 || t == UInt8(ascii: "t"), p[13] == UInt8(ascii: ":"), p[16] == UInt8(ascii: ":"),
      let h0 = digit(11), let h1 = digit(12), let m0 = digit(14), let m1 = digit(15), let s0 = digit(17), let s1 = digit(18)
    else { return nil }
    let hour = h0 * 10 + h1
    let minute = m0 * 10 + m1
    let second = s0 * 10 + s1
    guard hour <= 23 && minute <= 59 && second <= 60 else { return nil }
    var offset: Int?
    switch n {
    case 20:
      guard p[19] == UInt8(ascii: "Z") || p[19] == UInt8(ascii: "z") else { return nil }
      offset = 0
    case 23:
      guard p[19] == 32, p[20] == UInt8(ascii: "U"), p[21] == UInt8(ascii: "T"), p[22] == UInt8(ascii: "C") else { return nil }
      offset = 0
    default: break
    }
    return Timestamps.Parsed(wallSeconds: date + Int64(hour * 3600 + minute * 60 + second), offset: offset)
  }

  func isNumber(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = 0
    if i < b.count && b[i] == UInt8(ascii: "-") { i += 1 }
    let digitsStart = i
    while i < b.count && b[i] >= 48 && b[i] <= 57 { i += 1 }
    guard i > digitsStart else { return false }
    if i < b.count && b[i] == UInt8(ascii: ".") {
      i += 1
      while i < b.count && b[i] >= 48 && b[i] <= 57 { i += 1 }
    }
    return i == b.count
  }

  func parseEpoch(_ b: UnsafeBufferPointer<UInt8>, _ unit: EpochUnit) -> Timestamps.Parsed? {
    var i = 0
    let negative = b[0] == UInt8(ascii: "-")
    if negative { i = 1 }
    var v: Int64 = 0
    while i < b.count && b[i] != UInt8(ascii: ".") {
      guard i - (negative ? 1 : 0) < 18 else { return nil }
      v = v * 10 + Int64(b[i] - 48)
      i += 1
    }
    var fraction = false
    if i < b.count { fraction = b[(i + 1)...].contains { $0 != 48 } }
    if negative { v = -v - (fraction ? 1 : 0) }
    let per = unit.perSecond
    let seconds = v >= 0 ? v / per : -((-v + per - 1) / per)
    // Years 0001 to 9999.
    guard seconds >= -62_135_596_800 && seconds <= 253_402_300_799 else { return nil }
    return Timestamps.Parsed(wallSeconds: seconds, offset: 0)
  }

  /// `NN?NN?NNNN` with `/`, `.` or `-` and both leading parts at most 12 or not: dates
  /// whose day and month order cannot be read without a format.
  func looksLikeDayMonth(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = 0
    var groups = 0
    while i < b.count && groups < 3 {
      let s = i
      while i < b.count && b[i] >= 48 && b[i] <= 57 { i += 1 }
      guard i > s else { return false }
      groups += 1
      if groups < 3 {
        guard i - s <= 2 else { return false }
        guard i < b.count, [UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "-")].contains(b[i]) else { return false }
        i += 1
      } else {
        return i - s == 4 || i - s == 2
      }
    }
    return false
  }

  func parse(_ b: UnsafeBufferPointer<UInt8>, _ format: DateFormat) -> Timestamps.Parsed? {
    var i = 0
    func number(max: Int) -> Int? {
      let s = i
      var v = 0
      while i < b.count && i - s < max && b[i] >= 48 && b[i] <= 57 {
        v = v * 10 + Int(b[i] - 48)
        i += 1
      }
      return i > s ? v : nil
    }
    var day = 0
    var month = 0
    var year = 0
    for (k, part) in format.order.enumerated() {
      if k > 0 {
        guard i < b.count, b[i] == format.separator else { return nil }
        i += 1
      }
      let start = i
      guard let v = number(max: part == "y" ? 4 : 2) else { return nil }
      switch part {
      case "d": day = v
      case "m": month = v
      default:
        guard i - start == 4 else { return nil }
        year = v
      }
    }
    guard (1...12).contains(month), day >= 1, year >= 1, day <= Timestamps.daysIn(year: year, month: month) else { return nil }
    var seconds = 0
    var offset: Int?
    if i < b.count {
      guard b[i] == 32 || b[i] == UInt8(ascii: "T") else { return nil }
      i += 1
      guard let h = number(max: 2), h <= 23, i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
      i += 1
      guard let m = number(max: 2), m <= 59 else { return nil }
      var s = 0
      if i < b.count && b[i] == UInt8(ascii: ":") {
        i += 1
        guard let sec = number(max: 2), sec <= 60 else { return nil }
        s = sec
        if i < b.count && (b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",")) {
          i += 1
          while i < b.count && b[i] >= 48 && b[i] <= 57 { i += 1 }
        }
      }
      seconds = h * 3600 + m * 60 + s
      let rest = b.count - i
      if rest == 1 && (b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z")) {
        offset = 0
        i += 1
      } else if rest == 4 && b[i] == 32 && b[i + 1] == UInt8(ascii: "U") && b[i + 2] == UInt8(ascii: "T")
        && b[i + 3] == UInt8(ascii: "C")
      {
        offset = 0
        i += 4
      }
      guard i == b.count else { return nil }
    }
    return Timestamps.Parsed(
      wallSeconds: Int64(Timestamps.daysFromCivil(year, month, day)) * 86_400 + Int64(seconds), offset: offset)
  }
}
