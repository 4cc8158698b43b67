import Foundation
import JourneyForecast
import JourneyFormats
import JourneyModel
import JourneySimulation
import Testing
import _JourneyTestSupport

/// Reference plans, pacing, efficiency targets and the gain's interval.
@Suite struct OptimizerPlanningTests {
  @Test func theGainSplitsIntoMoneyAndMix() throws {
    let optimizer = BudgetOptimizer(scenario: funnel(channels: 3), total: 900_000)
    let r = optimizer.run(curves: false)
    #expect(abs(r.scaledExpected - optimizer.evaluate(spend: optimizer.scaledPlan(total: 900_000))) <= 1e-12 * r.expected)
    #expect(abs(r.baselineExpected - optimizer.baseline()) <= 1e-12 * r.expected)
    #expect(abs((r.mixGain + r.moneyEffect) - (r.expected - r.baselineExpected)) <= 1e-9 * r.expected)
    // The funnel's own plan spends 10k, 20k and 30k a week: 780k over 13 weeks.
    #expect(optimizer.baselineSpend == 780_000)
    #expect(r.mixGain >= 0)
    #expect(r.moneyEffect > 0)
    let scaled = optimizer.scaledPlan(total: 900_000)
    #expect(abs(scaled.joined().reduce(0, +) - 900_000) <= 1e-6)
  }

  @Test(arguments: [0.2, 0.5])
  func periodBoundsAndPacingHoldExactly(maxChange: Double) throws {
    var scenario = funnel(channels: 3)
    scenario.horizon = 8
    let bounds: [(min: Double, max: Double)] = [(1_000, 40_000), (0, 30_000), (0, .infinity)]
    let optimizer = BudgetOptimizer(
      scenario: scenario, total: 300_000, perPeriod: true, periodBounds: bounds, maxChange: maxChange)
    try optimizer.checkFeasible()
    let r = optimizer.run(curves: false)
    #expect(r.converged)
    #expect(abs(r.byPeriod.joined().reduce(0, +) - 300_000) <= 1e-6 * 300_000)
    let eps = 1e-7 * 300_000
    for (c, spend) in r.byPeriod.enumerated() {
      for t in spend.indices {
        #expect(spend[t] >= bounds[c].min - eps && spend[t] <= bounds[c].max + eps, "channel \(c) period \(t): \(spend[t])")
        if t > 0 {
          #expect(spend[t] <= (1 + maxChange) * spend[t - 1] + eps, "channel \(c) period \(t): \(spend)")
          #expect(spend[t] >= (1 - maxChange) * spend[t - 1] - eps, "channel \(c) period \(t): \(spend)")
        }
      }
    }
    // Pacing only takes freedom away.
    let free = BudgetOptimizer(scenario: scenario, total: 300_000, perPeriod: true, periodBounds: bounds).run(curves: false)
    #expect(free.expected >= r.expected * (1 - 1e-9))
  }

  @Test func infeasiblePacingNamesTheChannel() throws {
    var scenario = funnel(channels: 2)
    scenario.horizon = 4
    // social must get at least 200k but may spend at most 10k a period.
    let optimizer = BudgetOptimizer(
      scenario: scenario, total: 300_000, bounds: [(0, 300_000), (200_000, 300_000)], perPeriod: true,
      periodBounds: [(0, .infinity), (0, 10_000)], maxChange: 0.5)
    let e = #expect(throws: InputError.self) { try optimizer.checkFeasible() }
    #expect(e?.description.contains("channel 'social' cannot meet its constraints") == true, "\(String(describing: e))")
    let total = BudgetOptimizer(
      scenario: scenario, total: 300_000, perPeriod: true, periodBounds: [(0, 10_000), (0, 10_000)], maxChange: 0.5)
    let f = #expect(throws: InputError.self) { try total.checkFeasible() }
    #expect(f?.description.contains("cannot add up to the total 300000") == true, "\(String(describing: f))")
  }

  @Test(arguments: [EfficiencyTarget.cpa(8), .roas(3)])
  func targetEfficiencyFindsTheLargestTotal(target: EfficiencyTarget) throws {
    let optimizer = BudgetOptimizer(scenario: funnel(channels: 3), total: 0, bounds: [(0, .infinity), (0, .infinity), (0, .infinity)])
    let found = optimizer.run(target: target)
    #expect(found.met)
    #expect(found.optimizer.total > 0)
    switch target {
    case .cpa(let x): #expect(found.average <= x * (1 + 1e-9))
    case .roas(let y): #expect(found.average >= y * (1 - 1e-9))
    }
    // 1% more money misses the target.
    let more = found.optimizer.with(total: found.optimizer.total * 1.01)
    var reference = more
    reference.objective = target.objective
    let r = reference.run(curves: false)
    let increment = r.expected - found.zeroSpend
    switch target {
    case .cpa(let x): #expect(more.total / increment > x)
    case .roas(let y): #expect(increment / more.total < y)
    }
    let impossible = optimizer.run(target: .cpa(1e-6))
    #expect(!impossible.met)
  }

  @Test func gainDrawsDoNotDependOnTheThreadCount() throws {
    let scenario = try RepositoryFiles.scenario("b2c.yaml")
    var model = scenario
    model.horizon = 8
    let sampler = try ParameterSampler(try syntheticCovariance(model: model), file: "fit.json")
    let one = BudgetOptimizer(scenario: model, total: 600_000, threads: 1)
    let r = one.run(curves: false)
    let reference = one.scaledPlan(total: 600_000)
    let a = one.gainDraws(plan: r.byPeriod, reference: reference, sampler: sampler, draws: 40, seed: 3)
    var three = one
    three.threads = 3
    let b = three.gainDraws(plan: r.byPeriod, reference: reference, sampler: sampler, draws: 40, seed: 3)
    #expect(a == b)
    #expect(a.gains.count == 40)
    #expect(Set(a.gains).count > 1)
    let interval = a.interval
    #expect(interval.p5 <= interval.mean && interval.mean <= interval.p95)
    #expect(a.probabilityBetter >= 0 && a.probabilityBetter <= 1)
  }
}

/// The shipped budget's optima with exact derivatives against those of the finite-difference
/// optimiser they replace (total 1,200,000).
@Suite struct OptimizerRegressionTests {
  /// `(objective, per period, the finite-difference optimiser's optimum)`.
  static let previous: [(Objective, Bool, Double)] = [
    (.conversions, false, 87343.602984196), (.value, false, 6987488.238995373),
    (.conversions, true, 100911.29844105295), (.value, true, 8072903.59326919),
  ]

  @Test(arguments: 0..<4)
  func theOptimumIsNoWorse(case k: Int) throws {
    let (objective, perPeriod, old) = Self.previous[k]
    let budget = try BudgetScenario.load(path: RepositoryFiles.path("scenarios/budget-b2c.yaml"))
    let optimizer = try BudgetOptimizer(
      budget: budget, total: 1_200_000, objective: objective, perPeriod: perPeriod, threads: 2)
    let r = optimizer.run(curves: false)
    #expect(r.converged)
    #expect(r.expected >= old * (1 - 1e-9), "\(r.expected) < \(old)")
  }
}
