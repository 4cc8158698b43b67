import Foundation
import JourneyFormats
import JourneyModel

/// Reads a GA4 BigQuery export in newline-delimited JSON and hands each event on as a
/// journey event: customer, time, GA4 event name, channel (the default channel group of
/// its traffic source) and revenue.
///
/// **Customers** are `user_pseudo_id` (the device/browser), or with ``Identity/userID``
/// the signed-in `user_id` where the event has one.
/// **Channels** come from the event's traffic source (``GA4Event/trafficSourceFields()``)
/// through ``GA4ChannelGrouping``; an event whose export already carries GA4's own
/// `default_channel_group` uses that group. Events without a traffic source, and those
/// grouped as `Unassigned`, carry no channel.
/// **Stages** are the event names; ``defaultStageMap`` maps the usual ones to phases.
///
/// - Complexity: O(bytes); memory one block of the input and the longest line.
public struct GA4Reader: Sendable {
  public enum Identity: String, Sendable, CaseIterable {
    /// `user_pseudo_id` always.
    case pseudo
    /// `user_id` when the event has one, else `user_pseudo_id`.
    case userID = "user_id"
  }

  /// The longest line read (a GA4 event is a few kilobytes).
  public static let maxLineBytes = 1 << 20

  public var grouping: GA4ChannelGrouping
  public var identity: Identity

  public init(grouping: GA4ChannelGrouping = GA4ChannelGrouping(), identity: Identity = .pseudo) {
    self.grouping = grouping
    self.identity = identity
  }

  /// GA4's recommended events mapped to the usual journey phases.
  public static let defaultStageMap: [(event: String, phase: String)] = [
    ("first_visit", "aware"), ("first_open", "aware"), ("session_start", "aware"),
    ("view_item_list", "considering"), ("view_item", "considering"), ("select_item", "considering"),
    ("add_to_wishlist", "considering"), ("add_to_cart", "considering"), ("view_cart", "considering"),
    ("begin_checkout", "considering"), ("add_shipping_info", "considering"), ("add_payment_info", "considering"),
    ("generate_lead", "considering"), ("sign_up", "considering"),
    ("purchase", "purchased"),
  ]

  /// One event as the journey sees it.
  public struct Row: Sendable, Equatable {
    public var customer: String
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64
    public var eventName: String
    /// The channel group (``GA4ChannelGrouping/Channel`` raw value), or `nil`.
    public var channel: String?
    public var revenue: Double?
    public var line: Int
  }

  /// What a read saw, for the import report.
  public struct Tally: Sendable, Equatable {
    public var lines = 0
    public var events = 0
    public var withoutCustomer = 0
    public var unassigned = 0
    public var withoutSource = 0
    public var byOrigin: [String: Int] = [:]
  }

