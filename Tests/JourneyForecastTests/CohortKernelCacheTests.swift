import Foundation
import JourneyForecast
import JourneyModel
@testable import JourneySimulation
import Testing
import _JourneyTestSupport

/// The seasonal B2C model (two segments, organic referral, several kernel sets) with one
/// parameter draw of its transitions, TV reach curve and referral rate, from a history
/// start with two warm-up periods.
private func drawnScenario(draw: Int) throws -> (Scenario, StartState) {
  let model = try seasonalB2C(size: 200_000)
  let tv = try #require(model.channelIndex(named: "tv"))
  let referral = try #require(model.channelIndex(named: "referral"))
  var reachCovariance = [Double](repeating: 0, count: 16)
  for i in 0..<4 { reachCovariance[i * 5] = 0.02 }
  var covariance = try syntheticCovariance(model: model, scale: 4)
  covariance.reach = [
    .init(channel: tv, theta: [log(0.6 / 0.4), log(120_000.0), log(1.5), log(0.8 / 0.2)], covariance: reachCovariance)
  ]
  covariance.organic = [.init(channel: referral, theta: log(2.0), variance: 0.04)]
  let sampler = try ParameterSampler(covariance, file: "fit.json")
  var rng = SplitMix64(seed: 17, stream: StreamID.forecastParameters(draw))
  var s = model
  s.segments = sampler.segments(for: model, theta: sampler.draw(using: &rng))
  s.channels = sampler.channels(s.channels, reach: sampler.drawReach(using: &rng))
  s.channels = sampler.channels(s.channels, organic: sampler.drawOrganic(using: &rng))
  s.horizon = 20
  let counts = [
    [150_000.0, 20_000, 8_000, 300, 900, 4_000, 2_000], [30_000.0, 5_000, 2_500, 50, 200, 700, 400],
  ]
  var state = StartState(
    period: 23, forecastStart: 25, segments: s.segments.map(\.name), counts: counts,
    adstock: StartState.planAdstock(model, through: 23))
  state = sampler.startState(state, channels: s.channels)
  return (s, state)
}

@Suite struct CohortKernelCacheTests {
  /// Every cell's cached row equals the engine's `Σ_e Pr(e | p) · P(i→· | e)` bit for bit,
  /// under organic exposures the cache did not see.
  @Test(arguments: [0, 1, 2])
  func cachedRowsEqualTheEnginesAveragedRows(draw: Int) throws {
    let (scenario, start) = try drawnScenario(draw: draw)
    let cache = try #require(CohortKernelCache(scenario, start: start))
    let n = scenario.phaseCount
    var exposure = ExposureState(channels: scenario.channels, adstock: start.adstock)
    var rng = SplitMix64(seed: 5, stream: UInt64(draw))
    var compared = (organic: 0, paid: 0)
    for t in 0..<scenario.horizon {
      // Random phase counts make random organic exposures.
      let counts = (0..<n).map { _ in Double(rng.next() % 10_000) }
      let p = exposure.advance(spend: scenario.spend(at: start.period + t), phaseCounts: counts)
      let kernels = PeriodKernels(scenario: scenario, exposure: p, period: start.period + t)
      for s in scenario.segments.indices {
        for i in 0..<n {
          let kernel = kernels.kernels[s * n + i]
          guard kernel.targetCount > 1 else { continue }
          var row: [Double] = []
          CohortEngine.averagedRow(kernel, exposure: p, into: &row)
          let cached = cache.averagedRow(period: t, segment: s, phase: i, exposure: p)
          #expect(cached == Array(row.prefix(kernel.targetCount)), "period \(t), segment \(s), phase \(i)")
          if kernel.channels.contains(where: { !scenario.channels[$0].isPaid }) {
            compared.organic += 1
          } else {
            compared.paid += 1
          }
        }
      }
    }
    #expect(compared.organic > 0 && compared.paid > 0)
  }

  /// A cached run gives the cohort engine's figures bit for bit, warm-up dropped.
  @Test(arguments: [0, 1, 2])
  func cachedRunsEqualTheCohortEngine(draw: Int) throws {
    let (scenario, start) = try drawnScenario(draw: draw)
    let cache = try #require(CohortKernelCache(scenario, start: start))
    let workspace = CohortWorkspace()
    for seed: UInt64 in [1, 2, 99] {
      var figures = CohortFigures(periods: scenario.horizon - 2, phases: scenario.phaseCount)
      cache.run(seed: seed, skip: 2, workspace: workspace, into: &figures)
      let engine = try Simulator.run(scenario, engine: .cohort, seed: seed, start: start)
      #expect(figures.conversions == Array(engine.conversions.dropFirst(2)))
      #expect(figures.revenue == Array(engine.revenue.dropFirst(2)))
      #expect(figures.finalCounts == engine.finalCounts)
    }
  }

