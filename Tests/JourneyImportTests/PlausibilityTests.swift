import JourneyEstimation
import JourneyFormats
import JourneyModel
import Testing

@testable import JourneyImport

/// The raw-export reader and the event importer apply one plausibility rule
/// (``EventPlausibility``): on the same events they give the same verdict.
struct PlausibilityTests {
  let vocabulary = Vocabulary(phases: ["a", "b"], channels: ["x"])

  /// `customers` customers moving a → b a month apart in early 2024, one touchpoint, and `extra`
  /// stage events `(customer, date, phase)`.
  func events(customers: Int, extra: [(String, String, String)]) -> (stages: [(String, String, String)], touches: [(String, String, String)]) {
    var stages: [(String, String, String)] = []
    for c in 0..<customers {
      let day = 1 + c % 28
      let dd = (day < 10 ? "0" : "") + String(day)
      stages.append((String(c), "2024-02-" + dd, "a"))
      stages.append((String(c), "2024-03-" + dd, "b"))
    }
    return (stages + extra, [("1", "2024-02-10", "x")])
  }

  enum Outcome: Equatable {
    case fine(customers: Int)
    case failed(kind: InputError.Kind, message: String)
  }

  /// The message part both readers share: from "98% of the events" or "expected at most".
  static func shared(_ message: String) -> String {
    if let r = message.range(of: "98% of the events") { return String(message[r.lowerBound...].prefix { $0 != "(" }) }
    if let r = message.range(of: "expected at most") { return String(message[r.lowerBound...]) }
    return message
  }

  func viaRawExport(_ e: (stages: [(String, String, String)], touches: [(String, String, String)]), unit: PeriodUnit) -> Outcome {
    let s = "customer_id,timestamp,phase\n" + e.stages.map { "\($0.0),\($0.1),\($0.2)\n" }.joined()
    let t = "customer_id,timestamp,channel\n" + e.touches.map { "\($0.0),\($0.1),\($0.2)\n" }.joined()
    do {
      let export = try RawExportReader.read(
        stages: Array(s.utf8), stagesName: "s.csv", touchpoints: Array(t.utf8), touchpointsName: "t.csv", vocabulary: vocabulary,
        unit: unit)
      return .fine(customers: export.summary.customers)
    } catch {
      return .failed(kind: error.errors[0].kind, message: Self.shared(error.errors[0].message))
    }
  }

  func viaEventImport(_ e: (stages: [(String, String, String)], touches: [(String, String, String)]), unit: PeriodUnit) -> Outcome {
    var table = "customer_id,timestamp,stage,channel\n"
    for s in e.stages { table += "\(s.0),\(s.1),\(s.2),\n" }
    for t in e.touches { table += "\(t.0),\(t.1),,\(t.2)\n" }
    var settings = ImportSettings()
    settings.unit = unit
    do {
      var history = try EventImport.read(bytes: Array(table.utf8), name: "e.csv", settings: settings, vocabulary: vocabulary)
      return .fine(customers: history.accumulate(holdout: 0).customers)
    } catch {
      return .failed(kind: error.errors[0].kind, message: Self.shared(error.errors[0].message))
    }
  }

  @Test(arguments: [
    ("plausible", [("5", "2024-11-30", "a")], PeriodUnit.week),
    ("far future", [("17", "9999-12-31", "b")], .week),
    ("far past", [("17", "1901-01-07", "a")], .month),
    ("many outliers", (0..<30).map { ("\($0)", "2031-06-0\(1 + $0 % 9)", "b") }, .day),
  ])
  func bothReadersGiveTheSameVerdict(name: String, extra: [(String, String, String)], unit: PeriodUnit) {
    let data = events(customers: 2_000, extra: extra)
    let raw = viaRawExport(data, unit: unit)
    let imported = viaEventImport(data, unit: unit)
    #expect(raw == imported, "\(name)")
    if name == "plausible" { #expect(raw == .fine(customers: 2_000)) } else {
      guard case .failed(let kind, let message) = raw else {
        Issue.record("\(name): \(raw)")
        return
      }
      #expect(kind == .range)
      #expect(message.hasPrefix("98% of the events fall in the \(unit.rawValue)s from 2024-"), "\(message)")
    }
  }

  /// Too few events for a bulk: the span rule stops both before any state is generated.
  @Test func bothReadersApplyTheSpanLimit() {
    let data = (stages: [("1", "2024-01-01", "a"), ("1", "9999-12-31", "b")], touches: [("1", "2024-01-02", "x")])
    let raw = viaRawExport(data, unit: .day)
    #expect(raw == viaEventImport(data, unit: .day))
    #expect(raw == .failed(kind: .limit, message: "expected at most \(EventPlausibility.maxSpan) periods (choose a longer --period, a later --start or --from, or an earlier --until)"))
  }

  /// A far `--until` would create millions of carried-forward periods: refused, naming the flag.
  @Test func farUntilIsRefused() {
    var settings = ImportSettings()
    settings.unit = .day
    settings.until = "9999-12-31"
    let e = #expect(throws: InputErrors.self) {
      _ = try EventImport.read(
        bytes: Array("customer_id,timestamp,stage\n1,2024-01-01,a\n1,2024-01-05,b\n".utf8), name: "e.csv", settings: settings,
        vocabulary: vocabulary)
    }
    #expect(e?.errors.first?.file == "--until")
    #expect(e?.errors.first?.kind == .limit)
    #expect(e?.errors.first?.message.hasPrefix("the events span 2913174 days from 2024-01-01 to 9999-12-31") == true)
  }

  @Test func verdictQuantilesAndMargin() throws {
    var check = EventPlausibility(unit: .week, lowest: 0, highest: 500)
    for b in 0..<100 { check.count(b % 10) }
    check.count(500)
    let v = try #require(check.verdict())
    #expect(v.low == 0 && v.high == 9)
    #expect(v.lowest == -53 && v.highest == 62)
    #expect(v.outside == 1 && v.total == 101)
    #expect(v.isOutside(500) && !v.isOutside(62))
    // Buckets beyond the dense range are counted too.
    var wide = EventPlausibility(unit: .day, lowest: 0, highest: 10_000_000)
    for _ in 0..<3 { wide.count(10_000_000) }
    #expect(wide.verdict()?.low == 10_000_000)
  }
}
