import Foundation
import JourneyFormats
import JourneyModel

extension TransitionFit {
  /// The fitted model as a scenario, ready for `simulate` and `forecast`.
  ///
  /// With a template (the `--model` scenario) every setting but the transition parameters is
  /// kept, and one segment carries the fit. Without one, a minimal scenario is built from the
  /// log: the population is the customers of the first period with their phase shares,
  /// arrivals the later newcomers per period, the horizon the number of periods, and each
  /// channel a paid channel with constant spend 1 whose reach equals its observed exposure
  /// rate (the log holds no spend, so the reach curve cannot be fitted from it).
  public func scenario(template: Scenario?, summary: JourneyLogSummary, name: String = "fitted") -> Scenario {
    if var model = template {
      // The market the parameters were fitted on: customers in the first period, and the
      // mean number of new customers per later period.
      let seen = summary.initialPhases.reduce(0, +)
      if seen > 0 {
        let periods = Swift.max(1, summary.lastPeriod - summary.firstPeriod)
        let arrivals = summary.arrivalPhases.reduce(0, +)
        model.population.size = seen
        model.population.initial = summary.initialPhases.map { Double($0) / Double(seen) }
        model.population.arrivals = Int((Double(arrivals) / Double(periods)).rounded())
        if arrivals > 0 { model.population.arrivalPhases = summary.arrivalPhases.map { Double($0) / Double(arrivals) } }
      }
      if segmentFits.isEmpty {
        let first = model.segments.first?.name ?? "all"
        model.segments = [Segment(name: first, share: 1, parameters: fitted)]
      } else {
        model.segments = segmentFits.map { Segment(name: $0.name, share: $0.share, parameters: $0.fit.fitted) }
      }
      // The plan covers the history and one model horizon after it, so that a forecast
      // continuing the history spends the model's plan, not nothing.
      let history = Swift.max(0, summary.lastPeriod - summary.firstPeriod + 1)
      model.channels = model.channels.map {
        withSpendAndReach($0, from: summary.firstPeriod, horizon: history + model.horizon, continuePlan: true)
      }
      return model
    }
    let n = phases.count
    let horizon = Swift.max(1, summary.lastPeriod - summary.firstPeriod + 1)
    let size = summary.initialPhases.reduce(0, +)
    let arrivals = summary.arrivalPhases.reduce(0, +)
    func shares(_ v: [Int]) -> [Double] {
      let t = v.reduce(0, +)
      if t == 0 { return (0..<n).map { $0 == 0 ? 1 : 0 } }
      return v.map { Double($0) / Double(t) }
    }
    let channelList = channels.enumerated().map { c, name in
      let rate = Double(summary.channelRows[c]) / Double(Swift.max(1, summary.rows))
      return withSpendAndReach(
        Channel(name: name, kind: .paid(
          spend: SpendPlan(base: 1), adstock: 0,
          reach: HillReach(max: Swift.min(1, Swift.max(1e-6, rate)), half: 1e-9, shape: 1))),
        from: summary.firstPeriod, horizon: horizon)
    }
    let phaseList = phases.enumerated().map { i, name in
      Phase(name: name, isAbsorbing: fitted.targets(of: i).isEmpty && transitionsSeen(from: i, summary))
    }
    return Scenario(
      name: name, period: .week, horizon: horizon, seed: 0,
      population: .init(
        size: size, initial: shares(summary.initialPhases),
        arrivals: horizon > 1 ? Int((Double(arrivals) / Double(horizon - 1)).rounded()) : 0,
        arrivalPhases: shares(summary.arrivalPhases)),
      phases: phaseList, channels: channelList,
      segments: segmentFits.isEmpty
        ? [Segment(name: "all", share: 1, parameters: fitted)]
        : segmentFits.map { Segment(name: $0.name, share: $0.share, parameters: $0.fit.fitted) })
  }

