import Foundation

/// `forecast.json`, written by `journey forecast` and read by `journey report`.
public struct ForecastFile: JSONFileFormat, Equatable {
  public static let formatName = "journeykit-forecast"
  public static let formatVersion = 1
  public static let producer = "journey forecast"

  /// Mean and percentiles of a quantity across forecast replicates.
  public struct Interval: Codable, Sendable, Equatable {
    public var mean: Double?
    public var p5: Double?
    public var p50: Double?
    public var p95: Double?

    public init(mean: Double? = nil, p5: Double? = nil, p50: Double? = nil, p95: Double? = nil) {
      self.mean = mean
      self.p5 = p5
      self.p50 = p50
      self.p95 = p95
    }

    /// The central value: the median when present, else the mean.
    public var center: Double? { p50 ?? mean }
  }

  /// Figures of one plan in one period (with `period`) or over the horizon.
  public struct Period: Codable, Sendable, Equatable {
    public var period: Int?
    public var spend: Double?
    public var conversions: Interval?
    public var revenue: Interval?
    /// Spend per mean conversion; absent without conversions.
    public var cpa: Double?
    /// `(mean revenue − spend) / spend`; absent without spend.
    public var roi: Double?
    /// Conversions against the baseline (the first plan), per replicate.
    public var increment: Interval?

    public init(
      period: Int? = nil, spend: Double? = nil, conversions: Interval? = nil, revenue: Interval? = nil,
      cpa: Double? = nil, roi: Double? = nil, increment: Interval? = nil
    ) {
      self.period = period
      self.spend = spend
      self.conversions = conversions
      self.revenue = revenue
      self.cpa = cpa
      self.roi = roi
      self.increment = increment
    }
  }

  public typealias Totals = Period

  public struct Plan: Codable, Sendable, Equatable {
    public var name: String
    public var periods: [Period]?
    public var totals: Totals?
    public var finalCounts: [String: Double]?
    public var spendByChannel: [String: Double]?

    enum CodingKeys: String, CodingKey {
      case name, periods, totals
      case finalCounts = "final_counts"
      case spendByChannel = "spend_by_channel"
    }

    public init(
      name: String, periods: [Period]? = nil, totals: Totals? = nil, finalCounts: [String: Double]? = nil,
      spendByChannel: [String: Double]? = nil
    ) {
      self.name = name
      self.periods = periods
      self.totals = totals
      self.finalCounts = finalCounts
      self.spendByChannel = spendByChannel
    }
  }

  public var format: String
  public var formatVersion: Int
  public var scenario: String?
  public var model: String?
  public var seed: UInt64?
  public var replicates: Int?
  public var horizon: Int?
  public var period: String?
  public var parameterUncertainty: Bool?
  public var note: String?
  public var phases: [String]?
  public var channels: [String]?
  public var plans: [Plan]?
  /// The calendar period of forecast period 0: the first period after the history for a
  /// forecast from a history (`start: { history: }`), else 0. Optional (older files: 0).
  public var startPeriod: Int?
  /// The history's state the forecast continued from; absent for other starts.
  public var startState: StartStateFile?
  /// The history file that state was read from (`start: { history: FILE }`, as resolved
  /// against the budget file); absent for other starts.
  public var startHistory: String?
  /// The absorbing phases (customers who leave for good), absent in older files.
  public var absorbing: [String]?
  /// The ISO 4217 code of spend and revenue (the budget's or model's `currency`), absent when none.
  public var currency: String?
  /// The budget and model the forecast came from (absent in older files).
  public var source: ResultSource?

  enum CodingKeys: String, CodingKey {
    case format, scenario, model, seed, replicates, horizon, period, note, phases, channels, plans
    case currency, source, absorbing
    case formatVersion = "format_version"
    case parameterUncertainty = "parameter_uncertainty"
    case startPeriod = "start_period"
    case startState = "start_state"
    case startHistory = "start_history"
  }

