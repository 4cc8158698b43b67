import Foundation

/// `summary.json` as written by `journey simulate` (see ``SimulationOutput``).
public struct SimulationSummary: ReportFile, Equatable {
  public static let formatName = "journeykit-simulation"
  public static let formatVersion = 1
  public static let producer = "journey simulate"

  public struct Totals: Codable, Sendable, Equatable {
    public var conversions: Double?
    public var revenue: Double?
    public var spend: Double?
    public var cpa: Double?
    public var roi: Double?
  }

  public struct Period: Codable, Sendable, Equatable {
    public var period: Int?
    public var spend: Double?
    public var conversions: Double?
    public var revenue: Double?
    public var cpa: Double?
    public var counts: [String: Double]?
    public var entries: [String: Double]?
    public var spendByChannel: [String: Double]?
    public var exposure: [String: Double]?

    enum CodingKeys: String, CodingKey {
      case period, spend, conversions, revenue, cpa, counts, entries, exposure
      case spendByChannel = "spend_by_channel"
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
  }

  public struct SegmentAnalytics: Codable, Sendable, Equatable {
    public var segment: String
    public var phases: [PhaseAnalytics]
  }

  public struct Analytics: Codable, Sendable, Equatable {
    public var steadyExposure: [String: Double]?
    public var segments: [SegmentAnalytics]?

    enum CodingKeys: String, CodingKey {
      case segments
      case steadyExposure = "steady_exposure"
    }
  }

  public var scenario: String?
  public var engine: String?
  public var seed: UInt64?
  public var horizon: Int?
  public var period: String?
  public var population: Double?
  public var phases: [String]?
  public var channels: [String]?
  public var totals: Totals?
  public var final: [String: Double]?
  public var periods: [Period]?
  public var analytics: Analytics?
}

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

/// `forecast.json` as written by `journey forecast`.
public struct ForecastResult: ReportFile, Equatable {
  public static let formatName = "journeykit-forecast"
  public static let formatVersion = 1
  public static let producer = "journey forecast"

  public struct Period: Codable, Sendable, Equatable {
    public var period: Int?
    public var spend: Double?
    public var conversions: Interval?
    public var revenue: Interval?
    public var cpa: Double?
    public var roi: Double?
    public var increment: Interval?
  }

  public struct Totals: Codable, Sendable, Equatable {
    public var spend: Double?
    public var conversions: Interval?
    public var revenue: Interval?
    public var cpa: Double?
    public var roi: Double?
    public var increment: Interval?
  }

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
  }

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

  enum CodingKeys: String, CodingKey {
    case scenario, model, seed, replicates, horizon, period, note, phases, channels, plans
    case parameterUncertainty = "parameter_uncertainty"
  }
}

/// `optimize.json` as written by `journey optimize`.
public struct OptimizationResult: ReportFile, Equatable {
  public static let formatName = "journeykit-optimization"
  public static let formatVersion = 1
  public static let producer = "journey optimize"

  public struct CurvePoint: Codable, Sendable, Equatable {
    public var spend: Double
    public var value: Double
  }

  public var scenario: String?
  public var objective: String?
  public var total: Double?
  public var perPeriod: Bool?
  public var allocation: [String: Double]?
  public var expected: Double?
  public var baselineExpected: Double?
  public var marginal: [String: Double]?
  public var bounds: [String: [Double]]?
  public var responseCurves: [String: [CurvePoint]]?

  enum CodingKeys: String, CodingKey {
    case scenario, objective, total, allocation, expected, marginal, bounds
    case perPeriod = "per_period"
    case baselineExpected = "baseline_expected"
    case responseCurves = "response_curves"
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
