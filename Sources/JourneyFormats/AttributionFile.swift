import Foundation
import JourneyModel

/// `attribution.json`: what each channel is worth, as written by `journey attribute`.
///
/// One struct for the writer and every reader. Keys are snake_case (``encoded()`` and
/// ``decode(_:file:)`` set the key strategies); optional figures are left out when they do
/// not apply (an organic channel has no ROAS, a run without `--fit` has no intervals).
///
/// Three parts, each present when the run computed it:
/// - ``model``: the model-based contribution on the expected engine (switch-off
///   increments, Shapley allocation, ROAS, CPA, marginal ROAS and CPA);
/// - ``paths``: path-based attribution (first touch, last touch, linear, Markov chain);
/// - ``evaluation``: path-based shares set beside the model's true shares.
public struct AttributionFile: Codable, Sendable, Equatable {
  public static let formatName = "journeykit-attribution"
  public static let currentVersion = 1

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
    formatVersion = Self.currentVersion
    self.source = source
    self.model = model
    self.paths = paths
    self.evaluation = evaluation
  }

  /// A 95% interval.
  public struct Range: Codable, Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    public init(lower: Double, upper: Double) {
      self.lower = lower
      self.upper = upper
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
  }

  /// Pretty-printed JSON with sorted snake_case keys.
  public func encoded() throws -> Data {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(self)
  }

  /// Reads an `attribution.json`, checking the format and version first.
  ///
  /// - Throws: ``InputError`` naming `file` when it is not an attribution file of a known
  ///   version or does not decode.
  public static func decode(_ data: Data, file: String) throws(InputError) -> AttributionFile {
    struct Header: Decodable {
      var format: String?
      var formatVersion: Int?
    }
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    guard let header = try? decoder.decode(Header.self, from: data) else {
      throw InputError(.syntax, file: file, "not a JSON object; expected an attribution file")
    }
    guard header.format == formatName else {
      throw InputError(
        .type, file: file, path: "format",
        "format \(InputError.echo(header.format ?? "")); expected '\(formatName)'")
    }
    guard header.formatVersion == currentVersion else {
      throw InputError(
        .notAllowed, file: file, path: "format_version",
        "format_version \(header.formatVersion.map(String.init) ?? "missing"); expected \(currentVersion)"
      )
    }
    do {
      return try decoder.decode(AttributionFile.self, from: data)
    } catch {
      throw InputError(
        .syntax, file: file, "cannot decode (\(error)); expected an attribution file")
    }
  }
}
