import Foundation
import JourneyEstimation
import JourneyFormats
import JourneyModel
import Testing
import _JourneyTestSupport

@testable import JourneyImport

/// The flattened GA4 table (CSV) gives the same events, channels and journey log as the
/// NDJSON export of the same events.
struct GA4TableTests {
  /// ``GA4ReaderTests/export`` flattened as the documented query writes it: the traffic
  /// source already chosen (a gclid as google / cpc), GA4's channel group where the
  /// export has one, NULL as an empty cell.
  static let table = """
    event_date,event_timestamp,event_name,user_pseudo_id,user_id,source,medium,campaign,default_channel_group,purchase_revenue
    20240305,1709648400000000,first_visit,111.222,,google,cpc,spring,,
    20240305,1709648460000000,page_view,111.222,,facebook,referral,,,
    20240306,1709734800000000,add_to_cart,111.222,crm-9,newsletter,email,march,,
    20240307,1709821200000000,purchase,111.222,crm-9,google,cpc,,,129.5
    20240307,1709821300000000,purchase,333.444,,(direct),(none),,Direct,12.5
    20240307,1709821400000000,scroll,333.444,,partner,print,(not set),,
    20240307,1709821500000000,scroll,,,,,,,

    """

  func journeyLog(_ history: inout ImportedHistory) throws -> [UInt8] {
    var bytes: [UInt8] = []
    try history.writeJourneyLog { bytes.append(contentsOf: $0) }
    return bytes
  }

  func read(_ text: String, name: String, settings: ImportSettings = ImportSettings(), ga4: GA4Settings = GA4Settings(), vocabulary: Vocabulary = .inferred)
    throws -> ImportedHistory
  {
    try GA4Import.read(bytes: Array(text.utf8), name: name, settings: settings, ga4: ga4, vocabulary: vocabulary)
  }

  @Test(arguments: [GA4Reader.Identity.pseudo, .userID])
  func sameHistoryAsTheNDJSON(identity: GA4Reader.Identity) throws {
    var json = try read(GA4ReaderTests.export, name: "e.ndjson", ga4: GA4Settings(identity: identity))
    var flat = try read(Self.table, name: "e.csv", ga4: GA4Settings(identity: identity))
    #expect(try journeyLog(&flat) == journeyLog(&json))
    #expect(flat.phases == json.phases && flat.channels == json.channels)
    #expect(flat.report.phaseEvents == json.report.phaseEvents)
    #expect(flat.report.channelEvents == json.report.channelEvents)
    #expect(flat.report.skipped == json.report.skipped)
    #expect(flat.report.revenue.map(\.sum) == json.report.revenue.map(\.sum))
    #expect(flat.report.revenue.map(\.count) == json.report.revenue.map(\.count))
  }

  /// Simulate → write the journeys as NDJSON and as the flattened table → import both:
  /// identical journey logs, and fits equal to each other and to the journey log's (1e-9).
  @Test func simulatedHistoryRoundTrips() throws {
    let scenario = SimulatedHistory.scenario
    let log = SimulatedHistory.log
    let vocabulary = Vocabulary(model: scenario)
    var settings = ImportSettings()
    settings.stageMap = try NameMap(inline: scenario.phases.map { "journey_\($0.name)=\($0.name)" }.joined(separator: ","), origin: "--map-stage")
    settings.channelMap = try NameMap(
      inline: JourneyLogExport.ga4Traffic.map { "\($0.value.group)=\($0.key)" }.joined(separator: ","), origin: "--channel-map")
    var json = try read(JourneyLogExport.ga4Export(log), name: "events.ndjson", settings: settings, vocabulary: vocabulary)
    var flat = try read(JourneyLogExport.ga4FlatTable(log), name: "events.csv", settings: settings, vocabulary: vocabulary)
    #expect(try journeyLog(&flat) == journeyLog(&json))
    let direct = try JourneyLogReader.read(bytes: log, file: "log.csv", vocabulary: vocabulary, holdoutFraction: 0.2)
    let a = try TransitionFit.fit(json.accumulate(holdout: 0.2), model: scenario, file: "events.ndjson")
    let b = try TransitionFit.fit(flat.accumulate(holdout: 0.2), model: scenario, file: "events.csv")
    let c = try TransitionFit.fit(direct, model: scenario, file: "log.csv")
    for other in [a, c] {
      #expect(b.parameters.count == other.parameters.count)
      for (p, q) in zip(b.parameters, other.parameters) {
        #expect(p.origin == q.origin && p.target == q.target && p.channel == q.channel)
        #expect(abs(p.estimate - q.estimate) <= 1e-9, "\(p.origin)->\(p.target) \(p.channel ?? "")")
      }
      #expect(abs(b.logLikelihood - other.logLikelihood) <= 1e-9 * abs(other.logLikelihood))
    }
  }

