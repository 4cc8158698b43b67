import Foundation
import JourneyEstimation
import JourneyFormats
import JourneyModel
import JourneySimulation
import Testing
import _JourneyTestSupport

@testable import JourneyImport

/// Events folded as they arrive (sources sorted by time or by customer) against the same
/// events held and sorted: the same journey log byte for byte, the same report and the
/// same counts, whatever the order and wherever the first event out of order comes.
struct StreamingTests {
  /// The orders a source may come in.
  enum Order: String, CaseIterable, Sendable {
    case shuffled
    /// Nondecreasing timestamps, ties in random order.
    case timeSorted
    /// Each customer's rows together and in time order.
    case customerSorted
    /// Sorted by time except one row near the end, which belongs much earlier.
    case lateDisorder
  }

  /// What a read gives, to compare.
  struct Outcome {
    var log: [UInt8]
    var report: String
    var counters: [Int]
    var summary: JourneyLogSummary
    var wasStreaming: Bool
    var heldBytes: Int
  }

  /// Rows `customer_id,timestamp,stage,channel` of `customers` customers over `days` days
  /// from 2024-01-01, `perCustomer` rows each on average: timestamps on the hour (ties
  /// within and across customers), several stage events in one period, stage names a map
  /// may leave out, rows with both a stage and a channel.
  static func rows(customers: Int, perCustomer: Int, days: Int, seed: UInt64) -> [(id: String, time: Int, line: String)] {
    var rng = SplitMix64(state: seed)
    let stages = ["lead", "mql", "sql", "won", "lost", "junk"]
    let channels = ["search", "social", "email", "tv"]
    var rows: [(id: String, time: Int, line: String)] = []
    for c in 0..<customers {
      let id = "c\(c * 7919 % 100_003)"
      let begin = Int(rng.next() % UInt64(days))
      let count = 1 + Int(rng.next() % UInt64(2 * perCustomer))
      for _ in 0..<count {
        let day = begin + Int(rng.next() % UInt64(max(1, days - begin)))
        let time = 1_704_067_200 + day * 86_400 + Int(rng.next() % 3) * 3_600
        let kind = rng.next() % 10
        let stage = kind < 5 ? stages[Int(rng.next() % UInt64(stages.count))] : ""
        let channel = kind >= 4 ? channels[Int(rng.next() % UInt64(channels.count))] : ""
        rows.append((id, time, "\(id),\(iso(time)),\(stage),\(channel)"))
      }
    }
    return rows
  }

