import Foundation
import JourneyModel

/// `attribution.json`: what each channel is worth, as written by `journey attribute`.
///
/// One struct for the writer and every reader, written and read through ``JSONFile``
/// (format and version checks, non-finite numbers refused). Keys are snake_case; optional
/// figures are left out when they do not apply (an organic channel has no ROAS, a run without `--fit` has no intervals).
///
/// Three parts, each present when the run computed it:
/// - ``model``: the model-based contribution on the expected engine (switch-off
///   increments, Shapley allocation, ROAS, CPA, marginal ROAS and CPA);
/// - ``paths``: path-based attribution (first touch, last touch, linear, Markov chain);
/// - ``evaluation``: path-based shares set beside the model's true shares.
public struct AttributionFile: JSONFileFormat, Equatable {
  public static let formatName = "journeykit-attribution"
  public static let formatVersion = 1
  public static let producer = "journey attribute"

  public var format: String
  public var formatVersion: Int
  /// The file that was analysed (model, budget scenario, paths or journey log).
  public var source: String
  public var model: ModelContribution?
  public var paths: PathAttribution?
  public var evaluation: Evaluation?

  public init(
    source: String, model: ModelContribution? = nil, paths: PathAttribution? = nil,
    evaluation: Evaluation? = nil
  ) {
    format = Self.formatName
    formatVersion = Self.formatVersion
    self.source = source
    self.model = model
    self.paths = paths
    self.evaluation = evaluation
  }

  enum CodingKeys: String, CodingKey {
    case format, source, model, paths, evaluation
    case formatVersion = "format_version"
  }

  /// A 95% interval.
  public struct Range: Codable, Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    public init(lower: Double, upper: Double) {
      self.lower = lower
      self.upper = upper
    }

