/// A budget scenario: a model, a forecast set-up and the budget plans to compare.
///
/// Read by `BudgetScenario.load(path:)` (JourneyFormats) from a YAML (or JSON) file; see
/// `BudgetScenario+Parsing.swift` and the README for the format. The first plan is the
/// baseline that increments are measured against.
public struct BudgetScenario: Sendable, Equatable {
  public var name: String
  /// The budget file as given (used in messages).
  public var file: String
  /// The model file, resolved relative to the budget file.
  public var modelPath: String
  public var model: Scenario
  /// The fit report with parameter covariance, resolved relative to the budget file.
  public var fitPath: String?
  public var fit: ParameterCovariance?
  /// The history file of a `start: { history: FILE }`, resolved relative to the budget
  /// file; `nil` for other starts (and for states built in code).
  public var historyPath: String?
  /// Periods to forecast.
  public var horizon: Int
  public var start: Start
  public var seed: UInt64
  public var replicates: Int
  /// At least one plan; the first is the baseline.
  public var plans: [BudgetPlan]

  /// Where the forecast starts.
  public enum Start: Sendable, Equatable {
    /// The model's own population (`population.size` and `population.initial`).
    case initial
    /// Customers per phase (model phase order).
    case counts([Int])
    /// The end of a history (`start: {history: FILE}`): counts per segment and phase,
    /// calendar period and adstock (see ``StartState``).
    case state(StartState)
  }

  /// The start state of a history start, `nil` for the model's population or plain counts.
  public var startState: StartState? {
    if case .state(let state) = start { return state }
    return nil
  }

  /// The calendar period of forecast period 0: the first period after the history for a
  /// history start, else 0.
  public var startPeriod: Int { startState?.forecastStart ?? 0 }

  public init(
    name: String, file: String = "", modelPath: String = "", model: Scenario, fitPath: String? = nil,
    fit: ParameterCovariance? = nil, horizon: Int? = nil, start: Start = .initial, seed: UInt64 = 0,
    replicates: Int = 1000, plans: [BudgetPlan]
  ) {
    self.name = name
    self.file = file
    self.modelPath = modelPath
    self.model = model
    self.fitPath = fitPath
    self.fit = fit
    self.horizon = horizon ?? model.horizon
    self.start = start
    self.seed = seed
    self.replicates = replicates
    self.plans = plans
  }
}

/// One budget plan: changes applied to the model's own spend plans.
///
/// The changes are applied in a fixed order, to the model's spend per channel and period
/// over the forecast horizon: every `scale`, then every `shift` in the order given, then
/// every flight, then `total`.
public struct BudgetPlan: Sendable, Equatable {
  public var name: String
  /// `(channel, factor)`: multiplies the channel's spend in every period.
  public var scale: [(channel: Int, factor: Double)]
  public var shifts: [Shift]
  /// `(channel, flight)`: multiplies the channel's spend over `from...to`.
  public var flights: [(channel: Int, flight: SpendPlan.Flight)]
  /// Multiplies every paid channel's spend in every period.
  public var total: Double?

  /// Moves `fraction` of the `from` channel's spend in every period to the `to` channel.
  public struct Shift: Sendable, Equatable {
    public var from: Int
    public var to: Int
    public var fraction: Double
    public init(from: Int, to: Int, fraction: Double) {
      self.from = from
      self.to = to
      self.fraction = fraction
    }
  }

  public init(
    name: String, scale: [(channel: Int, factor: Double)] = [], shifts: [Shift] = [],
    flights: [(channel: Int, flight: SpendPlan.Flight)] = [], total: Double? = nil
  ) {
    self.name = name
    self.scale = scale
    self.shifts = shifts
    self.flights = flights
    self.total = total
  }

  public static func == (a: BudgetPlan, b: BudgetPlan) -> Bool {
    a.name == b.name && a.shifts == b.shifts && a.total == b.total
      && a.scale.map(\.channel) == b.scale.map(\.channel) && a.scale.map(\.factor) == b.scale.map(\.factor)
      && a.flights.map(\.channel) == b.flights.map(\.channel) && a.flights.map(\.flight) == b.flights.map(\.flight)
  }

