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
