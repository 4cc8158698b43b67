/// What a journey log holds, ready for fitting.
public struct JourneyLogSummary: Sendable {
  public var vocabulary: Vocabulary
  /// Transitions of the customers used for fitting.
  public var training: TransitionCounts
  /// Transitions of the held-out customers (empty without a hold-out fraction).
  public var holdout: TransitionCounts
  /// Data rows read (the header excluded).
  public var rows: Int
  /// Distinct customers.
  public var customers: Int
  /// Bytes held by the table of customers while reading: it grows with the number of
  /// distinct customers, whatever their ids (see ``TransitionAccumulator``).
  public var customerTableBytes = 0
  public var firstPeriod: Int
  public var lastPeriod: Int
  /// Customers by phase in their first row, for customers present in the first period.
  public var initialPhases: [Int]
  /// Customers by phase in their first row, for customers first seen later (arrivals).
  public var arrivalPhases: [Int]
  /// Customers per phase in the history's last period (where a forecast can continue).
  public var endCounts: [Int] = []
  /// `[k][i]`: ``endCounts`` per segment (parallel to ``segments``; empty without segments).
  public var endSegmentCounts: [[Int]] = []
  /// Rows in which each channel was met.
  public var channelRows: [Int]
  /// Customers in the market and customers exposed to each channel, per period.
  public var exposure: ExposureCounts = ExposureCounts()
  /// Segment names in first-seen order, when the log has a `segment` column; else empty.
  public var segments: [String] = []
  /// Transitions of the customers used for fitting, per segment (parallel to ``segments``).
  public var segmentTraining: [TransitionCounts] = []
  /// Held-out transitions per segment.
  public var segmentHoldout: [TransitionCounts] = []
  /// Distinct customers per segment.
  public var segmentCustomers: [Int] = []

  /// The summary restricted to one segment: its transitions replace the pooled ones.
  public func segment(_ k: Int) -> JourneyLogSummary {
    var s = self
    s.training = segmentTraining[k]
    s.holdout = segmentHoldout[k]
    return s
  }
}

/// Exposure counts per period: the binomial data of the reach curves.
///
/// One entry per period with at least one row, in increasing order: `customers[t]` is the
/// number of customers with a row in period `periods[t]` (the market, > 0),
/// `exposed[t][c]` how many of them met channel `c` in that period, and `phases[t][i]`
/// how many of them were in phase `i` at its start (the drivers of organic channels).
/// Periods without rows carry no information and are left out, so the counts grow with
/// the periods met, not with the span between the first and the last.
public struct ExposureCounts: Sendable, Equatable {
  /// The periods with rows, increasing.
  public var periods: [Int] = []
  public var customers: [Int] = []
  public var exposed: [[Int]] = []
  /// `[t][i]`: customers in phase `i` at the start of period `periods[t]` (empty when not
  /// counted).
  public var phases: [[Int]] = []
  public init() {}
  /// Counts of the given periods; periods without customers are left out.
  ///
  /// - Precondition: `periods` increase; `customers` and `exposed` (and `phases` unless
  ///   empty) have one entry per period.
  public init(periods: [Int], customers: [Int], exposed: [[Int]], phases: [[Int]] = []) {
    for t in periods.indices where customers[t] > 0 {
      self.periods.append(periods[t])
      self.customers.append(customers[t])
      self.exposed.append(exposed[t])
      if !phases.isEmpty { self.phases.append(phases[t]) }
    }
  }
}