  /// From the model's population (split over segments) and from fractional shares (split
  /// over cells), with arrivals.
  @Test(arguments: [false, true])
  func cachedRunsFromThePopulationEqualTheCohortEngine(fractional: Bool) throws {
    var scenario = try seasonalB2C(size: 100_001)
    if fractional { scenario.population.initial = [0.7, 0.2, 0.1, 0, 0, 0, 0] }
    let cache = try #require(CohortKernelCache(scenario))
    let workspace = CohortWorkspace()
    for seed: UInt64 in [3, 4] {
      var figures = CohortFigures(periods: scenario.horizon, phases: scenario.phaseCount)
      cache.run(seed: seed, workspace: workspace, into: &figures)
      let engine = try Simulator.run(scenario, engine: .cohort, seed: seed)
      #expect(figures.conversions == engine.conversions)
      #expect(figures.revenue == engine.revenue)
      #expect(figures.finalCounts == engine.finalCounts)
    }
  }

  /// With the organic channel first in channel order, every pattern multiplies in the
  /// organic factor and the paid ones after it (the cache's general path).
  @Test func organicChannelBeforeThePaidOnes() throws {
    let model = try seasonalB2C(size: 50_000)
    let referral = try #require(model.channelIndex(named: "referral"))
    // Channel order: referral, then the others; effects and the driver follow.
    let order = [referral] + model.channels.indices.filter { $0 != referral }
    var scenario = model
    scenario.channels = order.map { model.channels[$0] }
    let n = model.phaseCount
    let cc = model.channelCount
    for s in scenario.segments.indices {
      let old = model.segments[s].parameters.effects
      for cell in 0..<(n * n) {
        for (c, source) in order.enumerated() { scenario.segments[s].parameters.effects[cell * cc + c] = old[cell * cc + source] }
      }
    }
    let cache = try #require(CohortKernelCache(scenario))
    let workspace = CohortWorkspace()
    for seed: UInt64 in [5, 6] {
      var figures = CohortFigures(periods: scenario.horizon, phases: n)
      cache.run(seed: seed, workspace: workspace, into: &figures)
      let engine = try Simulator.run(scenario, engine: .cohort, seed: seed)
      #expect(figures.conversions == engine.conversions)
      #expect(figures.finalCounts == engine.finalCounts)
    }
  }

  @Test func aCacheOverTheLimitIsNotBuilt() throws {
    let scenario = try seasonalB2C(size: 1_000)
    #expect(CohortKernelCache(scenario, limit: 100) == nil)
    #expect(CohortKernelCache(scenario) != nil)
  }
}

@Suite struct ForecastDeterminismTests {
  /// With parameter draws of transitions, a reach curve and an organic rate and a history
  /// start, the forecast's bytes do not depend on the thread count.
  @Test func drawnForecastsDoNotDependOnTheThreadCount() throws {
    var budget = try b2cBudget(replicates: 23)
    let model = budget.model
    var covariance = try syntheticCovariance(model: model)
    let tv = try #require(model.channelIndex(named: "tv"))
    let referral = try #require(model.channelIndex(named: "referral"))
    var reachCovariance = [Double](repeating: 0, count: 16)
    for i in 0..<4 { reachCovariance[i * 5] = 0.02 }
    covariance.reach = [
      .init(channel: tv, theta: [log(0.6 / 0.4), log(120_000.0), log(1.5), log(0.8 / 0.2)], covariance: reachCovariance)
    ]
    covariance.organic = [.init(channel: referral, theta: log(2.0), variance: 0.04)]
    budget.fit = covariance
    budget.start = .state(
      StartState(
        period: 10, forecastStart: 12, segments: model.segments.map(\.name),
        counts: [[3_000, 500, 200, 10, 20, 100, 50], [800, 100, 60, 2, 5, 20, 10]],
        adstock: StartState.planAdstock(model, through: 10)))
    let one = try Forecast.run(budget, threads: 1)
    let two = try Forecast.run(budget, threads: 2)
    let five = try Forecast.run(budget, threads: 5)
    #expect(try one.json() == two.json())
    #expect(try one.json() == five.json())
  }
}
