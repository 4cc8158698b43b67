import Foundation
import JourneyModel
import JourneySimulation
import Testing
import _JourneyTestSupport

@testable import JourneyEstimation

struct OrganicRateFitTests {
  /// Exact binomial means, `y_t = N_t (1 − exp(−r x_t))`, give back `r` itself.
  @Test func exactMeansGiveTheRateBack() throws {
    let customers = [1000, 1200, 1500, 1800, 2000]
    let drivers = [10, 60, 150, 300, 500]
    let exposed = zip(customers, drivers).map { n, d in
      Int((Double(n) * -expm1(-2.5 * Double(d) / Double(n))).rounded())
    }
    let (fit, warning) = OrganicFit.fit(
      channel: "referral", driver: "loyal", customers: customers, drivers: drivers, exposed: exposed
    )
    let f = try #require(fit)
    #expect(warning == nil)
    #expect(abs(f.rate.estimate - 2.5) < 0.02)
    #expect(f.converged)
    #expect((f.logVariance ?? 0) > 0)
    #expect((f.rate.low ?? 3) < 2.5 && 2.5 < (f.rate.high ?? 0))
  }

  /// No exposures, or every customer exposed: no rate, and a warning that says why.
  @Test func unidentifiableRatesAreKeptFromTheModel() {
    let none = OrganicFit.fit(
      channel: "referral", driver: "loyal", customers: [100, 100], drivers: [5, 9], exposed: [0, 0])
    #expect(none.0 == nil && none.1?.contains("no exposures") == true)
    let all = OrganicFit.fit(
      channel: "referral", driver: "loyal", customers: [100, 100], drivers: [5, 9],
      exposed: [100, 100])
    #expect(all.0 == nil && all.1?.contains("not identifiable") == true)
  }

  /// Simulate → fit recovers the referral rate of the b2c scenario (within 3.5 SE on the
  /// log scale), the fitted scenario carries it, and the fit report's `organic` entry is
  /// read back as a drawable rate.
  @Test func referralRateIsRecoveredAndReported() throws {
    var truth = try RepositoryFiles.scenario("b2c.yaml", size: 20_000)
    truth.horizon = 30
    let journeys = MemoryLog()
    _ = try Simulator.run(truth, engine: .individual, seed: 11, threads: 2, journeyLog: journeys)
    let summary = try JourneyLogReader.read(
      bytes: journeys.bytes, file: "j.csv", vocabulary: Vocabulary(model: truth))
    let fit = try TransitionFit.fit(summary, model: truth, file: "j.csv")
    let rate = try #require(fit.organic.first)
    #expect(rate.channel == "referral" && rate.driver == "loyal")
    let se = try #require(rate.logVariance).squareRoot()
    #expect(
      abs(log(rate.rate.estimate) - log(2.0)) <= 3.5 * se,
      "rate \(rate.rate.estimate) ± \(se) (log scale)")
    let fitted = fit.scenario(template: truth, summary: summary)
    let c = try #require(fitted.channelIndex(named: "referral"))
    #expect(fitted.channels[c].kind == .organic(driver: 5, rate: rate.rate.estimate))
    let json = String(decoding: try fit.json(), as: UTF8.self)
    let covariance = try ParameterCovariance.parse(text: json, file: "fit.json", model: fitted)
    #expect(covariance.organic.count == 1)
    #expect(covariance.organic.first?.channel == c)
    #expect(abs((covariance.organic.first?.theta ?? 0) - log(rate.rate.estimate)) < 1e-9)
  }

  /// With a spend file that covers the history only, the fitted model spends the
  /// template's plan after it (so that a forecast continuing the history is not a
  /// forecast without paid media), and the spend file's figures within it.
  @Test func spendAfterTheHistoryFollowsTheModelsPlan() throws {
    let scenario = try pulsingScenario(size: 5_000, horizon: 20)
    let (summary, _) = try simulate(scenario, seed: 5)
    var fit = try TransitionFit.fit(summary, model: scenario, file: "memory.csv")
    var table = spendTable(scenario)
    table.spend = table.spend.map { $0.map { $0 * 1.1 } }
    fit.fitReach(summary, spend: table, model: scenario)
    let fitted = fit.scenario(template: scenario, summary: summary)
    for name in ["search", "tv"] {
      let c = try #require(fitted.channelIndex(named: name))
      guard case .paid(let plan, _, _) = fitted.channels[c].kind else {
        Issue.record("\(name) is not paid")
        continue
      }
      for t in 0..<20 { #expect(abs(plan.spend(at: t) - 1.1 * scenario.spend(at: t)[c]) < 1e-9) }
      for t in 20..<40 { #expect(plan.spend(at: t) == scenario.spend(at: t)[c], "\(name) at \(t)") }
    }
  }
}