    enum CodingKeys: String, CodingKey {
      case lower, upper
    }
  }

  /// Model-based contribution over a horizon on the expected engine.
  public struct ModelContribution: Codable, Sendable, Equatable {
    public var scenario: String
    public var horizon: Int
    /// `exact` (all 2^|C| subsets) or `sampled` (random permutations).
    public var shapleyMode: String
    /// Permutations drawn in `sampled` mode.
    public var permutations: Int?
    public var seed: UInt64
    /// Relative spend step `h` of the central differences.
    public var marginalStep: Double
    /// `none`, or a description of the parameter draws behind the intervals.
    public var uncertainty: String
    /// Parameter draws behind the intervals (0 without a fit).
    public var draws: Int
    /// v(C): conversions and revenue with every channel on.
    public var conversions: Double
    public var revenue: Double
    /// v(∅): conversions and revenue with every channel off.
    public var baseConversions: Double
    public var baseRevenue: Double
    public var channels: [ModelChannel]

    public init(
      scenario: String, horizon: Int, shapleyMode: String, permutations: Int?, seed: UInt64,
      marginalStep: Double,
      uncertainty: String, draws: Int, conversions: Double, revenue: Double,
      baseConversions: Double,
      baseRevenue: Double, channels: [ModelChannel]
    ) {
      self.scenario = scenario
      self.horizon = horizon
      self.shapleyMode = shapleyMode
      self.permutations = permutations
      self.seed = seed
      self.marginalStep = marginalStep
      self.uncertainty = uncertainty
      self.draws = draws
      self.conversions = conversions
      self.revenue = revenue
      self.baseConversions = baseConversions
      self.baseRevenue = baseRevenue
      self.channels = channels
    }

    enum CodingKeys: String, CodingKey {
      case scenario, horizon, permutations, seed, uncertainty, draws, conversions, revenue, channels
      case shapleyMode = "shapley_mode"
      case marginalStep = "marginal_step"
      case baseConversions = "base_conversions"
      case baseRevenue = "base_revenue"
    }
  }

  public struct ModelChannel: Codable, Sendable, Equatable {
    public var name: String
    /// `paid` or `organic`.
    public var kind: String
    /// Spend over the horizon (0 for organic channels).
    public var spend: Double
    /// v(C) − v(C ∖ {c}).
    public var incrementalConversions: Double
    public var incrementalRevenue: Double
    /// Shapley share φ_c of v(C) − v(∅).
    public var shapleyConversions: Double
    public var shapleyRevenue: Double
    /// Standard errors of the sampled Shapley values (sampled mode only).
    public var shapleyConversionsSe: Double?
    public var shapleyRevenueSe: Double?
    /// Shapley revenue / spend.
    public var roas: Double?
    /// Spend / Shapley conversions.
    public var cpa: Double?
    /// ∂ revenue / ∂ spend_c at the current plan.
    public var marginalRoas: Double?
    /// 1 / (∂ conversions / ∂ spend_c).
    public var marginalCpa: Double?
    public var intervals: ModelIntervals?

    public init(name: String, kind: String, spend: Double) {
      self.name = name
      self.kind = kind
      self.spend = spend
      incrementalConversions = 0
      incrementalRevenue = 0
      shapleyConversions = 0
      shapleyRevenue = 0
    }

    enum CodingKeys: String, CodingKey {
      case name, kind, spend, roas, cpa, intervals
      case incrementalConversions = "incremental_conversions"
      case incrementalRevenue = "incremental_revenue"
      case shapleyConversions = "shapley_conversions"
      case shapleyRevenue = "shapley_revenue"
      case shapleyConversionsSe = "shapley_conversions_se"
      case shapleyRevenueSe = "shapley_revenue_se"
      case marginalRoas = "marginal_roas"
      case marginalCpa = "marginal_cpa"
    }
  }

  /// 95% intervals across parameter draws from the fit's covariance.
  public struct ModelIntervals: Codable, Sendable, Equatable {
    public var incrementalConversions: Range
    public var incrementalRevenue: Range
    public var shapleyConversions: Range
    public var shapleyRevenue: Range
    public var roas: Range?
    public var marginalRoas: Range?
    public init(
      incrementalConversions: Range, incrementalRevenue: Range, shapleyConversions: Range,
      shapleyRevenue: Range,
      roas: Range?, marginalRoas: Range?
    ) {
      self.incrementalConversions = incrementalConversions
      self.incrementalRevenue = incrementalRevenue
      self.shapleyConversions = shapleyConversions
      self.shapleyRevenue = shapleyRevenue
      self.roas = roas
      self.marginalRoas = marginalRoas
    }

    enum CodingKeys: String, CodingKey {
      case roas
      case incrementalConversions = "incremental_conversions"
      case incrementalRevenue = "incremental_revenue"
      case shapleyConversions = "shapley_conversions"
      case shapleyRevenue = "shapley_revenue"
      case marginalRoas = "marginal_roas"
    }
  }

  /// Path-based attribution.
  public struct PathAttribution: Codable, Sendable, Equatable {
    /// Path rows read (after aggregation: distinct channel sequences).
    public var paths: Int
    public var conversions: Double
    public var nulls: Double
    public var value: Double
    /// Whether consecutive repeats of a channel were collapsed into one touch.
    public var collapsedRepeats: Bool
    /// Markov chain order (states are the last `order` channels).
    public var order: Int
    /// Transient states of the chain (start included).
    public var states: Int
    /// P(conversion) from the start state.
    public var conversionProbability: Double
    /// Bootstrap replicates behind the Markov intervals (0: none).
    public var bootstrap: Int
    public var seed: UInt64
    public var channels: [PathChannel]
    public init(
      paths: Int, conversions: Double, nulls: Double, value: Double, collapsedRepeats: Bool,
      order: Int, states: Int,
      conversionProbability: Double, bootstrap: Int, seed: UInt64, channels: [PathChannel]
    ) {
      self.paths = paths
      self.conversions = conversions
      self.nulls = nulls
      self.value = value
      self.collapsedRepeats = collapsedRepeats
      self.order = order
      self.states = states
      self.conversionProbability = conversionProbability
      self.bootstrap = bootstrap
      self.seed = seed
      self.channels = channels
    }

    enum CodingKeys: String, CodingKey {
      case paths, conversions, nulls, value, order, states, bootstrap, seed, channels
      case collapsedRepeats = "collapsed_repeats"
      case conversionProbability = "conversion_probability"
    }
  }

  public struct PathChannel: Codable, Sendable, Equatable {
    public var name: String
    public var firstTouch: Double
    public var lastTouch: Double
    public var linear: Double
    public var markov: Double
    public var firstTouchValue: Double
    public var lastTouchValue: Double
    public var linearValue: Double
    public var markovValue: Double
    /// RE_k = 1 − P_k(conv) / P(conv).
    public var removalEffect: Double
    /// The same on expected conversion value.
    public var removalEffectValue: Double
    public var markovInterval: Range?
    public var markovValueInterval: Range?
    public init(name: String) {
      self.name = name
      firstTouch = 0
      lastTouch = 0
      linear = 0
      markov = 0
      firstTouchValue = 0
      lastTouchValue = 0
      linearValue = 0
      markovValue = 0
      removalEffect = 0
      removalEffectValue = 0
    }

    enum CodingKeys: String, CodingKey {
      case name, linear, markov
      case firstTouch = "first_touch"
      case lastTouch = "last_touch"
      case firstTouchValue = "first_touch_value"
      case lastTouchValue = "last_touch_value"
      case linearValue = "linear_value"
      case markovValue = "markov_value"
      case removalEffect = "removal_effect"
      case removalEffectValue = "removal_effect_value"
      case markovInterval = "markov_interval"
      case markovValueInterval = "markov_value_interval"
    }
  }

  /// Path-based shares against the model's true (Shapley) shares.
  public struct Evaluation: Codable, Sendable, Equatable {
    public var customers: Int
    public var journeys: Int
    public var methods: [String]
    public var channels: [EvaluationChannel]
    /// Mean absolute share error per method, in ``methods`` order.
    public var meanAbsoluteError: [Double]
    public init(
      customers: Int, journeys: Int, methods: [String], channels: [EvaluationChannel],
      meanAbsoluteError: [Double]
    ) {
      self.customers = customers
      self.journeys = journeys
      self.methods = methods
      self.channels = channels
      self.meanAbsoluteError = meanAbsoluteError
    }

    enum CodingKeys: String, CodingKey {
      case customers, journeys, methods, channels
      case meanAbsoluteError = "mean_absolute_error"
    }
  }

  public struct EvaluationChannel: Codable, Sendable, Equatable {
    public var name: String
    /// Shapley conversions / Σ Shapley conversions on the expected engine.
    public var trueShare: Double
    public var incrementalConversions: Double
    public var shapleyConversions: Double
    /// Share per method, in ``Evaluation/methods`` order.
    public var shares: [Double]
    /// share − true share per method.
    public var errors: [Double]
    public init(
      name: String, trueShare: Double, incrementalConversions: Double, shapleyConversions: Double,
      shares: [Double],
      errors: [Double]
    ) {
      self.name = name
      self.trueShare = trueShare
      self.incrementalConversions = incrementalConversions
      self.shapleyConversions = shapleyConversions
      self.shares = shares
      self.errors = errors
    }

    enum CodingKeys: String, CodingKey {
      case name, shares, errors
      case trueShare = "true_share"
      case incrementalConversions = "incremental_conversions"
      case shapleyConversions = "shapley_conversions"
    }
  }

  /// The file's bytes (``JSONFile/encode(_:file:)``).
  ///
  /// - Throws: ``InputError`` naming `file` and the field when a figure is not finite.
  public func encoded(file: String = "attribution.json") throws(InputError) -> Data {
    try JSONFile.encode(self, file: file)
  }

  /// Reads an `attribution.json` (``JSONFile/decode(_:from:file:)``): format and version
  /// first, then the fields.
  ///
  /// - Throws: ``InputError`` naming `file` when it is not an attribution file of a known
  ///   version or does not decode.
  public static func decode(_ data: Data, file: String) throws(InputError) -> AttributionFile {
    try JSONFile.decode(AttributionFile.self, from: data, file: file)
  }
}
