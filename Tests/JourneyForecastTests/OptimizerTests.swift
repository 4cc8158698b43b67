import Foundation
import JourneyForecast
import JourneyModel
import JourneySimulation
import Testing

/// A small funnel with `k` paid channels of different reach curves, 13 weeks.
func funnel(channels k: Int) -> Scenario {
  let phases = [
    Phase(name: "unaware"), Phase(name: "aware"), Phase(name: "purchased", isConversion: true, value: 50),
    Phase(name: "lost", isAbsorbing: true),
  ]
  let curves: [(Double, Double, Double, Double)] = [  // max, half, shape, adstock
    (0.5, 30_000, 1.0, 0.3), (0.35, 15_000, 1.0, 0.5), (0.6, 60_000, 1.0, 0.0),
  ]
  var channels: [Channel] = []
  for c in 0..<k {
    let (m, half, shape, lambda) = curves[c]
    channels.append(
      Channel(
        name: ["search", "social", "tv"][c],
        kind: .paid(
          spend: SpendPlan(base: 10_000 * Double(c + 1)), adstock: lambda,
          reach: HillReach(max: m, half: half, shape: shape))))
  }
  var p = TransitionParameters(phaseCount: 4, channelCount: k)
  p.setProbability(0, 1, 0.03)
  p.setProbability(1, 2, 0.05)
  p.setProbability(1, 3, 0.02)
  p.setProbability(2, 1, 1.0)
  for c in 0..<k {
    p.setEffect(0, 1, c, [1.0, 0.8, 1.2][c])
    p.setEffect(1, 2, c, [0.6, 0.3, 0.2][c])
  }
  return Scenario(
    name: "funnel", horizon: 13, seed: 1,
    population: .init(size: 1_000_000, initial: [1, 0, 0, 0], arrivals: 1_000, arrivalPhases: [1, 0, 0, 0]),
    phases: phases, channels: channels, segments: [Segment(name: "all", share: 1, parameters: p)])
}

@Suite struct OptimizerTests {
  @Test(arguments: [2, 3])
  func optimumMatchesABruteForceGrid(channels k: Int) throws {
    let total = 600_000.0
    let optimizer = BudgetOptimizer(scenario: funnel(channels: k), total: total)
    let result = optimizer.run()
    #expect(result.converged)
    #expect(abs(result.allocation.reduce(0, +) - total) <= 1e-6 * total)
    // Grid over allocations in steps of 1% of the total.
    var best = -Double.infinity
    var bestPoint: [Int] = []
    var grid: [[Int]: Double] = [:]
    func visit(_ prefix: [Int], _ left: Int) {
      if prefix.count == k - 1 {
        let point = prefix + [left]
        let value = optimizer.evaluate(spend: point.enumerated().map { c, share in
          (0..<13).map { t in Double(share) / 100 * total * (10_000 * Double(c + 1)) / (10_000 * Double(c + 1) * 13) }
        })
        grid[point] = value
        if value > best {
          best = value
          bestPoint = point
        }
        return
      }
      for s in 0...left { visit(prefix + [s], left - s) }
    }
    visit([], 100)
    // One grid step in objective: the largest change to a neighbouring grid point.
    var step = 0.0
    for a in 0..<k {
      for b in 0..<k where a != b {
        var q = bestPoint
        q[a] -= 1
        q[b] += 1
        if let v = grid[q] { step = max(step, abs(best - v)) }
      }
    }
    #expect(result.expected >= best - step, "optimum \(result.expected) vs grid \(best) (step \(step))")
    #expect(result.expected <= best + step, "optimum \(result.expected) vs grid \(best) (step \(step))")
    for c in 0..<k {
      #expect(abs(result.allocation[c] / total * 100 - Double(bestPoint[c])) <= 2, "channel \(c)")
    }
  }

  @Test func marginalReturnsAreEqualAtAnInteriorOptimum() throws {
    let result = BudgetOptimizer(scenario: funnel(channels: 3), total: 600_000).run()
    #expect(result.converged)
    #expect(result.allocation.allSatisfy { $0 > 1_000 }, "interior: \(result.allocation)")
    let m = result.marginal
    let spread = (m.max()! - m.min()!) / m.max()!
    #expect(spread < 0.01, "marginal returns \(m)")
  }

  @Test func boundsAreRespectedAndBindingChannelsHaveTheRightMarginals() throws {
    let total = 600_000.0
    let bounds: [(min: Double, max: Double)] = [(0, 100_000), (250_000, total), (0, total)]
    let result = BudgetOptimizer(scenario: funnel(channels: 3), total: total, bounds: bounds).run()
    #expect(result.converged)
    for c in 0..<3 {
      #expect(result.allocation[c] >= bounds[c].min - 1e-6 && result.allocation[c] <= bounds[c].max + 1e-6)
    }
    #expect(abs(result.allocation.reduce(0, +) - total) <= 1e-6 * total)
  }

  @Test func perPeriodAllocationDoesAtLeastAsWellAsFixedShapes() throws {
    var scenario = funnel(channels: 2)
    scenario.horizon = 6
    let shaped = BudgetOptimizer(scenario: scenario, total: 200_000).run()
    let free = BudgetOptimizer(scenario: scenario, total: 200_000, perPeriod: true).run()
    #expect(free.expected >= shaped.expected * (1 - 1e-6))
    #expect(abs(free.byPeriod.joined().reduce(0, +) - 200_000) <= 1e-6 * 200_000)
    #expect(free.byPeriod.joined().allSatisfy { $0 >= 0 })
  }

  @Test func responseCurvesPassThroughTheOptimum() throws {
    let result = BudgetOptimizer(scenario: funnel(channels: 3), total: 600_000).run()
    for (c, curve) in result.responseCurves.enumerated() {
      #expect(curve.count == 21)
      #expect(curve[0].spend == 0)
      #expect(abs(curve[10].spend - result.allocation[c]) <= 1e-6 * result.allocation[c])
      #expect(abs(curve[10].value - result.expected) <= 1e-9 * result.expected)
      for i in 1..<21 { #expect(curve[i].value >= curve[i - 1].value - 1e-9) }
    }
  }
}
