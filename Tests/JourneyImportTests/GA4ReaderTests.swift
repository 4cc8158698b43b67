import Foundation
import Testing

import JourneyEstimation
import JourneyModel
import _JourneyTestSupport

@testable import JourneyImport

struct GA4ReaderTests {
  /// Events in the shape `bq extract` writes (INT64 as strings, nulls present).
  static let export = """
    {"event_date":"20240305","event_timestamp":"1709648400000000","event_name":"first_visit","event_params":[{"key":"ga_session_id","value":{"string_value":null,"int_value":"1709648400","float_value":null,"double_value":null}}],"user_pseudo_id":"111.222","user_id":null,"traffic_source":{"name":"spring","medium":"cpc","source":"google"},"collected_traffic_source":null,"ecommerce":null}
    {"event_timestamp":1709648460000000,"event_name":"page_view","event_params":[{"key":"source","value":{"string_value":"facebook"}},{"key":"medium","value":{"string_value":"referral"}}],"user_pseudo_id":"111.222"}

    {"event_timestamp":"1709734800000000","event_name":"add_to_cart","user_pseudo_id":"111.222","user_id":"crm-9","collected_traffic_source":{"manual_source":"newsletter","manual_medium":"email","manual_campaign_name":"march"}}
    {"event_timestamp":"1709821200000000","event_name":"purchase","user_pseudo_id":"111.222","user_id":"crm-9","collected_traffic_source":{"gclid":"abc"},"ecommerce":{"purchase_revenue":129.5,"transaction_id":"T1"}}
    {"event_timestamp":"1709821300000000","event_name":"purchase","user_pseudo_id":"333.444","event_params":[{"key":"value","value":{"double_value":12.5}}],"session_traffic_source_last_click":{"cross_channel_campaign":{"source":"(direct)","medium":"(none)","default_channel_group":"Direct"}}}
    {"event_timestamp":"1709821400000000","event_name":"scroll","user_pseudo_id":"333.444","collected_traffic_source":{"manual_source":"partner","manual_medium":"print"}}
    {"event_timestamp":"1709821500000000","event_name":"scroll","user_pseudo_id":""}
    """

  @Test func readsTheExportShape() throws {
    var rows: [GA4Reader.Row] = []
    let tally = try GA4Reader().read(bytes: Array(Self.export.utf8), file: "events.ndjson") { rows.append($0) }
    #expect(tally.lines == 7)
    #expect(tally.events == 6)
    #expect(tally.withoutCustomer == 1)
    #expect(tally.unassigned == 1)
    #expect(rows.map(\.channel) == ["Paid Search", "Organic Social", "Email", "Paid Search", "Direct", nil])
    #expect(rows.map(\.line) == [1, 2, 4, 5, 6, 7])
    #expect(rows[0].microseconds == 1_709_648_400_000_000)
    #expect(rows[3].revenue == 129.5)
    #expect(rows[4].revenue == 12.5)
    #expect(rows[2].customer == "111.222")
    #expect(tally.byOrigin == ["traffic_source": 1, "event_params": 1, "collected": 3, "session_last_click": 1])
  }

  @Test func userIdentity() throws {
    var customers: [String] = []
    _ = try GA4Reader(identity: .userID).read(bytes: Array(Self.export.utf8), file: "e") { customers.append($0.customer) }
    #expect(customers == ["111.222", "111.222", "crm-9", "crm-9", "333.444", "333.444"])
  }

  @Test func badLinesNameLineAndField() {
    let cases: [(String, Int, String)] = [
      ("{\"event_name\":\"x\",\"user_pseudo_id\":\"1\"}", 1, "event_timestamp: missing"),
      ("\n{\"event_timestamp\":\"12x\",\"event_name\":\"x\"}", 2, "event_timestamp"),
      ("[1,2]", 1, "expected"),
      ("{\"event_timestamp\":1,\"event_name\":5}", 1, "event_name: wrong type; expected a string"),
      ("not json", 1, "newline-delimited JSON"),
      ("{\"event_timestamp\":1,\"event_name\":\"purchase\",\"ecommerce\":{\"purchase_revenue\":\"lots\"}}", 1, "ecommerce.purchase_revenue"),
    ]
    for (text, line, fragment) in cases {
      do {
        _ = try GA4Reader().read(bytes: Array(text.utf8), file: "e.ndjson") { _ in }
        Issue.record("accepted \(text)")
      } catch let error as GA4Reader.ReadError {
        #expect(error.line == line, "\(text): \(error)")
        #expect(error.description.contains(fragment), "\(error)")
      } catch {
        Issue.record("\(error)")
      }
    }
  }

