import JourneyModel

/// The journey-log format: one row per customer and period, written by the simulator and
/// read by `journey fit`.
///
/// ```
/// customer_id,period,phase,channels[,segment]
/// 1,0,unaware,
/// 2,0,aware,search;tv
/// ```
///
/// - `customer_id`: any text (the simulator writes 1, 2, …);
/// - `period`: a whole number from 0 to 99,999 (``periodLimit``), the calendar period
///   counted from the start of the history; each customer's periods increase by exactly 1;
/// - `phase`: the phase at the start of the period;
/// - `channels`: the channels met during the period, separated by `;` (may be empty);
///   names in the list are trimmed of spaces and tabs, so a channel name must not contain
///   `;` nor begin or end with a space or tab;
/// - `segment`: only when the scenario has several segments.
///
/// Fields follow the one CSV rule of ``CSV`` (quoting and formula neutralisation; readers
/// undo the neutralisation). The header names the columns, in any order; readers ignore
/// extra columns.
public struct JourneyLogFormat: Sendable {
  /// The required columns, in the order the simulator writes them.
  public static let columns = ["customer_id", "period", "phase", "channels"]
  /// The optional segment column.
  public static let segmentColumn = "segment"
  /// Periods are whole numbers `0 ..< periodLimit`: 100,000, the longest horizon
  /// (``Limits/maxHorizon``), so every log the simulator writes can be read. Periods are
  /// calendar periods from the start of the history (spend files count them the same
  /// way, and adstock runs from period 0); what is kept per period is then bounded
  /// whatever the values in a file, and a date written as a period (20240105) is an
  /// error rather than a history of twenty million periods.
  public static let periodLimit = Limits.maxHorizon
  /// What a period must be, for error messages.
  public static let periodExpectation = "expected a whole number from 0 to \(periodLimit - 1) (the period counted from the start of the history, not a date)"
  /// The separator of the channel list, `;` (inlinable: readers test every byte of the
  /// channel column against it).
  @inlinable public static var channelSeparator: UInt8 { 0x3B }

  /// The header line (with LF).
  public static func header(segmented: Bool) -> String {
    (columns + (segmented ? [segmentColumn] : [])).joined(separator: ",") + "\n"
  }

  /// Whether a channel name can stand in a channel list; a message saying why not otherwise.
  public static func problem(channel name: String) -> String? {
    if name.utf8.contains(channelSeparator) {
      return "channel \(InputError.echo(name)) contains ';', the separator of the journey log's channel list"
    }
    if let f = name.utf8.first, let l = name.utf8.last, f == 32 || f == 9 || l == 32 || l == 9 {
      return "channel \(InputError.echo(name)) begins or ends with a space or tab, which the journey log's channel list trims"
    }
    return nil
  }

  @usableFromInline let phaseFields: [[UInt8]]
  @usableFromInline let channelNames: [[UInt8]]
  /// Channels whose name makes the channel list leave the fast path (quoting or a formula guard).
  @usableFromInline let specialChannels: UInt64
  @usableFromInline let segmentFields: [[UInt8]]?
  @usableFromInline let neutraliseFormulas: Bool
  public let channelNameStrings: [String]

  /// A row writer for these names.
  ///
  /// - Parameters:
  ///   - segments: Segment names, written as a last column; `nil` for one segment.
  ///   - neutraliseFormulas: As for ``CSV/field(_:neutraliseFormulas:)``.
  /// - Throws: ``InputError`` `.notAllowed` for a channel name the list cannot hold
  ///   (see ``problem(channel:)``); `file` names the scenario.
  public init(
    phases: [String], channels: [String], segments: [String]?, neutraliseFormulas: Bool = true, file: String = ""
  ) throws(InputError) {
    for name in channels {
      if let message = JourneyLogFormat.problem(channel: name) {
        throw InputError(.notAllowed, file: file, path: "channels", message + "; rename it to write a journey log")
      }
    }
    phaseFields = phases.map { CSV.fieldBytes($0, neutraliseFormulas: neutraliseFormulas) }
    channelNames = channels.map { Array($0.utf8) }
    channelNameStrings = channels
    var special: UInt64 = 0
    for (c, name) in channels.enumerated() where c < 64 {
      let bytes = Array(name.utf8)
      if CSV.needsQuotes(bytes) || bytes.first.map({ [39, 61, 43, 45, 64, 9, 13].contains($0) }) == true {
        special |= 1 << UInt64(c)
      }
    }
    specialChannels = special
    segmentFields = segments.map { $0.map { CSV.fieldBytes($0, neutraliseFormulas: neutraliseFormulas) } }
    self.neutraliseFormulas = neutraliseFormulas
  }

