import Foundation
import JourneyAttribution
import JourneyModel
import JourneySimulation
import Testing

/// A small funnel with two paid channels with effects, one without (`display`) and,
/// optionally, an organic channel.
func tinyScenario(organic: Bool = true, size: Int = 10_000, horizon: Int = 20) throws -> Scenario {
  var text = """
    name: tiny
    period: week
    horizon: \(horizon)
    seed: 3
    population: { size: \(size), initial: { unaware: 1.0 }, arrivals: 0 }
    phases:
      - unaware
      - aware
      - { name: purchased, conversion: true, value: 50 }
      - loyal
      - { name: lost, absorbing: true }
    transitions:
      unaware: { aware: 0.05 }
      aware: { purchased: 0.1, lost: 0.02 }
      purchased: { loyal: 1.0 }
      loyal: { purchased: 0.05, lost: 0.05 }
    channels:
      search: { spend: { weekly: 1000 }, adstock: 0.3, reach: { max: 0.5, half: 1000, shape: 1.0 } }
      tv: { spend: { weekly: 3000 }, adstock: 0.5, reach: { max: 0.6, half: 2000, shape: 1.5 } }
      display: { spend: { weekly: 500 }, adstock: 0.0, reach: { max: 0.3, half: 500, shape: 1.0 } }

    """
  if organic { text += "  referral: { organic: { driver: loyal, rate: 2.0 } }\n" }
  text += """
    effects:
      unaware->aware: { tv: 0.9, search: 0.4\(organic ? ", referral: 1.0" : "") }
      aware->purchased: { search: 0.6 }

    """
  return try Scenario.parse(text: text, file: "tiny.yaml")
}

@Suite struct ChannelContributionTests {
  @Test func shapleySumsToTheTotalIncrement() throws {
    let s = try tinyScenario()
    let m = ChannelContribution.run(s, options: .init(threads: 2))
    let total = m.conversions - m.baseConversions
    let sum = m.channels.reduce(0) { $0 + $1.shapleyConversions }
    #expect(abs(sum - total) <= 1e-9 * max(1, abs(total)))
    let revenue = m.channels.reduce(0) { $0 + $1.shapleyRevenue }
    #expect(abs(revenue - (m.revenue - m.baseRevenue)) <= 1e-9 * max(1, m.revenue))
    #expect(m.shapleyMode == "exact")
    #expect(total > 0)
  }

  @Test func zeroEffectChannelGetsNothing() throws {
    let m = ChannelContribution.run(try tinyScenario(), options: .init(threads: 1))
    let display = try #require(m.channels.first { $0.name == "display" })
    #expect(abs(display.shapleyConversions) < 1e-9)
    #expect(abs(display.incrementalConversions) < 1e-9)
    #expect(abs(display.marginalRoas ?? 1) < 1e-6)
    #expect(display.roas.map { abs($0) < 1e-9 } ?? false)
  }

  @Test func oneChannelShapleyIsItsSwitchOffEffect() throws {
    let s = try Scenario.parse(
      text: """
        name: one
        horizon: 20
        population: { size: 10000, initial: { unaware: 1.0 } }
        phases: [unaware, { name: purchased, conversion: true, value: 20 }, { name: lost, absorbing: true }]
        transitions:
          unaware: { purchased: 0.02, lost: 0.01 }
          purchased: { lost: 1.0 }
        channels:
          search: { spend: { weekly: 1000 }, adstock: 0.3, reach: { max: 0.5, half: 1000, shape: 1.0 } }
        effects:
          unaware->purchased: { search: 0.8 }
        """, file: "one.yaml")
    let m = ChannelContribution.run(s, options: .init(threads: 1))
    let c = m.channels[0]
    #expect(abs(c.shapleyConversions - c.incrementalConversions) < 1e-9)
    #expect(abs(c.shapleyConversions - (m.conversions - m.baseConversions)) < 1e-9)
    #expect(c.incrementalConversions > 0)
  }

  @Test func sampledShapleyIsDeterministicAndClose() throws {
    let s = try tinyScenario()
    let exact = ChannelContribution.run(s, options: .init(threads: 2))
    let a = ChannelContribution.run(s, options: .init(permutations: 400, seed: 5, threads: 1))
    let b = ChannelContribution.run(s, options: .init(permutations: 400, seed: 5, threads: 3))
    #expect(a == b)
    #expect(a.shapleyMode == "sampled")
    let total = a.conversions - a.baseConversions
    #expect(abs(a.channels.reduce(0) { $0 + $1.shapleyConversions } - total) <= 1e-9 * total)
    for (x, e) in zip(a.channels, exact.channels) {
      let se = try #require(x.shapleyConversionsSe)
      #expect(abs(x.shapleyConversions - e.shapleyConversions) <= 4 * se + 1e-9)
    }
  }

  @Test func marginalRoasIsTheCentralDifference() throws {
    let s = try tinyScenario(organic: false)
    let m = ChannelContribution.run(s, options: .init(marginalStep: 0.01, threads: 1))
    let search = m.channels[0]
    // A smaller step agrees to the order of h².
    let fine = ChannelContribution.run(s, options: .init(marginalStep: 0.001, threads: 1)).channels[
      0]
    let roas = try #require(search.marginalRoas)
    #expect(abs(roas - (fine.marginalRoas ?? 0)) < 1e-3 * abs(roas))
    #expect(search.spend == 20_000)
    #expect(abs((search.roas ?? 0) - search.shapleyRevenue / 20_000) < 1e-12)
  }

  /// The individual engine's switch-off increments, averaged over replicates, agree with
  /// the expected engine's within four Monte Carlo standard errors.
  @Test func individualEngineAgreesWithSwitchOffIncrements() throws {
    let s = try tinyScenario(organic: false, size: 20_000, horizon: 15)
    let m = ChannelContribution.run(s, options: .init(threads: 1))
    let replicates = 8
    for (c, channel) in m.channels.enumerated() where channel.name != "display" {
      let off = ChannelContribution.restricted(s, on: (1 << 3 - 1) & ~(1 << UInt64(c)))
      var d: [Double] = []
      for r in 0..<replicates {
        let on = try Simulator.run(s, engine: .individual, seed: 100 + UInt64(r), threads: 2)
          .totalConversions
        let without = try Simulator.run(off, engine: .individual, seed: 200 + UInt64(r), threads: 2)
          .totalConversions
        d.append(on - without)
      }
      let mean = d.reduce(0, +) / Double(replicates)
      let variance = d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(replicates - 1)
      let se = (variance / Double(replicates)).squareRoot()
      #expect(
        abs(mean - channel.incrementalConversions) <= 4 * se,
        "channel \(channel.name): \(mean) vs \(channel.incrementalConversions) ± \(se)")
    }
  }
}
