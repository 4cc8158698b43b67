import Foundation

/// The JSON output of `journey check --format json`: one entry per reference, with the
/// figures that moved beyond their tolerance, the figure that came closest to its
/// tolerance, the smallest change of total conversions the reference detects, or why it
/// could not be compared.
///
/// Format version 2 added `engine`, `closest`, `detectable` and `error` per reference and
/// `exact` per moved figure.
public struct CheckResultFile: JSONFileFormat, Equatable {
  public static let formatName = "journeykit-check"
  public static let formatVersion = 2
  public static let producer = "journey check"

  public struct Moved: Codable, Sendable, Equatable {
    public var plan: String?
    public var metric: String
    public var period: Int?
    /// A figure of the expected engine (no Monte Carlo noise).
    public var exact: Bool
    public var reference: Double
    public var now: Double
    public var tolerance: Double
    /// The difference in Monte Carlo standard errors; absent for exact figures.
    public var standardErrors: Double?

    enum CodingKeys: String, CodingKey {
      case plan, metric, period, exact, reference, now, tolerance
      case standardErrors = "standard_errors"
    }

    public init(
      plan: String?, metric: String, period: Int?, exact: Bool = false, reference: Double, now: Double,
      tolerance: Double, standardErrors: Double?
    ) {
      self.plan = plan
      self.metric = metric
      self.period = period
      self.exact = exact
      self.reference = reference
      self.now = now
      self.tolerance = tolerance
      self.standardErrors = standardErrors
    }
  }

  /// The passing figure that came closest to its tolerance.
  public struct Closest: Codable, Sendable, Equatable {
    /// `conversions[12]`, `expected/conversions[total]`, `baseline/revenue[total]`.
    public var figure: String
    /// `|now − reference| / tolerance` (a figure fails above 1).
    public var used: Double
    /// The difference in Monte Carlo standard errors; absent for exact figures.
    public var standardErrors: Double?

    enum CodingKeys: String, CodingKey {
      case figure, used
      case standardErrors = "standard_errors"
    }

    public init(figure: String, used: Double, standardErrors: Double?) {
      self.figure = figure
      self.used = used
      self.standardErrors = standardErrors
    }
  }

  public struct Result: Codable, Sendable, Equatable {
    public var scenario: String
    /// The reference file.
    public var reference: String
    /// The reference's engine; absent when it was not compared.
    public var engine: String?
    public var passed: Bool
    /// Figures compared.
    public var figures: Int
    public var moved: [Moved]
    /// Absent when every figure is identical to the reference, or none was compared.
    public var closest: Closest?
    /// The smallest relative change of total conversions the reference detects.
    public var detectable: ReferenceFile.Detectable?
    /// Why the reference was not compared (a missing scenario file, an unreadable reference).
    public var error: String?

    public init(
      scenario: String, reference: String, engine: String? = nil, passed: Bool, figures: Int, moved: [Moved],
      closest: Closest? = nil, detectable: ReferenceFile.Detectable? = nil, error: String? = nil
    ) {
      self.scenario = scenario
      self.reference = reference
      self.engine = engine
      self.passed = passed
      self.figures = figures
      self.moved = moved
      self.closest = closest
      self.detectable = detectable
      self.error = error
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
