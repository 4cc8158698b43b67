import Foundation
import JourneyModel
import JourneySimulation
import Testing
import _JourneyTestSupport

@testable import JourneyEstimation

/// Simulate → fit on every shipped scenario: the fit recovers the parameters the history
/// was simulated from.
///
/// Each scenario runs at 50,000 customers (200,000 with `JOURNEY_LONG_TESTS=1`) over its
/// own horizon, individual engine, fixed seed, fitted with the scenario as `--model`
/// (segments from the journey log's segment column, seasonality as known offsets). Every
/// true baseline probability and effect (0 where the scenario has none) must lie within
/// 3.5 standard errors of its estimate (a joint check over all parameters: with ~50–100
/// parameters a family-wise level of a few percent), and at least 90% must lie inside
/// their 95% intervals.
struct ShippedRecoveryTests {
  static var size: Int { ProcessInfo.processInfo.environment["JOURNEY_LONG_TESTS"] == "1" ? 200_000 : 50_000 }

  @Test(arguments: ["b2c.yaml", "b2b.yaml", "word-of-mouth.yaml", "bench.yaml"])
  func fitRecoversTheScenario(name: String) throws {
    let scenario = try RepositoryFiles.scenario(name, size: Self.size)
    let log = MemoryLog()
    _ = try Simulator.run(scenario, engine: .individual, seed: 2_026, threads: 2, journeyLog: log)
    let summary = try JourneyLogReader.read(bytes: log.bytes, file: name, vocabulary: Vocabulary(model: scenario))
    let fit = try TransitionFit.fit(summary, model: scenario, file: name)
    #expect(!fit.parameters.isEmpty)
    var inside = 0
    var checked = 0
    for p in fit.parameters {
      let segment = scenario.segments.first { $0.name == (p.segment ?? scenario.segments[0].name) } ?? scenario.segments[0]
      let truth = segment.parameters
      let i = try #require(scenario.phaseIndex(named: p.origin))
      let j = try #require(scenario.phaseIndex(named: p.target))
      let value = try p.channel.map { truth.effect(i, j, try #require(scenario.channelIndex(named: $0))) } ?? truth.probability(i, j)
      guard let se = p.standardError, let low = p.low, let high = p.high else { continue }
      checked += 1
      #expect(abs(p.estimate - value) <= 3.5 * se + 1e-12,
              "\(name) \(p.segment ?? "") \(p.origin)->\(p.target) \(p.channel ?? "baseline"): \(p.estimate) ± \(se), truth \(value)")
      if (low <= value && value <= high) || (se == 0 && p.estimate == value) { inside += 1 }
    }
    #expect(checked == fit.parameters.count)
    #expect(Double(inside) >= 0.9 * Double(checked), "\(name): \(inside) of \(checked) inside their 95% intervals")
    #expect(!fit.warnings.contains { $0.contains("not fitted") || $0.contains("one set of parameters") }, "\(fit.warnings)")
  }
}
