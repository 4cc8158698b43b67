import Foundation
import JourneyFormats
import JourneyModel

extension BudgetOptimizer {
  /// `optimize.json` as an ``OptimizeFile``.
  ///
  /// - Parameters:
  ///   - result: The optimiser's result.
  ///   - budget: The budget scenario the model came from (its name and model name).
  ///   - names: The paid channels, in the order of ``channels``.
  ///   - gain: The gain over the scaled own plan under parameter draws, if a fit was given.
  ///   - fit: The fit report the draws came from.
  ///   - target: The target-efficiency search that chose ``total``, if any.
  public func file(
    _ result: Result, budget: BudgetScenario, channels names: [String], gain: GainDraws? = nil, fit: String? = nil,
    target: TargetResult? = nil
  ) -> OptimizeFile {
    func byName<T>(_ values: [T]) -> [String: T] { Dictionary(uniqueKeysWithValues: zip(names, values)) }
    var file = OptimizeFile(
      scenario: budget.name, model: budget.model.name, objective: objective.rawValue, total: total,
      perPeriod: perPeriod, horizon: scenario.horizon, allocation: byName(result.allocation),
      allocationByPeriod: perPeriod ? byName(result.byPeriod) : nil, expected: result.expected,
      baselineExpected: result.baselineExpected, marginal: byName(result.marginal),
      bounds: byName(bounds.map { [$0.min, $0.max] }),
      responseCurves: byName(result.responseCurves.map { $0.map { OptimizeFile.CurvePoint(spend: $0.spend, value: $0.value) } }),
      converged: result.converged, iterations: result.iterations)
    file.currency = budget.model.currency
    file.source = ResultSource(
      kind: "budget", name: budget.name, model: budget.model.name, modelFingerprint: budget.model.fingerprint)
    file.ownPlanSpend = baselineSpend
    file.scaledPlanExpected = result.scaledExpected
    file.mixGain = result.mixGain
    file.moneyEffect = result.moneyEffect
    file.marginalPer1000 = byName(result.marginal.map { 1000 * $0 })
    // An open maximum is written as the total (no period can spend more).
    file.periodBounds = periodBounds.map { byName($0.map { [$0.min, Swift.min($0.max, total)] }) }
    file.maxChange = maxChange
    if let gain {
      let interval = gain.interval
      file.parameterUncertainty = "parameter draws from the fit's covariance (\(fit ?? "fit"))"
      file.gainInterval = OptimizeFile.GainInterval(
        draws: gain.gains.count, seed: gain.seed, mean: interval.mean, p5: interval.p5, p95: interval.p95,
        probabilityBetter: gain.probabilityBetter, fit: fit)
    } else {
      file.parameterUncertainty = "none"
    }
    if let target {
      file.target = OptimizeFile.Target(
        kind: target.target.kind, value: target.target.value, met: target.met,
        average: target.average.isFinite ? target.average : nil, marginal: target.marginal.isFinite ? target.marginal : nil,
        zeroSpendExpected: target.zeroSpend)
    }
    return file
  }
}
