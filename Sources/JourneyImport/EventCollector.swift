import Foundation
import JourneyEstimation
import JourneyFormats
import JourneyModel

/// Where an event came from: the file (its number from ``EventCollector/beginFile(_:)``)
/// and the 1-based line.
public struct EventLocation: Sendable, Equatable {
  public var file: Int32
  public var line: Int32
  public init(file: Int32, line: Int32) {
    self.file = file
    self.line = line
  }
}

/// Collects timed events of customers — stage changes and touchpoints — from any source:
/// **the one entry point** of every importer. The event-table reader and the CRM presets
/// call ``add(customer:time:stage:channel:revenue:at:)`` once per row; a further source
/// (a Google Analytics 4 NDJSON reader, say) does the same and gets the stage and channel
/// maps, the period bucketing, the report, the journey-log writer and `journey fit` for
/// free.
///
/// ```swift
/// var collector = try EventCollector(settings: settings, vocabulary: .inferred)
/// let file = collector.beginFile("events.ndjson")
/// try collector.add(customer: id, time: parsed, stage: stage, channel: nil, revenue: nil,
///                   at: EventLocation(file: file, line: 12))
/// var history = try collector.finish()
/// let summary = history.accumulate(holdout: 0)
/// ```
///
/// Stage and channel names go through the maps of the settings (unmapped names are
/// counted, then listed in one error by ``finish()``, or dropped with
/// ``ImportSettings/ignoreUnmapped``); timestamps without an offset are wall time in the
/// settings' zone; events outside `from`…`until` are counted and left out.
///
/// **Memory.** Two ways to hold the events, chosen as they arrive (``isStreaming``):
/// - *Folded* (events of each customer in time order: a source sorted by time, or by
///   customer and time): each event is folded into its customer's
///   ``PeriodTimeline/Fold`` (64 bytes per customer) the moment its customer is known,
///   and each (customer, calendar bucket) with events becomes one
///   ``PeriodTimeline/FoldedBucket`` of 20 bytes once the customer's next bucket begins —
///   nothing per event. Meanwhile every event is also appended (16 bytes) to an unlinked
///   temporary file, on disk, not in memory, so that the other way can take over.
/// - *Held* (any other order): the first event that comes before its customer's previous
///   one (an earlier stage event, or an earlier bucket) makes the collector read the
///   temporary file back and keep every event from then on: 28 bytes per stage event and
///   12 per touchpoint (twice that while ``finish()`` groups them by customer), as if it
///   had held them from the start. Results are the same either way.
///
/// Both keep the distinct customer ids and names, a count per distinct calendar bucket,
/// and 16 bytes per event of the last 32 rows (customer ids are numbered 32 rows at a time,
/// ``IDTable/Batch``). ``heldBytes`` is what is held.
///
/// - Complexity: O(1) amortised per event (O(length of the id)); ``finish()`` O(customers
///   + folded buckets), or O(e + c log c) when held, for `e` events and the largest
///   customer's `c` events.
public struct EventCollector {
  /// At most this many events (positions are 32-bit).
  public static let maxEvents = Int(Int32.max) - 1

  public let settings: ImportSettings
  let clock: ZoneClock
  let firstDay: Int
  let lastDay: Int
  let startBucket: Int?
  let untilBucket: Int?
  let fixed: Bool
  let stageRules: CompiledNameMap?
  let channelRules: CompiledNameMap?
  let modelVocabulary: Vocabulary
  public private(set) var phases: [String]
  public private(set) var channels: [String]
  public private(set) var files: [String] = []

  var customers = IDTable()
  var stageNames = IDTable(scansSmall: true)
  var stageCodes: [Int32] = []
  var channelNames = IDTable(scansSmall: true)
  var channelCodes: [Int32] = []
  /// Unmapped names: (kind is stage, source name number) → (count, first location).
  var unmapped: [Int: (count: Int, first: EventLocation)] = [:]

  /// An event waiting for its customer's number: phase and channel -1 when absent.
  struct Pending {
    var time: Int64
    var bucket: Int32
    var phase: Int16
    var channel: Int16
  }
  var pendingIDs = IDTable.Batch()
  var pending: [Pending] = []
  var numbers: [Int32] = []

