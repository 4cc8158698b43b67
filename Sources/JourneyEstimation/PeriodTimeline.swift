/// Turns one customer's timed stage events and touchpoints into their state in every
/// period: the one piece of period logic of every timed source (raw exports, event
/// tables, CRM stage histories).
///
/// **Phases.** A customer enters the market in the period `f` of their first stage event,
/// in that event's phase. For every later period `t`, the phase is the one in effect when
/// `t` starts: that of the last stage event before `t`, carried forward for as long as no
/// new event arrives, up to the history's last period (open records are right-censored
/// there, never extended by invented events). So when several stage events fall in one
/// period only the last one counts (for the next period) and, in the entry period, also
/// the first: the period's transition is origin → last phase. The events in between are
/// counted in ``supersededEvents``; periods with two or more phase changes in
/// ``multiMovePeriods``. Events before period 0 only set the phase the customer starts
/// period 0 in.
///
/// **Exposures.** The channels of the touchpoints in period `t` form the exposure pattern of
/// `t`; touchpoints before the customer's first period (or before period 0) are counted
/// in ``earlyTouchpoints`` and otherwise ignored.
///
/// ```swift
/// var timeline = PeriodTimeline(origin: bucket0, last: 51)
/// timeline.emit(stages: sortedStages, touches: touches) { period, phase, pattern in
///   _ = accumulator.observe(customer: k, period: period, phase: phase, pattern: pattern)
/// }
/// ```
///
/// - Complexity: O(events + periods from the customer's first to the last) per customer;
///   memory O(periods) of scratch space, reused.
public struct PeriodTimeline {
  /// A stage event: its instant (for order within a period), its place in the input (ties),
  /// its calendar bucket and its phase.
  public struct Stage: Sendable {
    public var time: Int64
    public var order: Int32
    public var bucket: Int32
    public var phase: Int32
    public init(time: Int64, order: Int32, bucket: Int32, phase: Int32) {
      self.time = time
      self.order = order
      self.bucket = bucket
      self.phase = phase
    }
  }

  /// The calendar bucket of period 0.
  public let origin: Int
  /// The last period (index from 0) of the history.
  public let last: Int
  /// Stage events whose phase no period starts in (superseded within their period).
  public private(set) var supersededEvents = 0
  /// Customer-periods with two or more phase changes.
  public private(set) var multiMovePeriods = 0
  /// Customer-periods emitted.
  public private(set) var customerPeriods = 0
  /// Touchpoints before their customer's first period, or before period 0.
  public private(set) var earlyTouchpoints = 0
  /// Customers with no period in the history (every event after its end).
  public private(set) var customersAfterEnd = 0
  var patterns: [UInt64]

  /// A timeline whose period 0 is the bucket `origin` and whose last period is `last`.
  public init(origin: Int, last: Int) {
    self.origin = origin
    self.last = last
    patterns = [UInt64](repeating: 0, count: Swift.max(0, last + 1))
  }

  /// Emits one customer's states, period by period from their first to ``last``.
  ///
  /// - Parameters:
  ///   - stages: The customer's stage events sorted by (time, order); at least one.
  ///   - touchBuffer: The customer's touchpoints as (bucket, channel), in any order.
  ///   - state: Called with (period, phase, pattern) for every period, in order.
  public mutating func emit(
    stages: UnsafeBufferPointer<Stage>, touchBuffer: UnsafeBufferPointer<(bucket: Int32, channel: Int32)>,
    _ state: (Int, Int, UInt64) -> Void
  ) {
    // Specialised here: a caller in another module would otherwise run the generic one.
    emit(stages: stages, touches: touchBuffer, state)
  }

