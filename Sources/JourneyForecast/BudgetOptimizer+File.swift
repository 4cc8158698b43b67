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
  public func file(_ result: Result, budget: BudgetScenario, channels names: [String]) -> OptimizeFile {
    func byName<T>(_ values: [T]) -> [String: T] { Dictionary(uniqueKeysWithValues: zip(names, values)) }
    return OptimizeFile(
      scenario: budget.name, model: budget.model.name, objective: objective.rawValue, total: total,
      perPeriod: perPeriod, horizon: scenario.horizon, allocation: byName(result.allocation),
      allocationByPeriod: perPeriod ? byName(result.byPeriod) : nil, expected: result.expected,
      baselineExpected: result.baselineExpected, marginal: byName(result.marginal),
      bounds: byName(bounds.map { [$0.min, $0.max] }),
      responseCurves: byName(result.responseCurves.map { $0.map { OptimizeFile.CurvePoint(spend: $0.spend, value: $0.value) } }),
      converged: result.converged, iterations: result.iterations)
  }
}
