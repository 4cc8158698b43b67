import JourneyModel

/// The plausibility rules of timed events, shared by every reader that buckets timestamps
/// into periods (``RawExportReader``, the event-table, CRM and GA4 importers): checked
/// before any period is counted, so that one mistyped date (9999-12-31) or a far `--until`
/// cannot turn a few thousand events into millions of carried-forward states.
///
/// 1. **Outliers.** Let `low` and `high` be the periods of the 1st and 99th percentile of
///    all events (stage events and touchpoints together; the event at sorted index
///    ⌊0.01 (n − 1)⌋ and ⌈0.99 (n − 1)⌉). An event more than ``margin(bulk:unit:)``
///    periods before `low` or after `high` is implausible; any such event is an error
///    that counts them. Fewer than three events are never outliers.
/// 2. **Span.** From period 0 (the earliest event, or `--start`) to the last period (the
///    latest event, or `--until` where the reader extends to it) at most ``maxSpan``
///    periods (``spanProblem(origin:end:unit:what:)``).
///
/// ```swift
/// var check = EventPlausibility(unit: .week, lowest: minBucket, highest: maxBucket)
/// for b in buckets { check.count(b) }
/// if let verdict = check.verdict(), verdict.outside > 0 { … verdict.expectation … }
/// ```
///
/// - Complexity: O(1) per ``count(_:)``; ``verdict()`` O(p log p) for `p` distinct periods.
///   Memory: one counter per period between the lowest and the highest bucket when that
///   range is narrow (at most ``denseRange``), else one per distinct period.
public struct EventPlausibility: Sendable {
  /// The most periods a history may span (about 11 years of days, 77 years of weeks).
  public static let maxSpan = 4_000
  /// The widest bucket range counted in a flat array.
  public static let denseRange = 1 << 16

  /// How far an event may lie beyond the central 98% of all events: that range's own
  /// length, and at least a year (366 days, 53 weeks or 12 months).
  public static func margin(bulk: Int, unit: PeriodUnit) -> Int {
    let year: Int
    switch unit {
    case .day: year = 366
    case .week: year = 53
    case .month: year = 12
    }
    return Swift.max(bulk, year)
  }

  /// Why a history from bucket `origin` to bucket `end` is too long, or `nil`.
  ///
  /// - Parameter what: What spans the periods (`"events"`, `"exports"`).
  public static func spanProblem(origin: Int, end: Int, unit: PeriodUnit, what: String) -> String? {
    let periods = end - origin + 1
    guard periods > maxSpan else { return nil }
    return
      "the \(what) span \(periods) \(unit.rawValue)s from \(Timestamps.label(bucket: origin, unit: unit)) to \(Timestamps.label(bucket: end, unit: unit)); expected at most \(maxSpan) periods (choose a longer --period, a later --start or --from, or an earlier --until)"
  }

  /// The outcome of the outlier rule.
  public struct Verdict: Sendable, Equatable {
    public let unit: PeriodUnit
    /// The periods of the 1st and 99th percentile.
    public let low: Int
    public let high: Int
    /// The first and last plausible period.
    public let lowest: Int
    public let highest: Int
    /// Events outside `lowest…highest`, and all events.
    public let outside: Int
    public let total: Int

    /// Whether an event of period `bucket` is implausible.
    public func isOutside(_ bucket: Int) -> Bool { bucket < lowest || bucket > highest }

    /// "98% of the events fall in the weeks from … to …; expected every event between … and …".
    public var expectation: String {
      let label = { (b: Int) in Timestamps.label(bucket: b, unit: self.unit) }
      return
        "98% of the events fall in the \(unit.rawValue)s from \(label(low)) to \(label(high)); expected every event between \(label(lowest)) and \(label(highest))"
    }
  }

  public let unit: PeriodUnit
  let base: Int
  var dense: [Int]
  var sparse: [Int: Int] = [:]
  public private(set) var total = 0

  /// A check for events whose buckets lie in `lowest…highest`.
  public init(unit: PeriodUnit, lowest: Int, highest: Int) {
    self.unit = unit
    base = lowest
    let width = highest >= lowest && highest - lowest < Self.denseRange ? highest - lowest + 1 : 0
    dense = [Int](repeating: 0, count: width)
  }

  /// Counts one event of period `bucket`.
  @inline(__always)
  public mutating func count(_ bucket: Int) {
    total += 1
    let k = bucket &- base
    if k >= 0 && k < dense.count {
      dense[k] += 1
    } else {
      sparse[bucket, default: 0] += 1
    }
  }

  /// Counts `n` events of period `bucket`.
  public mutating func count(_ bucket: Int, times n: Int) {
    total += n
    let k = bucket &- base
    if k >= 0 && k < dense.count {
      dense[k] += n
    } else {
      sparse[bucket, default: 0] += n
    }
  }

  /// The periods and counts, in period order.
  func histogram() -> [(bucket: Int, count: Int)] {
    var result: [(bucket: Int, count: Int)] = []
    for (k, n) in dense.enumerated() where n > 0 { result.append((base + k, n)) }
    if !sparse.isEmpty {
      result += sparse.map { ($0.key, $0.value) }
      result.sort { $0.bucket < $1.bucket }
    }
    return result
  }

  /// The outlier rule's verdict, or `nil` for fewer than three events.
  public func verdict() -> Verdict? {
    guard total > 2 else { return nil }
    let histogram = histogram()
    /// The bucket of the event at sorted index `index`.
    func bucket(at index: Int) -> Int {
      var seen = 0
      for (b, n) in histogram {
        seen += n
        if seen > index { return b }
      }
      return histogram[histogram.count - 1].bucket
    }
    let low = bucket(at: Int((Double(total - 1) * 0.01).rounded(.down)))
    let high = bucket(at: Int((Double(total - 1) * 0.99).rounded(.up)))
    let margin = Self.margin(bulk: high - low, unit: unit)
    let outside = histogram.reduce(0) { $0 + ($1.bucket < low - margin || $1.bucket > high + margin ? $1.count : 0) }
    return Verdict(unit: unit, low: low, high: high, lowest: low - margin, highest: high + margin, outside: outside, total: total)
  }
}