  /// Whether events are folded (see the type); `false` once they are held.
  public private(set) var isStreaming = true
  /// Folded: per customer its fold and its last closed bucket (-1 for none), and the
  /// closed buckets, each linked to its customer's previous one.
  var folds: [PeriodTimeline.Fold] = []
  var folded: [PeriodTimeline.FoldedBucket] = []
  var foldedPrevious: [Int32] = []
  var foldCounts = PeriodTimeline.FoldCounts()
  var touchedFolds: Int32 = 0
  var spill: EventSpill?

  /// Held: stage events and their customers, touchpoints.
  var stages: [PeriodTimeline.Stage] = []
  var stageCustomer: [Int32] = []
  /// A touchpoint: its calendar bucket, its channel and its customer's number.
  struct Touch {
    var bucket: Int32
    var channel: Int32
    var customer: Int32
  }
  var touches: [Touch] = []

  /// Stage events and touchpoints so far, per phase and per channel.
  var stageCount = 0
  var touchCount = 0
  var phaseEvents: [Int] = []
  var channelEvents: [Int] = []
  /// Events per calendar bucket (for ``EventPlausibility``): the current run of equal
  /// buckets, then the rest.
  var runBucket = 0
  var runCount = 0
  var bucketCounts: [Int: Int] = [:]
  var minBucket = Int.max
  var maxBucket = Int.min
  var minLocation = EventLocation(file: 0, line: 0)
  var maxLocation = EventLocation(file: 0, line: 0)
  var report = ImportReport()
  var revenueSum: [Double] = []
  var revenueCount: [Int] = []

  /// A collector for `settings`, against `vocabulary` (the model's names, or
  /// ``Vocabulary/inferred`` to take phases and channels as they come).
  ///
  /// - Throws: ``InputErrors`` for a bad `--timezone`, `--start`, `--from` or `--until`.
  public init(settings: ImportSettings, vocabulary: Vocabulary) throws(InputErrors) {
    self.settings = settings
    guard let zone = TimeZone(identifier: settings.timeZone) else {
      throw InputErrors([InputError(
        .unknownName, file: "--timezone",
        "unknown time zone \(InputError.echo(settings.timeZone)); expected an IANA name such as UTC or Europe/Berlin")])
    }
    clock = ZoneClock(zone)
    func day(_ text: String?, _ flag: String) throws(InputErrors) -> Int? {
      guard let text else { return nil }
      guard let p = Timestamps.parse(text), text.utf8.count == 10 else {
        throw InputErrors([InputError(.type, file: flag, "\(InputError.echo(text)) is not a date; expected YYYY-MM-DD")])
      }
      return Int(Timestamps.floorDiv(Int(p.wallSeconds), 86_400))
    }
    let from = try day(settings.from, "--from")
    let until = try day(settings.until, "--until")
    let start = try day(settings.start, "--start")
    firstDay = from ?? Int.min
    lastDay = until ?? Int.max
    startBucket = start.map { Timestamps.bucket(localDay: $0, unit: settings.unit) }
    untilBucket = until.map { Timestamps.bucket(localDay: $0, unit: settings.unit) }
    if let from, let until, from > until {
      throw InputErrors([InputError(.range, file: "--from", "\(settings.from!) is after --until \(settings.until!); expected from ≤ until")])
    }
    fixed = !vocabulary.isInferred
    modelVocabulary = vocabulary
    phases = vocabulary.phases
    channels = vocabulary.channels
    stageRules = settings.stageMap?.compiled()
    channelRules = settings.channelMap?.compiled()
    revenueSum = [Double](repeating: 0, count: phases.count)
    revenueCount = [Int](repeating: 0, count: phases.count)
    phaseEvents = [Int](repeating: 0, count: phases.count)
    channelEvents = [Int](repeating: 0, count: channels.count)
    pending.reserveCapacity(IDTable.Batch.capacity)
    numbers.reserveCapacity(IDTable.Batch.capacity)
    spill = EventSpill()
    if spill == nil { isStreaming = false }
  }