  /// ``emit(stages:touchBuffer:_:)`` for touchpoints in any sequence.
  public mutating func emit<S: Sequence<(bucket: Int32, channel: Int32)>>(
    stages: UnsafeBufferPointer<Stage>, touches: S, _ state: (Int, Int, UInt64) -> Void
  ) {
    let first = Int(stages[0].bucket) - origin
    // Events superseded within their period, and periods of several moves.
    var j = 0
    var phase = stages[0].phase
    while j < stages.count {
      var e = j
      while e + 1 < stages.count && stages[e + 1].bucket == stages[j].bucket { e += 1 }
      let entry = Int(stages[j].bucket) - origin == first
      supersededEvents += Swift.max(0, e - j + 1 - (entry ? 2 : 1))
      // In the entry period the first event sets the phase the customer enters in.
      var moves = 0
      var k = entry ? j + 1 : j
      while k <= e {
        if stages[k].phase != phase {
          moves += 1
          phase = stages[k].phase
        }
        k += 1
      }
      if moves >= 2 { multiMovePeriods += 1 }
      j = e + 1
    }
    let firstRow = Swift.max(first, 0)
    if firstRow > last {
      customersAfterEnd += 1
      return
    }
    var touched = false
    for (bucket, channel) in touches {
      let t = Int(bucket) - origin
      if t < firstRow { earlyTouchpoints += 1; continue }
      if t > last { continue }
      patterns[t] |= 1 << UInt64(channel)
      touched = true
    }
    // The phase at the start of `firstRow`: the first event's, or the last one before it.
    phase = stages[0].phase
    var next = 0
    for t in firstRow...last {
      if t > first {
        while next < stages.count && Int(stages[next].bucket) - origin < t {
          phase = stages[next].phase
          next += 1
        }
      }
      state(t, Int(phase), patterns[t])
    }
    customerPeriods += last - firstRow + 1
    if touched {
      for t in firstRow...last { patterns[t] = 0 }
    }
  }
}

extension PeriodTimeline {
  /// One customer's events of one calendar bucket, folded: the channels met in it and the
  /// phase of its last stage event (-1 when it has none).
  public struct FoldedBucket: Sendable, Equatable {
    public var pattern: UInt64
    public var bucket: Int32
    public var phase: Int32
    public init(pattern: UInt64, bucket: Int32, phase: Int32) {
      self.pattern = pattern
      self.bucket = bucket
      self.phase = phase
    }
  }

  /// Counters a ``Fold`` adds to as it closes buckets: the ``supersededEvents`` and
  /// ``multiMovePeriods`` the events give, whatever the history's first and last period.
  public struct FoldCounts: Sendable, Equatable {
    public var supersededEvents = 0
    public var multiMovePeriods = 0
    public init() {}
  }

  /// One customer's events folded as they arrive in time order, in constant memory: what
  /// ``emit(fold:buckets:_:)`` needs to give the same states and counters as
  /// ``emit(stages:touchBuffer:_:)`` on the customer's events, whatever period 0 and the
  /// last period turn out to be.
  ///
  /// A stage event must not come before the customer's previous stage event (equal times
  /// keep their arrival order), and no event may fall in a bucket before the customer's
  /// latest one; ``stage(time:bucket:phase:startBucket:counts:)`` and
  /// ``touch(bucket:channel:startBucket:counts:)`` refuse such an event (returning `nil`,
  /// with nothing changed) so that the caller can fall back to sorting the events.
  /// Each call returns the bucket it closed (a customer's bucket closes when an event of a
  /// later bucket arrives) when that bucket matters for the periods: one with a stage
  /// event, or touchpoints after the first stage event.
  ///
  /// ```swift
  /// var fold = PeriodTimeline.Fold()
  /// var counts = PeriodTimeline.FoldCounts()
  /// if let closed = fold.stage(time: t, bucket: b, phase: 2, startBucket: nil, counts: &counts) {
  ///   if let bucket = closed { buckets.append(bucket) }
  /// } else { /* out of order: sort instead */ }
  /// ```
  ///
  /// - Complexity: O(1) per event; 64 bytes.
  public struct Fold: Sendable {
    /// The open bucket (`bucket` `Int32.min` before the first event).
    public private(set) var open = FoldedBucket(pattern: 0, bucket: .min, phase: -1)
    /// The time of the latest stage event.
    var lastTime = Int64.min
    /// The bucket and phase of the first stage event (`entryBucket` `Int32.min` before it).
    public private(set) var entryBucket = Int32.min
    public private(set) var entryPhase: Int32 = -1
    /// The phase after the latest stage event.
    var phase: Int32 = -1
    /// Stage events, phase changes (up to 2) and touchpoints in the open bucket.
    var openStages: Int32 = 0
    var openMoves: Int32 = 0
    var openTouches: Int32 = 0
    /// All touchpoints, and those before the customer's first period (before the first
    /// stage event's bucket or before `startBucket`).
    public private(set) var touches: Int32 = 0
    public private(set) var earlyTouches: Int32 = 0
    /// The caller's: where it keeps the customer's last closed bucket (-1 for none).
    public var link: Int32 = -1

    public init() {}

    /// Whether the customer has a stage event.
    public var hasEntered: Bool { entryBucket != .min }