  public struct ReadError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int
    public var message: String
    public var description: String { "\(file):\(line): \(message)" }
  }

  /// Reads every line of `bytes`, calling `body` for each event with a customer.
  ///
  /// - Throws: ``ReadError`` for the first line that is not a JSON object of the expected
  ///   shape (its line, the field, what was expected), or is longer than ``maxLineBytes``;
  ///   rethrows what `body` throws.
  public func read(
    bytes: [UInt8], file: String, _ body: (Row) throws -> Void
  ) throws -> Tally {
    try read(TableInput(bytes: bytes, name: file), file: file, body)
  }

  /// Reads every line of `input` (plain or gzip), block by block, calling `body` for each
  /// event with a customer; `head` holds the input's first bytes when they were read
  /// already (to recognise the form of standard input).
  ///
  /// - Throws: As ``read(bytes:file:_:)``; ``InputErrors`` when the input cannot be read.
  /// - Complexity: O(bytes); memory one block of the input and the longest line.
  public func read(
    _ input: TableInput, head: [UInt8] = [], file: String, _ body: (Row) throws -> Void
  ) throws -> Tally {
    var tally = Tally()
    let decoder = JSONDecoder()
    var line = 0
    /// One line (without its newline).
    func handle(_ text: UnsafeBufferPointer<UInt8>) throws {
      line += 1
      var last = text.count
      if last > 0 && text[last - 1] == 0x0D { last -= 1 }
      if last > Self.maxLineBytes {
        throw ReadError(file: file, line: line, message: "line of \(last) bytes; expected at most \(Self.maxLineBytes) bytes per event")
      }
      var blank = true
      for k in 0..<last where !(text[k] == 0x20 || text[k] == 0x09) {
        blank = false
        break
      }
      if blank { return }
      tally.lines += 1
      let event: GA4Event
      do {
        event = try decoder.decode(GA4Event.self, from: Data(UnsafeBufferPointer(rebasing: text[0..<last])))
      } catch let error as DecodingError {
        throw ReadError(file: file, line: line, message: Self.describe(error))
      }
      let customer: String?
      switch identity {
      case .pseudo: customer = event.userPseudoID
      case .userID: customer = (event.userID?.isEmpty == false ? event.userID : nil) ?? event.userPseudoID
      }
      guard let customer, !customer.isEmpty else {
        tally.withoutCustomer += 1
        return
      }
      let fields = event.trafficSourceFields()
      let channel = self.channel(
        source: fields?.source, medium: fields?.medium, campaign: fields?.campaign, group: fields?.group,
        origin: fields?.origin.rawValue ?? "", tally: &tally)
      tally.events += 1
      try body(Row(customer: customer, microseconds: event.eventTimestamp, eventName: event.eventName, channel: channel, revenue: event.revenue, line: line))
    }
    try Self.forEachLine(input, head: head, limit: Self.maxLineBytes + 1, handle) { length in
      ReadError(file: file, line: line + 1, message: "line of \(length) bytes; expected at most \(Self.maxLineBytes) bytes per event")
    }
    return tally
  }

  /// Calls `body` with each line of `input` after `head` (split at `\n`, without it; a
  /// byte order mark at the start dropped; a last line without `\n` included), in blocks
  /// of 1 MiB. A line longer than `limit` bytes is not held: its length is counted to its
  /// end and `tooLong(length)` thrown (the length without a final `\r`).
  static func forEachLine(
    _ input: TableInput, head: [UInt8], limit: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void,
    tooLong: (Int) -> Error
  ) throws {
    let block = 1 << 20
    var buffer = [UInt8](repeating: 0, count: block + limit + 1)
    var headOffset = 0
    /// Appends up to `count` bytes at `at`: first from `head`, then from the input.
    func fill(_ at: Int, _ count: Int) throws -> Int {
      if headOffset < head.count {
        let n = Swift.min(count, head.count - headOffset)
        buffer.withUnsafeMutableBufferPointer { b in
          for k in 0..<n { b[at + k] = head[headOffset + k] }
        }
        headOffset += n
        return n
      }
      return try buffer.withUnsafeMutableBufferPointer { (b) throws(InputErrors) -> Int in
        try input.read(into: b.baseAddress! + at, count: count, what: "GA4 export")
      }
    }
    var filled = 0
    // The byte order mark: look at the first three bytes.
    while filled < 3 {
      let n = try fill(filled, 3 - filled)
      if n == 0 { break }
      filled += n
    }
    // `cut`: where the current line starts; `scan`: where to look for its end.
    var cut = filled >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0
    var scan = cut
    while true {
      let n = try fill(filled, block)
      // Every complete line in the buffer.
      try buffer.withUnsafeBufferPointer { b in
        var k = scan
        while k < filled + n {
          if b[k] == 0x0A {
            try body(UnsafeBufferPointer(rebasing: b[cut..<k]))
            cut = k + 1
          }
          k += 1
        }
      }
      filled += n
      if n == 0 {
        if cut < filled { try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[cut..<filled])) } }
        return
      }
      // Keep the partial line, unless it is too long to keep.
      let rest = filled - cut
      if rest > limit {
        var length = rest
        var lastByte = buffer[filled - 1]
        reading: while true {
          let got = try fill(0, block)
          if got == 0 { break }
          for k in 0..<got {
            if buffer[k] == 0x0A { break reading }
            length += 1
            lastByte = buffer[k]
          }
        }
        throw tooLong(lastByte == 0x0D ? length - 1 : length)
      }
      if cut > 0 && rest > 0 {
        buffer.withUnsafeMutableBufferPointer { b in b.baseAddress!.update(from: b.baseAddress! + cut, count: rest) }
      }
      cut = 0
      scan = rest
      filled = rest
    }
  }

  /// The channel group of a traffic source (values `nil` when not set): GA4's own
  /// `group` when it names a known group, else ``GA4ChannelGrouping`` of source, medium
  /// and campaign; `nil` without a source, medium or group, and for `Unassigned`. Counts
  /// what it saw in `tally`. The NDJSON and the flattened-table readers share it.
  public func channel(
    source: String?, medium: String?, campaign: String?, group given: String?, origin: String, tally: inout Tally
  ) -> String? {
    guard source != nil || medium != nil || given != nil else {
      tally.withoutSource += 1
      return nil
    }
    tally.byOrigin[origin, default: 0] += 1
    let group: GA4ChannelGrouping.Channel
    if let given, let known = GA4ChannelGrouping.Channel.allCases.first(where: { $0.rawValue.lowercased() == given.lowercased() }) {
      group = known
    } else {
      group = grouping.channel(source: source, medium: medium, campaign: campaign)
    }
    if group == .unassigned {
      tally.unassigned += 1
      return nil
    }
    return group.rawValue
  }

  /// A decoding error as "field: what was expected".
  static func describe(_ error: DecodingError) -> String {
    func path(_ keys: [CodingKey]) -> String {
      var s = ""
      for k in keys {
        if let i = k.intValue { s += "[\(i)]" } else { s += (s.isEmpty ? "" : ".") + k.stringValue }
      }
      return s
    }
    switch error {
    case .keyNotFound(let key, let context):
      let p = path(context.codingPath + [key])
      return "\(p): missing; expected a GA4 export event with \(p)"
    case .typeMismatch(let type, let context):
      return "\(path(context.codingPath)): wrong type; expected \(type == String.self ? "a string" : "\(type)")"
    case .valueNotFound(_, let context):
      return "\(path(context.codingPath)): null; expected a value"
    case .dataCorrupted(let context):
      let p = path(context.codingPath)
      if p.isEmpty { return "not a JSON object; expected one GA4 event per line (newline-delimited JSON)" }
      return "\(p): \(context.debugDescription)"
    @unknown default:
      return "not a GA4 export event"
    }
  }
}
