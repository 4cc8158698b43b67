import Foundation
import JourneyForecast
import JourneyModel
import JourneySimulation
import Testing
import _JourneyTestSupport

/// The expected engine's analytic derivatives against central finite differences.
@Suite struct ExpectedObjectiveGradientTests {
  /// The B2C model (two segments, an organic referral channel, adstock, Hill curves of
  /// shapes 1, 1.2 and 1.5) over 13 weeks with seasonality, from period 3.
  static func model() throws -> Scenario {
    var s = try RepositoryFiles.scenario("b2c.yaml")
    s.horizon = 13
    s.seasonality = [1.0, 1.1, 0.9, 1.2]
    return s
  }

  static func spend(_ s: Scenario) -> [[Double]] {
    s.channels.indices.map { c in (0..<s.horizon).map { t in s.spend(at: t)[c] * (1 + 0.05 * Double((t + c) % 3)) } }
  }

  @Test func valueMatchesTheExpectedEngine() throws {
    let s = try Self.model()
    let f = ExpectedObjective(scenario: s, weights: ExpectedObjective.conversionWeights(s))
    let result = try Simulator.run(s, engine: .expected)
    let own = s.channels.indices.map { c in (0..<s.horizon).map { s.spend(at: $0)[c] } }
    #expect(abs(f.value(spend: own) - result.totalConversions) <= 1e-11 * result.totalConversions)
    let r = ExpectedObjective(scenario: s, weights: ExpectedObjective.revenueWeights(s))
    #expect(abs(r.value(spend: own) - result.totalRevenue) <= 1e-11 * result.totalRevenue)
  }

  /// Central differences with Richardson extrapolation: `(4 D(h/2) − D(h)) / 3`, error O(h⁴).
  static func differences(
    _ f: ExpectedObjective, _ spend: [[Double]], _ d: ExpectedObjective.Direction, step h: Double
  ) -> (Double, Double) {
    func at(_ e: Double) -> Double {
      var s = spend
      for (k, v) in d.rate.enumerated() { s[d.channel][d.first + k] += e * v }
      return f.value(spend: s)
    }
    let f0 = at(0)
    func d1(_ h: Double) -> Double { (at(h) - at(-h)) / (2 * h) }
    func d2(_ h: Double) -> Double { (at(h) - 2 * f0 + at(-h)) / (h * h) }
    return ((4 * d1(h / 2) - d1(h)) / 3, (4 * d2(h / 2) - d2(h)) / 3)
  }

  @Test(arguments: [false, true], [false, true])
  func derivativesMatchCentralDifferences(revenue: Bool, perPeriod: Bool) throws {
    let s = try Self.model()
    let f = ExpectedObjective(
      scenario: s, start: nil,
      weights: revenue ? ExpectedObjective.revenueWeights(s) : ExpectedObjective.conversionWeights(s))
    let spend = Self.spend(s)
    let paid = s.channels.indices.filter { s.channels[$0].isPaid }
    let directions: [ExpectedObjective.Direction] =
      perPeriod
      ? paid.flatMap { c in [0, 4, 7, 12].map { ExpectedObjective.Direction(channel: c, first: $0, rate: [1]) } }
      : paid.map { c in
        let total = spend[c].reduce(0, +)
        return ExpectedObjective.Direction(channel: c, first: 0, rate: spend[c].map { $0 / total })
      }
    let d = f.derivatives(spend: spend, directions: directions, threads: 2)
    #expect(abs(d.value - f.value(spend: spend)) <= 1e-12 * abs(d.value))
    for (k, direction) in directions.enumerated() {
      let level = direction.rate.enumerated().map { spend[direction.channel][direction.first + $0.offset] }.max() ?? 0
      let (g, h) = Self.differences(f, spend, direction, step: perPeriod ? 0.05 * Swift.max(level, 1000) : 0.02 * 13 * Swift.max(level, 1000))
      let label = "\(s.channels[direction.channel].name) from \(direction.first): \(d.first[k]) vs \(g); \(d.second[k]) vs \(h)"
      #expect(abs(d.first[k] - g) <= 1e-6 * abs(g), "\(label)")
      #expect(abs(d.second[k] - h) <= 1e-4 * abs(h) + 1e-6 * abs(g) / Swift.max(level, 1000), "\(label)")
    }
  }

  @Test func derivativesFromAHistoryStartMatchCentralDifferences() throws {
    let s = try Self.model()
    let state = StartState(
      period: 5, segments: ["b2c", "b2b"],
      counts: [[600_000, 150_000, 40_000, 2_000, 3_000, 20_000, 10_000], [150_000, 30_000, 10_000, 500, 600, 4_000, 2_000]],
      adstock: [30_000, 20_000, 10_000, 1_500, 100_000, 0])
    let f = ExpectedObjective(scenario: s, start: state, weights: ExpectedObjective.revenueWeights(s))
    let spend = Self.spend(s)
    let directions = [0, 4].map { ExpectedObjective.Direction(channel: $0, first: 2, rate: [1, 0.5]) }
    let d = f.derivatives(spend: spend, directions: directions)
    for (k, direction) in directions.enumerated() {
      let (g, _) = Self.differences(f, spend, direction, step: 1_000)
      #expect(abs(d.first[k] - g) <= 1e-6 * abs(g), "\(direction.channel): \(d.first[k]) vs \(g)")
    }
  }
}
