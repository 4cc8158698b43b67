import JourneyEstimation
import JourneyFormats
import JourneyModel

/// Reads the flattened GA4 table — one row per event, as the usual BigQuery query over the
/// `events_*` tables writes it to CSV (docs/importing.md gives the query) — and hands each
/// event on as the NDJSON reader does (``GA4Reader/Row``), so that both forms of the same
/// events give the same journey log.
///
/// Columns (header names compared case-insensitively; rename with `--columns`, roles in
/// brackets; any order, other columns ignored):
///
/// | role | default names | |
/// | --- | --- | --- |
/// | `customer` | `user_pseudo_id` | required |
/// | `user` | `user_id` | with `--identity user_id` |
/// | `time` | `event_timestamp` | required: microseconds since 1970 UTC, or an ISO 8601 / BigQuery timestamp (UTC unless it has an offset) |
/// | `stage` | `event_name` | required |
/// | `source` | `source`, `session_source`, `traffic_source_source`, `manual_source` | |
/// | `medium` | `medium`, `session_medium`, `traffic_source_medium`, `manual_medium` | |
/// | `campaign` | `campaign`, `session_campaign`, `campaign_name`, `traffic_source_name`, `manual_campaign_name` | |
/// | `channel` | `default_channel_group`, `session_default_channel_group`, `channel_group` | GA4's own group, used when it names one |
/// | `revenue` | `purchase_revenue`, `ecommerce_purchase_revenue`, `revenue` | |
///
/// An empty cell is absent, as are `NULL` and `(not set)` in the traffic-source columns. The channel comes from
/// ``GA4Reader/channel(source:medium:campaign:group:origin:tally:)``, the same rule as for
/// NDJSON. Rows without a customer are counted and skipped; a bad timestamp or revenue is
/// an error naming file, line, column and value (up to 20 at once).
///
/// - Complexity: O(bytes) streaming; memory one block of the input plus what the collector keeps.
public enum GA4TableReader {
  /// The default column names of the flattened table.
  public static let columns = ColumnMapping(candidates: [
    .customer: ["user_pseudo_id"], .user: ["user_id"], .time: ["event_timestamp"], .stage: ["event_name"],
    .source: ["source", "session_source", "traffic_source_source", "manual_source", "collected_traffic_source_manual_source"],
    .medium: ["medium", "session_medium", "traffic_source_medium", "manual_medium", "collected_traffic_source_manual_medium"],
    .campaign: [
      "campaign", "session_campaign", "campaign_name", "traffic_source_name", "manual_campaign_name",
      "collected_traffic_source_manual_campaign_name",
    ],
    .channel: ["default_channel_group", "session_default_channel_group", "channel_group"],
    .revenue: ["purchase_revenue", "ecommerce_purchase_revenue", "revenue"],
  ])

  static let maxErrors = 20

  /// The column of each role in `header`: `customer`, `time` and `stage` are required, as
  /// is every role named explicitly.
  ///
  /// - Throws: ``InputErrors`` (`.missing`) naming the role, the names looked for and the header.
  static func resolve(_ mapping: ColumnMapping, header: [String], file: String, line: Int) throws(InputErrors) -> [ColumnRole: Int] {
    let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    var found: [ColumnRole: Int] = [:]
    for role in ColumnRole.allCases {
      for name in mapping.candidates[role] ?? [] {
        if let k = names.firstIndex(of: name) {
          found[role] = k
          break
        }
      }
    }
    let required: [ColumnRole] = [.customer, .time, .stage] + mapping.explicit.sorted { $0.rawValue < $1.rawValue }
    for role in required where found[role] == nil {
      let shown = header.prefix(20).map { InputError.echo($0) }.joined(separator: ", ")
      throw InputErrors([InputError(
        .missing, file: file, line: line,
        "missing the \(role.rawValue) column (\((mapping.candidates[role] ?? []).joined(separator: " or "))); expected a flattened GA4 table with a header naming it (give --columns, e.g. customer=client_id; found: \(shown)\(header.count > 20 ? ", …" : ""))")])
    }
    return found
  }

