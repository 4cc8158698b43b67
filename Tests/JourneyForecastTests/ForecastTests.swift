import Foundation
import JourneyForecast
import JourneyModel
import JourneySimulation
import Testing
import _JourneyTestSupport

/// The B2C model scaled down, with the five plans of `scenarios/budget-b2c.yaml`.
func b2cBudget(size: Int = 5_000, horizon: Int = 13, replicates: Int = 200, seed: UInt64 = 11) throws -> BudgetScenario {
  let model = try RepositoryFiles.scenario("b2c.yaml", size: size)
  let search = try #require(model.channelIndex(named: "search"))
  let tv = try #require(model.channelIndex(named: "tv"))
  return BudgetScenario(
    name: "test-budget", model: model, horizon: horizon, seed: seed, replicates: replicates,
    plans: [
      BudgetPlan(name: "baseline"),
      BudgetPlan(name: "tv-to-search", shifts: [.init(from: tv, to: search, fraction: 0.2)]),
      BudgetPlan(name: "more-search", scale: [(search, 1.5)]),
      BudgetPlan(name: "christmas", flights: [(search, SpendPlan.Flight(from: 8, to: 12, scale: 2))]),
      BudgetPlan(name: "lean", total: 0.8),
    ])
}

@Suite struct ForecastTests {
  @Test func meansAgreeWithTheExpectedEngineWithinFourStandardErrors() throws {
    let budget = try b2cBudget()
    let forecast = try Forecast.run(budget)
    for (p, plan) in budget.plans.enumerated() {
      let expected = try Simulator.run(Forecast.scenario(for: plan, budget: budget), engine: .expected)
      let replicates = forecast.plans[p].conversions
      let perPeriod = ReplicateSummary(replicates)
      #expect(perPeriod.outliers(against: expected.conversions).isEmpty, "plan \(plan.name)")
      let totals = ReplicateSummary(replicates.map { [$0.reduce(0, +)] })
      #expect(totals.outliers(against: [expected.totalConversions]).isEmpty, "plan \(plan.name) total")
      let revenue = ReplicateSummary(forecast.plans[p].revenue.map { [$0.reduce(0, +)] })
      #expect(revenue.outliers(against: [expected.totalRevenue]).isEmpty, "plan \(plan.name) revenue")
    }
  }

  @Test func quantilesAreOrderedAndTheBaselineIncrementIsExactlyZero() throws {
    var budget = try b2cBudget(replicates: 100)
    budget.plans.append(BudgetPlan(name: "baseline-again"))
    let summary = try Forecast.run(budget).summary()
    for plan in summary {
      for f in plan.periods + [plan.totals] {
        for i in [f.conversions, f.revenue, f.increment] {
          #expect(i.p5 <= i.p50 && i.p50 <= i.p95, "\(plan.name)")
        }
      }
    }
    for plan in [summary[0], summary[5]] {
      for f in plan.periods + [plan.totals] {
        #expect(f.increment == Interval([0]), "\(plan.name): common random numbers make the increment exactly 0")
      }
    }
  }

  @Test func resultsDoNotDependOnTheThreadCount() throws {
    let budget = try b2cBudget(replicates: 30)
    let one = try Forecast.run(budget, threads: 1)
    let two = try Forecast.run(budget, threads: 2)
    let five = try Forecast.run(budget, threads: 5)
    #expect(try one.json() == two.json())
    #expect(try one.json() == five.json())
  }

  @Test func doublingTheReplicatesShrinksTheSpreadOfTheMeanBySquareRootTwo() throws {
    // Half-width of a 90% bootstrap interval of the mean total conversions.
    func halfWidth(_ replicates: Int) throws -> Double {
      var budget = try b2cBudget(replicates: replicates)
      budget.plans = [budget.plans[0]]
      let totals = try Forecast.run(budget).plans[0].conversions.map { $0.reduce(0, +) }
      var rng = SplitMix64(seed: 99, stream: UInt64(replicates))
      let means = (0..<2_000).map { _ in
        (0..<totals.count).reduce(0.0) { sum, _ in sum + totals[Int(rng.next() % UInt64(totals.count))] }
          / Double(totals.count)
      }.sorted()
      return (Interval.quantile(means, 0.95) - Interval.quantile(means, 0.05)) / 2
    }
    let ratio = try halfWidth(500) / halfWidth(1_000)
    #expect(ratio > 1.2 && ratio < 1.7, "ratio \(ratio), expected about √2")
  }

  @Test func scalingEveryChannelToZeroMatchesAModelWithoutPaidSpend() throws {
    var budget = try b2cBudget(replicates: 20)
    let paid = budget.model.channels.indices.filter { budget.model.channels[$0].isPaid }
    budget.plans = [BudgetPlan(name: "zero", scale: paid.map { ($0, 0.0) })]
    var silent = budget
    for c in paid {
      if case .paid(_, let adstock, let reach) = silent.model.channels[c].kind {
        silent.model.channels[c].kind = .paid(spend: SpendPlan(base: 0), adstock: adstock, reach: reach)
      }
    }
    silent.plans = [BudgetPlan(name: "zero")]
    let a = try Forecast.run(budget)
    let b = try Forecast.run(silent)
    #expect(a.plans[0].conversions == b.plans[0].conversions)
    #expect(a.plans[0].revenue == b.plans[0].revenue)
    #expect(a.plans[0].spendPerPeriod.allSatisfy { $0 == 0 })
  }

  @Test(arguments: [0.0, 0.2, 0.25, 1.0 / 3.0, 1.0])
  func shiftConservesTotalSpend(fraction: Double) throws {
    let budget = try b2cBudget()
    let model = budget.model
    let tv = try #require(model.channelIndex(named: "tv"))
    let search = try #require(model.channelIndex(named: "search"))
    let before = BudgetPlan(name: "base").spend(model: model, horizon: 52)
    let after = BudgetPlan(name: "shift", shifts: [.init(from: tv, to: search, fraction: fraction)])
      .spend(model: model, horizon: 52)
    for t in 0..<52 {
      let a = before.reduce(0) { $0 + $1[t] }
      let b = after.reduce(0) { $0 + $1[t] }
      #expect(abs(a - b) <= 1e-12 * a, "period \(t): \(a) vs \(b)")
      #expect(after[tv][t] == before[tv][t] - before[tv][t] * fraction)
      #expect(after[search][t] == before[search][t] + before[tv][t] * fraction)
    }
    let sumBefore: Double = before.joined().reduce(0, +)
    let sumAfter: Double = after.joined().reduce(0, +)
    #expect(abs(sumBefore - sumAfter) <= 1e-12 * sumBefore)
  }

  @Test func quantilesInterpolateBetweenOrderStatistics() {
    let i = Interval((1...101).map(Double.init).reversed())
    #expect(i.mean == 51)
    #expect(i.p5 == 6)
    #expect(i.p50 == 51)
    #expect(i.p95 == 96)
    #expect(Interval.quantile([0, 10], 0.05) == 0.5)
  }
}

@Suite struct StartTests {
  @Test func explicitStartingCountsAreKeptExactly() throws {
    var budget = try b2cBudget(replicates: 5)
    budget.start = .counts([9_000, 700, 300, 0, 0, 0, 0])
    budget.plans = [budget.plans[0]]
    let scenario = Forecast.scenario(for: budget.plans[0], budget: budget)
    for seed in [UInt64(1), 2, 3] {
      let result = try Simulator.run(scenario, engine: .cohort, seed: seed)
      #expect(result.phaseCounts[0] == [9_000, 700, 300, 0, 0, 0, 0])
    }
  }
}