  /// Bytes held for the events: the customer table, the folds and folded buckets or the
  /// held events, the bucket counts and the buffers (not the names of stages and channels).
  public var heldBytes: Int {
    customers.storageBytes + folds.capacity * MemoryLayout<PeriodTimeline.Fold>.stride
      + folded.capacity * MemoryLayout<PeriodTimeline.FoldedBucket>.stride
      + foldedPrevious.capacity * 4 + stages.capacity * MemoryLayout<PeriodTimeline.Stage>.stride
      + stageCustomer.capacity * 4 + touches.capacity * MemoryLayout<Touch>.stride
      + pending.capacity * MemoryLayout<Pending>.stride + bucketCounts.capacity * 16 + (spill?.bufferBytes ?? 0)
  }

  /// Stops folding: the events from now on are held, whatever their order (tests compare
  /// the two ways).
  mutating func holdEvents() throws(InputErrors) {
    try resolveCustomers()
    try switchToHeld()
  }

  /// Registers a file; its number goes into the ``EventLocation`` of its events.
  public mutating func beginFile(_ name: String) -> Int32 {
    files.append(name)
    report.files.append(name)
    return Int32(files.count - 1)
  }

  /// Counts a row that carries no event, for the report (`reason`: why it was skipped).
  public mutating func skip(_ reason: String) {
    report.rows += 1
    report.skipped[reason, default: 0] += 1
  }

  /// Adds one row's events: a stage change, a touchpoint, or both.
  ///
  /// - Parameters:
  ///   - customer: The customer id's bytes (not empty).
  ///   - time: When it happened (wall time in the settings' zone unless it has an offset).
  ///   - stage: The stage name as the source writes it, or `nil`.
  ///   - channel: The channel name as the source writes it, or `nil`.
  ///   - revenue: An amount attached to the stage change (reported per phase).
  ///   - location: Where the row is, for messages.
  /// - Throws: ``InputErrors`` (`.limit`) for the 65th phase or channel, a channel name
  ///   the journey log cannot hold, or too many events.
  public mutating func add(
    customer: UnsafeBufferPointer<UInt8>, time: Timestamps.Parsed, stage: UnsafeBufferPointer<UInt8>?,
    channel: UnsafeBufferPointer<UInt8>?, revenue: Double?, at location: EventLocation
  ) throws(InputErrors) {
    report.rows += 1
    let utc = clock.utc(time)
    let localDay = clock.localDay(utc: utc)
    if localDay < firstDay || localDay > lastDay {
      report.outsideWindow += 1
      return
    }
    var phase: Int32 = -1
    var channelCode: Int32 = -1
    if let stage { phase = try code(stage: stage, at: location) }
    if let channel { channelCode = try code(channel: channel, at: location) }
    if phase < 0 && channelCode < 0 {
      report.skipped[stage != nil || channel != nil ? "unmapped stage or channel (--ignore-unmapped)" : "no stage and no channel", default: 0] += 1
      return
    }
    guard stageCount + touchCount < Self.maxEvents else {
      throw InputErrors([InputError(
        .limit, file: files[Int(location.file)], line: Int(location.line), "more than \(Self.maxEvents) events; expected fewer")])
    }
    let bucket = Timestamps.bucket(localDay: localDay, unit: settings.unit)
    if bucket < minBucket {
      minBucket = bucket
      minLocation = location
    }
    if bucket > maxBucket {
      maxBucket = bucket
      maxLocation = location
    }
    let b = Int32(clamping: bucket)
    let events = (phase >= 0 ? 1 : 0) + (channelCode >= 0 ? 1 : 0)
    if Int(b) == runBucket {
      runCount += events
    } else {
      if runCount > 0 { bucketCounts[runBucket, default: 0] += runCount }
      runBucket = Int(b)
      runCount = events
    }
    if phase >= 0 {
      stageCount += 1
      phaseEvents[Int(phase)] += 1
      if let revenue {
        revenueSum[Int(phase)] += revenue
        revenueCount[Int(phase)] += 1
      }
    }
    if channelCode >= 0 {
      touchCount += 1
      channelEvents[Int(channelCode)] += 1
    }
    // The customer's number comes later, a batch at a time (``resolveCustomers()``).
    pending.append(Pending(time: utc, bucket: b, phase: Int16(phase), channel: Int16(channelCode)))
    if pendingIDs.append(customer) { try resolveCustomers() }
  }