  @Test func columnsAreRenamedWithTheColumnsOption() throws {
    let renamed = Self.table.replacingOccurrences(of: "user_pseudo_id", with: "client_id")
      .replacingOccurrences(of: ",source,medium,campaign,", with: ",utm_source,utm_medium,utm_campaign,")
    var settings = ImportSettings()
    settings.columns = ColumnMapping.standard.overriding(
      try ColumnMapping.parse("customer=client_id,source=utm_source,medium=utm_medium,campaign=utm_campaign", origin: "--columns"))
    var flat = try read(renamed, name: "e.csv", settings: settings)
    var json = try read(GA4ReaderTests.export, name: "e.ndjson")
    #expect(try journeyLog(&flat) == journeyLog(&json))
    // Without the mapping, the customer column is missing.
    let e = #expect(throws: InputErrors.self) { _ = try read(renamed, name: "e.csv") }
    #expect(e?.errors.first?.kind == .missing)
    #expect(e?.errors.first?.line == 1)
    #expect(e?.errors.first?.message.hasPrefix("missing the customer column (user_pseudo_id)") == true)
  }

  @Test func timestampsAsText() throws {
    let text = Self.table.replacingOccurrences(of: "1709648400000000", with: "2024-03-05 14:20:00 UTC")
      .replacingOccurrences(of: "1709734800000000", with: "2024-03-06T15:20:00+01:00")
    var flat = try read(text, name: "e.csv")
    var json = try read(GA4ReaderTests.export, name: "e.ndjson")
    #expect(try journeyLog(&flat) == journeyLog(&json))
  }

  @Test(arguments: [
    ("20240305,soon,page_view,1,,google,cpc,,,\n", 2, "'soon' is not a timestamp; expected event_timestamp in microseconds"),
    ("20240305,1709648400000000,purchase,1,,,,,,\"12,50\"\n", 10, "'12,50' is not a number; expected an amount"),
    ("20240305,1709648400000000,,1,,google,cpc,,,\n", 3, "empty event name; expected the GA4 event name"),
    ("20240305,99999999999999999999,page_view,1,,google,cpc,,,\n", 2, "is not a timestamp"),
  ])
  func badRowsNameFileLineColumnAndValue(row: String, column: Int, fragment: String) {
    let header = Self.table.prefix { $0 != "\n" } + "\n"
    let text = header + "20240305,1709648400000000,first_visit,1,,,,,,\n" + row
    let e = #expect(throws: InputErrors.self) { _ = try read(String(text), name: "bad.csv") }
    let first = e?.errors.first
    #expect(first?.file == "bad.csv")
    #expect(first?.line == 3)
    #expect(first?.column == column)
    #expect(first?.message.contains(fragment) == true, "\(first?.message ?? "")")
  }

  @Test func formatIsDetectedByContent() {
    #expect(GA4Format.detect(Array("\u{FEFF}\n  {\"event_name\":1}".utf8)) == .ndjson)
    #expect(GA4Format.detect(Array("event_date,event_timestamp\n".utf8)) == .csv)
    #expect(GA4Format.detect([UInt8]()) == .ndjson)
  }