  /// Spend per channel and period, `[c][t]`, of this plan over `horizon` periods
  /// (0 for organic channels).
  ///
  /// Forecast period `t` takes the model's spend of calendar period `start + t`; the plan's
  /// flights are 0-based in the forecast horizon (`from: 0` is the forecast's first period,
  /// whatever its calendar period).
  ///
  /// - Complexity: O(channels × horizon).
  public func spend(model: Scenario, horizon: Int, start: Int = 0) -> [[Double]] {
    var s: [[Double]] = model.channels.map { channel in
      guard case .paid(let plan, _, _) = channel.kind else { return [Double](repeating: 0, count: horizon) }
      return (0..<horizon).map { plan.spend(at: start + $0) }
    }
    for (c, factor) in scale {
      for t in 0..<horizon { s[c][t] *= factor }
    }
    for shift in shifts {
      for t in 0..<horizon {
        let moved = s[shift.from][t] * shift.fraction
        s[shift.from][t] -= moved
        s[shift.to][t] += moved
      }
    }
    for (c, flight) in flights {
      let first = Swift.max(0, flight.from)
      let last = Swift.min(horizon - 1, flight.to)
      guard first <= last else { continue }
      for t in first...last { s[c][t] *= flight.scale }
    }
    if let total {
      for c in s.indices where model.channels[c].isPaid {
        for t in 0..<horizon { s[c][t] *= total }
      }
    }
    return s
  }

  /// The model with this plan's spend, as explicit per-period plans, over `horizon` periods.
  ///
  /// With `start > 0` the plans stay in calendar periods: calendar periods before `start`
  /// keep the model's own spend (a warm-up reads them), calendar period `start + t` gets the
  /// plan's forecast period `t`; the scenario's horizon is still `horizon`.
  public func apply(to model: Scenario, horizon: Int, start: Int = 0) -> Scenario {
    var out = model
    out.horizon = horizon
    let s = spend(model: model, horizon: horizon, start: start)
    for c in out.channels.indices {
      if case .paid(let own, let adstock, let reach) = out.channels[c].kind {
        let before = (0..<Swift.max(0, start)).map { own.spend(at: $0) }
        out.channels[c].kind = .paid(spend: SpendPlan(base: 0, perPeriod: before + s[c]), adstock: adstock, reach: reach)
      }
    }
    return out
  }
}

/// Estimated logit parameters and their covariance, per origin phase, from a fit report.
///
/// On the log-odds scale of the model (README, "The model"): intercepts `α_ij = log(p_ij / p_ii)` and effects
/// `β_ijc`. Indices refer to the model's phases and channels.
public struct ParameterCovariance: Sendable, Equatable {
  public struct Parameter: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable { case intercept, effect }
    public var kind: Kind
    public var target: Int
    /// The channel of an effect; `nil` for an intercept.
    public var channel: Int?
    public var estimate: Double
    public init(kind: Kind, target: Int, channel: Int? = nil, estimate: Double) {
      self.kind = kind
      self.target = target
      self.channel = channel
      self.estimate = estimate
    }
  }

  public struct Origin: Sendable, Equatable {
    public var origin: Int
    /// The segment these parameters belong to; `nil` for every segment.
    public var segment: String?
    public var parameters: [Parameter]
    /// Row-major `k × k` covariance of the parameters, `k = parameters.count`.
    public var covariance: [Double]
    /// JSON/YAML path of the covariance in the fit file, for messages.
    public var path: String
    /// Line of the covariance in the fit file.
    public var line: Int?
    public init(origin: Int, parameters: [Parameter], covariance: [Double], path: String = "", line: Int? = nil) {
      self.origin = origin
      self.parameters = parameters
      self.covariance = covariance
      self.path = path
      self.line = line
    }
  }

  public var origins: [Origin]
  /// Fitted reach curves with their covariance (a fit with a spend file); drawn too.
  public var reach: [ReachCurve] = []
  /// Fitted rates of organic channels with the variance of their logarithm; drawn too.
  public var organic: [OrganicRate] = []
  public init(origins: [Origin], reach: [ReachCurve] = [], organic: [OrganicRate] = []) {
    self.origins = origins
    self.reach = reach
    self.organic = organic
  }
}