  /// The header of the logs this writer writes.
  public var header: String { Self.header(segmented: segmentFields != nil) }

  /// Appends one row.
  ///
  /// - Parameters:
  ///   - customer: The customer's number.
  ///   - phase: Index into the phases.
  ///   - channels: Bit `c` set when channel `c` was met.
  ///   - segment: Index into the segments (ignored without a segment column).
  /// - Complexity: O(length of the row).
  @inlinable
  public func appendRow(customer: Int, period: Int, phase: Int, channels: UInt64, segment: Int, to out: inout [UInt8]) {
    Self.appendInt(customer, &out)
    appendState(period: period, phase: phase, channels: channels, segment: segment, to: &out)
  }

  /// Appends one row of a customer whose id is any text, given as its CSV field
  /// (``CSV/fieldBytes(_:neutraliseFormulas:)``, computed once per customer).
  ///
  /// - Complexity: O(length of the row).
  @inlinable
  public func appendRow(
    customerField: [UInt8], period: Int, phase: Int, channels: UInt64, segment: Int, to out: inout [UInt8]
  ) {
    out.append(contentsOf: customerField)
    appendState(period: period, phase: phase, channels: channels, segment: segment, to: &out)
  }

  /// The row after its customer id: period, phase, channels (and segment), and the line end.
  @inlinable
  func appendState(period: Int, phase: Int, channels: UInt64, segment: Int, to out: inout [UInt8]) {
    out.append(CSV.separator)
    Self.appendInt(period, &out)
    out.append(CSV.separator)
    out.append(contentsOf: phaseFields[phase])
    out.append(CSV.separator)
    if channels & specialChannels == 0 {
      var first = true
      var mask = channels
      while mask != 0 {
        let c = mask.trailingZeroBitCount
        if !first { out.append(Self.channelSeparator) }
        out.append(contentsOf: channelNames[c])
        first = false
        mask &= mask - 1
      }
    } else {
      out.append(contentsOf: channelField(channels))
    }
    if let segmentFields {
      out.append(CSV.separator)
      out.append(contentsOf: segmentFields[segment])
    }
    out.append(10)
  }

  /// The channel list of `mask` as one CSV field (quoted, neutralised as needed).
  public func channelField(_ mask: UInt64) -> [UInt8] {
    var names: [String] = []
    var bits = mask
    while bits != 0 {
      names.append(channelNameStrings[bits.trailingZeroBitCount])
      bits &= bits - 1
    }
    return CSV.fieldBytes(names.joined(separator: ";"), neutraliseFormulas: neutraliseFormulas)
  }

  @inlinable
  static func appendInt(_ value: Int, _ out: inout [UInt8]) {
    if value < 10 && value >= 0 {
      out.append(UInt8(truncatingIfNeeded: 48 + value))
      return
    }
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
    var count = 0
    var v = value.magnitude
    if value < 0 { out.append(UInt8(ascii: "-")) }
    withUnsafeMutableBytes(of: &digits) { buf in
      while v > 0 {
        buf[count] = UInt8(truncatingIfNeeded: 48 + v % 10)
        v /= 10
        count += 1
      }
      for d in stride(from: count - 1, through: 0, by: -1) { out.append(buf[d]) }
    }
  }
}
