import Foundation
import JourneyFormats
import JourneyModel
import JourneySimulation
import Testing

@testable import JourneyEstimation

struct RawExportTests {
  let vocabulary = Vocabulary(phases: ["a", "b", "c"], channels: ["x", "y"])

  func read(_ stages: String, _ touchpoints: String, start: String? = nil) throws -> RawExport {
    try RawExportReader.read(
      stages: Array(stages.utf8), stagesName: "stage_events.csv", touchpoints: Array(touchpoints.utf8),
      touchpointsName: "touchpoints.csv", vocabulary: vocabulary, unit: .week, start: start)
  }

  func firstError(_ stages: String, _ touchpoints: String) -> String? {
    do {
      _ = try read(stages, touchpoints)
      return nil
    } catch let e as InputErrors {
      return e.errors.first?.description
    } catch {
      return "\(error)"
    }
  }

  /// Weeks of 2024: week 0 = Jan 1–7 (Jan 1 is a Monday), week 1 = Jan 8–14, week 2 =
  /// Jan 15–21, week 3 = Jan 22–28.
  /// Customer 1: a (week 0), b then c in week 1 → rows a, a, c, c; touchpoints x+y in week 0,
  /// x in week 3. Customer 2: a (week 0); its event on Jan 21 23:30 −02:00 is Jan 22
  /// 01:30 UTC, week 3, so it would only set week 4 → rows a, a, a, a; x in week 2.
  /// Customer 3 has a touchpoint but no stage events.
  @Test func handBuiltExportGivesExactCounts() throws {
    let stages = """
      customer_id,timestamp,phase
      1,2024-01-10,c
      1,2024-01-01T09:00:00Z,a
      2,2024-01-21T23:30:00-02:00,b
      1,2024-01-09T10:00:00+01:00,b
      2,2024-01-03 12:00,a

      """
    let touchpoints = """
      customer_id,timestamp,channel
      1,2024-01-02T00:00:00Z,x
      2,2024-01-15,x
      3,2024-01-28,y
      1,2024-01-03T23:59:59+00:00,y
      1,2024-01-27T10:00:00Z,x
      """
    let export = try read(stages, touchpoints)
    let s = export.summary
    #expect(export.start == "2024-01-01")
    #expect(s.customers == 2)
    #expect(s.rows == 8)
    #expect(s.training.transitions == 6)
    #expect(s.training.counts == [
      .init(origin: 0, target: 0, pattern: 3): 1,
      .init(origin: 0, target: 2, pattern: 0): 1,
      .init(origin: 2, target: 2, pattern: 0): 1,
      .init(origin: 0, target: 0, pattern: 0): 2,
      .init(origin: 0, target: 0, pattern: 1): 1,
    ])
    #expect(s.exposure.customers == [2, 2, 2, 2])
    #expect(s.exposure.exposed.map { $0[0] } == [1, 0, 1, 1])
    #expect(s.exposure.exposed.map { $0[1] } == [1, 0, 0, 0])
    #expect(export.warnings.count == 2)
    #expect(export.warnings.contains { $0.contains("1 touchpoints of 1 customers without stage events") })
    #expect(export.warnings.contains { $0.contains("1 stage events were superseded") })
  }

  @Test func startDateShiftsPeriodsAndCarriesEarlierPhases() throws {
    let stages = "customer_id,timestamp,phase\n1,2024-01-01,a\n1,2024-01-09,b\n"
    let touchpoints = "customer_id,timestamp,channel\n1,2024-01-16,x\n"
    // Period 0 is week 1 (Jan 8–14): the customer starts it in a, then b in week 2.
    let export = try read(stages, touchpoints, start: "2024-01-10")
    #expect(export.start == "2024-01-08")
    #expect(export.summary.training.counts == [.init(origin: 0, target: 1, pattern: 0): 1])
  }

  @Test func badInputNamesFileLineColumnAndValue() {
    let tp = "customer_id,timestamp,channel\n1,2024-01-02,x\n"
    #expect(
      firstError("customer_id,timestamp,phase\n1,2024-01-01,a\n2,2024-13-01,a\n", tp)
        == "stage_events.csv:3: timestamp: '2024-13-01' is not an ISO-8601 timestamp; expected e.g. 2024-03-05, 2024-03-05T14:30:00Z or 2024-03-05T14:30:00+01:00")
    #expect(
      firstError("customer_id,timestamp,phase\n1,2024-01-01,trial\n", tp)
        == "stage_events.csv:2: phase: unknown phase 'trial'; expected one of: a, b, c")
    #expect(
      firstError("customer_id,timestamp,phase\n1,2024-01-01,a\n", "customer_id,timestamp,channel\n1,2024-01-02,tv\n")
        == "touchpoints.csv:2: channel: unknown channel 'tv'; expected one of: x, y")
    #expect(firstError("customer_id,time,phase\n1,2024-01-01,a\n", tp)?.hasPrefix("stage_events.csv:1: timestamp: missing column 'timestamp'") == true)
    #expect(firstError("", tp)?.hasPrefix("stage_events.csv: the stage events is empty") == true)
    #expect(firstError("customer_id,timestamp,phase\n1,2024-01-01,a\n", "customer_id,timestamp,channel\n")?.contains("header but no rows") == true)
  }

  @Test func timestampsParseOffsetsAndCalendarBuckets() throws {
    #expect(Timestamps.parse("2024-02-30") == nil)
    #expect(Timestamps.parse("2024-02-29T24:00") == nil)
    let p = try #require(Timestamps.parse("2024-03-05T14:30:15.250+0130"))
    #expect(p.offset == 5400)
    #expect(p.wallSeconds == Int64(Timestamps.daysFromCivil(2024, 3, 5)) * 86_400 + 14 * 3600 + 30 * 60 + 15)
    #expect(Timestamps.bucket(localDay: Timestamps.daysFromCivil(2024, 1, 1), unit: .week)
      == Timestamps.bucket(localDay: Timestamps.daysFromCivil(2024, 1, 7), unit: .week))
    #expect(Timestamps.bucket(localDay: Timestamps.daysFromCivil(2024, 1, 8), unit: .week)
      == Timestamps.bucket(localDay: Timestamps.daysFromCivil(2024, 1, 7), unit: .week) + 1)
    #expect(Timestamps.bucket(localDay: Timestamps.daysFromCivil(2024, 2, 1), unit: .month)
      == Timestamps.bucket(localDay: Timestamps.daysFromCivil(2024, 1, 31), unit: .month) + 1)
    #expect(Timestamps.label(bucket: Timestamps.bucket(localDay: Timestamps.daysFromCivil(1969, 12, 31), unit: .week), unit: .week) == "1969-12-29")
    // Wall time in a zone: 23:30 in Berlin on 7 Jan is still week 0 there, but 22:30 UTC.
    let berlin = ZoneClock(try #require(TimeZone(identifier: "Europe/Berlin")))
    let wall = try #require(Timestamps.parse("2024-01-07T23:30"))
    #expect(berlin.localDay(utc: berlin.utc(wall)) == Timestamps.daysFromCivil(2024, 1, 7))
  }

  /// A simulated journey log, rewritten as raw exports (a stage event in a period whenever
  /// the phase changes during it, plus the entry event; a touchpoint per channel met),
  /// gives exactly the same transition counts, hence the same estimates.
  @Test func simulatedLogAndItsRawExportsFitIdentically() throws {
    var scenario = try Scenario.load(path: RecoveryTests.root.appendingPathComponent("scenarios/b2c.yaml").path)
    scenario.population.size = 3_000
    scenario.population.arrivals = 100
    scenario.horizon = 20
    // One segment: raw exports carry no segment column.
    scenario.segments = [scenario.segments[0]]
    scenario.segments[0].share = 1
    let log = MemoryLog()
    _ = try Simulator.run(scenario, engine: .individual, seed: 11, threads: 2, journeyLog: log)
    let vocabulary = Vocabulary(phases: scenario.phases.map(\.name), channels: scenario.channels.map(\.name))
    let direct = try JourneyLogReader.read(bytes: log.bytes, file: "log.csv", vocabulary: vocabulary, holdoutFraction: 0.2)

    let monday = Timestamps.daysFromCivil(2024, 1, 1)
    func stamp(_ period: Int, day: Int, hour: Int, offset: Bool) -> String {
      let c = Timestamps.civilFromDays(monday + 7 * period + day)
      let date = String(format: "%04d-%02d-%02d", c.year, c.month, c.day)
      // The same instant written with a +02:00 offset or in UTC.
      return offset ? "\(date)T\(String(format: "%02d", hour + 2)):15:00+02:00" : "\(date)T\(String(format: "%02d", hour)):15:00Z"
    }
    var stages = ["customer_id,timestamp,phase"]
    var touchpoints = ["customer_id,timestamp,channel"]
    var previous: [String: (period: Int, phase: String)] = [:]
    for line in String(decoding: log.bytes, as: UTF8.self).split(separator: "\n").dropFirst() {
      let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      let (id, t, phase) = (f[0], Int(f[1])!, f[2])
      let odd = (Int(id)! + t) % 2 == 1
      if let p = previous[id] {
        if p.phase != phase { stages.append("\(id),\(stamp(t - 1, day: 4, hour: 15, offset: odd)),\(phase)") }
      } else {
        stages.append("\(id),\(stamp(t, day: 0, hour: 8, offset: odd)),\(phase)")
      }
      previous[id] = (t, phase)
      for channel in f[3].split(separator: ";") { touchpoints.append("\(id),\(stamp(t, day: 2, hour: 12, offset: !odd)),\(channel)") }
    }
    // Unsorted files: reversed.
    let export = try RawExportReader.read(
      stages: Array((stages.prefix(1) + stages.dropFirst().reversed()).joined(separator: "\n").utf8), stagesName: "s.csv",
      touchpoints: Array((touchpoints.prefix(1) + touchpoints.dropFirst().reversed()).joined(separator: "\n").utf8),
      touchpointsName: "t.csv", vocabulary: vocabulary, unit: .week, holdoutFraction: 0.2)
    #expect(export.start == "2024-01-01")
    #expect(export.summary.training == direct.training)
    #expect(export.summary.holdout == direct.holdout)
    #expect(export.summary.exposure == direct.exposure)
    #expect(export.warnings.isEmpty, "\(export.warnings)")
    let a = try TransitionFit.fit(direct, model: scenario, file: "log.csv")
    let b = try TransitionFit.fit(export.summary, model: scenario, file: "s.csv")
    #expect(a.parameters == b.parameters)
    #expect(a.holdoutLogLoss == b.holdoutLogLoss)
  }
}