  /// `YYYY-MM-DDTHH:MM:SSZ` of epoch seconds.
  static func iso(_ seconds: Int) -> String {
    let (y, m, d) = Timestamps.civilFromDays(seconds / 86_400)
    let s = seconds % 86_400
    return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, s / 3600, s / 60 % 60, s % 60)
  }

  /// The rows in `order` as a table.
  static func table(_ rows: [(id: String, time: Int, line: String)], _ order: Order, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(state: seed ^ 0x5EED)
    var r = rows
    r.shuffle(using: &rng)
    switch order {
    case .shuffled: break
    case .timeSorted: r = stableSorted(r) { $0.time < $1.time }
    case .customerSorted:
      var first: [String: Int] = [:]
      for (k, row) in r.enumerated() where first[row.id] == nil { first[row.id] = k }
      r = stableSorted(r) { (first[$0.id]!, $0.time) < (first[$1.id]!, $1.time) }
    case .lateDisorder:
      r = stableSorted(r) { $0.time < $1.time }
      // A row whose customer has a row in a later week moves to the end.
      var lastTime: [String: Int] = [:]
      for row in r { lastTime[row.id] = max(lastTime[row.id] ?? .min, row.time) }
      let k = r.indices.reversed().first { $0 < r.count * 2 / 3 && lastTime[r[$0].id]! - r[$0].time > 8 * 86_400 }!
      r.append(r.remove(at: k))
    }
    return Array(("customer_id,timestamp,stage,channel\n" + r.map(\.line).joined(separator: "\n") + "\n").utf8)
  }

  static func stableSorted<T>(_ a: [T], by less: (T, T) -> Bool) -> [T] {
    a.enumerated().sorted { less($0.element, $1.element) || (!less($1.element, $0.element) && $0.offset < $1.offset) }.map(\.element)
  }

  /// Reads `table` (or feeds the collector with `read`), folding unless `held`.
  static func outcome(
    settings: ImportSettings, held: Bool, vocabulary: Vocabulary = .inferred,
    _ read: (inout EventCollector) throws(InputErrors) -> Void
  ) throws -> Outcome {
    var collector = try EventCollector(settings: settings, vocabulary: vocabulary)
    if held { try collector.holdEvents() }
    try read(&collector)
    let bytes = collector.heldBytes
    var history = try collector.finish()
    let streaming = history.isFolded
    var log: [UInt8] = []
    try history.writeJourneyLog { log.append(contentsOf: $0) }
    let summary = history.accumulate(holdout: 0.3)
    let r = history.report
    return Outcome(
      log: log, report: r.text,
      counters: [
        r.customers, r.stageEvents, r.touchpoints, r.orphanTouchpoints, r.earlyTouchpoints, r.supersededEvents,
        r.multiMovePeriods, r.customerPeriods, r.periods, r.outsideWindow,
      ], summary: summary, wasStreaming: streaming, heldBytes: bytes)
  }

  static func outcome(_ table: [UInt8], settings: ImportSettings, held: Bool) throws -> Outcome {
    try outcome(settings: settings, held: held) { (c) throws(InputErrors) in
      try EventTableReader.read(TableInput(bytes: table, name: "events.csv"), into: &c)
    }
  }

  static func expectSame(_ a: Outcome, _ b: Outcome, _ note: String) {
    #expect(a.log == b.log, "journey log, \(note)")
    #expect(a.report == b.report, "report, \(note)")
    #expect(a.counters == b.counters, "counters, \(note)")
    #expect(a.summary.training == b.summary.training, "training counts, \(note)")
    #expect(a.summary.holdout == b.summary.holdout, "holdout counts, \(note)")
  }

  /// The settings the equality is checked under.
  static let settings: [(String, ImportSettings)] = {
    var week = ImportSettings()
    week.unit = .week
    // Events before period 0, after the window and before it.
    var day = ImportSettings()
    day.unit = .day
    day.start = "2024-01-20"
    day.from = "2024-01-05"
    day.until = "2024-02-25"
    var month = ImportSettings()
    month.unit = .month
    month.stageMap = try? NameMap(inline: "lead=lead,mql=interested,sql=interested,won=won,lost=lost", origin: "--map-stage")
    month.ignoreUnmapped = true
    var berlin = ImportSettings()
    berlin.timeZone = "Europe/Berlin"
    berlin.start = "2023-12-01"
    return [("week", week), ("day, start, from, until", day), ("month, stage map", month), ("Berlin, early start", berlin)]
  }()

  @Test(arguments: Order.allCases)
  func foldedEqualsHeld(order: Order) throws {
    let rows = Self.rows(customers: 400, perCustomer: 12, days: 70, seed: 7)
    let table = Self.table(rows, order, seed: 7)
    for (name, settings) in Self.settings {
      let folded = try Self.outcome(table, settings: settings, held: false)
      let held = try Self.outcome(table, settings: settings, held: true)
      #expect(!held.wasStreaming)
      if order != .lateDisorder || name == "week" {
        #expect(folded.wasStreaming == (order == .timeSorted || order == .customerSorted), "\(order) \(name)")
      }
      Self.expectSame(folded, held, "\(order), \(name)")
      #expect(folded.counters[6] > 0, "multi-move periods present, \(name)")
    }
  }

  /// Disorder after the spill file's first block: the folded events come back from it.
  @Test func disorderAfterManyBlocksIsLossless() throws {
    let rows = Self.rows(customers: 6_000, perCustomer: 15, days: 120, seed: 3)
    #expect(rows.count > 2 * EventSpill.blockEvents)
    let table = Self.table(rows, .lateDisorder, seed: 3)
    let folded = try Self.outcome(table, settings: ImportSettings(), held: false)
    let held = try Self.outcome(table, settings: ImportSettings(), held: true)
    #expect(!folded.wasStreaming)
    Self.expectSame(folded, held, "late disorder")
  }

  /// A stage event at the same instant as the previous one keeps its place in the input;
  /// a touchpoint earlier in the same period is in order; an earlier stage event is not.
  @Test func tiesAndTouchpointsWithinAPeriod() throws {
    let cases: [(String, Bool)] = [
      ("a,2024-01-02T10:00:00Z,lead,\na,2024-01-02T10:00:00Z,won,\na,2024-01-02T10:00:00Z,lead,\n", true),
      ("a,2024-01-02T10:00:00Z,lead,\na,2024-01-02T09:00:00Z,,tv\na,2024-01-09T09:00:00Z,won,\n", true),
      ("a,2024-01-02T10:00:00Z,lead,\na,2024-01-09T09:00:00Z,won,\na,2024-01-03T09:00:00Z,,tv\n", false),
      ("a,2024-01-02T10:00:00Z,lead,\na,2024-01-02T09:00:00Z,won,\n", false),
      ("b,2024-01-01T10:00:00Z,,tv\na,2024-01-02T10:00:00Z,lead,\nb,2024-01-20T10:00:00Z,won,search\n", true),
    ]
    for (body, inOrder) in cases {
      let table = Array(("customer_id,timestamp,stage,channel\n" + body).utf8)
      let folded = try Self.outcome(table, settings: ImportSettings(), held: false)
      let held = try Self.outcome(table, settings: ImportSettings(), held: true)
      #expect(folded.wasStreaming == inOrder, "\(body)")
      Self.expectSame(folded, held, body)
    }
  }

  /// Errors and limits are the same: unmapped names, no stage event, implausible dates.
  @Test func errorsAreTheSame() throws {
    var strict = ImportSettings()
    strict.stageMap = try NameMap(inline: "lead=lead", origin: "--map-stage")
    let tables = [
      "customer_id,timestamp,stage,channel\na,2024-01-02T10:00:00Z,lead,\na,2024-01-09T10:00:00Z,odd,\n",
      "customer_id,timestamp,stage,channel\na,2024-01-02T10:00:00Z,,tv\n",
      "customer_id,timestamp,stage,channel\n"
        + (0..<300).map { "c\($0),2024-0\(1 + $0 % 3)-1\($0 % 10)T10:00:00Z,lead," }.joined(separator: "\n")
        + "\nz,2031-01-01T00:00:00Z,lead,\n",
    ]
    var errors = 0
    for text in tables {
      for settings in [ImportSettings(), strict] {
        func message(held: Bool) -> String {
          do {
            _ = try Self.outcome(Array(text.utf8), settings: settings, held: held)
            return "no error"
          } catch { return "\(error)" }
        }
        let folded = message(held: false)
        #expect(folded == message(held: true))
        if folded != "no error" { errors += 1 }
      }
    }
    #expect(errors == 5)
  }

  /// The bytes held for time-sorted events grow with the customers, not with their
  /// events: ten times the events per customer over the same weeks stay within the same
  /// per-customer bound, which the held events far exceed.
  @Test func memoryGrowsWithCustomersNotEvents() throws {
    let customers = 4_000
    let bound = (1 << 20) + customers * 640
    var heldTen = 0
    for perCustomer in [10, 100] {
      let rows = Self.rows(customers: customers, perCustomer: perCustomer, days: 56, seed: 5)
      let table = Self.table(rows, .timeSorted, seed: 5)
      let folded = try Self.outcome(table, settings: ImportSettings(), held: false)
      #expect(folded.wasStreaming)
      #expect(folded.heldBytes <= bound, "\(perCustomer) events per customer: \(folded.heldBytes) bytes")
      heldTen = try Self.outcome(table, settings: ImportSettings(), held: true).heldBytes
    }
    #expect(heldTen > 2 * bound)
  }

  /// A CRM stage history (one preset's columns) as exported (customer by customer), by
  /// date, and shuffled.
  @Test(arguments: Order.allCases)
  func crmStageHistory(order: Order) throws {
    let crm = JourneyLogExport.stageHistory(SimulatedHistory.log) { $0 == "purchased" ? "80" : "" }
    var lines = crm.split(separator: "\n").map(String.init)
    let header = lines.removeFirst()
    let rows = lines.map { line -> (id: String, time: Int, line: String) in
      let f = line.split(separator: ",", omittingEmptySubsequences: false)
      let stamp = String(f[2].prefix(10))
      let parsed = Timestamps.parse(stamp)!
      return (String(f[0]), Int(parsed.wallSeconds), line)
    }
    var settings = ImportSettings()
    settings.columns = CRMPreset.salesforce.columns
    settings.until = JourneyLogExport.lastDay(of: SimulatedHistory.scenario.horizon - 1)
    var table = Self.table(rows, order, seed: 2)
    table = Array((header + "\n").utf8) + table.drop { $0 != 10 }.dropFirst()
    let folded = try Self.outcome(table, settings: settings, held: false)
    let held = try Self.outcome(table, settings: settings, held: true)
    #expect(folded.wasStreaming == (order == .timeSorted || order == .customerSorted))
    Self.expectSame(folded, held, "CRM \(order)")
  }

  /// Both GA4 forms, as exported and shuffled.
  @Test(arguments: [GA4Format.ndjson, .csv], [Order.customerSorted, .shuffled, .timeSorted])
  func ga4(format: GA4Format, order: Order) throws {
    let text =
      format == .ndjson ? JourneyLogExport.ga4Export(SimulatedHistory.log) : JourneyLogExport.ga4FlatTable(SimulatedHistory.log)
    var lines = text.split(separator: "\n").map(String.init)
    let header = format == .csv ? lines.removeFirst() + "\n" : ""
    let rows = lines.map { line -> (id: String, time: Int, line: String) in
      let micros: Int
      if format == .csv {
        micros = Int(line.split(separator: ",", omittingEmptySubsequences: false)[1])!
      } else {
        let range = line.range(of: #""event_timestamp":"?[0-9]+"#, options: .regularExpression)!
        micros = Int(line[range].filter(\.isNumber))!
      }
      return ("", micros / 1_000_000, line)
    }
    let body = Self.table(rows, order == .customerSorted ? .timeSorted : order, seed: 9).drop { $0 != 10 }.dropFirst()
    let bytes = order == .customerSorted ? Array(text.utf8) : Array(header.utf8) + body
    let phases = SimulatedHistory.scenario.phases.map(\.name)
    var settings = ImportSettings()
    settings.stageMap = try NameMap(inline: phases.map { "journey_\($0)=\($0)" }.joined(separator: ","), origin: "--map-stage")
    func read(held: Bool) throws -> Outcome {
      try Self.outcome(settings: settings, held: held) { (c) throws(InputErrors) in
        try GA4Import.read(TableInput(bytes: bytes, name: "ga4"), format: format, ga4: GA4Settings(), into: &c)
      }
    }
    let folded = try read(held: false)
    let held = try read(held: true)
    Self.expectSame(folded, held, "GA4 \(format) \(order)")
    if order == .timeSorted { #expect(folded.wasStreaming) }
  }
}