  /// Simulate → write the journeys as a GA4 export → import with stage and channel maps →
  /// fit: the same estimates as fitting the journey log.
  @Test func ga4ExportFitsLikeTheJourneyLog() throws {
    let scenario = SimulatedHistory.scenario
    let log = SimulatedHistory.log
    let vocabulary = Vocabulary(model: scenario)
    let direct = try JourneyLogReader.read(bytes: log, file: "log.csv", vocabulary: vocabulary, holdoutFraction: 0.2)
    var settings = ImportSettings()
    settings.stageMap = try NameMap(inline: scenario.phases.map { "journey_\($0.name)=\($0.name)" }.joined(separator: ","), origin: "--map-stage")
    settings.channelMap = try NameMap(
      inline: JourneyLogExport.ga4Traffic.map { "\($0.value.group)=\($0.key)" }.joined(separator: ","), origin: "--channel-map")
    var history = try GA4Import.read(
      bytes: Array(JourneyLogExport.ga4Export(log).utf8), name: "events.ndjson", settings: settings, ga4: GA4Settings(),
      vocabulary: vocabulary)
    let summary = history.accumulate(holdout: 0.2)
    #expect(summary.training == direct.training)
    #expect(summary.holdout == direct.holdout)
    #expect(summary.exposure == direct.exposure)
    #expect(history.report.customers == direct.customers)
    let a = try TransitionFit.fit(direct, model: scenario, file: "log.csv")
    let b = try TransitionFit.fit(summary, model: scenario, file: "events.ndjson")
    #expect(a.parameters.count == b.parameters.count)
    for (p, q) in zip(a.parameters, b.parameters) {
      #expect(abs(p.estimate - q.estimate) <= 1e-9, "\(p.origin)->\(p.target) \(p.channel ?? "")")
    }
    #expect(abs(a.logLikelihood - b.logLikelihood) <= 1e-9 * abs(a.logLikelihood))
  }

  /// The default map: lifecycle events become phases, other events only touchpoints; the
  /// purchase revenue is kept; channel groups are written as journey-log names.
  @Test func defaultStagesAndChannelNames() throws {
    var history = try GA4Import.read(
      bytes: Array(Self.export.utf8), name: "e.ndjson", settings: ImportSettings(), ga4: GA4Settings(), vocabulary: .inferred)
    _ = history.accumulate(holdout: 0)
    #expect(history.phases == ["aware", "considering", "purchased"])
    #expect(Set(history.channels) == ["paid_search", "organic_social", "email", "direct"])
    #expect(GA4Import.channelName("Mobile Push Notifications") == "mobile_push_notifications")
    #expect(GA4Import.channelName("Cross-network") == "cross_network")
  }

  @Test func commandLine() throws {
    let dir = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.export.write(toFile: dir + "/events.ndjson", atomically: true, encoding: .utf8)
    let ok = try CommandRunner.run(["import", "ga4", dir + "/events.ndjson", "-o", dir + "/journeys.csv"])
    #expect(ok.status == 0, "\(ok.stderr)")
    #expect(ok.stderr.contains("paid_search"))
    let text = try String(contentsOfFile: dir + "/journeys.csv", encoding: .utf8)
    #expect(text.hasPrefix("customer_id,period,phase,channels\n"))
    try "{\"event_timestamp\":\"soon\",\"event_name\":\"x\"}\n".write(toFile: dir + "/bad.ndjson", atomically: true, encoding: .utf8)
    let bad = try CommandRunner.run(["import", "ga4", dir + "/bad.ndjson", "-o", dir + "/bad.csv"])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("bad.ndjson:1") && bad.stderr.contains("event_timestamp"), "\(bad.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/bad.csv"))
    let printed = try CommandRunner.run(["import", "ga4", "--print-source-categories"])
    #expect(printed.status == 0 && printed.stdout.hasPrefix("source,category\n"))
    // An edited list is read back; a bad one stops the import with its line and value.
    try printed.stdout.write(toFile: dir + "/sources.csv", atomically: true, encoding: .utf8)
    let edited = try CommandRunner.run([
      "import", "ga4", dir + "/events.ndjson", "--source-categories", dir + "/sources.csv", "-o", dir + "/edited.csv",
    ])
    #expect(edited.status == 0, "\(edited.stderr)")
    #expect(try String(contentsOfFile: dir + "/edited.csv", encoding: .utf8) == text)
    try "source,category\ngoogle,searches\n".write(toFile: dir + "/bad-sources.csv", atomically: true, encoding: .utf8)
    let badList = try CommandRunner.run([
      "import", "ga4", dir + "/events.ndjson", "--source-categories", dir + "/bad-sources.csv", "-o", dir + "/x.csv",
    ])
    #expect(badList.status == 2)
    #expect(badList.stderr.contains("bad-sources.csv:2") && badList.stderr.contains("'searches'"), "\(badList.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/x.csv"))
    let fit = try CommandRunner.run(["fit", "--ga4", dir + "/events.ndjson", "--out", dir + "/fit"])
    #expect(fit.status == 0, "\(fit.stderr)")
  }
}