struct RawExportPlausibilityTests {
  let vocabulary = Vocabulary(phases: ["a", "b"], channels: ["x"])

  func stages(customers: Int, extra: String = "") -> String {
    var s = "customer_id,timestamp,phase\n"
    for c in 0..<customers {
      let day = 1 + c % 28
      s += "\(c),2024-02-\(day < 10 ? "0" : "")\(day),a\n\(c),2024-03-\(day < 10 ? "0" : "")\(day),b\n"
    }
    return s + extra
  }

  func read(_ stages: String, unit: PeriodUnit = .week) throws -> RawExport {
    try RawExportReader.read(
      stages: Array(stages.utf8), stagesName: "stage_events.csv",
      touchpoints: Array("customer_id,timestamp,channel\n1,2024-02-10,x\n".utf8), touchpointsName: "touchpoints.csv",
      vocabulary: vocabulary, unit: unit)
  }

  /// One stage event dated 9999-12-31 among thousands is an error naming its line, not
  /// millions of carried-forward states.
  @Test func farFutureEventIsAnErrorNamingFileLineAndTimestamp() throws {
    let e = #expect(throws: InputErrors.self) { _ = try read(stages(customers: 3_000, extra: "17,9999-12-31,b\n")) }
    let first = try #require(e?.errors.first)
    #expect(first.file == "stage_events.csv")
    #expect(first.line == 6_002)
    #expect(first.path == "timestamp")
    #expect(first.message.hasPrefix("'9999-12-31' lies far outside the bulk of the data"))
    #expect(first.message.contains("1 of 6001 stage events and 0 of 1 touchpoints lie outside"))
    #expect(e?.errors.count == 1)
  }