  /// Numbers the customers of the queued events (``IDTable/Batch``) and folds or holds
  /// their events, in the order they came.
  ///
  /// - Throws: ``InputErrors`` (`.io`) when the spill file cannot be read back.
  mutating func resolveCustomers() throws(InputErrors) {
    numbers.removeAll(keepingCapacity: true)
    customers.resolve(&pendingIDs) { _, k in numbers.append(Int32(truncatingIfNeeded: k)) }
    var q = 0
    if isStreaming {
      // Touch the batch's folds first: independent loads the processor overlaps, rather
      // than one cache miss after the other.
      var sink: Int32 = 0
      folds.withUnsafeBufferPointer { f in
        // Both ends: a fold may straddle two cache lines.
        for k in numbers where Int(k) < f.count { sink &+= Int32(truncatingIfNeeded: f[Int(k)].open.pattern) &+ f[Int(k)].link }
      }
      touchedFolds &+= sink
      while q < pending.count {
        let k = Int(numbers[q])
        if k == folds.count {
          folds.append(PeriodTimeline.Fold())
        }
        guard fold(pending[q], customer: k) else { break }
        q += 1
      }
      // Out of order, or the spill file failed: hold every event from here on.
      if q < pending.count || spill?.failed == true { try switchToHeld() }
    }
    while q < pending.count {
      hold(pending[q], customer: numbers[q])
      q += 1
    }
    pending.removeAll(keepingCapacity: true)
  }

  /// Folds one event into its customer's fold and writes it to the spill file; `false`,
  /// with nothing changed, when it comes before the customer's previous event.
  @inline(__always)
  mutating func fold(_ e: Pending, customer k: Int) -> Bool {
    var counts = foldCounts
    var closedStage: PeriodTimeline.FoldedBucket??
    var f = folds[k]
    if e.phase >= 0 {
      closedStage = f.stage(time: e.time, bucket: e.bucket, phase: Int32(e.phase), startBucket: startBucket, counts: &counts)
      guard closedStage != nil else { return false }
    }
    var closedTouch: PeriodTimeline.FoldedBucket??
    if e.channel >= 0 {
      closedTouch = f.touch(bucket: e.bucket, channel: Int32(e.channel), startBucket: startBucket, counts: &counts)
      // A touchpoint of the same row falls in the bucket its stage event opened.
      guard closedTouch != nil else { return false }
    }
    folds[k] = f
    foldCounts = counts
    if let closed = closedStage ?? nil { keep(closed, customer: k) }
    if let closed = closedTouch ?? nil { keep(closed, customer: k) }
    spill?.append(e, customer: Int32(truncatingIfNeeded: k))
    return true
  }

  /// Keeps a closed bucket of customer `k`.
  mutating func keep(_ bucket: PeriodTimeline.FoldedBucket, customer k: Int) {
    foldedPrevious.append(folds[k].link)
    folds[k].link = Int32(truncatingIfNeeded: folded.count)
    folded.append(bucket)
  }

  /// Holds one event of customer `k`.
  @inline(__always)
  mutating func hold(_ e: Pending, customer k: Int32) {
    if e.phase >= 0 {
      stages.append(
        PeriodTimeline.Stage(time: e.time, order: Int32(truncatingIfNeeded: stages.count), bucket: e.bucket, phase: Int32(e.phase)))
      stageCustomer.append(k)
    }
    if e.channel >= 0 { touches.append(Touch(bucket: e.bucket, channel: Int32(e.channel), customer: k)) }
  }

