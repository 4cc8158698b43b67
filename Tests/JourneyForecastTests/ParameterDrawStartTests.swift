import Foundation
import JourneyForecast
import JourneyModel
import JourneySimulation
import Testing
import _JourneyTestSupport

struct ParameterDrawStartTests {
  /// A drawn adstock `λ` recomputes the start state's adstock of that channel from the
  /// model's calendar spend; other channels keep the state's.
  @Test func drawnLambdaRecomputesTheStartAdstock() throws {
    let model = try RepositoryFiles.scenario("b2c.yaml", size: 10_000)
    let tv = try #require(model.channelIndex(named: "tv"))
    let theta = [log(0.6 / 0.4), log(120_000.0), log(1.5), log(0.8 / 0.2)]
    var cov = [Double](repeating: 0, count: 16)
    for i in 0..<4 { cov[i * 5] = 0.01 }
    let covariance = ParameterCovariance(
      origins: [], reach: [.init(channel: tv, theta: theta, covariance: cov)])
    let sampler = try ParameterSampler(covariance, file: "fit.json")
    let state = StartState(
      period: 23, forecastStart: 24, segments: ["b2c"],
      counts: [[Double](repeating: 100, count: model.phaseCount)],
      adstock: StartState.planAdstock(model, through: 23), adstockSource: .spend)
    let drawn = [theta[0], theta[1], theta[2], log(0.5 / 0.5)]
    let channels = sampler.channels(model.channels, reach: [drawn])
    let moved = sampler.startState(state, channels: channels)
    let tvSpend = (0..<23).map { model.spend(at: $0)[tv] }
    let expected = StartState.adstock(spend: [tvSpend], lambdas: [0.5], through: 23)[0]
    #expect(abs(moved.adstock[tv] - expected) <= 1e-9 * expected)
    #expect(abs(moved.adstock[tv] - state.adstock[tv]) > 0.1 * state.adstock[tv])
    for c in model.channels.indices where c != tv { #expect(moved.adstock[c] == state.adstock[c]) }
    // At the estimate, the state's own adstock comes back.
    let same = sampler.startState(state, channels: sampler.channels(model.channels, reach: [theta]))
    #expect(abs(same.adstock[tv] - state.adstock[tv]) <= 1e-9 * state.adstock[tv])
  }

  /// Organic rates are drawn on the log scale around the fit and set on the channel.
  @Test func organicRatesAreDrawn() throws {
    let model = try RepositoryFiles.scenario("b2c.yaml", size: 10_000)
    let referral = try #require(model.channelIndex(named: "referral"))
    let covariance = ParameterCovariance(
      origins: [], organic: [.init(channel: referral, theta: log(2.0), variance: 0.01)])
    let sampler = try ParameterSampler(covariance, file: "fit.json")
    var rng = SplitMix64(seed: 3, stream: 0)
    var logs: [Double] = []
    for _ in 0..<2000 {
      let draw = sampler.drawOrganic(using: &rng)
      let channels = sampler.channels(model.channels, organic: draw)
      guard case .organic(_, let rate) = channels[referral].kind else { throw CancellationError() }
      logs.append(log(rate))
    }
    let m = logs.reduce(0, +) / Double(logs.count)
    let sd = (logs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(logs.count - 1)).squareRoot()
    #expect(abs(m - log(2.0)) < 4 * 0.1 / sqrt(2000.0))
    #expect(abs(sd - 0.1) < 0.01)
  }
}
