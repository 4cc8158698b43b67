import Foundation
import JourneyEstimation
import JourneyFormats
import JourneyModel
import Testing

@testable import JourneyImport

/// The fast paths of the event import — fixed-width timestamps, batched customer
/// numbering, the journey-log row buffer — against the general ones.
struct FastPathTests {
  /// Every fixed-width form and its near misses parse as ``Timestamps/parse(bytes:)`` does.
  @Test func fixedWidthTimestampsParseAsTheGeneralParser() {
    var samples = [
      "2024-03-05", "2024-03-05T14:30:00", "2024-03-05 14:30:00", "2024-03-05t14:30:00", "2024-03-05T14:30:00Z",
      "2024-03-05T14:30:00z", "2024-03-05 14:30:00 UTC", "2024-02-29T23:59:60Z", "2023-02-29", "2024-13-01",
      "2024-00-10", "2024-01-00", "2024-04-31", "2024-03-05T24:00:00", "2024-03-05T12:60:00", "2024-03-05T12:00:61Z",
      "2024-03-05X14:30:00", "2024-03-05T14-30:00", "2024/03/05", "2024-03-05 14:30:00 utc", "2024-03-05 14:30:00 UTX",
      "0000-01-01", "9999-12-31T23:59:59Z", "2024-03-05T14:30:00Q", "2024-03-05T14:30:0a", "2024-03-0a",
      "2024-03-05T14:30:00+01", "2024-03-05T14:30:00.5Z", "2024-03-05 14:30", "20240305", "",
    ]
    var rng = SystemRandomNumberGenerator()
    let alphabet = Array("0123456789-:TZ tU".utf8)
    for _ in 0..<20_000 {
      var bytes = Array("2024-03-05T14:30:00Z".utf8)
      for _ in 0..<2 { bytes[Int(rng.next() % 20)] = alphabet[Int(rng.next() % UInt64(alphabet.count))] }
      let cut = [10, 19, 20, 20, 20][Int(rng.next() % 5)]
      samples.append(String(decoding: bytes.prefix(cut), as: UTF8.self))
    }
    for text in samples {
      var s = text
      let general = s.withUTF8 { Timestamps.parse(bytes: $0) }
      let fast = s.withUTF8 { TimeParser.parseFixedWidth($0) }
      if let fast { #expect(fast == general, "\(text)") }
      let outcome = s.withUTF8 { TimeParser().parse($0) }
      if let general { #expect(outcome == .parsed(general), "\(text)") } else { #expect(outcome != .parsed(Timestamps.Parsed(wallSeconds: 0, offset: nil))) }
    }
  }

  /// The journey log as written before the row buffer: each row appended to an array by
  /// ``JourneyLogFormat/appendRow(customerField:period:phase:channels:segment:to:)``, the
  /// customer's field made from its id as text.
  static func referenceLog(_ history: ImportedHistory, neutraliseFormulas: Bool) throws -> [UInt8] {
    var h = history
    let ids = history
    let format = try JourneyLogFormat(
      phases: h.phases, channels: h.channels, segments: nil, neutraliseFormulas: neutraliseFormulas, file: "channels")
    var out = Array(format.header.utf8)
    h.replay { k, t, phase, pattern in
      let field = CSV.fieldBytes(String(decoding: ids.customerID(k), as: UTF8.self), neutraliseFormulas: neutraliseFormulas)
      format.appendRow(customerField: field, period: t, phase: phase, channels: pattern, segment: 0, to: &out)
    }
    return out
  }

  /// An event table with what the fast paths must leave as it was: a byte order mark,
  /// CRLF line ends, quoted ids (with commas, quotes, spaces, formulas, non-ASCII and bad
  /// UTF-8), every timestamp form, channel names that need quoting, and unmapped names.
  static func trickyTable() -> [UInt8] {
    let stamps = [
      "2024-03-05", "2024-03-05T14:30:00", "2024-03-05 14:30:00", "2024-03-05t09:00:00", "2024-03-05T14:30:00Z",
      "2024-03-05 14:30:00 UTC", "2024-03-05T14:30:00.123456Z", "2024-03-05 14:30:00.5 UTC", "2024-03-05T14:30+01:00",
      "2024-03-05T14:30:00-0500", "2024-03-05T23:30:00+02", "2024-03-06T00:15", "2024-03-05T14:30:00,25",
    ]
    let ids = [
      "plain-1", "\"a,b\"", "\"say \"\"hi\"\"\"", "\" padded \"", "=cmd", "-12", "+x", "@home", "'=quoted", "Zoë",
      "\"line\nbreak\"", "42",
    ]
    let stages = ["lead", "mql", "won", "Lost Lead", "mystery"]
    let channels = ["search", "\"e,mail\"", "tv", "=formula", "unknown-ch", ""]
    var rows: [String] = []
    var k = 0
    for week in 0..<4 {
      for (i, id) in ids.enumerated() {
        for (s, stamp) in stamps.enumerated() where (s + i + week) % 3 != 0 {
          let shifted = stamp.replacingOccurrences(of: "2024-03-", with: "2024-0\(week + 3)-")
          let stage = (s + i) % 4 == 0 ? stages[(i + week + s) % stages.count] : ""
          let channel = (s + i) % 4 == 0 ? "" : channels[(s * 7 + i + week) % channels.count]
          if stage.isEmpty && channel.isEmpty { continue }
          rows.append("\(id),\(shifted),\(stage),\(channel)")
          k += 1
        }
      }
    }
    var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
    bytes += Array(("customer_id,timestamp,stage,channel\r\n" + rows.joined(separator: "\r\n") + "\r\n").utf8)
    // An id that is not UTF-8.
    bytes += Array("bad".utf8) + [0xFF, 0xFE] + Array(",2024-06-20T10:00:00Z,won,tv\r\n".utf8)
    return bytes
  }

  /// The fast paths give the journey log the general ones give, byte for byte.
  @Test(arguments: [true, false])
  func journeyLogIsByteIdentical(neutraliseFormulas: Bool) throws {
    var settings = ImportSettings()
    settings.ignoreUnmapped = true
    settings.stageMap = try NameMap(inline: "lead=aware,mql=considering,won=purchased,Lost Lead=lost", origin: "--map-stage")
    let mapPath = NSTemporaryDirectory() + "/journey-fastpath-channels-\(neutraliseFormulas).csv"
    try Data("source,channel\nsearch,search\n\"e,mail\",\"e,mail\"\ntv,tv\n=formula,=formula\n".utf8).write(to: URL(fileURLWithPath: mapPath))
    defer { try? FileManager.default.removeItem(atPath: mapPath) }
    settings.channelMap = try NameMap(path: mapPath, target: "channel", allowPatterns: true)
    settings.unit = .day
    let bytes = Self.trickyTable()
    let history = try EventImport.read(bytes: bytes, name: "tricky.csv", settings: settings, vocabulary: .inferred)
    #expect(history.report.unmapped.count >= 2)
    var written: [UInt8] = []
    var h = history
    try h.writeJourneyLog(neutraliseFormulas: neutraliseFormulas) { written += $0 }
    let reference = try Self.referenceLog(history, neutraliseFormulas: neutraliseFormulas)
    #expect(written == reference)
    let text = String(decoding: written, as: UTF8.self)
    #expect(text.contains("\"a,b\","))
    #expect(text.contains(neutraliseFormulas ? "'=cmd," : "\n=cmd,"))
  }

  /// Many customers in shuffled order (several batches, table growth) and in sorted
  /// order: the same journey log as the reference writer, customers in first-seen order.
  @Test(arguments: [false, true])
  func manyCustomersAsTheReference(sorted: Bool) throws {
    var rows: [String] = []
    for c in 0..<3_000 {
      rows.append("cust-\(c * 7919 % 10_007),2024-01-\(String(format: "%02d", 1 + c % 20))T08:00:00Z,aware,")
      rows.append("cust-\(c * 7919 % 10_007),2024-02-\(String(format: "%02d", 1 + c % 27)) 09:30:00,,search")
      if c % 3 == 0 { rows.append("cust-\(c * 7919 % 10_007),2024-03-01 10:00:00 UTC,won,email") }
    }
    if !sorted {
      var rng = SystemRandomNumberGenerator()
      rows.shuffle(using: &rng)
    }
    let table = Array(("customer_id,timestamp,stage,channel\n" + rows.joined(separator: "\n") + "\n").utf8)
    let history = try EventImport.read(bytes: table, name: "many.csv", settings: ImportSettings(), vocabulary: .inferred)
    #expect(history.report.customers == 3_000)
    var written: [UInt8] = []
    var h = history
    try h.writeJourneyLog { written += $0 }
    #expect(written == (try Self.referenceLog(history, neutraliseFormulas: true)))
    // First-seen order: the first row's customer is customer 0.
    let first = rows[0].split(separator: ",")[0]
    #expect(String(decoding: history.customerID(0), as: UTF8.self) == first)
  }
}