  /// Stops folding: reads the events folded so far back from the spill file and holds
  /// them, as if they had been held from the start.
  mutating func switchToHeld() throws(InputErrors) {
    guard isStreaming else { return }
    isStreaming = false
    if let spill {
      let clock = clock
      let unit = settings.unit
      try spill.replay(name: files.first ?? "input") {
        Int32(clamping: Timestamps.bucket(localDay: clock.localDay(utc: $0), unit: unit))
      } _: { e, k in hold(e, customer: k) }
    }
    spill = nil
    folds = []
    folded = []
    foldedPrevious = []
    foldCounts = PeriodTimeline.FoldCounts()
  }

  /// The phase of a stage name; -1 when unmapped.
  mutating func code(stage: UnsafeBufferPointer<UInt8>, at location: EventLocation) throws(InputErrors) -> Int32 {
    let k = stageNames.number(of: stage)
    if k == stageCodes.count {
      let name = String(decoding: stage, as: UTF8.self)
      var result: Int32 = -1
      if let target = stageRules.map({ $0.target(of: name) }) ?? name {
        if let i = phases.firstIndex(of: target) {
          result = Int32(i)
        } else if !fixed {
          guard phases.count < Limits.maxPhases else {
            throw InputErrors([InputError(
              .limit, file: files[Int(location.file)], line: Int(location.line), path: "stage",
              "phase \(InputError.echo(target)) is the \(Limits.maxPhases + 1)th; expected at most \(Limits.maxPhases) phases (map stages together with --stage-map)")])
          }
          phases.append(target)
          revenueSum.append(0)
          phaseEvents.append(0)
          revenueCount.append(0)
          result = Int32(phases.count - 1)
        }
      }
      stageCodes.append(result)
    }
    let c = stageCodes[k]
    if c < 0 { noteUnmapped(key: k << 1, at: location) }
    return c
  }

  /// The channel of a channel name; -1 when unmapped.
  mutating func code(channel: UnsafeBufferPointer<UInt8>, at location: EventLocation) throws(InputErrors) -> Int32 {
    let k = channelNames.number(of: channel)
    if k == channelCodes.count {
      let name = String(decoding: channel, as: UTF8.self)
      var result: Int32 = -1
      if let target = channelRules.map({ $0.target(of: name) }) ?? name {
        if let i = channels.firstIndex(of: target) {
          result = Int32(i)
        } else if !fixed {
          if let problem = JourneyLogFormat.problem(channel: target) {
            throw InputErrors([InputError(
              .notAllowed, file: files[Int(location.file)], line: Int(location.line), path: "channel",
              problem + "; expected a name without it (rename it with --channel-map)")])
          }
          guard channels.count < 64 else {
            throw InputErrors([InputError(
              .limit, file: files[Int(location.file)], line: Int(location.line), path: "channel",
              "channel \(InputError.echo(target)) is the 65th; expected at most 64 channels (group them with --channel-map)")])
          }
          channels.append(target)
          channelEvents.append(0)
          result = Int32(channels.count - 1)
        }
      }
      channelCodes.append(result)
    }
    let c = channelCodes[k]
    if c < 0 { noteUnmapped(key: k << 1 | 1, at: location) }
    return c
  }

  mutating func noteUnmapped(key: Int, at location: EventLocation) {
    if var entry = unmapped[key] {
      entry.count += 1
      unmapped[key] = entry
    } else {
      unmapped[key] = (1, location)
    }
  }

  /// The unmapped names of one kind, most frequent first.
  func unmappedNames(channels isChannel: Bool) -> [(name: String, count: Int, first: EventLocation)] {
    unmapped.filter { ($0.key & 1 == 1) == isChannel }.map { key, value in
      let bytes = isChannel ? channelNames.id(key >> 1) : stageNames.id(key >> 1)
      return (String(decoding: bytes, as: UTF8.self), value.count, value.first)
    }.sorted { ($0.count, $1.name) > ($1.count, $0.name) }
  }

