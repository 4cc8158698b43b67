import Foundation
import JourneyForecast
import JourneyModel
import JourneySimulation
import Testing
import _JourneyTestSupport

/// A covariance on the aware → considering intercept and its search effect, and on the
/// considering → purchased intercept.
func syntheticCovariance(model: Scenario, scale: Double = 1) throws -> ParameterCovariance {
  let aware = try #require(model.phaseIndex(named: "aware"))
  let considering = try #require(model.phaseIndex(named: "considering"))
  let purchased = try #require(model.phaseIndex(named: "purchased"))
  let search = try #require(model.channelIndex(named: "search"))
  let p = model.segments[0].parameters
  let alpha = log(p.probability(aware, considering) / p.probability(aware, aware))
  let beta = p.effect(aware, considering, search)
  let alpha2 = log(p.probability(considering, purchased) / p.probability(considering, considering))
  return ParameterCovariance(origins: [
    .init(
      origin: aware,
      parameters: [
        .init(kind: .intercept, target: considering, estimate: alpha),
        .init(kind: .effect, target: considering, channel: search, estimate: beta),
      ],
      covariance: [0.04, -0.01, -0.01, 0.02].map { $0 * scale }),
    .init(
      origin: considering, parameters: [.init(kind: .intercept, target: purchased, estimate: alpha2)],
      covariance: [0.03 * scale]),
  ])
}

@Suite struct ParameterUncertaintyTests {
  @Test func drawsHaveTheFitsMeanAndCovariance() throws {
    let cov = ParameterCovariance(origins: [
      .init(
        origin: 1,
        parameters: [
          .init(kind: .intercept, target: 2, estimate: -2), .init(kind: .effect, target: 2, channel: 0, estimate: 0.8),
          .init(kind: .intercept, target: 0, estimate: -3),
        ],
        covariance: [0.04, 0.012, -0.006, 0.012, 0.09, 0.01, -0.006, 0.01, 0.01])
    ])
    let sampler = try ParameterSampler(cov, file: "fit.json")
    var rng = SplitMix64(seed: 5, stream: 1)
    let n = 20_000
    let draws = (0..<n).map { _ in sampler.draw(using: &rng)[0] }
    let k = 3
    let mean = (0..<k).map { a in draws.reduce(0) { $0 + $1[a] } / Double(n) }
    let sigma = cov.origins[0].covariance
    for a in 0..<k {
      let estimate = cov.origins[0].parameters[a].estimate
      #expect(abs(mean[a] - estimate) <= 4 * (sigma[a * k + a] / Double(n)).squareRoot(), "mean \(a)")
      for b in 0..<k {
        let s = draws.reduce(0) { $0 + ($1[a] - mean[a]) * ($1[b] - mean[b]) } / Double(n - 1)
        // Standard error of a sample covariance of normals: sqrt((σ_aa σ_bb + σ_ab²) / n).
        let se = ((sigma[a * k + a] * sigma[b * k + b] + sigma[a * k + b] * sigma[a * k + b]) / Double(n)).squareRoot()
        #expect(abs(s - sigma[a * k + b]) <= 4 * se, "cov[\(a)][\(b)] = \(s), expected \(sigma[a * k + b]) ± \(4 * se)")
      }
    }
  }

  @Test func boxMullerGivesStandardNormals() {
    var rng = SplitMix64(seed: 1, stream: 2)
    var normal = BoxMuller()
    let n = 100_000
    let x = (0..<n).map { _ in normal.next(using: &rng) }
    let mean = x.reduce(0, +) / Double(n)
    let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
    #expect(abs(mean) < 4 / Double(n).squareRoot())
    #expect(abs(variance - 1) < 4 * (2 / Double(n)).squareRoot())
    let within = Double(x.filter { abs($0) < 1.959964 }.count) / Double(n)
    #expect(abs(within - 0.95) < 4 * (0.95 * 0.05 / Double(n)).squareRoot())
  }

  @Test func theEstimateItselfLeavesTheModelUnchanged() throws {
    let model = try RepositoryFiles.scenario("b2c.yaml")
    let cov = try syntheticCovariance(model: model)
    let sampler = try ParameterSampler(cov, file: "fit.json")
    let segments = sampler.segments(for: model, theta: cov.origins.map { $0.parameters.map(\.estimate) })
    for (a, b) in zip(segments, model.segments) {
      for (x, y) in zip(a.parameters.baseline, b.parameters.baseline) { #expect(abs(x - y) < 1e-14) }
      #expect(a.parameters.effects == b.parameters.effects)
    }
  }

  @Test func parameterUncertaintyWidensTheIntervals() throws {
    var budget = try b2cBudget(size: 100_000, replicates: 200)
    budget.plans = [budget.plans[0]]
    let without = try Forecast.run(budget).summary()[0].totals.conversions
    budget.fit = try syntheticCovariance(model: budget.model)
    let with = try Forecast.run(budget).summary()[0].totals.conversions
    let ratio = (with.p95 - with.p5) / (without.p95 - without.p5)
    #expect(ratio > 3, "interval widths with/without parameter uncertainty: ratio \(ratio)")
  }

  @Test func fourTimesTheDataHalvesTheIntervals() throws {
    // A population of 10⁹ makes the Monte Carlo noise negligible next to the parameters'.
    var budget = try b2cBudget(size: 1_000_000_000, replicates: 400)
    budget.plans = [budget.plans[0], budget.plans[2]]
    budget.fit = try syntheticCovariance(model: budget.model)
    let wide = try Forecast.run(budget).summary()
    budget.fit = try syntheticCovariance(model: budget.model, scale: 0.25)
    let narrow = try Forecast.run(budget).summary()
    for p in 0..<2 {
      let w = wide[p].totals.conversions
      let n = narrow[p].totals.conversions
      let ratio = (n.p95 - n.p5) / (w.p95 - w.p5)
      #expect(ratio > 0.4 && ratio < 0.6, "plan \(p): width ratio \(ratio), expected about 1/2")
    }
  }

  @Test func aCovarianceThatIsNotPositiveDefiniteIsAnInputError() throws {
    let cov = ParameterCovariance(origins: [
      .init(
        origin: 1,
        parameters: [.init(kind: .intercept, target: 2, estimate: 0), .init(kind: .intercept, target: 0, estimate: 0)],
        covariance: [1, 2, 2, 1], path: "origins[0].covariance", line: 3)
    ])
    let e = #expect(throws: InputErrors.self) { try ParameterSampler(cov, file: "fit.json") }
    #expect(e?.description.hasPrefix("fit.json:3: origins[0].covariance: the covariance is not positive definite") == true)
  }
}
