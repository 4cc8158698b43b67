import Foundation
import JourneyEstimation
import JourneyFormats
import JourneyModel

/// The two forms of a GA4 export.
public enum GA4Format: String, Sendable, CaseIterable {
  /// The `events_*` tables as newline-delimited JSON (``GA4Reader``).
  case ndjson
  /// The flattened table, one row per event (``GA4TableReader``).
  case csv

  /// The form of a file that starts with `bytes`: NDJSON when the first character
  /// (after a byte order mark and white space) is `{`, else a table.
  public static func detect(_ bytes: some Collection<UInt8>) -> GA4Format {
    var rest = bytes[...]
    if rest.starts(with: [0xEF, 0xBB, 0xBF]) { rest = rest.dropFirst(3) }
    guard let first = rest.first(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }) else { return .ndjson }
    return first == UInt8(ascii: "{") ? .ndjson : .csv
  }
}

/// What a Google Analytics 4 import needs beyond the event-table settings.
public struct GA4Settings: Sendable {
  /// Who a customer is: the device (`user_pseudo_id`) or the signed-in user.
  public var identity: GA4Reader.Identity = .pseudo
  /// The site lists behind the default channel group's rules.
  public var categories: SourceCategories = .default
  /// The form of the files; `nil` detects it from each file's content (``GA4Format/detect(_:)``).
  public var format: GA4Format?

  public init(identity: GA4Reader.Identity = .pseudo, categories: SourceCategories = .default, format: GA4Format? = nil) {
    self.identity = identity
    self.categories = categories
    self.format = format
  }
}

/// `journey import ga4` and `journey fit --ga4`: the GA4 BigQuery export (newline-delimited
/// JSON, or the flattened table as CSV (``GA4TableReader``); plain or gzip, `-` for stdin)
/// into an ``ImportedHistory`` through the same ``EventCollector`` as every other source.
/// Both forms of the same events give the same history.
///
/// Each event becomes one collector event:
/// - the customer from ``GA4Settings/identity``;
/// - the time from `event_timestamp` (microseconds, UTC), cut to the second;
/// - a stage when the event name is in the stage map (the settings' `--stage-map` or
///   `--map-stage`, else ``defaultStageMap``); other events carry no stage, so page views,
///   scrolls and the like count only as touchpoints;
/// - a channel from the event's traffic source through ``GA4ChannelGrouping``, written
///   as a name a journey log can hold (``channelName(_:)``: `Paid Search` → `paid_search`),
///   then through the settings' `--channel-map`;
/// - the purchase revenue.
///
/// - Complexity: O(bytes); memory: one block of the input and the longest line (a table
///   from standard input whole), plus what the collector keeps.
public enum GA4Import {
  /// GA4's recommended lifecycle events as a stage map (event name → phase).
  public static var defaultStageMap: NameMap {
    // Built from a fixed, valid list.
    (try? NameMap(inline: GA4Reader.defaultStageMap.map { "\($0.event)=\($0.phase)" }.joined(separator: ","), origin: "GA4 events"))
      ?? NameMap()
  }

  /// A channel group as a journey-log channel name: lower case, spaces and hyphens as `_`.
  public static func channelName(_ group: String) -> String {
    String(group.lowercased().map { $0 == " " || $0 == "-" ? "_" : $0 })
  }

  /// The most bytes of one GA4 file held in memory (a flattened table from standard
  /// input; files and NDJSON are read block by block).
  public static let maxFileBytes = 8 << 30

  /// Reads GA4 export files (`-` for standard input).
  ///
  /// - Parameter progress: told of the bytes read from the files (compressed bytes of a
  ///   gzip file), for a progress display.
  /// - Throws: ``InputErrors`` naming file, line and field.
  public static func read(
    paths: [String], settings: ImportSettings, ga4: GA4Settings, vocabulary: Vocabulary, progress: ReadProgress? = nil
  ) throws(InputErrors) -> ImportedHistory {
    var collector = try EventCollector(settings: withStages(settings), vocabulary: vocabulary)
    for path in paths {
      let (input, format, head) = try open(path, format: ga4.format)
      input.progress = progress
      try read(input, head: head, format: format, ga4: ga4, into: &collector)
    }
    progress?.finish()
    return try collector.finish()
  }

  /// Opens `path` and finds its form: `format`, else from the first block of its
  /// (inflated) content. Standard input cannot be read twice: the block read to look at
  /// it comes back as `head` (NDJSON), or the whole input is read into memory (a table).
  static func open(_ path: String, format: GA4Format?) throws(InputErrors) -> (TableInput, GA4Format, head: [UInt8]) {
    if let format { return (try TableInput(path: path, what: "GA4 export"), format, []) }
    let peek = try TableInput(path: path, what: "GA4 export")
    var head = [UInt8](repeating: 0, count: 1 << 16)
    var got = 0
    while got < head.count {
      let n = try head.withUnsafeMutableBufferPointer { (b) throws(InputErrors) -> Int in
        try peek.read(into: b.baseAddress! + got, count: b.count - got, what: "GA4 export")
      }
      if n == 0 { break }
      got += n
    }
    head.removeSubrange(got...)
    let detected = GA4Format.detect(head)
    guard path == "-" else { return (try TableInput(path: path, what: "GA4 export"), detected, []) }
    if detected == .ndjson { return (peek, detected, head) }
    return (TableInput(bytes: try readAll(peek, head: head), name: peek.name), detected, [])
  }

