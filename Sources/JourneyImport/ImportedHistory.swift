import JourneyEstimation
import JourneyFormats
import JourneyModel

/// Collected events grouped by customer, ready to become period states: fed to a
/// ``TransitionAccumulator`` (`journey fit --events`) or written as a journey log
/// (`journey import`), through the same ``PeriodTimeline``.
public struct ImportedHistory {
  public let phases: [String]
  public let channels: [String]
  public let unit: PeriodUnit
  /// Calendar bucket of period 0 and the last period.
  public let origin: Int
  public let last: Int
  /// What was read, skipped and merged; complete after ``replay(_:)``.
  public private(set) var report: ImportReport
  let vocabulary: Vocabulary
  let customers: IDTable
  /// Held events grouped by customer: customer `k`'s are
  /// `stages[stageStart[k]..<stageStart[k + 1]]`, sorted by time (empty when folded).
  var stages: [PeriodTimeline.Stage] = []
  var stageStart: [Int] = []
  var touches: [(bucket: Int32, channel: Int32)] = []
  var touchStart: [Int] = []
  /// Folded events (``EventCollector``): per customer its fold and its last folded bucket,
  /// each bucket linked to its customer's previous one (`nil` when held).
  var folded: Folded?
  /// Superseded events and multi-move periods counted while folding.
  let foldCounts: PeriodTimeline.FoldCounts

  /// The folded form of the events.
  struct Folded {
    var folds: [PeriodTimeline.Fold]
    var buckets: [PeriodTimeline.FoldedBucket]
    var previous: [Int32]
  }

  init(collector c: EventCollector, origin: Int, last: Int) {
    phases = c.phases
    channels = c.channels
    unit = c.settings.unit
    self.origin = origin
    self.last = last
    customers = c.customers
    vocabulary = c.fixed ? c.modelVocabulary : Vocabulary(phases: c.phases, channels: c.channels)
    report = c.report
    foldCounts = c.foldCounts
    let n = c.customers.count
    report.stageEvents = c.stageCount
    report.touchpoints = c.touchCount
    report.phaseEvents = c.phaseEvents
    report.channelEvents = c.channelEvents
    report.phases = phases
    report.channels = channels
    report.revenue = (0..<phases.count).map { (c.revenueSum[$0], c.revenueCount[$0]) }
    report.unit = unit
    report.firstPeriod = Timestamps.label(bucket: origin, unit: unit)
    report.lastPeriod = Timestamps.label(bucket: origin + last, unit: unit)
    report.periods = last + 1
    var orphans = 0
    var customersWithStages = 0
    if c.isStreaming {
      folded = Folded(folds: c.folds, buckets: c.folded, previous: c.foldedPrevious)
      for f in c.folds {
        if f.hasEntered { customersWithStages += 1 } else { orphans += Int(f.touches) }
      }
      report.customers = customersWithStages
      report.orphanTouchpoints = orphans
      return
    }
    // Counting sort by customer.
    var starts = [Int](repeating: 0, count: n + 1)
    for k in c.stageCustomer { starts[Int(k) + 1] += 1 }
    for k in 0..<n { starts[k + 1] += starts[k] }
    var next = starts
    var grouped = [PeriodTimeline.Stage](repeating: PeriodTimeline.Stage(time: 0, order: 0, bucket: 0, phase: 0), count: c.stages.count)
    for (i, k) in c.stageCustomer.enumerated() {
      grouped[next[Int(k)]] = c.stages[i]
      next[Int(k)] += 1
    }
    grouped.withUnsafeMutableBufferPointer { g in
      for k in 0..<n where starts[k + 1] - starts[k] > 1 {
        var slice = UnsafeMutableBufferPointer(rebasing: g[starts[k]..<starts[k + 1]])
        var sorted = true
        for i in 1..<slice.count where (slice[i].time, slice[i].order) < (slice[i - 1].time, slice[i - 1].order) {
          sorted = false
          break
        }
        if !sorted { slice.sort { ($0.time, $0.order) < ($1.time, $1.order) } }
      }
    }
    stageStart = starts
    stages = grouped
    touchStart = [Int](repeating: 0, count: n + 1)
    for t in c.touches { touchStart[Int(t.customer) + 1] += 1 }
    for k in 0..<n { touchStart[k + 1] += touchStart[k] }
    next = touchStart
    var t = [(bucket: Int32, channel: Int32)](repeating: (0, 0), count: c.touches.count)
    for touch in c.touches {
      let k = Int(touch.customer)
      t[next[k]] = (touch.bucket, touch.channel)
      next[k] += 1
    }
    touches = t
    for k in 0..<n {
      if stageStart[k + 1] == stageStart[k] { orphans += touchStart[k + 1] - touchStart[k] } else { customersWithStages += 1 }
    }
    report.customers = customersWithStages
    report.orphanTouchpoints = orphans
  }

  /// Whether the events are folded (read in time order per customer) rather than held.
  public var isFolded: Bool { folded != nil }

  /// The id bytes of customer `k`.
  public func customerID(_ k: Int) -> ArraySlice<UInt8> { customers.id(k) }