  @Test func commandLine() throws {
    let dir = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.table.write(toFile: dir + "/events.csv", atomically: true, encoding: .utf8)
    try GA4ReaderTests.export.write(toFile: dir + "/events.ndjson", atomically: true, encoding: .utf8)
    let flat = try CommandRunner.run(["import", "ga4", dir + "/events.csv", "-o", dir + "/flat.csv"])
    #expect(flat.status == 0, "\(flat.stderr)")
    let forced = try CommandRunner.run(["import", "ga4", "--format", "csv", dir + "/events.csv", "-o", dir + "/forced.csv"])
    #expect(forced.status == 0, "\(forced.stderr)")
    let json = try CommandRunner.run(["import", "ga4", dir + "/events.ndjson", "-o", dir + "/json.csv"])
    #expect(json.status == 0, "\(json.stderr)")
    let a = try String(contentsOfFile: dir + "/flat.csv", encoding: .utf8)
    #expect(a == (try String(contentsOfFile: dir + "/json.csv", encoding: .utf8)))
    #expect(a == (try String(contentsOfFile: dir + "/forced.csv", encoding: .utf8)))
    try (Self.table + "20240307,later,scroll,1,,,,,,\n").write(toFile: dir + "/bad.csv", atomically: true, encoding: .utf8)
    let bad = try CommandRunner.run(["import", "ga4", dir + "/bad.csv", "-o", dir + "/out.csv"])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("bad.csv:9:2: event_timestamp: 'later' is not a timestamp"), "\(bad.stderr)")
    let fit = try CommandRunner.run(["fit", "--ga4", dir + "/events.csv", "--out", dir + "/fit"])
    #expect(fit.status == 0, "\(fit.stderr)")
  }

  /// `--ga4-format` chooses the form on both commands, next to `journey fit --format` (the
  /// output format); `journey import ga4 --format` keeps working and must agree with it.
  @Test func ga4FormatOption() throws {
    let dir = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.table.write(toFile: dir + "/events.txt", atomically: true, encoding: .utf8)
    let forced = try CommandRunner.run(["import", "ga4", "--ga4-format", "csv", dir + "/events.txt", "-o", dir + "/forced.csv"])
    #expect(forced.status == 0, "\(forced.stderr)")
    let plain = try CommandRunner.run(["import", "ga4", dir + "/events.txt", "-o", dir + "/plain.csv"])
    #expect(plain.status == 0, "\(plain.stderr)")
    #expect(
      (try String(contentsOfFile: dir + "/forced.csv", encoding: .utf8))
        == (try String(contentsOfFile: dir + "/plain.csv", encoding: .utf8)))
    let wrong = try CommandRunner.run(["import", "ga4", "--ga4-format", "ndjson", dir + "/events.txt", "-o", dir + "/x.csv"])
    #expect(wrong.status == 2, "\(wrong.stderr)")
    #expect(wrong.stderr.contains("events.txt:1"), "\(wrong.stderr)")
    let both = try CommandRunner.run(["import", "ga4", "--format", "csv", "--ga4-format", "ndjson", dir + "/events.txt"])
    #expect(both.status != 0)
    #expect(both.stderr.contains("disagree"), "\(both.stderr)")
    let fit = try CommandRunner.run([
      "fit", "--ga4", dir + "/events.txt", "--ga4-format", "csv", "--format", "json", "--out", dir + "/fit",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    #expect(fit.stdout.contains("{"))
    let fitWrong = try CommandRunner.run(["fit", "--ga4", dir + "/events.txt", "--ga4-format", "ndjson", "--out", dir + "/fit2"])
    #expect(fitWrong.status == 2, "\(fitWrong.stderr)")
    let alone = try CommandRunner.run(["fit", "--journeys", dir + "/plain.csv", "--ga4-format", "csv", "--out", dir + "/fit3"])
    #expect(alone.status != 0)
    #expect(alone.stderr.contains("--ga4-format"), "\(alone.stderr)")
  }
}
