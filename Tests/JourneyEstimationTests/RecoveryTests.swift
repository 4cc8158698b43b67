import Foundation
import JourneyFormats
import JourneyModel
import JourneySimulation
import Testing

@testable import JourneyEstimation

/// Collects the journey log in memory.
final class MemoryLog: JourneyLogSink {
  var bytes: [UInt8] = []
  func write(_ buffer: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: buffer) }
}

struct RecoveryTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// Simulate → fit recovers the single-segment benchmark scenario (fixed seeds): every
  /// true baseline probability and effect (zero where the scenario has none) lies within
  /// 3.5 SE of its estimate (a joint check over 42 parameters at a family-wise level of
  /// about 2%, Bonferroni), and at least 90% lie within their 95% intervals.
  @Test(arguments: [UInt64(1), 2, 3]) func simulateThenFitRecoversTheBenchScenario(seed: UInt64) throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    var scenario = try Scenario.load(path: root.appendingPathComponent("scenarios/bench.yaml").path)
    scenario.population.size = 20_000
    let log = MemoryLog()
    _ = try Simulator.run(scenario, engine: .individual, seed: seed, threads: 2, journeyLog: log)
    let summary = try JourneyLogReader.read(
      bytes: log.bytes, file: "memory.csv",
      vocabulary: Vocabulary(phases: scenario.phases.map(\.name), channels: scenario.channels.map(\.name)))
    let fit = try TransitionFit.fit(summary, model: scenario, file: "memory.csv")
    let truth = scenario.segments[0].parameters
    var inside95 = 0
    for p in fit.parameters {
      let i = try #require(scenario.phaseIndex(named: p.origin))
      let j = try #require(scenario.phaseIndex(named: p.target))
      let se = try #require(p.standardError)
      let low = try #require(p.low)
      let high = try #require(p.high)
      let value: Double
      if let channel = p.channel {
        value = truth.effect(i, j, try #require(scenario.channelIndex(named: channel)))
      } else {
        value = truth.probability(i, j)
      }
      #expect(abs(p.estimate - value) <= 3.5 * se + 1e-12, "\(p.origin)->\(p.target) \(p.channel ?? "baseline")")
      if low <= value && value <= high { inside95 += 1 }
    }
    #expect(fit.parameters.count == 42)
    #expect(Double(inside95) >= 0.9 * Double(fit.parameters.count))
    #expect(fit.warnings.isEmpty, "\(fit.warnings)")
    // The fitted model round-trips through the scenario format.
    let fitted = fit.scenario(template: scenario, summary: summary)
    let reparsed = try Scenario.parse(text: fitted.yamlText(), file: "model.yaml")
    #expect(reparsed.segments.count == 1)
    #expect(abs(reparsed.segments[0].parameters.probability(0, 1) - fit.fitted.probability(0, 1)) < 1e-9)
  }

  @Test func inferredModelRoundTripsThroughTheScenarioFormat() throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Data/small.csv").path
    let summary = try JourneyLogReader.read(path: path, vocabulary: .inferred, holdoutFraction: 0.25)
    let fit = try TransitionFit.fit(summary, model: nil, file: path)
    let loss = try #require(fit.holdoutLogLoss)
    #expect(loss > 0 && loss < 2)
    let scenario = fit.scenario(template: nil, summary: summary)
    #expect(scenario.population.size == 300)
    #expect(scenario.horizon == 8)
    let reparsed = try Scenario.parse(text: scenario.yamlText(), file: "model.yaml")
    #expect(reparsed.phases.map(\.name) == ["a", "b", "c"])
    let json = try JSONSerialization.jsonObject(with: try fit.json()) as? [String: Any]
    #expect((json?["origins"] as? [Any])?.count == 2)
  }
}