  /// A paid channel with the spend file's plan (from the history's first period) and the
  /// fitted reach curve and adstock, or an organic channel with its fitted rate, where
  /// there are any; otherwise unchanged.
  ///
  /// With `continuePlan` the periods after the spend file's last one take the channel's
  /// own plan (the template's), so that a forecast continuing the history spends what the
  /// model plans rather than nothing; otherwise they have spend 0.
  func withSpendAndReach(_ channel: Channel, from first: Int, horizon: Int, continuePlan: Bool = false) -> Channel {
    if case .organic(let driver, _) = channel.kind, let fit = organic.first(where: { $0.channel == channel.name }) {
      return Channel(name: channel.name, kind: .organic(driver: driver, rate: fit.rate.estimate))
    }
    guard case .paid(var plan, var adstock, var curve) = channel.kind else { return channel }
    if let spend, let k = spend.channels.firstIndex(of: channel.name) {
      let own = plan
      let recorded = spend.spend[k].count
      let values = (0..<horizon).map { t -> Double in
        let period = first + t
        if period >= 0 && period < recorded { return spend.spend[k][period] }
        return continuePlan && period >= recorded ? own.spend(at: period) : 0
      }
      plan = SpendPlan(base: 0, perPeriod: values)
    }
    if let fit = reach.first(where: { $0.channel == channel.name }) {
      curve = fit.reach
      adstock = fit.adstock
    }
    return Channel(name: channel.name, kind: .paid(spend: plan, adstock: adstock, reach: curve))
  }

  func transitionsSeen(from i: Int, _ summary: JourneyLogSummary) -> Bool {
    summary.training.counts.keys.contains { Int($0.origin) == i }
  }

  /// The fit report (`fit.json`) as a ``FitFile``: parameters, per-origin covariance,
  /// diagnostics and warnings.
  public func file() -> FitFile {
    func parameter(_ p: FittedParameter) -> FitFile.Parameter {
      FitFile.Parameter(
        kind: p.kind, origin: p.origin, target: p.target, channel: p.channel, estimate: p.estimate,
        standardError: p.standardError, low: p.low, high: p.high, segment: p.segment)
    }
    return FitFile(
      phases: phases, channels: channels, parameters: parameters.map(parameter),
      origins: origins.map { o in
        FitFile.Origin(
          origin: o.origin, segment: o.segment, transitions: o.transitions, categories: o.categories,
          channels: o.channels, parameters: o.parameters, estimates: o.estimates, covariance: o.covariance,
          logLikelihood: o.logLikelihood, iterations: o.iterations, converged: o.converged)
      },
      reach: reach.map { r in
        FitFile.Reach(
          channel: r.channel, parameters: r.parameters.map(parameter), logLikelihood: r.logLikelihood,
          periods: r.periods, iterations: r.iterations, converged: r.converged, covariance: r.covariance)
      },
      organic: organic.isEmpty
        ? nil
        : organic.map { o in
          FitFile.Organic(
            channel: o.channel, driver: o.driver, parameters: [parameter(o.rate)], logLikelihood: o.logLikelihood,
            periods: o.periods, iterations: o.iterations, converged: o.converged,
            covariance: o.logVariance.map { [[$0]] } ?? [])
        },
      segments: segmentFits.map { FitFile.Segment(name: $0.name, share: $0.share, customers: $0.customers) },
      diagnostics: FitFile.Diagnostics(
        logLikelihood: logLikelihood, parameters: parameterCount, transitions: transitions, aic: aic, bic: bic,
        ridge: ridge, holdoutTransitions: holdoutTransitions, holdoutLogLoss: holdoutLogLoss,
        calibrationSet: calibrationSet,
        calibration: calibration.map { c in
          FitFile.CalibrationBin(
            origin: c.origin, segment: c.segment, bin: c.bin, transitions: c.transitions, predicted: c.predicted,
            observed: c.observed)
        }),
      warnings: warnings,
      historyEnd: endState.map { e in
        FitFile.HistoryEnd(
          period: e.period, counts: Self.byPhase(phases, e.phaseCounts), forecastStart: e.forecastStart,
          segments: Dictionary(uniqueKeysWithValues: zip(e.segments, e.counts.map { Self.byPhase(phases, $0) })),
          adstock: Dictionary(uniqueKeysWithValues: zip(channels, e.adstock)),
          adstockSource: e.adstockSource.rawValue)
      }
        ?? historyEnd.map {
          FitFile.HistoryEnd(period: $0.period, counts: Dictionary(uniqueKeysWithValues: zip(phases, $0.counts)))
        })
  }

  /// Whole customers per phase name.
  static func byPhase(_ phases: [String], _ row: [Double]) -> [String: Int] {
    Dictionary(uniqueKeysWithValues: zip(phases, row.map { Int($0.rounded()) }))
  }

  /// The bytes of `fit.json` (see ``JSONFile``).
  ///
  /// - Throws: ``InputError`` naming the field when a figure is not finite.
  public func json(file: String = "fit.json") throws -> Data {
    try JSONFile.encode(self.file(), file: file)
  }
}