  /// Too few events for a bulk: the span limit stops it before any state is generated.
  @Test func spanLimitIsCheckedBeforeGeneratingStates() {
    let e = #expect(throws: InputErrors.self) {
      _ = try read("customer_id,timestamp,phase\n1,2024-01-01,a\n1,9999-12-31,b\n", unit: .day)
    }
    #expect(e?.errors.first?.kind == .limit)
    #expect(e?.errors.first?.message.contains("at most \(RawExportReader.maxSpan) periods") == true)
  }

  @Test func eventsWithinAYearOfTheBulkAreFine() throws {
    let export = try read(stages(customers: 200, extra: "5,2024-11-30,a\n"))
    #expect(export.summary.customers == 200)
  }
}

extension RawExportPlausibilityTests {
  @Test func dataWindowLeavesOutEventsWithAWarning() throws {
    let export = try RawExportReader.read(
      stages: Array(stages(customers: 100, extra: "17,9999-12-31,b\n3,2023-01-02,a\n").utf8), stagesName: "s.csv",
      touchpoints: Array("customer_id,timestamp,channel\n1,2024-02-10,x\n1,2030-01-01,x\n".utf8), touchpointsName: "t.csv",
      vocabulary: vocabulary, unit: .week, from: "2024-01-01", until: "2024-12-31")
    #expect(export.warnings.contains("2 stage events and 1 touchpoints outside --from 2024-01-01 --until 2024-12-31 were ignored"))
    #expect(export.start == "2024-01-29")
    #expect(export.summary.customers == 100)
  }
}