  /// Reads `input` and calls `body` for each event with a customer.
  ///
  /// - Throws: ``InputErrors`` from the input, the header, the rows or `body`.
  static func read(
    _ input: TableInput, settings: ImportSettings, reader: GA4Reader, _ body: (GA4Reader.Row) throws(InputErrors) -> Void
  ) throws(InputErrors) -> GA4Reader.Tally {
    let mapping = columns.overriding(settings.columns.explicitColumns)
    var tally = GA4Reader.Tally()
    var roles: [ColumnRole: Int]?
    var needed = 0
    var header: [String] = []
    var errors: [InputError] = []
    func fail(_ e: InputError) throws(InputErrors) {
      errors.append(e)
      if errors.count >= maxErrors { throw InputErrors(errors) }
    }
    try CSVReader.forEachRecord(input: input, what: "GA4 table", separator: settings.delimiter) { (csv, b) throws(InputErrors) in
      if csv.isMalformed {
        try fail(InputError(.syntax, file: input.name, line: csv.line, CSVTokenizer.malformedMessage))
        return
      }
      guard let r = roles else {
        header = csv.texts(in: b)
        let resolved = try resolve(mapping, header: header, file: input.name, line: csv.line)
        roles = resolved
        needed = (resolved.values.max() ?? 0) + 1
        return
      }
      tally.lines += 1
      guard csv.fieldCount >= needed else {
        try fail(InputError(
          .missing, file: input.name, line: csv.line,
          "a row of \(csv.fieldCount) fields; expected at least \(needed) as in the header (\(header.prefix(needed).joined(separator: ",")))"))
        return
      }
      func field(_ k: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: b[csv.start(k)..<csv.end(k)]) }
      /// The text of role `role`'s cell, `nil` when absent or empty (and for a traffic
      /// source, `NULL` or `(not set)`).
      func text(_ role: ColumnRole) -> String? {
        guard let k = r[role] else { return nil }
        let s = String(decoding: field(k), as: UTF8.self)
        if s.isEmpty { return nil }
        if s == "NULL" || s == "(not set)", [.source, .medium, .campaign, .channel].contains(role) { return nil }
        return s
      }
      func bad(_ role: ColumnRole, _ kind: InputError.Kind, _ message: String) throws(InputErrors) {
        let k = r[role]!
        try fail(InputError(
          kind, file: input.name, line: csv.line, column: k + 1, path: header[k],
          "\(InputError.echo(String(decoding: field(k), as: UTF8.self))) \(message)"))
      }
      let pseudo = text(.customer)
      let customer = reader.identity == .userID ? (text(.user) ?? pseudo) : pseudo
      guard let customer else {
        tally.withoutCustomer += 1
        return
      }
      guard let eventName = text(.stage) else {
        let k = r[.stage]!
        try fail(InputError(
          .empty, file: input.name, line: csv.line, column: k + 1, path: header[k],
          "empty event name; expected the GA4 event name (page_view, purchase, …)"))
        return
      }
      guard let microseconds = time(field(r[.time]!)) else {
        try bad(.time, .type, "is not a timestamp; expected event_timestamp in microseconds since 1970 (1704095700000000) or a UTC timestamp (2024-01-01 08:15:00 UTC)")
        return
      }
      var revenue: Double?
      if let t = text(.revenue) {
        guard let v = Double(t), v.isFinite else {
          try bad(.revenue, .type, "is not a number; expected an amount such as 1250.50")
          return
        }
        revenue = v
      }
      let channel = reader.channel(
        source: text(.source), medium: text(.medium), campaign: text(.campaign), group: text(.channel), origin: "table",
        tally: &tally)
      tally.events += 1
      try body(
        GA4Reader.Row(customer: customer, microseconds: microseconds, eventName: eventName, channel: channel, revenue: revenue, line: csv.line))
    }
    guard errors.isEmpty else { throw InputErrors(errors) }
    if roles == nil {
      throw InputErrors([InputError(
        .empty, file: input.name, "the GA4 table is empty; expected a header (event_timestamp,event_name,user_pseudo_id,…) and rows")])
    }
    return tally
  }

  /// Microseconds since 1970 UTC: digits (at most 18, an optional sign) as
  /// `event_timestamp` holds them, or a timestamp ``Timestamps/parse(bytes:)`` reads (UTC
  /// unless it has an offset).
  static func time(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
    guard !b.isEmpty else { return nil }
    var i = b[0] == UInt8(ascii: "-") ? 1 : 0
    var v: Int64 = 0
    let digits = i
    while i < b.count, b[i] >= 48, b[i] <= 57, i - digits < 18 {
      v = v * 10 + Int64(b[i] - 48)
      i += 1
    }
    if i == b.count && i > digits { return b[0] == UInt8(ascii: "-") ? -v : v }
    guard let p = Timestamps.parse(bytes: b) else { return nil }
    let seconds = p.wallSeconds - Int64(p.offset ?? 0)
    let (micros, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
    return overflow ? nil : micros
  }
}
