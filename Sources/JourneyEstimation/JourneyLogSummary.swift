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
/// `customers[t]` is the number of customers with a row in period `firstPeriod + t` (the
/// market), `exposed[t][c]` how many of them met channel `c` in that period, and
/// `phases[t][i]` how many of them were in phase `i` at its start (the drivers of organic
/// channels).
public struct ExposureCounts: Sendable, Equatable {
  public var firstPeriod = 0
  public var customers: [Int] = []
  public var exposed: [[Int]] = []
  /// `[t][i]`: customers in phase `i` at the start of period `firstPeriod + t` (empty
  /// when not counted).
  public var phases: [[Int]] = []
  public init() {}
  public init(firstPeriod: Int, customers: [Int], exposed: [[Int]], phases: [[Int]] = []) {
    self.firstPeriod = firstPeriod
    self.customers = customers
    self.exposed = exposed
    self.phases = phases
  }
}
