import Foundation
import JourneySimulation

/// A journey log kept in memory.
public final class InMemoryJourneyLog: JourneyLogSink {
  public private(set) var bytes: [UInt8] = []
  public init() {}
  public func write(_ chunk: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: chunk) }
}

/// Rewrites a journey log (`customer_id,period,phase,channels`, weekly periods) as the
/// sources analysts have: an event table and a CRM stage history. Period `t` is the ISO
/// week starting on Monday 2024-01-01 + 7t.
///
/// A customer's first row becomes a stage event on the Monday of their first week; a
/// phase that differs from the previous row's becomes a stage event on the Friday of the
/// week before (so that it is the phase in effect when the week starts); each channel met
/// becomes a touchpoint on the Wednesday. Read back with weekly periods, they give the same
/// states as the log.
public enum JourneyLogExport {
  static let monday = 19_723  // 2024-01-01, days since 1970-01-01

  static func date(_ period: Int, day: Int) -> (Int, Int, Int) {
    // Civil date of a day number (Hinnant).
    let z = monday + 7 * period + day + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
  }

  /// Rows of a log: (customer, period, phase, channels).
  static func rows(_ log: [UInt8]) -> [(id: String, period: Int, phase: String, channels: [String])] {
    String(decoding: log, as: UTF8.self).split(separator: "\n").dropFirst().map { line in
      let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      return (f[0], Int(f[1])!, f[2], f[3].split(separator: ";").map(String.init))
    }
  }

  /// The log as an event table `event_time,customer_id,event_type,stage,channel`, rows in
  /// reverse order (unsorted input); timestamps alternate between ISO 8601 with an offset
  /// and BigQuery's `… UTC`.
  public static func eventTable(_ log: [UInt8], separator: String = ",") -> String {
    var lines: [String] = []
    var previous: [String: String] = [:]
    for (n, r) in rows(log).enumerated() {
      func stamp(_ period: Int, day: Int, hour: Int) -> String {
        let (y, m, d) = date(period, day: day)
        let text = String(format: "%04d-%02d-%02d", y, m, d)
        return n % 2 == 0
          ? "\(text)T\(String(format: "%02d", hour + 1)):15:00+01:00" : "\(text) \(String(format: "%02d", hour)):15:00.250000 UTC"
      }
      if let p = previous[r.id] {
        if p != r.phase { lines.append([stamp(r.period - 1, day: 4, hour: 15), r.id, "stage", r.phase, ""].joined(separator: separator)) }
      } else {
        lines.append([stamp(r.period, day: 0, hour: 8), r.id, "stage", r.phase, ""].joined(separator: separator))
      }
      previous[r.id] = r.phase
      for c in r.channels { lines.append([stamp(r.period, day: 2, hour: 12), r.id, "touch", "", c].joined(separator: separator)) }
    }
    return (["event_time", "customer_id", "event_type", "stage", "channel"].joined(separator: separator) + "\n")
      + lines.reversed().joined(separator: "\n") + "\n"
  }

