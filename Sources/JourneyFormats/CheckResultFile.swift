import Foundation

/// The JSON output of `journey check --format json`: one entry per reference, with the
/// figures that moved beyond their tolerance.
public struct CheckResultFile: JSONFileFormat, Equatable {
  public static let formatName = "journeykit-check"
  public static let formatVersion = 1
  public static let producer = "journey check"

  public struct Moved: Codable, Sendable, Equatable {
    public var plan: String?
    public var metric: String
    public var period: Int?
    public var reference: Double
    public var now: Double
    public var tolerance: Double
    /// The difference in Monte Carlo standard errors; absent for exact figures.
    public var standardErrors: Double?

    enum CodingKeys: String, CodingKey {
      case plan, metric, period, reference, now, tolerance
      case standardErrors = "standard_errors"
    }

    public init(
      plan: String?, metric: String, period: Int?, reference: Double, now: Double, tolerance: Double,
      standardErrors: Double?
    ) {
      self.plan = plan
      self.metric = metric
      self.period = period
      self.reference = reference
      self.now = now
      self.tolerance = tolerance
      self.standardErrors = standardErrors
    }
  }

  public struct Result: Codable, Sendable, Equatable {
    public var scenario: String
    /// The reference file.
    public var reference: String
    public var passed: Bool
    /// Figures compared.
    public var figures: Int
    public var moved: [Moved]

    public init(scenario: String, reference: String, passed: Bool, figures: Int, moved: [Moved]) {
      self.scenario = scenario
      self.reference = reference
      self.passed = passed
      self.figures = figures
      self.moved = moved
    }
  }

  public var format: String
  public var formatVersion: Int
  public var passed: Bool
  public var results: [Result]

  enum CodingKeys: String, CodingKey {
    case format, passed, results
    case formatVersion = "format_version"
  }

  public init(passed: Bool, results: [Result]) {
    format = Self.formatName
    formatVersion = Self.formatVersion
    self.passed = passed
    self.results = results
  }
}