  /// Emits every customer's state in every period from their first to the last, customer by
  /// customer in first-seen order: `body(customer, period, phase, pattern)`. Completes the
  /// ``report`` (merged moves, early touchpoints).
  ///
  /// - Complexity: O(events + customer-periods).
  public mutating func replay(_ body: (Int, Int, Int, UInt64) -> Void) {
    var timeline = PeriodTimeline(origin: origin, last: last)
    if let folded {
      var mine: [PeriodTimeline.FoldedBucket] = []
      for k in folded.folds.indices where folded.folds[k].hasEntered {
        // The customer's buckets, linked last to first.
        mine.removeAll(keepingCapacity: true)
        var i = folded.folds[k].link
        while i >= 0 {
          mine.append(folded.buckets[Int(i)])
          i = folded.previous[Int(i)]
        }
        mine.reverse()
        mine.withUnsafeBufferPointer { b in
          timeline.emit(fold: folded.folds[k], buckets: b) { t, phase, pattern in body(k, t, phase, pattern) }
        }
      }
      report.supersededEvents = foldCounts.supersededEvents
      report.multiMovePeriods = foldCounts.multiMovePeriods
    } else {
      let n = customers.count
      let stageStart = stageStart
      let touchStart = touchStart
      let touches = touches
      stages.withUnsafeBufferPointer { all in
        touches.withUnsafeBufferPointer { allTouches in
          for k in 0..<n where stageStart[k + 1] > stageStart[k] {
            let mine = UnsafeBufferPointer(rebasing: all[stageStart[k]..<stageStart[k + 1]])
            let theirs = UnsafeBufferPointer(rebasing: allTouches[touchStart[k]..<touchStart[k + 1]])
            timeline.emit(stages: mine, touchBuffer: theirs) { t, phase, pattern in
              body(k, t, phase, pattern)
            }
          }
        }
      }
      report.supersededEvents = timeline.supersededEvents
      report.multiMovePeriods = timeline.multiMovePeriods
    }
    report.customerPeriods = timeline.customerPeriods
    report.earlyTouchpoints = timeline.earlyTouchpoints
  }

  /// The transition counts of the history (what `journey fit --events` fits).
  ///
  /// - Parameter holdout: The share of customers held out, by a hash of their id.
  public mutating func accumulate(holdout: Double) -> JourneyLogSummary {
    var accumulator = TransitionAccumulator(vocabulary: vocabulary, holdoutFraction: holdout)
    let customers = customers
    var current = -1
    var number = 0
    replay { k, t, phase, pattern in
      if k != current {
        current = k
        number = customers.id(k).withUnsafeBufferPointer { accumulator.customer(id: $0) }
      }
      _ = accumulator.observe(customer: number, period: t, phase: phase, pattern: pattern)
    }
    var summary = accumulator.finish()
    summary.vocabulary = Vocabulary(phases: phases, channels: channels)
    if vocabulary.seasonLength > 0 { summary.vocabulary.seasonLength = vocabulary.seasonLength }
    return summary
  }

  /// Writes the history as a journey log (``JourneyLogFormat``): one row per customer and
  /// period, customer by customer, through `write` in blocks of about 1 MiB.
  ///
  /// - Throws: What `write` throws; ``InputError`` for a channel name the log cannot hold.
  public mutating func writeJourneyLog(
    neutraliseFormulas: Bool = true, _ write: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    let format = try JourneyLogFormat(
      phases: phases, channels: channels, segments: nil, neutraliseFormulas: neutraliseFormulas, file: "channels")
    let out = format.rowBuffer(capacity: 1 << 20 + 4096)
    out.append(format.header.utf8)
    var current = -1
    var field: [UInt8] = []
    var plain: UnsafeBufferPointer<UInt8>?
    var failure: Error?
    let customers = customers
    customers.withArena { arena in
      replay { k, t, phase, pattern in
        guard failure == nil else { return }
        if k != current {
          current = k
          let id = UnsafeBufferPointer(rebasing: arena[customers.range(k)])
          plain = Self.isPlainField(id, neutraliseFormulas: neutraliseFormulas) ? id : nil
          if plain == nil {
            field = CSV.fieldBytes(String(decoding: id, as: UTF8.self), neutraliseFormulas: neutraliseFormulas)
          }
        }
        if let plain {
          out.appendRow(customerField: plain, period: t, phase: phase, channels: pattern, segment: 0)
        } else {
          field.withUnsafeBufferPointer {
            out.appendRow(customerField: $0, period: t, phase: phase, channels: pattern, segment: 0)
          }
        }
        if out.count >= 1 << 20 {
          do { try write(out.bytes) } catch { failure = error }
          out.removeAll()
        }
      }
    }
    if let failure { throw failure }
    if out.count > 0 { try write(out.bytes) }
  }

  /// Whether an id is its own CSV field: ASCII (so that decoding it as UTF-8 changes
  /// nothing), no quoting and no formula guard needed.
  /// Conservative: an id it rejects takes ``CSV/fieldBytes(_:neutraliseFormulas:)``.
  static func isPlainField(_ id: UnsafeBufferPointer<UInt8>, neutraliseFormulas: Bool) -> Bool {
    guard let first = id.first, let last = id.last else { return true }
    if first == 32 || first == 9 || last == 32 || last == 9 { return false }
    if neutraliseFormulas {
      switch first {
      case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), UInt8(ascii: "'"), 13: return false
      default: break
      }
    }
    for b in id where b >= 0x80 || b == CSV.separator || b == CSV.quote || b == 10 || b == 13 { return false }
    return true
  }
}
