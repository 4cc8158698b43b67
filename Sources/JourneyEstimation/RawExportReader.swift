import Foundation
import JourneyFormats
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
/// **Plausibility.** Before any period is counted, the timestamps go through
/// ``EventPlausibility`` (the rules every timed source shares): an event far beyond the
/// range of the central 98% of all events is an error naming its file, line and
/// timestamp, with the number of such events; and the history may span at most
/// ``maxSpan`` periods. So one mistyped date (9999-12-31) cannot turn a few thousand
/// events into millions of carried-forward states.
///
/// Files need not be sorted. Each customer's states come from a ``PeriodTimeline`` (the
/// period logic every timed source shares) and go straight into a
/// ``TransitionAccumulator``, one customer at a time.
///
/// - Complexity: O(e log e) for e events, plus O(customers × periods spanned) accumulator
///   calls; memory O(e + customers), never customers × periods.
public enum RawExportReader {
  static let maxErrors = 20
  /// The most periods the exports may span (``EventPlausibility/maxSpan``).
  public static let maxSpan = EventPlausibility.maxSpan
  /// Offending events listed one by one in a plausibility error.
  static let listedOutliers = 5

  struct Event {
    var time: Int64
    var order: Int32
    var period: Int32
    var code: Int32
    /// Index of the record in its file.
    var record: Int32
  }

  /// How far an event may lie beyond the central 98% of all events
  /// (``EventPlausibility/margin(bulk:unit:)``).
  public static func plausibleMargin(bulk: Int, unit: PeriodUnit) -> Int {
    EventPlausibility.margin(bulk: bulk, unit: unit)
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
  ///   - from: First day (`YYYY-MM-DD`, in `timeZone`) of the data window; earlier events
  ///     are ignored, with a warning counting them.
  ///   - until: Last day of the data window; later events are ignored alike.
  /// - Throws: ``InputErrors`` naming file, line, column, the bad value and what was
  ///   expected; implausible timestamps (see the type's discussion) before any state is made.
  /// - Complexity: O(e log e) for e events plus O(customers × periods spanned).
  public static func read(
    stages: String, touchpoints: String, vocabulary: Vocabulary, unit: PeriodUnit = .week,
    timeZone: TimeZone = TimeZone(identifier: "UTC")!, start: String? = nil, holdoutFraction: Double = 0,
    from: String? = nil, until: String? = nil
  ) throws(InputErrors) -> RawExport {
    let s = try CSVReader.table(path: stages, file: stages, what: "stage events", expected: "customer_id,timestamp,phase")
    let t = try CSVReader.table(path: touchpoints, file: touchpoints, what: "touchpoints", expected: "customer_id,timestamp,channel")
    return try convert(
      stages: s, touchpoints: t, vocabulary: vocabulary, unit: unit, timeZone: timeZone, start: start,
      holdoutFraction: holdoutFraction, from: from, until: until)
  }

  /// Reads exports held in memory (`stagesName`/`touchpointsName` name them in errors).
  public static func read(
    stages: [UInt8], stagesName: String, touchpoints: [UInt8], touchpointsName: String, vocabulary: Vocabulary,
    unit: PeriodUnit = .week, timeZone: TimeZone = TimeZone(identifier: "UTC")!, start: String? = nil,
    holdoutFraction: Double = 0, from: String? = nil, until: String? = nil
  ) throws(InputErrors) -> RawExport {
    let s = try CSVReader.table(bytes: stages, file: stagesName, what: "stage events", expected: "customer_id,timestamp,phase")
    let t = try CSVReader.table(
      bytes: touchpoints, file: touchpointsName, what: "touchpoints", expected: "customer_id,timestamp,channel")
    return try convert(
      stages: s, touchpoints: t, vocabulary: vocabulary, unit: unit, timeZone: timeZone, start: start,
      holdoutFraction: holdoutFraction, from: from, until: until)
  }

  static func convert(
    stages: CSVTable, touchpoints: CSVTable, vocabulary: Vocabulary, unit: PeriodUnit, timeZone: TimeZone,
    start: String?, holdoutFraction: Double, from: String? = nil, until: String? = nil
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
        throw InputErrors([InputError(.type, file: "--start", "\(InputError.echo(start)) is not a date; expected YYYY-MM-DD")])
      }
      startBucket = Timestamps.bucket(localDay: Int(Timestamps.floorDiv(Int(p.wallSeconds), 86_400)), unit: unit)
    }
    func day(_ text: String?, _ flag: String) throws(InputErrors) -> Int? {
      guard let text else { return nil }
      guard let p = Timestamps.parse(text), text.utf8.count == 10 else {
        throw InputErrors([InputError(.type, file: flag, "\(InputError.echo(text)) is not a date; expected YYYY-MM-DD")])
      }
      return Int(Timestamps.floorDiv(Int(p.wallSeconds), 86_400))
    }
    let firstDay = try day(from, "--from") ?? Int.min
    let lastDay = try day(until, "--until") ?? Int.max
    var outsideStages = 0
    var outsideTouchpoints = 0
    var ids: [String: Int] = [:]
    var events: [[Event]] = []
    var order: Int32 = 0
    var minBucket = Int.max
    var maxBucket = Int.min

