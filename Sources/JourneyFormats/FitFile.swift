import Foundation

/// What a fitted parameter is.
public enum FittedParameterKind: String, JSONFileEnum {
  /// A transition probability `p_ij` with no exposure.
  case baseline
  /// A channel's log-odds lift `β_ijc`.
  case effect
  /// A reach curve or adstock parameter of a paid channel.
  case reach
}

/// The transitions a calibration table was computed on.
public enum CalibrationSet: String, JSONFileEnum {
  /// The transitions the parameters were fitted on.
  case fit
  /// The held-out transitions.
  case holdout
}

/// `fit.json`, written by `journey fit`; read by a budget scenario's `fit:` (the
/// parameter covariance of `origins`) and `start: { history: fit.json }` (`history_end`).
public struct FitFile: JSONFileFormat, Equatable {
  public static let formatName = "journeykit-fit"
  public static let formatVersion = 1
  public static let producer = "journey fit"

  /// One fitted parameter with its standard error and 95% confidence interval.
  public struct Parameter: Codable, Sendable, Equatable {
    public var kind: FittedParameterKind
    public var origin: String
    public var target: String
    public var channel: String?
    public var estimate: Double
    public var standardError: Double?
    public var low: Double?
    public var high: Double?
    public var segment: String?

    enum CodingKeys: String, CodingKey {
      case kind, origin, target, channel, estimate, low, high, segment
      case standardError = "se"
    }

    public init(
      kind: FittedParameterKind, origin: String, target: String, channel: String? = nil, estimate: Double,
      standardError: Double? = nil, low: Double? = nil, high: Double? = nil, segment: String? = nil
    ) {
      self.kind = kind
      self.origin = origin
      self.target = target
      self.channel = channel
      self.estimate = estimate
      self.standardError = standardError
      self.low = low
      self.high = high
      self.segment = segment
    }
  }

  /// The multinomial logit of one origin phase, with the covariance of its parameters.
  public struct Origin: Codable, Sendable, Equatable {
    public var origin: String
    public var segment: String?
    public var transitions: Int
    /// Outcome categories; the first is the reference, normally staying.
    public var categories: [String]
    public var channels: [String]
    /// `alpha[target]`, `beta[target,channel]`, in covariance order.
    public var parameters: [String]
    public var estimates: [Double]
    /// Row-major covariance of `estimates`; empty when it could not be estimated.
    public var covariance: [[Double]]
    public var logLikelihood: Double
    public var iterations: Int
    public var converged: Bool

    enum CodingKeys: String, CodingKey {
      case origin, segment, transitions, categories, channels, parameters, estimates, covariance, iterations, converged
      case logLikelihood = "log_likelihood"
    }

    public init(
      origin: String, segment: String?, transitions: Int, categories: [String], channels: [String],
      parameters: [String], estimates: [Double], covariance: [[Double]], logLikelihood: Double, iterations: Int,
      converged: Bool
    ) {
      self.origin = origin
      self.segment = segment
      self.transitions = transitions
      self.categories = categories
      self.channels = channels
      self.parameters = parameters
      self.estimates = estimates
      self.covariance = covariance
      self.logLikelihood = logLikelihood
      self.iterations = iterations
      self.converged = converged
    }
  }

  /// A reach curve and adstock fitted for one paid channel.
  public struct Reach: Codable, Sendable, Equatable {
    public var channel: String
    /// `max`, `half`, `shape`, `adstock`.
    public var parameters: [Parameter]
    public var logLikelihood: Double
    public var periods: Int
    public var iterations: Int
    public var converged: Bool
    /// Covariance of (logit m, log K, log σ, logit λ), row-major; empty when singular.
    public var covariance: [[Double]]

    enum CodingKeys: String, CodingKey {
      case channel, parameters, periods, iterations, converged, covariance
      case logLikelihood = "log_likelihood"
    }

    public init(
      channel: String, parameters: [Parameter], logLikelihood: Double, periods: Int, iterations: Int,
      converged: Bool, covariance: [[Double]]
    ) {
      self.channel = channel
      self.parameters = parameters
      self.logLikelihood = logLikelihood
      self.periods = periods
      self.iterations = iterations
      self.converged = converged
      self.covariance = covariance
    }
  }

  /// The rate of an organic channel fitted from the exposure counts.
  public struct Organic: Codable, Sendable, Equatable {
    public var channel: String
    /// The phase whose customers drive the channel.
    public var driver: String
    /// `rate`, with its SE and interval.
    public var parameters: [Parameter]
    public var logLikelihood: Double
    public var periods: Int
    public var iterations: Int
    public var converged: Bool
    /// Variance of `log rate`, as a 1 × 1 matrix; empty when it could not be estimated.
    public var covariance: [[Double]]

    enum CodingKeys: String, CodingKey {
      case channel, driver, parameters, periods, iterations, converged, covariance
      case logLikelihood = "log_likelihood"
    }

    public init(
      channel: String, driver: String, parameters: [Parameter], logLikelihood: Double, periods: Int, iterations: Int,
      converged: Bool, covariance: [[Double]]
    ) {
      self.channel = channel
      self.driver = driver
      self.parameters = parameters
      self.logLikelihood = logLikelihood
      self.periods = periods
      self.iterations = iterations
      self.converged = converged
      self.covariance = covariance
    }
  }