  /// Every (inflated) byte of `input` after `head`, at most ``maxFileBytes``.
  static func readAll(_ input: TableInput, head: [UInt8] = []) throws(InputErrors) -> [UInt8] {
    var bytes = head
    let block = 1 << 20
    var buffer = [UInt8](repeating: 0, count: block)
    while true {
      let got = try buffer.withUnsafeMutableBufferPointer { (b) throws(InputErrors) -> Int in
        try input.read(into: b.baseAddress!, count: block, what: "GA4 export")
      }
      if got == 0 { break }
      guard bytes.count + got <= maxFileBytes else {
        throw InputErrors([InputError(.limit, file: input.name, "more than \(maxFileBytes >> 30) GiB; expected a GA4 export split into smaller files")])
      }
      bytes.append(contentsOf: buffer[0..<got])
    }
    return bytes
  }

  /// Reads a GA4 export held in memory (tests, fuzzing); `name` names it in errors.
  public static func read(bytes: [UInt8], name: String, settings: ImportSettings, ga4: GA4Settings, vocabulary: Vocabulary)
    throws(InputErrors) -> ImportedHistory
  {
    var collector = try EventCollector(settings: withStages(settings), vocabulary: vocabulary)
    try read(TableInput(bytes: bytes, name: name), format: ga4.format ?? GA4Format.detect(bytes.prefix(1 << 16)), ga4: ga4, into: &collector)
    return try collector.finish()
  }

  /// The settings with GA4's default stage map when they name none.
  static func withStages(_ settings: ImportSettings) -> ImportSettings {
    var s = settings
    if s.stageMap == nil { s.stageMap = defaultStageMap }
    return s
  }

  static func read(
    _ input: TableInput, head: [UInt8] = [], format: GA4Format, ga4: GA4Settings, into collector: inout EventCollector
  ) throws(InputErrors) {
    let file = collector.beginFile(input.name)
    let stages = (collector.settings.stageMap ?? defaultStageMap).compiled()
    let reader = GA4Reader(grouping: GA4ChannelGrouping(categories: ga4.categories), identity: ga4.identity)
    var stageNames: [String: Bool] = [:]
    /// One event into the collector: the same for both forms.
    func add(_ row: GA4Reader.Row, _ collector: inout EventCollector) throws(InputErrors) {
      let isStage =
        stageNames[row.eventName]
        ?? {
          let known = stages.target(of: row.eventName) != nil
          stageNames[row.eventName] = known
          return known
        }()
      if !isStage && row.channel == nil {
        collector.skip("GA4 events without a mapped stage or a channel")
        return
      }
      let seconds = row.microseconds >= 0 ? row.microseconds / 1_000_000 : -((-row.microseconds + 999_999) / 1_000_000)
      let time = Timestamps.Parsed(wallSeconds: seconds, offset: 0)
      var customer = row.customer
      var stage = row.eventName
      var channel = row.channel.map(channelName)
      let at = EventLocation(file: file, line: Int32(clamping: row.line))
      do {
        try customer.withUTF8 { id in
          try stage.withUTF8 { s in
            if var c = channel {
              try c.withUTF8 { ch in
                try collector.add(
                  customer: id, time: time, stage: isStage ? s : nil, channel: ch, revenue: isStage ? row.revenue : nil, at: at)
              }
              channel = c
            } else {
              try collector.add(customer: id, time: time, stage: s, channel: nil, revenue: row.revenue, at: at)
            }
          }
        }
      } catch let e as InputErrors {
        throw e
      } catch {
        throw InputErrors([InputError(.io, file: input.name, "\(error)")])
      }
    }
    switch format {
    case .csv:
      let tally = try GA4TableReader.read(input, settings: collector.settings, reader: reader) { (row) throws(InputErrors) in
        try add(row, &collector)
      }
      for _ in 0..<tally.withoutCustomer { collector.skip("GA4 events without a customer id") }
    case .ndjson:
      var failure: InputErrors?
      do {
        let tally = try reader.read(input, head: head, file: input.name) { row in
          do throws(InputErrors) { try add(row, &collector) } catch {
            failure = error
            throw error
          }
        }
        for _ in 0..<tally.withoutCustomer { collector.skip("GA4 events without a customer id") }
      } catch let e as GA4Reader.ReadError {
        throw InputErrors([InputError(.syntax, file: e.file, line: e.line, e.message)])
      } catch let e as InputErrors {
        throw failure ?? e
      } catch {
        throw failure ?? InputErrors([InputError(.io, file: input.name, "\(error)")])
      }
    }
  }
}