  /// Checks what was collected and groups the events by customer.
  ///
  /// - Throws: ``InputErrors``: unmapped names (unless ignored), no stage event at all,
  ///   events far outside the bulk of the data, or a history longer than
  ///   ``EventPlausibility/maxSpan`` periods (the rules of ``EventPlausibility``).
  /// - Complexity: O(customers) folded, O(e + c log c) held, see the type.
  public mutating func finish() throws(InputErrors) -> ImportedHistory {
    try resolveCustomers()
    var errors: [InputError] = []
    for isChannel in [false, true] {
      let names = unmappedNames(channels: isChannel)
      guard !names.isEmpty else { continue }
      let kind = isChannel ? "channel" : "stage"
      let rows = names.reduce(0) { $0 + $1.count }
      if settings.ignoreUnmapped {
        report.unmapped += names.map { (kind, $0.name, $0.count) }
        continue
      }
      let listed = names.prefix(20).map { "\(InputError.echo($0.name)) (\($0.count) rows)" }.joined(separator: ", ")
      let known = isChannel ? channels : phases
      let map = isChannel ? "--channel-map" : "--stage-map or --map-stage"
      let first = names.map(\.first).min { ($0.file, $0.line) < ($1.file, $1.line) }!
      errors.append(InputError(
        .unknownName, file: files[Int(first.file)], line: Int(first.line), path: kind,
        "\(names.count) \(kind) names in \(rows) rows are not mapped to a \(isChannel ? "channel" : "phase"): \(listed)\(names.count > 20 ? ", …" : ""); expected a rule in \(map) for each (known: \(known.isEmpty ? "none" : known.map { InputError.echo($0) }.joined(separator: ", "))), or --ignore-unmapped to drop them"))
    }
    guard errors.isEmpty else { throw InputErrors(errors) }
    let name = files.first ?? "input"
    guard stageCount > 0 else {
      throw InputErrors([InputError(
        .empty, file: name,
        "no stage event\(report.outsideWindow > 0 ? " between --from and --until" : ""); expected rows with a stage (a customer enters the history with their first stage)")])
    }
    // Plausibility and span, before anything is sized by periods.
    try checkPlausibility()
    let origin = startBucket ?? minBucket
    let end = untilBucket ?? maxBucket
    let last = end - origin
    guard last >= 0 else {
      throw InputErrors([InputError(.range, file: name, "every event lies before --start \(settings.start ?? ""); expected events from the start on")])
    }
    if let problem = EventPlausibility.spanProblem(origin: origin, end: end, unit: settings.unit, what: "events") {
      // A far --until extends the history by itself; otherwise the latest event does.
      let byUntil = untilBucket.map { $0 > maxBucket } ?? false
      throw InputErrors([
        byUntil
          ? InputError(.limit, file: "--until", problem)
          : InputError(.limit, file: files[Int(maxLocation.file)], line: Int(maxLocation.line), problem)
      ])
    }
    if isStreaming {
      for k in folds.indices {
        if let closed = folds[k].finish(counts: &foldCounts) { keep(closed, customer: k) }
      }
      spill = nil
    }
    return ImportedHistory(collector: self, origin: origin, last: last)
  }

  /// Rejects events far outside the bulk of the data: the rule of ``EventPlausibility``,
  /// which ``RawExportReader`` applies too.
  func checkPlausibility() throws(InputErrors) {
    var check = EventPlausibility(unit: settings.unit, lowest: minBucket, highest: maxBucket)
    if runCount > 0 { check.count(runBucket, times: runCount) }
    for (bucket, n) in bucketCounts { check.count(bucket, times: n) }
    guard let verdict = check.verdict(), verdict.outside > 0 else { return }
    let label = { (b: Int) in Timestamps.label(bucket: b, unit: self.settings.unit) }
    let worst = verdict.isOutside(minBucket) ? (minLocation, minBucket) : (maxLocation, maxBucket)
    throw InputErrors([InputError(
      .range, file: files[Int(worst.0.file)], line: Int(worst.0.line), path: "time",
      "an event in the \(settings.unit.rawValue) of \(label(worst.1)) lies far outside the bulk of the data: \(verdict.expectation) (\(verdict.outside) of \(verdict.total) events lie outside; correct or remove them, or leave them out with --from/--until)")])
  }
}
