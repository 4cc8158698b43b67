import Foundation
import JourneyEstimation
import JourneyImport
import JourneySimulation

extension Bench {
  /// `journey import events` in memory: a generated event table of 2,000,000 rows
  /// (100,000 customers in random order over a year: stage events and touchpoints of six
  /// channels, ISO 8601 timestamps) read, grouped and written as a journey log to a sink
  /// that only counts bytes.
  func eventFigures() throws {
    let table = Self.eventTable(customers: 100_000, seed: 1)
    var events = 0
    let seconds = try timed(runs: Swift.min(`repeat`, 3)) {
      var history = try EventImport.read(bytes: table.bytes, name: "events.csv", settings: ImportSettings(), vocabulary: .inferred)
      var written = 0
      try history.writeJourneyLog { written += $0.count }
      events = history.report.stageEvents + history.report.touchpoints
    }
    line("import_events_per_s", Double(events) / seconds, "events/s(\(table.rows) rows, read + journey log)")
  }

  /// An event table `customer_id,timestamp,stage,channel` of about 20 rows per customer,
  /// rows shuffled.
  static func eventTable(customers: Int, seed: UInt64) -> (bytes: [UInt8], rows: Int) {
    var rng = SplitMix64(state: seed)
    let phases = ["aware", "considering", "purchased", "loyal"]
    let channels = ["search", "social", "display", "email", "tv", "referral"]
    var rows: [String] = []
    for c in 0..<customers {
      let id = "c\(rng.next() % 1_000_000_000)-\(c)"
      let start = Int(rng.next() % (300 * 86_400)) + 1_704_067_200
      let stages = 2 + Int(rng.next() % 3)
      for k in 0..<stages {
        rows.append("\(id),\(Self.iso(start + k * (86_400 + Int(rng.next() % (20 * 86_400))))),\(phases[min(k, 3)]),")
      }
      for _ in 0..<(10 + Int(rng.next() % 17)) {
        rows.append("\(id),\(Self.iso(start + Int(rng.next() % (60 * 86_400)))),,\(channels[Int(rng.next() % 6)])")
      }
    }
    rows.shuffle(using: &rng)
    return (Array(("customer_id,timestamp,stage,channel\n" + rows.joined(separator: "\n") + "\n").utf8), rows.count)
  }

  /// `YYYY-MM-DDTHH:MM:SSZ` of epoch seconds.
  static func iso(_ seconds: Int) -> String {
    let days = seconds / 86_400
    let s = seconds % 86_400
    let (y, m, d) = Timestamps.civilFromDays(days)
    return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, s / 3600, s / 60 % 60, s % 60)
  }
}
