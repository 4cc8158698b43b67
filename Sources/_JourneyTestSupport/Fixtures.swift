import Foundation
import JourneyModel
import JourneySimulation

/// Scenarios built in code, for tests that must not depend on the shipped files.
public enum Fixtures {
  /// A B2C journey in the spirit of the shipped b2c scenario: 7 phases, 4 paid channels and an organic
  /// referral channel driven by `loyal`, two segments, arrivals and seasonality.
  public static func webshop(size: Int = 10_000, horizon: Int = 26, arrivals: Int = 50) -> Scenario {
    let names = ["unaware", "aware", "considering", "purchased", "service", "loyal", "lost"]
    let phases = names.map { name in
      Phase(name: name, isConversion: name == "purchased", value: name == "purchased" ? 80 : 0,
            isAbsorbing: name == "lost")
    }
    let channels = [
      Channel(name: "search", kind: .paid(
        spend: SpendPlan(base: 20_000, flights: [.init(from: 10, to: 14, scale: 1.5)]),
        adstock: 0.3, reach: HillReach(max: 0.5, half: 40_000, shape: 1))),
      Channel(name: "tv", kind: .paid(
        spend: SpendPlan(base: 50_000, pulse: .init(on: 6, off: 4)),
        adstock: 0.8, reach: HillReach(max: 0.6, half: 120_000, shape: 1.5))),
      Channel(name: "email", kind: .paid(
        spend: SpendPlan(base: 2_000), adstock: 0, reach: HillReach(max: 0.3, half: 1_000, shape: 2))),
      Channel(name: "social", kind: .paid(
        spend: SpendPlan(base: 0, perPeriod: (0..<horizon).map { Double(($0 % 5) * 3_000) }),
        adstock: 0.5, reach: HillReach(max: 0.4, half: 10_000, shape: 1.2))),
      Channel(name: "referral", kind: .organic(driver: 5, rate: 2.0)),
    ]
    var p = TransitionParameters(phaseCount: 7, channelCount: channels.count)
    let rows: [(Int, Int, Double)] = [
      (0, 1, 0.04), (1, 2, 0.10), (1, 0, 0.03), (1, 6, 0.01), (2, 3, 0.05), (2, 1, 0.05),
      (2, 6, 0.02), (3, 4, 1.0), (4, 5, 0.15), (4, 6, 0.05), (5, 3, 0.04), (5, 6, 0.02),
    ]
    for (i, j, q) in rows { p.setProbability(i, j, q) }
    let effects: [(Int, Int, Int, Double)] = [
      (0, 1, 1, 0.9), (0, 1, 0, 0.4), (0, 1, 4, 1.0), (0, 1, 3, 0.3), (1, 2, 0, 0.8), (1, 2, 4, 0.6),
      (2, 3, 0, 0.5), (2, 3, 2, 0.7), (5, 3, 2, 0.6),
    ]
    for (i, j, c, b) in effects { p.setEffect(i, j, c, b) }
    var b2b = p
    b2b.setProbability(2, 3, 0.02)
    var initial = [Double](repeating: 0, count: 7)
    initial[0] = 0.9
    initial[1] = 0.1
    var arrivalPhases = [Double](repeating: 0, count: 7)
    arrivalPhases[0] = 1
    return Scenario(
      name: "webshop-fixture", period: .week, horizon: horizon, seed: 7,
      population: .init(size: size, initial: initial, arrivals: arrivals, arrivalPhases: arrivalPhases),
      phases: phases, channels: channels,
      segments: [Segment(name: "b2c", share: 0.8, parameters: p), Segment(name: "b2b", share: 0.2, parameters: b2b)],
      seasonality: [1.0, 1.1, 0.9, 1.2])
  }
}

/// Mean and standard error of replicated Monte Carlo figures.
public struct ReplicateSummary {
  public let mean: [Double]
  public let standardError: [Double]

  /// - Parameter replicates: one vector of figures per replicate (all the same length).
  public init(_ replicates: [[Double]]) {
    let r = Double(replicates.count)
    let k = replicates.first?.count ?? 0
    var mean = [Double](repeating: 0, count: k)
    for row in replicates { for i in 0..<k { mean[i] += row[i] / r } }
    var variance = [Double](repeating: 0, count: k)
    for row in replicates { for i in 0..<k { variance[i] += (row[i] - mean[i]) * (row[i] - mean[i]) / (r - 1) } }
    self.mean = mean
    standardError = variance.map { ($0 / r).squareRoot() }
  }

  /// Indices where `|mean − expected| > k · SE` (with a tiny absolute floor for exact zeros).
  public func outliers(against expected: [Double], k: Double = 4) -> [Int] {
    expected.indices.filter { i in
      abs(mean[i] - expected[i]) > k * standardError[i] + 1e-9 * max(1, abs(expected[i]))
    }
  }
}
