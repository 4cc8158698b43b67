/// A complete, validated description of a customer journey under a budget plan.
///
/// Built by `Scenario.load(path:)` (JourneyFormats) or ``Scenario/parse(text:file:)`` from a YAML or JSON
/// scenario file; every index refers to ``phases`` or ``channels``.
public struct Scenario: Sendable, Equatable {
  public var name: String
  public var period: PeriodUnit
  /// Number of periods simulated, `T`.
  public var horizon: Int
  public var seed: UInt64
  public var population: Population
  public var phases: [Phase]
  public var channels: [Channel]
  /// At least one segment; shares sum to 1.
  public var segments: [Segment]
  /// Optional multipliers on the baseline odds of leaving any phase, applied cyclically
  /// (period `t` uses `seasonality[t % count]`).
  public var seasonality: [Double]?
  /// The `import:` block: the column of each role (`customer`, `time`, `stage`, `channel`,
  /// `revenue`) in the event tables `journey import` and `journey fit --events` read with
  /// this model. Not written back by the encoder.
  public var importColumns: [String: String] = [:]
  /// The ISO 4217 code of money figures (spend, revenue, phase values), `nil` when not
  /// given (see ``Currency``).
  public var currency: String?

  public struct Population: Sendable, Equatable {
    /// Customers in the market at period 0.
    public var size: Int
    /// Share of the initial population in each phase (sums to 1).
    public var initial: [Double]
    /// New customers joining at the end of every period.
    public var arrivals: Int
    /// Share of arrivals in each phase (sums to 1).
    public var arrivalPhases: [Double]

    public init(size: Int, initial: [Double], arrivals: Int = 0, arrivalPhases: [Double]) {
      self.size = size
      self.initial = initial
      self.arrivals = arrivals
      self.arrivalPhases = arrivalPhases
    }
  }

  public init(
    name: String, period: PeriodUnit = .week, horizon: Int, seed: UInt64 = 0,
    population: Population, phases: [Phase], channels: [Channel], segments: [Segment],
    seasonality: [Double]? = nil
  ) {
    self.name = name
    self.period = period
    self.horizon = horizon
    self.seed = seed
    self.population = population
    self.phases = phases
    self.channels = channels
    self.segments = segments
    self.seasonality = seasonality
  }

  /// The most segments a scenario may have (the individual engine keeps a customer's
  /// segment in one byte).
  public static let maxSegments = Limits.maxSegments

  /// The most customers a scenario may hold: its initial size, its arrivals per period, and
  /// its size plus arrivals over the horizon (at most 10^12).
  public static let maxCustomers = 1_000_000_000_000

  public var phaseCount: Int { phases.count }
  public var channelCount: Int { channels.count }

  public func phaseIndex(named name: String) -> Int? { phases.firstIndex { $0.name == name } }
  public func channelIndex(named name: String) -> Int? { channels.firstIndex { $0.name == name } }

  /// The odds multiplier of period `t` (1 without seasonality).
  public func oddsMultiplier(at t: Int) -> Double {
    guard let seasonality, !seasonality.isEmpty else { return 1 }
    return seasonality[t % seasonality.count]
  }

  /// Spend of every channel in period `t` (0 for organic channels).
  public func spend(at t: Int) -> [Double] {
    channels.map { channel in
      if case .paid(let plan, _, _) = channel.kind { return plan.spend(at: t) }
      return 0
    }
  }
}