    /// Adds a stage event of bucket `bucket`; `startBucket` is the bucket of period 0 when
    /// it is fixed in advance (`--start`).
    ///
    /// - Returns: `nil` when the event comes before the customer's previous one (nothing
    ///   changed); else the bucket it closed, if any (`.some(nil)` when none).
    public mutating func stage(
      time: Int64, bucket: Int32, phase code: Int32, startBucket: Int?, counts: inout FoldCounts
    ) -> FoldedBucket?? {
      guard time >= lastTime, bucket >= open.bucket else { return nil }
      let closed = bucket > open.bucket ? close(counts: &counts, next: bucket) : nil
      lastTime = time
      openStages += 1
      if entryBucket == .min {
        entryBucket = bucket
        entryPhase = code
        phase = code
        // Touchpoints of earlier buckets are before the first period; so are the open
        // bucket's when it lies before period 0.
        earlyTouches = touches - openTouches
        if let startBucket, Int(bucket) < startBucket { earlyTouches += openTouches }
      } else if code != phase {
        openMoves = Swift.min(openMoves + 1, 2)
        phase = code
      }
      open.phase = phase
      return .some(closed)
    }

    /// Adds a touchpoint of channel `channel` (a bit of the pattern) in bucket `bucket`.
    ///
    /// - Returns: as ``stage(time:bucket:phase:startBucket:counts:)``.
    public mutating func touch(bucket: Int32, channel: Int32, startBucket: Int?, counts: inout FoldCounts) -> FoldedBucket?? {
      guard bucket >= open.bucket else { return nil }
      let closed = bucket > open.bucket ? close(counts: &counts, next: bucket) : nil
      touches += 1
      openTouches += 1
      open.pattern |= 1 << UInt64(channel)
      if entryBucket != .min, let startBucket, Int(bucket) < startBucket { earlyTouches += 1 }
      return .some(closed)
    }

    /// Closes the open bucket and opens `next`; returns the closed bucket when it matters.
    mutating func close(counts: inout FoldCounts, next: Int32) -> FoldedBucket? {
      let closed = open
      let hadStages = openStages > 0
      if hadStages {
        let isEntry = closed.bucket == entryBucket
        counts.supersededEvents += Swift.max(0, Int(openStages) - (isEntry ? 2 : 1))
        if openMoves >= 2 { counts.multiMovePeriods += 1 }
      }
      open = FoldedBucket(pattern: 0, bucket: next, phase: -1)
      openStages = 0
      openMoves = 0
      openTouches = 0
      // Before the first stage event a bucket only holds early touchpoints.
      return closed.bucket != .min && entryBucket != .min ? closed : nil
    }

    /// Closes the open bucket at the end of the input (see ``Fold``).
    public mutating func finish(counts: inout FoldCounts) -> FoldedBucket? {
      guard open.bucket != .min else { return nil }
      return close(counts: &counts, next: .min)
    }
  }

  /// Emits the states of a customer folded by a ``Fold``: the same as
  /// ``emit(stages:touchBuffer:_:)`` on the customer's events, except for
  /// ``supersededEvents`` and ``multiMovePeriods`` (the fold's ``FoldCounts``).
  ///
  /// - Parameters:
  ///   - fold: The customer's fold, after ``Fold/finish(counts:)``; it has entered.
  ///   - buckets: The buckets the fold closed, in order.
  ///   - state: Called with (period, phase, pattern) for every period, in order.
  public mutating func emit(fold: Fold, buckets: UnsafeBufferPointer<FoldedBucket>, _ state: (Int, Int, UInt64) -> Void) {
    let first = Int(fold.entryBucket) - origin
    let firstRow = Swift.max(first, 0)
    if firstRow > last {
      customersAfterEnd += 1
      return
    }
    earlyTouchpoints += Int(fold.earlyTouches)
    var phase = fold.entryPhase
    var next = 0
    var seen = 0
    for t in firstRow...last {
      if t > first {
        while next < buckets.count && Int(buckets[next].bucket) - origin < t {
          if buckets[next].phase >= 0 { phase = buckets[next].phase }
          next += 1
        }
      }
      while seen < buckets.count && Int(buckets[seen].bucket) - origin < t { seen += 1 }
      let pattern = seen < buckets.count && Int(buckets[seen].bucket) - origin == t ? buckets[seen].pattern : 0
      state(t, Int(phase), pattern)
    }
    customerPeriods += last - firstRow + 1
  }
}