  /// The log's stage changes as a Salesforce OpportunityHistory export
  /// (`OpportunityId,StageName,CreatedDate,Amount`); channels are dropped.
  public static func stageHistory(_ log: [UInt8], amount: (String) -> String = { _ in "" }) -> String {
    var lines = ["OpportunityId,StageName,CreatedDate,Amount"]
    var previous: [String: String] = [:]
    for r in rows(log) {
      func stamp(_ period: Int, day: Int) -> String {
        let (y, m, d) = date(period, day: day)
        return String(format: "%04d-%02d-%02dT09:30:00.000+0000", y, m, d)
      }
      if let p = previous[r.id] {
        if p != r.phase { lines.append("\(r.id),\(r.phase),\(stamp(r.period - 1, day: 4)),\(amount(r.phase))") }
      } else {
        lines.append("\(r.id),\(r.phase),\(stamp(r.period, day: 0)),\(amount(r.phase))")
      }
      previous[r.id] = r.phase
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The log without its channels (what a stage history can reproduce).
  public static func withoutChannels(_ log: [UInt8]) -> [UInt8] {
    var out = "customer_id,period,phase,channels\n"
    for r in rows(log) { out += "\(r.id),\(r.period),\(r.phase),\n" }
    return Array(out.utf8)
  }

  /// The last day (`YYYY-MM-DD`) of period `t`.
  public static func lastDay(of period: Int) -> String {
    let (y, m, d) = date(period, day: 6)
    return String(format: "%04d-%02d-%02d", y, m, d)
  }

  /// The traffic source (source, medium) a GA4 export gives each b2c channel, and the
  /// default channel group it falls in.
  public static let ga4Traffic: [String: (source: String, medium: String, group: String)] = [
    "search": ("google", "cpc", "paid_search"),
    "social": ("facebook", "paid", "paid_social"),
    "display": ("dv360", "display", "display"),
    "email": ("newsletter", "email", "email"),
    "tv": ("spotify", "audio", "audio"),
    "referral": ("blog.example.org", "referral", "referral"),
  ]

  /// The log as a GA4 BigQuery export (newline-delimited JSON, INT64 as strings): a stage
  /// change is an event `journey_<phase>` at the instants of ``eventTable(_:separator:)``,
  /// a channel met a `page_view` whose `collected_traffic_source` is the channel's
  /// ``ga4Traffic``; lines in reverse order.
  public static func ga4Export(_ log: [UInt8]) -> String {
    var lines: [String] = []
    var previous: [String: String] = [:]
    func micros(_ period: Int, day: Int, hour: Int) -> String {
      let seconds = (monday + 7 * period + day) * 86_400 + hour * 3600 + 15 * 60
      return String(seconds) + "000000"
    }
    func event(_ id: String, _ time: String, _ name: String, _ extra: String = "") -> String {
      "{\"event_date\":\"20240101\",\"event_timestamp\":\"\(time)\",\"event_name\":\"\(name)\",\"user_pseudo_id\":\"\(id)\",\"user_id\":null\(extra)}"
    }
    for r in rows(log) {
      if let p = previous[r.id] {
        if p != r.phase { lines.append(event(r.id, micros(r.period - 1, day: 4, hour: 15), "journey_" + r.phase)) }
      } else {
        lines.append(event(r.id, micros(r.period, day: 0, hour: 8), "journey_" + r.phase))
      }
      previous[r.id] = r.phase
      for c in r.channels {
        let t = ga4Traffic[c] ?? (c, "cpc", c)
        lines.append(event(
          r.id, micros(r.period, day: 2, hour: 12), "page_view",
          ",\"collected_traffic_source\":{\"manual_source\":\"\(t.source)\",\"manual_medium\":\"\(t.medium)\",\"gclid\":null}"))
      }
    }
    return lines.reversed().joined(separator: "\n") + "\n"
  }

  /// The events of ``ga4Export(_:)`` as the flattened GA4 table (CSV, one row per event:
  /// `event_date,event_timestamp,event_name,user_pseudo_id,user_id,source,medium,campaign,purchase_revenue`),
  /// rows in the same order; a stage event has no traffic source, a page view the
  /// channel's ``ga4Traffic``.
  public static func ga4FlatTable(_ log: [UInt8]) -> String {
    var lines: [String] = []
    var previous: [String: String] = [:]
    func row(_ period: Int, day: Int, hour: Int, _ id: String, _ name: String, source: String = "", medium: String = "") -> String {
      let (y, m, d) = date(period, day: day)
      let seconds = (monday + 7 * period + day) * 86_400 + hour * 3600 + 15 * 60
      return [String(format: "%04d%02d%02d", y, m, d), String(seconds) + "000000", name, id, "", source, medium, "", ""].joined(separator: ",")
    }
    for r in rows(log) {
      if let p = previous[r.id] {
        if p != r.phase { lines.append(row(r.period - 1, day: 4, hour: 15, r.id, "journey_" + r.phase)) }
      } else {
        lines.append(row(r.period, day: 0, hour: 8, r.id, "journey_" + r.phase))
      }
      previous[r.id] = r.phase
      for c in r.channels {
        let t = ga4Traffic[c] ?? (c, "cpc", c)
        lines.append(row(r.period, day: 2, hour: 12, r.id, "page_view", source: t.source, medium: t.medium))
      }
    }
    return "event_date,event_timestamp,event_name,user_pseudo_id,user_id,source,medium,campaign,purchase_revenue\n"
      + lines.reversed().joined(separator: "\n") + "\n"
  }
}
