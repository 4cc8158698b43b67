import Foundation
import JourneyModel

/// Raw exports bucketed into periods and counted like a journey log.
public struct RawExport: Sendable {
  /// The same summary a journey log with these periods would give.
  public var summary: JourneyLogSummary
  /// The first day of period 0 (`YYYY-MM-DD`, in the chosen time zone).
  public var start: String
  public var unit: PeriodUnit
  public var warnings: [String]
}

/// Reads `stage_events.csv` (`customer_id,timestamp,phase`) and `touchpoints.csv`
/// (`customer_id,timestamp,channel`) and turns them into the transition counts of the
/// journey-log path (the same accumulator, fed one customer at a time).
///
/// **Periods.** Timestamps are ISO 8601 (`2024-03-05`, `2024-03-05T14:30:00Z`,
/// `2024-03-05 14:30+01:00`); one without an offset is wall time in `timeZone` (default
/// UTC). Each instant falls in a calendar period of `timeZone`: a day, an ISO week
/// (Monday to Sunday) or a calendar month. Period 0 is the period of `start`, by default
/// the period of the earliest timestamp in either file; the history ends with the last
/// period holding any timestamp.
///
/// **Phases.** A customer enters the market in the period `f` of their first stage event,
/// in that event's phase. For every later period `t`, the phase is the one in effect when
/// `t` starts: that of the last stage event before `t`, carried forward for as long as no
/// new event arrives. So when several stage events fall in one period, only the last one
/// counts (for the next period) — and, in the entry period, also the first; the phases
/// in between are skipped, and a warning gives how many events that affected. Events
/// before period 0 only set the phase the customer starts period 0 in.
///
/// **Exposures.** The channels of the touchpoints in period `t` form the exposure set of
/// `t`. Touchpoints of customers without stage events, and touchpoints before a
/// customer's first period, are ignored with a warning.
///
/// Files need not be sorted. Memory grows with the number of customers and events (every
/// event is kept until the files are read), not with customers × periods.
public enum RawExportReader {
  static let maxErrors = 20

  struct Event {
    var time: Int64
    var order: Int32
    var period: Int32
    var code: Int32
  }

  /// Reads both files.
  ///
  /// - Parameters:
  ///   - stages: Path of the stage events.
  ///   - touchpoints: Path of the touchpoints.
  ///   - vocabulary: Fixed names (unknown phases and channels are errors) or ``Vocabulary/inferred``.
  ///   - unit: Period length.
  ///   - timeZone: Zone of timestamps without an offset, and of the calendar periods.
  ///   - start: First day of period 0 (`YYYY-MM-DD`), or `nil` for the earliest timestamp's period.
  ///   - holdoutFraction: As for ``JourneyLogReader``.
  /// - Throws: ``InputErrors`` naming file, line, column, the bad value and what was expected.
  public static func read(
    stages: String, touchpoints: String, vocabulary: Vocabulary, unit: PeriodUnit = .week,
    timeZone: TimeZone = TimeZone(identifier: "UTC")!, start: String? = nil, holdoutFraction: Double = 0
  ) throws(InputErrors) -> RawExport {
    let s = try CSVRecords(path: stages, what: "stage events", expected: "customer_id,timestamp,phase")
    let t = try CSVRecords(path: touchpoints, what: "touchpoints", expected: "customer_id,timestamp,channel")
    return try convert(
      stages: s, touchpoints: t, vocabulary: vocabulary, unit: unit, timeZone: timeZone, start: start,
      holdoutFraction: holdoutFraction)
  }

  /// Reads exports held in memory (`stagesName`/`touchpointsName` name them in errors).
  public static func read(
    stages: [UInt8], stagesName: String, touchpoints: [UInt8], touchpointsName: String, vocabulary: Vocabulary,
    unit: PeriodUnit = .week, timeZone: TimeZone = TimeZone(identifier: "UTC")!, start: String? = nil,
    holdoutFraction: Double = 0
  ) throws(InputErrors) -> RawExport {
    let s = try CSVRecords(bytes: stages, file: stagesName, what: "stage events", expected: "customer_id,timestamp,phase")
    let t = try CSVRecords(
      bytes: touchpoints, file: touchpointsName, what: "touchpoints", expected: "customer_id,timestamp,channel")
    return try convert(
      stages: s, touchpoints: t, vocabulary: vocabulary, unit: unit, timeZone: timeZone, start: start,
      holdoutFraction: holdoutFraction)
  }