    // Stage events.
    let sc = try stages.columns(["customer_id", "timestamp", "phase"], expected: "customer_id, timestamp and phase")
    for (record, (line, f)) in stages.records.enumerated() {
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
          "\(InputError.echo(f[sc[1]])) is not an ISO-8601 timestamp; expected e.g. 2024-03-05, 2024-03-05T14:30:00Z or 2024-03-05T14:30:00+01:00"))
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
            "unknown phase \(InputError.echo(name)); expected one of: \(vocabulary.phases.joined(separator: ", "))"))
          continue
        }
      }
      let utc = clock.utc(ts)
      let localDay = clock.localDay(utc: utc)
      if localDay < firstDay || localDay > lastDay {
        outsideStages += 1
        continue
      }
      let bucket = Timestamps.bucket(localDay: localDay, unit: unit)
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
      events[k].append(
        Event(time: utc, order: order, period: Int32(truncatingIfNeeded: bucket), code: Int32(code), record: Int32(record)))
      order += 1
    }

    // Touchpoints.
    var touches = [[(bucket: Int, channel: Int, record: Int32)]](repeating: [], count: events.count)
    var orphanTouchpoints = 0
    var orphanCustomers = Set<String>()
    let tc = try touchpoints.columns(["customer_id", "timestamp", "channel"], expected: "customer_id, timestamp and channel")
    for (record, (line, f)) in touchpoints.records.enumerated() {
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
          "\(InputError.echo(f[tc[1]])) is not an ISO-8601 timestamp; expected e.g. 2024-03-05, 2024-03-05T14:30:00Z or 2024-03-05T14:30:00+01:00"))
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
          try fail(InputError(.type, file: touchpoints.file, line: line, path: "channel", "channel \(InputError.echo(name)) contains ';'; expected a name without ';'"))
          continue
        }
        if vocabulary.isInferred && vocabulary.channels.count < 64 {
          channel = vocabulary.channels.count
          vocabulary.channels.append(name)
        } else if vocabulary.isInferred {
          try fail(InputError(.limit, file: touchpoints.file, line: line, path: "channel", "channel \(InputError.echo(name)) is the 65th; at most 64 channels can be fitted"))
          continue
        } else {
          try fail(InputError(
            .unknownName, file: touchpoints.file, line: line, path: "channel",
            "unknown channel \(InputError.echo(name)); expected one of: \(vocabulary.channels.joined(separator: ", "))"))
          continue
        }
      }
      let localDay = clock.localDay(utc: clock.utc(ts))
      if localDay < firstDay || localDay > lastDay {
        outsideTouchpoints += 1
        continue
      }
      let bucket = Timestamps.bucket(localDay: localDay, unit: unit)
      guard let k = ids[id] else {
        orphanTouchpoints += 1
        orphanCustomers.insert(id)
        continue
      }
      minBucket = Swift.min(minBucket, bucket)
      maxBucket = Swift.max(maxBucket, bucket)
      touches[k].append((bucket, channel, Int32(record)))
    }
    guard errors.isEmpty else { throw InputErrors(errors) }

    var warnings: [String] = []
    if outsideStages + outsideTouchpoints > 0 {
      warnings.append(
        "\(outsideStages) stage events and \(outsideTouchpoints) touchpoints outside --from \(from ?? "-") --until \(until ?? "-") were ignored")
    }
    guard !events.isEmpty else {
      throw InputErrors([InputError(.empty, file: stages.file, "no stage event lies between --from \(from ?? "-") and --until \(until ?? "-"); expected at least one")])
    }
    if orphanTouchpoints > 0 {
      let example = orphanCustomers.sorted().prefix(3).map { InputError.echo($0) }.joined(separator: ", ")
      warnings.append(
        "\(touchpoints.file): \(orphanTouchpoints) touchpoints of \(orphanCustomers.count) customers without stage events (e.g. \(example)) were ignored")
    }
    try checkPlausibility(
      events: events, touches: touches, stages: stages, touchpoints: touchpoints, unit: unit, lowest: minBucket, highest: maxBucket)
    let origin = startBucket ?? minBucket
    let last = maxBucket - origin
    guard last >= 0 else {
      throw InputErrors([InputError(.range, file: stages.file, "every timestamp lies before --start \(start ?? ""); expected events from the start on")])
    }
    if let problem = EventPlausibility.spanProblem(origin: origin, end: maxBucket, unit: unit, what: "exports") {
      throw InputErrors([InputError(.limit, file: stages.file, problem)])
    }

    // Every customer's states, one customer at a time, in id order.
    var accumulator = TransitionAccumulator(
      vocabulary: Vocabulary(phases: vocabulary.phases, channels: vocabulary.channels), holdoutFraction: holdoutFraction)
    var timeline = PeriodTimeline(origin: origin, last: last)
    var sorted: [PeriodTimeline.Stage] = []
    for id in ids.keys.sorted() {
      let k = ids[id]!
      sorted = events[k].map { PeriodTimeline.Stage(time: $0.time, order: $0.order, bucket: $0.period, phase: $0.code) }
      sorted.sort { ($0.time, $0.order) < ($1.time, $1.order) }
      var customer = -1
      sorted.withUnsafeBufferPointer { stages in
        timeline.emit(stages: stages, touches: touches[k].lazy.map { (Int32(truncatingIfNeeded: $0.bucket), Int32($0.channel)) }) {
          t, phase, pattern in
          if customer < 0 { customer = accumulator.customer(id: id) }
          _ = accumulator.observe(customer: customer, period: t, phase: phase, pattern: pattern)
        }
      }
    }
    let skipped = timeline.supersededEvents
    let earlyTouchpoints = timeline.earlyTouchpoints
    var summary = accumulator.finish()
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

  /// Rejects events far outside the bulk of the data (see the type's discussion), before
  /// any state is generated.
  ///
  /// - Throws: ``InputErrors``: the first offending events with file, line and timestamp,
  ///   and how many events of each file lie outside.
  /// - Complexity: O(e + p log p) for e events in p distinct periods.
  static func checkPlausibility(
    events: [[Event]], touches: [[(bucket: Int, channel: Int, record: Int32)]], stages: CSVTable,
    touchpoints: CSVTable, unit: PeriodUnit, lowest: Int, highest: Int
  ) throws(InputErrors) {
    var check = EventPlausibility(unit: unit, lowest: lowest, highest: highest)
    for e in events { for x in e { check.count(Int(x.period)) } }
    for t in touches { for x in t { check.count(x.bucket) } }
    guard let verdict = check.verdict(), verdict.outside > 0 else { return }
    let lowest = verdict.lowest
    let highest = verdict.highest
    // (file, record) of the offending events, in file order.
    var outside: [(table: CSVTable, record: Int)] = []
    var stageCount = 0
    var touchCount = 0
    for e in events {
      for x in e where Int(x.period) < lowest || Int(x.period) > highest {
        stageCount += 1
        outside.append((stages, Int(x.record)))
      }
    }
    for t in touches {
      for x in t where x.bucket < lowest || x.bucket > highest {
        touchCount += 1
        outside.append((touchpoints, Int(x.record)))
      }
    }
    outside.sort { ($0.table.file == stages.file ? 0 : 1, $0.record) < ($1.table.file == stages.file ? 0 : 1, $1.record) }
    let summary =
      verdict.expectation + " "
      + "(\(stageCount) of \(events.reduce(0) { $0 + $1.count }) stage events and \(touchCount) of \(touches.reduce(0) { $0 + $1.count }) touchpoints lie outside; correct or remove them, or leave them out with --from/--until)"
    var errors: [InputError] = []
    for (table, record) in outside.prefix(listedOutliers) {
      let (line, fields) = table.records[record]
      let column = table.file == stages.file ? stages.header.firstIndex(of: "timestamp") : touchpoints.header.firstIndex(of: "timestamp")
      let text = column.map { fields[$0] } ?? ""
      errors.append(InputError(
        .range, file: table.file, line: line, path: "timestamp",
        "\(InputError.echo(text)) lies far outside the bulk of the data: " + summary))
    }
    throw InputErrors(errors)
  }
}