  public init(
    scenario: String? = nil, model: String? = nil, seed: UInt64? = nil, replicates: Int? = nil, horizon: Int? = nil,
    period: String? = nil, parameterUncertainty: Bool? = nil, note: String? = nil, phases: [String]? = nil,
    channels: [String]? = nil, plans: [Plan]? = nil, startPeriod: Int? = nil, startState: StartStateFile? = nil,
    startHistory: String? = nil
  ) {
    format = Self.formatName
    formatVersion = Self.formatVersion
    self.scenario = scenario
    self.model = model
    self.seed = seed
    self.replicates = replicates
    self.horizon = horizon
    self.period = period
    self.parameterUncertainty = parameterUncertainty
    self.note = note
    self.phases = phases
    self.channels = channels
    self.plans = plans
    self.startPeriod = startPeriod
    self.startState = startState
    self.startHistory = startHistory
  }
}

/// `optimize.json`, written by `journey optimize` and read by `journey report`.
///
/// Money is in the scenario's spend units (no currency symbol). The three reference
/// figures separate the money from the mix: ``baselineExpected`` is the model's own plan
/// (its money ``ownPlanSpend`` and its mix), ``scaledPlanExpected`` the same plan scaled
/// to ``total`` (same mix, new money), ``expected`` the optimum; ``mixGain`` = optimum −
/// scaled plan (the reallocation at equal budget), ``moneyEffect`` = scaled plan − own plan
/// (the budget change).
public struct OptimizeFile: JSONFileFormat, Equatable {
  public static let formatName = "journeykit-optimization"
  public static let formatVersion = 1
  public static let producer = "journey optimize"

  public struct CurvePoint: Codable, Sendable, Equatable {
    public var spend: Double
    public var value: Double

    public init(spend: Double, value: Double) {
      self.spend = spend
      self.value = value
    }
  }

  /// The gain of the optimum over the model's own plan scaled to the same total, under
  /// parameter draws from a fit's covariance.
  public struct GainInterval: Codable, Sendable, Equatable {
    public var draws: Int
    public var seed: UInt64
    /// Mean over the draws of `F(optimum) − F(scaled own plan)`.
    public var mean: Double
    /// 5% and 95% quantiles of the gain (a 90% interval).
    public var p5: Double
    public var p95: Double
    /// Share of draws in which the optimum beats the scaled own plan.
    public var probabilityBetter: Double
    /// The fit report the covariance came from.
    public var fit: String?

    enum CodingKeys: String, CodingKey {
      case draws, seed, mean, p5, p95, fit
      case probabilityBetter = "probability_better"
    }

    public init(draws: Int, seed: UInt64, mean: Double, p5: Double, p95: Double, probabilityBetter: Double, fit: String?) {
      self.draws = draws
      self.seed = seed
      self.mean = mean
      self.p5 = p5
      self.p95 = p95
      self.probabilityBetter = probabilityBetter
      self.fit = fit
    }
  }

  /// Target-efficiency mode: the largest total whose average cost per incremental
  /// conversion (`cpa`) or incremental revenue per spend (`roas`) meets the target.
  public struct Target: Codable, Sendable, Equatable {
    /// `cpa` or `roas`.
    public var kind: String
    public var value: Double
    /// Whether some positive total meets the target.
    public var met: Bool
    /// At the chosen total: spend / incremental conversions (cpa) or incremental revenue / spend (roas).
    public var average: Double?
    /// At the chosen total: 1 / marginal conversions per spend (cpa) or marginal revenue per spend (roas).
    public var marginal: Double?
    /// The objective with no paid spend at all (what increments are measured from).
    public var zeroSpendExpected: Double?

    enum CodingKeys: String, CodingKey {
      case kind, value, met, average, marginal
      case zeroSpendExpected = "zero_spend_expected"
    }

    public init(kind: String, value: Double, met: Bool, average: Double?, marginal: Double?, zeroSpendExpected: Double?) {
      self.kind = kind
      self.value = value
      self.met = met
      self.average = average
      self.marginal = marginal
      self.zeroSpendExpected = zeroSpendExpected
    }
  }

