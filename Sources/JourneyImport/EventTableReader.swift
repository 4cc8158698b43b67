import JourneyEstimation
import JourneyFormats
import JourneyModel

/// Reads event tables and stage histories — CSV, TSV or semicolon-separated, plain or
/// gzip, from files or standard input — into an ``EventCollector``.
///
/// One row is one event: `customer_id,event_time,stage,channel[,revenue]` (column names
/// from ``ColumnMapping``, any order, extra columns ignored). A row carries a stage, a
/// channel or both; an empty cell is absent. Timestamps go through the settings'
/// ``TimeParser``. Bad rows are errors naming file, line, column, the value (bounded) and
/// what was expected; up to 20 are reported at once.
///
/// - Complexity: O(bytes) streaming; memory one block of the input plus what the collector keeps.
public enum EventTableReader {
  static let maxErrors = 20

  /// Reads `input` into `collector`.
  ///
  /// - Throws: ``InputErrors`` from the input, the header, the rows or the collector.
  public static func read(_ input: TableInput, into collector: inout EventCollector) throws(InputErrors) {
    let file = collector.beginFile(input.name)
    let settings = collector.settings
    var columns: ResolvedColumns?
    // The column numbers alone: a row reads them without copying the header's names.
    var indices: Indices?
    var errors: [InputError] = []
    func fail(_ e: InputError) throws(InputErrors) {
      errors.append(e)
      if errors.count >= maxErrors { throw InputErrors(errors) }
    }
    try CSVReader.forEachRecord(input: input, what: "event table", separator: settings.delimiter) {
      (csv, b) throws(InputErrors) in
      if csv.isMalformed {
        try fail(InputError(.syntax, file: input.name, line: csv.line, CSVTokenizer.malformedMessage))
        return
      }
      guard let c = indices else {
        let resolved = try settings.columns.resolve(header: csv.texts(in: b), file: input.name, line: csv.line)
        columns = resolved
        indices = Indices(resolved)
        return
      }
      guard csv.fieldCount >= c.fieldsNeeded else {
        try fail(InputError(
          .missing, file: input.name, line: csv.line,
          "a row of \(csv.fieldCount) fields; expected at least \(c.fieldsNeeded) as in the header (\((columns?.names ?? []).prefix(c.fieldsNeeded).joined(separator: ",")))"))
        return
      }
      func field(_ k: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: b[csv.start(k)..<csv.end(k)])
      }
      func bad(_ k: Int, _ kind: InputError.Kind, _ message: String) throws(InputErrors) {
        let text = String(decoding: field(k), as: UTF8.self)
        try fail(InputError(kind, file: input.name, line: csv.line, column: k + 1, path: columns?.names[k], "\(InputError.echo(text)) \(message)"))
      }
      let id = field(c.customer)
      if id.isEmpty {
        try fail(InputError(
          .empty, file: input.name, line: csv.line, column: c.customer + 1, path: columns?.names[c.customer],
          "empty customer id; expected an identifier"))
        return
      }
      let time: Timestamps.Parsed
      switch settings.time.parse(field(c.time)) {
      case .parsed(let p): time = p
      case .invalid(let message):
        try bad(c.time, .type, message)
        return
      }
      let stage = c.stage.map(field).flatMap { $0.isEmpty ? nil : $0 }
      let channel = c.channel.map(field).flatMap { $0.isEmpty ? nil : $0 }
      var revenue: Double?
      if let r = c.revenue, !field(r).isEmpty {
        guard let v = Double(String(decoding: field(r), as: UTF8.self)), v.isFinite else {
          try bad(r, .type, "is not a number; expected an amount such as 1250.50")
          return
        }
        revenue = v
      }
      if stage == nil && channel == nil {
        collector.skip("no stage and no channel")
        return
      }
      try collector.add(
        customer: id, time: time, stage: stage, channel: channel, revenue: revenue,
        at: EventLocation(file: file, line: Int32(clamping: csv.line)))
    }
    guard errors.isEmpty else { throw InputErrors(errors) }
    if columns == nil {
      throw InputErrors([InputError(
        .empty, file: input.name, "the event table is empty; expected a header (customer_id,timestamp,stage,channel) and rows")])
    }
  }

  /// The column numbers of a ``ResolvedColumns``.
  struct Indices {
    let customer: Int
    let time: Int
    let stage: Int?
    let channel: Int?
    let revenue: Int?
    let fieldsNeeded: Int

    init(_ c: ResolvedColumns) {
      customer = c.customer
      time = c.time
      stage = c.stage
      channel = c.channel
      revenue = c.revenue
      fieldsNeeded = c.fieldsNeeded
    }
  }
}
