import Foundation

/// `summary.json`, written by `journey simulate` and read by `journey report` and by a
/// budget scenario's `start: { history: summary.json }` (its `history_end`, or in files
/// written before it existed its `final` counts at period `horizon`).
///
/// Fields are optional for readers (`journey report` draws what is there); `journey
/// simulate` writes them all, CPA and ROI when defined, analytics when computed.
public struct SummaryFile: JSONFileFormat, Equatable {
  public static let formatName = "journeykit-simulation"
  public static let formatVersion = 1
  public static let producer = "journey simulate"

  public struct Totals: Codable, Sendable, Equatable {
    public var conversions: Double?
    public var revenue: Double?
    public var spend: Double?
    public var cpa: Double?
    public var roi: Double?

    public init(
      conversions: Double? = nil, revenue: Double? = nil, spend: Double? = nil, cpa: Double? = nil, roi: Double? = nil
    ) {
      self.conversions = conversions
      self.revenue = revenue
      self.spend = spend
      self.cpa = cpa
      self.roi = roi
    }
  }

  public struct Period: Codable, Sendable, Equatable {
    public var period: Int?
    public var spend: Double?
    public var conversions: Double?
    public var revenue: Double?
    public var cpa: Double?
    /// Customers per phase at the start of the period.
    public var counts: [String: Double]?
    public var entries: [String: Double]?
    public var spendByChannel: [String: Double]?
    public var exposure: [String: Double]?

    enum CodingKeys: String, CodingKey {
      case period, spend, conversions, revenue, cpa, counts, entries, exposure
      case spendByChannel = "spend_by_channel"
    }

    public init(
      period: Int? = nil, spend: Double? = nil, conversions: Double? = nil, revenue: Double? = nil, cpa: Double? = nil,
      counts: [String: Double]? = nil, entries: [String: Double]? = nil, spendByChannel: [String: Double]? = nil,
      exposure: [String: Double]? = nil
    ) {
      self.period = period
      self.spend = spend
      self.conversions = conversions
      self.revenue = revenue
      self.cpa = cpa
      self.counts = counts
      self.entries = entries
      self.spendByChannel = spendByChannel
      self.exposure = exposure
    }
  }

  public struct PhaseAnalytics: Codable, Sendable, Equatable {
    public var phase: String
    public var conversionProbability: Double?
    public var periodsToConversion: Double?
    public var periodsToAbsorption: Double?

    enum CodingKeys: String, CodingKey {
      case phase
      case conversionProbability = "conversion_probability"
      case periodsToConversion = "periods_to_conversion"
      case periodsToAbsorption = "periods_to_absorption"
    }

    public init(
      phase: String, conversionProbability: Double? = nil, periodsToConversion: Double? = nil,
      periodsToAbsorption: Double? = nil
    ) {
      self.phase = phase
      self.conversionProbability = conversionProbability
      self.periodsToConversion = periodsToConversion
      self.periodsToAbsorption = periodsToAbsorption
    }
  }

  public struct SegmentAnalytics: Codable, Sendable, Equatable {
    public var segment: String
    public var phases: [PhaseAnalytics]

    public init(segment: String, phases: [PhaseAnalytics]) {
      self.segment = segment
      self.phases = phases
    }
  }

  public struct Analytics: Codable, Sendable, Equatable {
    public var steadyExposure: [String: Double]?
    public var segments: [SegmentAnalytics]?

    enum CodingKeys: String, CodingKey {
      case segments
      case steadyExposure = "steady_exposure"
    }

    public init(steadyExposure: [String: Double]? = nil, segments: [SegmentAnalytics]? = nil) {
      self.steadyExposure = steadyExposure
      self.segments = segments
    }
  }

  public var format: String
  public var formatVersion: Int
  public var scenario: String?
  /// `individual`, `cohort` or `expected`.
  public var engine: String?
  public var seed: UInt64?
  public var horizon: Int?
  public var period: String?
  public var population: Double?
  public var phases: [String]?
  public var channels: [String]?
  public var totals: Totals?
  /// Customers per phase after the last period.
  public var final: [String: Double]?
  /// The state after the last period, where a forecast continues: customers per segment
  /// and phase, the calendar period after the run (`forecast_start` equal to `period`) and
  /// the adstock carried into it. Optional (older files have only ``final``).
  public var historyEnd: StartStateFile?
  public var periods: [Period]?
  public var analytics: Analytics?
  /// The absorbing phases (customers who leave for good), absent in older files.
  public var absorbing: [String]?
  /// The ISO 4217 code of spend and revenue (the scenario's `currency`), absent when none.
  public var currency: String?
  /// The scenario and model the run came from (absent in older files).
  public var source: ResultSource?

  enum CodingKeys: String, CodingKey {
    case format, scenario, engine, seed, horizon, period, population, phases, channels, totals, final, periods, analytics
    case currency, source, absorbing
    case formatVersion = "format_version"
    case historyEnd = "history_end"
  }

  public init(
    scenario: String? = nil, engine: String? = nil, seed: UInt64? = nil, horizon: Int? = nil, period: String? = nil,
    population: Double? = nil, phases: [String]? = nil, channels: [String]? = nil, totals: Totals? = nil,
    final: [String: Double]? = nil, historyEnd: StartStateFile? = nil, periods: [Period]? = nil,
    analytics: Analytics? = nil
  ) {
    format = Self.formatName
    formatVersion = Self.formatVersion
    self.scenario = scenario
    self.engine = engine
    self.seed = seed
    self.horizon = horizon
    self.period = period
    self.population = population
    self.phases = phases
    self.channels = channels
    self.totals = totals
    self.final = final
    self.historyEnd = historyEnd
    self.periods = periods
    self.analytics = analytics
  }
}
