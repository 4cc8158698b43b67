import JourneyModel

/// The three ways to move a population through a scenario.
public enum Engine: String, Sendable, CaseIterable, Equatable, Codable {
  /// Every customer's exposures and next phase; can write the journey log.
  case individual
  /// Multinomial counts per (segment, phase, exposure pattern); cost independent of N.
  case cohort
  /// The mean recursion `x(t+1) = x(t)·P̄(t)`, mean-field for organic channels.
  case expected
}

/// Per-period figures of one simulation run.
///
/// Period `t` runs from its start counts ``phaseCounts``[t] to ``phaseCounts``[t+1]; the
/// last row of ``phaseCounts`` is the population after the horizon. Arrivals join at the
/// end of each period. Counts are exact integers for the Monte Carlo engines and means for
/// the expected engine.
public struct SimulationResult: Sendable, Equatable {
  public var scenario: String
  public var engine: Engine
  public var seed: UInt64
  public var phases: [String]
  public var channels: [String]
  /// `[t][i]`: customers in phase `i` at the start of period `t`; `horizon + 1` rows.
  public var phaseCounts: [[Double]]
  /// `[t][i]`: entries into phase `i` during period `t` (moves from another phase).
  public var entries: [[Double]]
  /// `[t]`: entries into conversion phases.
  public var conversions: [Double]
  /// `[t]`: value of those entries.
  public var revenue: [Double]
  /// `[t][c]`: spend per channel (0 for organic channels).
  public var spend: [[Double]]
  /// `[t][c]`: probability that a customer meets channel `c` in period `t`.
  public var exposure: [[Double]]
  /// The calendar period of row 0 (the start state's period; 0 from the scenario's start).
  public var startPeriod = 0
  /// Segment names, parallel to ``finalSegmentCounts``.
  public var segments: [String] = []
  /// `[s][i]`: customers of segment `s` in phase `i` after the horizon.
  public var finalSegmentCounts: [[Double]] = []
  /// `[c]`: adstock after the horizon's last period (0 for organic channels).
  public var finalAdstock: [Double] = []

  public init(
    scenario: String, engine: Engine, seed: UInt64, phases: [String], channels: [String]
  ) {
    self.scenario = scenario
    self.engine = engine
    self.seed = seed
    self.phases = phases
    self.channels = channels
    phaseCounts = []
    entries = []
    conversions = []
    revenue = []
    spend = []
    exposure = []
  }

  public var horizon: Int { conversions.count }

  /// Total spend of period `t` over all channels.
  public func totalSpend(at t: Int) -> Double { spend[t].reduce(0, +) }

  /// Expected customers reached by channel `c` in period `t`: `N(t) · p_c(t)`.
  public func reach(at t: Int, channel c: Int) -> Double {
    phaseCounts[t].reduce(0, +) * exposure[t][c]
  }

  /// Cost per acquisition of period `t`, `nil` without conversions.
  public func costPerAcquisition(at t: Int) -> Double? {
    conversions[t] > 0 ? totalSpend(at: t) / conversions[t] : nil
  }

  public var totalConversions: Double { conversions.reduce(0, +) }
  public var totalRevenue: Double { revenue.reduce(0, +) }
  public var totalSpend: Double { spend.reduce(0) { $0 + $1.reduce(0, +) } }
  public var finalCounts: [Double] { phaseCounts.last ?? [] }

  /// The state after the horizon: it stands at calendar period `startPeriod + horizon`,
  /// the period a continuation starts with.
  public var endState: StartState {
    StartState(
      period: startPeriod + horizon, segments: segments, counts: finalSegmentCounts, adstock: finalAdstock,
      adstockSource: .spend)
  }

  mutating func record(
    start counts: [Double], entries e: [Double], spend s: [Double], exposure p: [Double],
    phases: [Phase]
  ) {
    phaseCounts.append(counts)
    entries.append(e)
    spend.append(s)
    exposure.append(p)
    var conv = 0.0
    var rev = 0.0
    for (i, phase) in phases.enumerated() where phase.isConversion {
      conv += e[i]
      rev += e[i] * phase.value
    }
    conversions.append(conv)
    revenue.append(rev)
  }
}