  static func convert(
    stages: CSVRecords, touchpoints: CSVRecords, vocabulary: Vocabulary, unit: PeriodUnit, timeZone: TimeZone,
    start: String?, holdoutFraction: Double
  ) throws(InputErrors) -> RawExport {
    var vocabulary = vocabulary
    let clock = ZoneClock(timeZone)
    var errors: [InputError] = []
    func fail(_ e: InputError) throws(InputErrors) {
      errors.append(e)
      if errors.count >= maxErrors { throw InputErrors(errors) }
    }
    var startBucket: Int?
    if let start {
      guard let p = Timestamps.parse(start) else {
        throw InputErrors([InputError(.type, file: "--start", "'\(start)' is not a date; expected YYYY-MM-DD")])
      }
      startBucket = Timestamps.bucket(localDay: Int(Timestamps.floorDiv(Int(p.wallSeconds), 86_400)), unit: unit)
    }
    var ids: [String: Int] = [:]
    var events: [[Event]] = []
    var order: Int32 = 0
    var minBucket = Int.max
    var maxBucket = Int.min

    // Stage events.
    let sc = try stages.columns(["customer_id", "timestamp", "phase"], expected: "customer_id, timestamp and phase")
    for (line, f) in stages.records {
      guard f.count >= stages.header.count else {
        try fail(InputError(.missing, file: stages.file, line: line, "expected \(stages.header.count) fields as in the header, found \(f.count)"))
        continue
      }
      let id = f[sc[0]]
      if id.isEmpty {
        try fail(InputError(.empty, file: stages.file, line: line, path: "customer_id", "empty customer id; expected an identifier"))
        continue
      }
      guard let ts = Timestamps.parse(f[sc[1]]) else {
        try fail(InputError(
          .type, file: stages.file, line: line, path: "timestamp",
          "'\(f[sc[1]])' is not an ISO-8601 timestamp; expected e.g. 2024-03-05, 2024-03-05T14:30:00Z or 2024-03-05T14:30:00+01:00"))
        continue
      }
      let name = f[sc[2]]
      var code = vocabulary.phases.firstIndex(of: name) ?? -1
      if code < 0 {
        if name.isEmpty {
          try fail(InputError(.empty, file: stages.file, line: line, path: "phase", "empty phase; expected one of: \(vocabulary.phases.joined(separator: ", "))"))
          continue
        }
        if vocabulary.isInferred {
          code = vocabulary.phases.count
          vocabulary.phases.append(name)
        } else {
          try fail(InputError(
            .unknownName, file: stages.file, line: line, path: "phase",
            "unknown phase '\(name)'; expected one of: \(vocabulary.phases.joined(separator: ", "))"))
          continue
        }
      }
      let utc = clock.utc(ts)
      let bucket = Timestamps.bucket(localDay: clock.localDay(utc: utc), unit: unit)
      minBucket = Swift.min(minBucket, bucket)
      maxBucket = Swift.max(maxBucket, bucket)
      let k: Int
      if let existing = ids[id] {
        k = existing
      } else {
        k = events.count
        ids[id] = k
        events.append([])
      }
      events[k].append(Event(time: utc, order: order, period: Int32(truncatingIfNeeded: bucket), code: Int32(code)))
      order += 1
    }

    // Touchpoints.
    var touches = [[(bucket: Int, channel: Int)]](repeating: [], count: events.count)
    var orphanTouchpoints = 0
    var orphanCustomers = Set<String>()
    let tc = try touchpoints.columns(["customer_id", "timestamp", "channel"], expected: "customer_id, timestamp and channel")
    for (line, f) in touchpoints.records {
      guard f.count >= touchpoints.header.count else {
        try fail(InputError(.missing, file: touchpoints.file, line: line, "expected \(touchpoints.header.count) fields as in the header, found \(f.count)"))
        continue
      }
      let id = f[tc[0]]
      if id.isEmpty {
        try fail(InputError(.empty, file: touchpoints.file, line: line, path: "customer_id", "empty customer id; expected an identifier"))
        continue
      }
      guard let ts = Timestamps.parse(f[tc[1]]) else {
        try fail(InputError(
          .type, file: touchpoints.file, line: line, path: "timestamp",
          "'\(f[tc[1]])' is not an ISO-8601 timestamp; expected e.g. 2024-03-05, 2024-03-05T14:30:00Z or 2024-03-05T14:30:00+01:00"))
        continue
      }
      let name = f[tc[2]]
      var channel = vocabulary.channels.firstIndex(of: name) ?? -1
      if channel < 0 {
        if name.isEmpty {
          try fail(InputError(.empty, file: touchpoints.file, line: line, path: "channel", "empty channel; expected one of: \(vocabulary.channels.joined(separator: ", "))"))
          continue
        }
        if name.contains(";") {
          try fail(InputError(.type, file: touchpoints.file, line: line, path: "channel", "channel '\(name)' contains ';'; expected a name without ';'"))
          continue
        }
        if vocabulary.isInferred && vocabulary.channels.count < 64 {
          channel = vocabulary.channels.count
          vocabulary.channels.append(name)
        } else if vocabulary.isInferred {
          try fail(InputError(.limit, file: touchpoints.file, line: line, path: "channel", "channel '\(name)' is the 65th; at most 64 channels can be fitted"))
          continue
        } else {
          try fail(InputError(
            .unknownName, file: touchpoints.file, line: line, path: "channel",
            "unknown channel '\(name)'; expected one of: \(vocabulary.channels.joined(separator: ", "))"))
          continue
        }
      }
      let bucket = Timestamps.bucket(localDay: clock.localDay(utc: clock.utc(ts)), unit: unit)
      guard let k = ids[id] else {
        orphanTouchpoints += 1
        orphanCustomers.insert(id)
        continue
      }
      minBucket = Swift.min(minBucket, bucket)
      maxBucket = Swift.max(maxBucket, bucket)
      touches[k].append((bucket, channel))
    }
    guard errors.isEmpty else { throw InputErrors(errors) }

    var warnings: [String] = []
    if orphanTouchpoints > 0 {
      let example = orphanCustomers.sorted().prefix(3).map { "'\($0)'" }.joined(separator: ", ")
      warnings.append(
        "\(touchpoints.file): \(orphanTouchpoints) touchpoints of \(orphanCustomers.count) customers without stage events (e.g. \(example)) were ignored")
    }
    let origin = startBucket ?? minBucket
    let last = maxBucket - origin
    guard last >= 0 else {
      throw InputErrors([InputError(.range, file: stages.file, "every timestamp lies before --start \(start ?? ""); expected events from the start on")])
    }
    guard last < JourneyLogReader.maxPeriods else {
      throw InputErrors([InputError(
        .limit, file: stages.file, "the exports span \(last + 1) periods; at most \(JourneyLogReader.maxPeriods) are supported (choose a longer --period)")])
    }

    // Feed the journey-log accumulator one customer at a time, in id order.
    var parser = Parser(file: stages.file, vocabulary: Vocabulary(phases: vocabulary.phases, channels: vocabulary.channels), holdoutFraction: holdoutFraction)
    var buffer = Array("customer_id,period,phase,channels\n".utf8)
    _ = try buffer.withUnsafeMutableBufferPointer { b throws(InputErrors) in try parser.parse(b, final: false) }
    let phaseText = vocabulary.phases.map { Array(csvField($0).utf8) }
    let channelText = vocabulary.channels.map { Array($0.utf8) }
    var skipped = 0
    var earlyTouchpoints = 0
    for id in ids.keys.sorted() {
      let k = ids[id]!
      var ev = events[k]
      ev.sort { ($0.time, $0.order) < ($1.time, $1.order) }
      let first = Int(ev[0].period) - origin
      // Events superseded within their period.
      var j = 0
      while j < ev.count {
        var e = j
        while e + 1 < ev.count && ev[e + 1].period == ev[j].period { e += 1 }
        let inPeriod = e - j + 1
        skipped += Swift.max(0, inPeriod - (Int(ev[j].period) - origin == first ? 2 : 1))
        j = e + 1
      }
      var patterns: [Int: UInt64] = [:]
      for (bucket, channel) in touches[k] {
        let t = bucket - origin
        if t < Swift.max(first, 0) { earlyTouchpoints += 1; continue }
        patterns[t, default: 0] |= 1 << UInt64(channel)
      }
      buffer.removeAll(keepingCapacity: true)
      let idText = Array(csvField(id).utf8)
      var phase = ev[0].code
      var next = 0
      let firstRow = Swift.max(first, 0)
      if firstRow > last { continue }
      for t in first...last {
        if t > first {
          while next < ev.count && Int(ev[next].period) - origin < t {
            phase = ev[next].code
            next += 1
          }
        }
        if t < 0 { continue }
        buffer.append(contentsOf: idText)
        buffer.append(UInt8(ascii: ","))
        buffer.append(contentsOf: Array(String(t).utf8))
        buffer.append(UInt8(ascii: ","))
        buffer.append(contentsOf: phaseText[Int(phase)])
        buffer.append(UInt8(ascii: ","))
        if var bits = patterns[t] {
          var firstChannel = true
          buffer.append(UInt8(ascii: "\""))
          while bits != 0 {
            if !firstChannel { buffer.append(UInt8(ascii: ";")) }
            firstChannel = false
            buffer.append(contentsOf: channelText[bits.trailingZeroBitCount].flatMap { $0 == UInt8(ascii: "\"") ? [$0, $0] : [$0] })
            bits &= bits - 1
          }
          buffer.append(UInt8(ascii: "\""))
        }
        buffer.append(UInt8(ascii: "\n"))
      }
      _ = try buffer.withUnsafeMutableBufferPointer { b throws(InputErrors) in try parser.parse(b, final: false) }
    }
    var summary = try parser.finish()
    summary.vocabulary = vocabulary
    if skipped > 0 {
      warnings.append(
        "\(stages.file): \(skipped) stage events were superseded by a later event in the same period; their phases are skipped (a period's phase is the one in effect when it starts)")
    }
    if earlyTouchpoints > 0 {
      warnings.append("\(touchpoints.file): \(earlyTouchpoints) touchpoints before the customer's first period (or before --start) were ignored")
    }
    return RawExport(summary: summary, start: Timestamps.label(bucket: origin, unit: unit), unit: unit, warnings: warnings)
  }

  static func csvField(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
      ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
  }
}
