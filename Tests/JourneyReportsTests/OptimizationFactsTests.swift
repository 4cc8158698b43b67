import JourneyFormats
import JourneyReports
import Testing

/// The optimisation's headline keeps money and mix apart and shows the gain's interval and
/// an efficiency target, as `optimize.json` carries them.
@Suite struct OptimizationFactsTests {
  func file() -> OptimizeFile {
    var o = OptimizeFile(
      scenario: "q1", model: "m", objective: "conversions", total: 1_200_000, perPeriod: false, horizon: 13,
      allocation: ["search": 700_000, "tv": 500_000], expected: 87_343.6, baselineExpected: 71_750.8,
      marginal: ["search": 0.0306, "tv": 0.0306], converged: true, iterations: 7)
    o.ownPlanSpend = 989_500
    o.scaledPlanExpected = 79_192.4
    o.mixGain = 8_151.2
    o.moneyEffect = 7_441.6
    return o
  }

  @Test func moneyAndMixApartWithTheGainsInterval() {
    var o = file()
    o.parameterUncertainty = "parameter draws"
    o.gainInterval = .init(draws: 200, seed: 7, mean: 8_000, p5: 6_500, p95: 9_400, probabilityBetter: 0.995, fit: "fit.json")
    let html = HTMLReport(inputs: ReportInputs(optimization: o)).render()
    #expect(html.contains("gain from the mix at equal budget (optimum − scaled own plan)"))
    #expect(html.contains("+8,151 (+10.3%)"), "mix gain against the scaled own plan")
    #expect(html.contains("effect of the money (scaled − own plan)"))
    #expect(html.contains("+7,442 (+10.4%)"), "money against the own plan")
    #expect(html.contains("90% interval +6,500 to +9,400"))
    #expect(html.contains("optimum better in 99.5% of draws"))
    #expect(!html.contains("change against the baseline"), "no headline that mixes money and mix")
  }

  @Test func noFitSaysNoneAndATargetIsStated() {
    var o = file()
    o.parameterUncertainty = "none"
    o.target = .init(kind: "cpa", value: 40, met: true, average: 38.25, marginal: 40.01, zeroSpendExpected: 50_000)
    let html = HTMLReport(inputs: ReportInputs(optimization: o)).render()
    #expect(html.contains("none (no fit given)"))
    #expect(html.contains("target CPA 40.00"))
    #expect(html.contains("average CPA 38.25, marginal CPA 40.01"))
    o.target = .init(kind: "roas", value: 9, met: false, average: nil, marginal: nil, zeroSpendExpected: 50_000)
    #expect(HTMLReport(inputs: ReportInputs(optimization: o)).render().contains("cannot be met at any spend"))
  }
}