  public var format: String
  public var formatVersion: Int
  public var scenario: String?
  public var model: String?
  /// `conversions` or `value`.
  public var objective: String?
  public var total: Double?
  public var perPeriod: Bool?
  public var horizon: Int?
  /// Channel totals over the horizon.
  public var allocation: [String: Double]?
  /// With `per_period`: each channel's spend per period.
  public var allocationByPeriod: [String: [Double]]?
  /// The objective at the optimum.
  public var expected: Double?
  /// The objective with the model's own plan (its own money and mix).
  public var baselineExpected: Double?
  /// Total spend of the model's own plan over the horizon.
  public var ownPlanSpend: Double?
  /// The objective with the model's own plan scaled to ``total`` (same mix, new money).
  public var scaledPlanExpected: Double?
  /// The gain from the mix at equal budget: ``expected`` − ``scaledPlanExpected``.
  public var mixGain: Double?
  /// The effect of the money: ``scaledPlanExpected`` − ``baselineExpected``.
  public var moneyEffect: Double?
  /// Marginal objective per unit of spend (kept for readers of earlier files; prefer
  /// ``marginalPer1000``).
  public var marginal: [String: Double]?
  /// Marginal objective per 1,000 of spend at the optimum.
  public var marginalPer1000: [String: Double]?
  /// `[min, max]` per channel.
  public var bounds: [String: [Double]]?
  /// With `per_period`: `[min, max]` of each channel's spend in every period.
  public var periodBounds: [String: [Double]]?
  /// With `per_period`: the largest relative change of a channel's spend between periods.
  public var maxChange: Double?
  public var responseCurves: [String: [CurvePoint]]?
  public var converged: Bool?
  public var iterations: Int?
  /// The ISO 4217 code of spend and revenue (the budget's or model's `currency`), absent when none.
  public var currency: String?
  /// The budget and model the optimisation came from (absent when the writer sets none).
  public var source: ResultSource?
  /// `none`, or where the parameter draws of ``gainInterval`` came from.
  public var parameterUncertainty: String?
  public var gainInterval: GainInterval?
  public var target: Target?

  enum CodingKeys: String, CodingKey {
    case format, scenario, model, objective, total, horizon, allocation, expected, marginal, bounds, converged, iterations
    case currency, source, target
    case formatVersion = "format_version"
    case perPeriod = "per_period"
    case allocationByPeriod = "allocation_by_period"
    case baselineExpected = "baseline_expected"
    case ownPlanSpend = "own_plan_spend"
    case scaledPlanExpected = "scaled_plan_expected"
    case mixGain = "mix_gain"
    case moneyEffect = "money_effect"
    case marginalPer1000 = "marginal_per_1000"
    case periodBounds = "period_bounds"
    case maxChange = "max_change"
    case responseCurves = "response_curves"
    case parameterUncertainty = "parameter_uncertainty"
    case gainInterval = "gain_interval"
  }

  public init(
    scenario: String? = nil, model: String? = nil, objective: String? = nil, total: Double? = nil,
    perPeriod: Bool? = nil, horizon: Int? = nil, allocation: [String: Double]? = nil,
    allocationByPeriod: [String: [Double]]? = nil, expected: Double? = nil, baselineExpected: Double? = nil,
    marginal: [String: Double]? = nil, bounds: [String: [Double]]? = nil,
    responseCurves: [String: [CurvePoint]]? = nil, converged: Bool? = nil, iterations: Int? = nil
  ) {
    format = Self.formatName
    formatVersion = Self.formatVersion
    self.scenario = scenario
    self.model = model
    self.objective = objective
    self.total = total
    self.perPeriod = perPeriod
    self.horizon = horizon
    self.allocation = allocation
    self.allocationByPeriod = allocationByPeriod
    self.expected = expected
    self.baselineExpected = baselineExpected
    self.marginal = marginal
    self.bounds = bounds
    self.responseCurves = responseCurves
    self.converged = converged
    self.iterations = iterations
  }

  /// Every channel named anywhere in the file, sorted.
  public var channelNames: [String] {
    var names = Set<String>()
    if let allocation { names.formUnion(allocation.keys) }
    if let marginal { names.formUnion(marginal.keys) }
    if let bounds { names.formUnion(bounds.keys) }
    if let responseCurves { names.formUnion(responseCurves.keys) }
    return names.sorted()
  }
}