  public struct Segment: Codable, Sendable, Equatable {
    public var name: String
    public var share: Double
    public var customers: Int

    public init(name: String, share: Double, customers: Int) {
      self.name = name
      self.share = share
      self.customers = customers
    }
  }

  /// One calibration bin: predicted vs observed probability of leaving the origin.
  public struct CalibrationBin: Codable, Sendable, Equatable {
    public var origin: String
    public var segment: String?
    public var bin: Int
    public var transitions: Int
    public var predicted: Double
    public var observed: Double

    public init(origin: String, segment: String?, bin: Int, transitions: Int, predicted: Double, observed: Double) {
      self.origin = origin
      self.segment = segment
      self.bin = bin
      self.transitions = transitions
      self.predicted = predicted
      self.observed = observed
    }
  }

  public struct Diagnostics: Codable, Sendable, Equatable {
    public var logLikelihood: Double
    public var parameters: Int
    public var transitions: Int
    public var aic: Double
    public var bic: Double
    public var ridge: Double
    public var holdoutTransitions: Int
    /// Mean negative log-probability per held-out transition.
    public var holdoutLogLoss: Double?
    public var calibrationSet: CalibrationSet
    public var calibration: [CalibrationBin]

    enum CodingKeys: String, CodingKey {
      case parameters, transitions, aic, bic, ridge, calibration
      case logLikelihood = "log_likelihood"
      case holdoutTransitions = "holdout_transitions"
      case holdoutLogLoss = "holdout_log_loss"
      case calibrationSet = "calibration_set"
    }

    public init(
      logLikelihood: Double, parameters: Int, transitions: Int, aic: Double, bic: Double, ridge: Double,
      holdoutTransitions: Int, holdoutLogLoss: Double?, calibrationSet: CalibrationSet, calibration: [CalibrationBin]
    ) {
      self.logLikelihood = logLikelihood
      self.parameters = parameters
      self.transitions = transitions
      self.aic = aic
      self.bic = bic
      self.ridge = ridge
      self.holdoutTransitions = holdoutTransitions
      self.holdoutLogLoss = holdoutLogLoss
      self.calibrationSet = calibrationSet
      self.calibration = calibration
    }
  }

  /// The journey log's last period and its customers per phase.
  /// The state a forecast continues from (``StartStateFile``'s keys, whole counts): the
  /// customers per phase (and per segment) at the start of the journey log's last period
  /// `period`, the adstock carried into it, and `forecast_start` (`period + 1`, also when
  /// absent: files written before the optional fields existed).
  public struct HistoryEnd: Codable, Sendable, Equatable {
    public var period: Int
    public var counts: [String: Int]
    /// The first calendar period after the history.
    public var forecastStart: Int?
    /// Customers per segment and phase (a single `all` segment for an unsegmented log).
    public var segments: [String: [String: Int]]?
    /// Each paid channel's adstock carried into `period`.
    public var adstock: [String: Double]?
    /// `spend` (the spend file's) or `plan` (the model's spend plan).
    public var adstockSource: String?

    enum CodingKeys: String, CodingKey {
      case period, counts, segments, adstock
      case forecastStart = "forecast_start"
      case adstockSource = "adstock_source"
    }

    public init(
      period: Int, counts: [String: Int], forecastStart: Int? = nil, segments: [String: [String: Int]]? = nil,
      adstock: [String: Double]? = nil, adstockSource: String? = nil
    ) {
      self.period = period
      self.counts = counts
      self.forecastStart = forecastStart
      self.segments = segments
      self.adstock = adstock
      self.adstockSource = adstockSource
    }

    /// The same state as a ``StartStateFile``, `forecast_start` defaulting to `period + 1`.
    public var startState: StartStateFile {
      StartStateFile(
        period: period, forecastStart: forecastStart ?? period + 1, counts: counts.mapValues(Double.init),
        segments: segments?.mapValues { $0.mapValues(Double.init) }, adstock: adstock, adstockSource: adstockSource)
    }
  }

  public var format: String
  public var formatVersion: Int
  public var phases: [String]
  public var channels: [String]
  public var parameters: [Parameter]
  public var origins: [Origin]
  public var reach: [Reach]
  /// Organic channels' fitted rates (absent without a model's organic channels, and in
  /// files written before they were fitted).
  public var organic: [Organic]?
  public var segments: [Segment]
  public var diagnostics: Diagnostics
  public var warnings: [String]
  public var historyEnd: HistoryEnd?

  enum CodingKeys: String, CodingKey {
    case format, phases, channels, parameters, origins, reach, organic, segments, diagnostics, warnings
    case formatVersion = "format_version"
    case historyEnd = "history_end"
  }

  public init(
    phases: [String], channels: [String], parameters: [Parameter], origins: [Origin], reach: [Reach],
    organic: [Organic]? = nil, segments: [Segment], diagnostics: Diagnostics, warnings: [String],
    historyEnd: HistoryEnd?
  ) {
    format = Self.formatName
    formatVersion = Self.formatVersion
    self.phases = phases
    self.channels = channels
    self.parameters = parameters
    self.origins = origins
    self.reach = reach
    self.organic = organic
    self.segments = segments
    self.diagnostics = diagnostics
    self.warnings = warnings
    self.historyEnd = historyEnd
  }
}
