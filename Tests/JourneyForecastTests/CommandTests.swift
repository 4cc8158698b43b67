import Foundation
import Testing
import _JourneyTestSupport

@Suite struct ForecastCommandTests {
  @Test func forecastWritesJsonAndCsvAndPrintsTotals() throws {
    let out = try CommandRunner.temporaryDirectory()
    let r = try CommandRunner.run(["forecast", "scenarios/budget-b2c.yaml", "--replicates", "40", "--out", out])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("q1-budget-shift: model b2c-webshop, 13 weeks, 40 replicates, seed 11"))
    #expect(r.stdout.contains("parameter uncertainty: none (model has no covariance)"))
    for plan in ["baseline", "tv-to-search", "more-search", "christmas", "lean"] { #expect(r.stdout.contains(plan)) }
    let csv = try String(contentsOfFile: out + "/forecast.csv", encoding: .utf8)
    #expect(csv.hasPrefix("plan,period,spend,conversions_mean,conversions_p5,conversions_p50,conversions_p95,revenue_mean,cpa,roi,increment_mean,increment_p5,increment_p95\n"))
    #expect(csv.split(separator: "\n").count == 1 + 5 * 14)
    let data = try Data(contentsOf: URL(fileURLWithPath: out + "/forecast.json"))
    let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(root["format"] as? String == "journeykit-forecast")
    #expect(root["format_version"] as? Int == 1)
    #expect(root["parameter_uncertainty"] as? Bool == false)
    #expect(root["horizon"] as? Int == 13)
    #expect(root["period"] as? String == "week")
    let plans = try #require(root["plans"] as? [[String: Any]])
    #expect(plans.count == 5)
    let periods = try #require(plans[1]["periods"] as? [[String: Any]])
    #expect(periods.count == 13)
    #expect(Set(periods[5].keys) == ["period", "spend", "conversions", "revenue", "cpa", "roi", "increment"])
    let totals = try #require(plans[0]["totals"] as? [String: Any])
    let increment = try #require(totals["increment"] as? [String: Double])
    #expect(increment == ["mean": 0, "p5": 0, "p50": 0, "p95": 0])
    #expect(plans[0]["final_counts"] as? [String: Double] != nil)
    #expect((plans[0]["spend_by_channel"] as? [String: Double])?.keys.sorted() == ["display", "email", "search", "social", "tv"])
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".tmp") }
    #expect(leftovers.isEmpty)
  }

  @Test func badBudgetFileExitsTwoWithEveryError() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let path = dir + "/budget.yaml"
    try """
      name: bad
      model: \(RepositoryFiles.path("scenarios/b2c.yaml"))
      plans:
        - { name: a, scale: { radio: 2 } }
        - { name: a, shift: { from: tv, to: search, fraction: 2 } }
      """.write(toFile: path, atomically: true, encoding: .utf8)
    let r = try CommandRunner.run(["forecast", path, "--out", dir + "/out"])
    #expect(r.status == 2)
    #expect(r.stderr.contains("\(path):4:25: plans[0].scale.radio: unknown channel 'radio'"))
    #expect(r.stderr.contains("\(path):5:13: plans[1].name: duplicate plan name 'a'"))
    #expect(r.stderr.contains("shift of more than 100%"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    let missing = try CommandRunner.run(["forecast", dir + "/nothing.yaml"])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("nothing.yaml: cannot read the file: no such file"))
  }

  @Test func fitReportAddsParameterUncertainty() throws {
    let dir = try CommandRunner.temporaryDirectory()
    try """
      {"origins": [{"origin": "aware",
                    "parameters": [{"kind": "intercept", "target": "considering", "channel": null, "estimate": -2.0},
                                   {"kind": "effect", "target": "considering", "channel": "search", "estimate": 0.8}],
                    "covariance": [[0.04, -0.01], [-0.01, 0.02]]}]}
      """.write(toFile: dir + "/fit.json", atomically: true, encoding: .utf8)
    try """
      {"origins": [{"origin": "aware",
                    "parameters": [{"kind": "intercept", "target": "considering", "estimate": -2.0},
                                   {"kind": "intercept", "target": "lost", "estimate": -4.0}],
                    "covariance": [[0.04, 0.05], [0.05, 0.04]]}]}
      """.write(toFile: dir + "/singular.json", atomically: true, encoding: .utf8)
    for (name, fit) in [("good", "fit.json"), ("bad", "singular.json")] {
      try """
        name: \(name)
        model: \(RepositoryFiles.path("scenarios/b2c.yaml"))
        fit: \(fit)
        horizon: 8
        replicates: 30
        plans: [ { name: base }, { name: more, total: 1.2 } ]
        """.write(toFile: dir + "/\(name).yaml", atomically: true, encoding: .utf8)
    }
    let good = try CommandRunner.run(["forecast", dir + "/good.yaml", "--out", dir + "/out", "--format", "json"])
    #expect(good.status == 0, "\(good.stderr)")
    let root = try #require(try JSONSerialization.jsonObject(with: Data(good.stdout.utf8)) as? [String: Any])
    #expect(root["parameter_uncertainty"] as? Bool == true)
    #expect((root["note"] as? String)?.contains("drawn from the fit's covariance") == true)
    let bad = try CommandRunner.run(["forecast", dir + "/bad.yaml", "--out", dir + "/out2"])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("singular.json:4: origins[0].covariance: the covariance is not positive definite"), "\(bad.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/out2"))
  }

  @Test func optimizeWritesTheAllocation() throws {
    let out = try CommandRunner.temporaryDirectory()
    let r = try CommandRunner.run([
      "optimize", "scenarios/budget-b2c.yaml", "--total", "1000000", "--bounds", "tv=100000:400000", "--out", out,
    ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("marginal conversions per 1,000"))
    let data = try Data(contentsOf: URL(fileURLWithPath: out + "/optimize.json"))
    let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(root["format"] as? String == "journeykit-optimization")
    #expect(root["objective"] as? String == "conversions")
    #expect(root["per_period"] as? Bool == false)
    let allocation = try #require(root["allocation"] as? [String: Double])
    #expect(abs(allocation.values.reduce(0, +) - 1_000_000) < 1e-3)
    #expect(allocation["tv"]! >= 100_000 - 1e-6 && allocation["tv"]! <= 400_000 + 1e-6)
    #expect((root["bounds"] as? [String: [Double]])?["tv"] == [100_000, 400_000])
    let curves = try #require(root["response_curves"] as? [String: [[String: Double]]])
    #expect(curves["search"]?.count == 21)
    #expect(root["expected"] as? Double ?? 0 > root["baseline_expected"] as? Double ?? .infinity)
    #expect(root["marginal"] as? [String: Double] != nil)
  }

  @Test func optimizeSeparatesMoneyFromMixAndStatesTheUnit() throws {
    let out = try CommandRunner.temporaryDirectory()
    let r = try CommandRunner.run(["optimize", "scenarios/budget-b2c.yaml", "--total", "1200000", "--out", out])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("own plan scaled to the total  1,200,000"))
    #expect(r.stdout.contains("mix at equal budget (optimum − own plan scaled to 1,200,000): +"))
    #expect(r.stdout.contains("money (own plan scaled from 989,500 to 1,200,000 spend, same mix): +"))
    #expect(r.stdout.contains("uncertainty of the gain: none"))
    let data = try Data(contentsOf: URL(fileURLWithPath: out + "/optimize.json"))
    let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let expected = try #require(root["expected"] as? Double)
    let own = try #require(root["baseline_expected"] as? Double)
    let scaled = try #require(root["scaled_plan_expected"] as? Double)
    #expect(abs(try #require(root["mix_gain"] as? Double) - (expected - scaled)) <= 1e-9 * expected)
    #expect(abs(try #require(root["money_effect"] as? Double) - (scaled - own)) <= 1e-9 * expected)
    #expect(root["own_plan_spend"] as? Double == 989_500)
    #expect(root["parameter_uncertainty"] as? String == "none")
    let perUnit = try #require(root["marginal"] as? [String: Double])
    let per1000 = try #require(root["marginal_per_1000"] as? [String: Double])
    for (channel, m) in perUnit { #expect(abs(per1000[channel]! - 1000 * m) <= 1e-12 * abs(1000 * m)) }
  }

  @Test func optimizeWithAFitGivesTheGainsInterval() throws {
    let dir = try CommandRunner.temporaryDirectory()
    try """
      {"origins": [{"origin": "aware",
                    "parameters": [{"kind": "intercept", "target": "considering", "channel": null, "estimate": -2.0},
                                   {"kind": "effect", "target": "considering", "channel": "search", "estimate": 0.8}],
                    "covariance": [[0.04, -0.01], [-0.01, 0.02]]}]}
      """.write(toFile: dir + "/fit.json", atomically: true, encoding: .utf8)
    var outputs: [String] = []
    for threads in ["1", "2"] {
      let r = try CommandRunner.run([
        "optimize", "scenarios/budget-b2c.yaml", "--total", "1200000", "--fit", dir + "/fit.json", "--draws", "30",
        "--seed", "5", "--threads", threads, "--out", dir + "/out", "--format", "json",
      ])
      #expect(r.status == 0, "\(r.stderr)")
      outputs.append(r.stdout)
    }
    #expect(outputs[0] == outputs[1])
    let root = try #require(try JSONSerialization.jsonObject(with: Data(outputs[0].utf8)) as? [String: Any])
    let interval = try #require(root["gain_interval"] as? [String: Any])
    #expect(interval["draws"] as? Int == 30)
    #expect(interval["seed"] as? Int == 5)
    let p5 = try #require(interval["p5"] as? Double)
    let p95 = try #require(interval["p95"] as? Double)
    #expect(p5 <= p95)
    #expect((interval["probability_better"] as? Double).map { $0 >= 0 && $0 <= 1 } == true)
    #expect((root["parameter_uncertainty"] as? String)?.contains("fit.json") == true)
  }

  @Test func optimizeMeetsATargetOrSaysItCannot() throws {
    let out = try CommandRunner.temporaryDirectory()
    let r = try CommandRunner.run(["optimize", "scenarios/budget-b2c.yaml", "--target-cpa", "12", "--out", out])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("the largest total with spend per incremental conversion ≤ 12 is"))
    let data = try Data(contentsOf: URL(fileURLWithPath: out + "/optimize.json"))
    let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let target = try #require(root["target"] as? [String: Any])
    #expect(target["kind"] as? String == "cpa")
    #expect(target["met"] as? Bool == true)
    #expect((target["average"] as? Double).map { $0 <= 12 * (1 + 1e-9) } == true)
    let none = try CommandRunner.run(["optimize", "scenarios/budget-b2c.yaml", "--target-cpa", "0.1", "--out", out])
    #expect(none.status == 0, "\(none.stderr)")
    #expect(none.stdout.contains("cannot be met at any spend"))
  }

  @Test func aZeroBudgetIsAllocatedWithoutNaN() throws {
    let out = try CommandRunner.temporaryDirectory()
    let r = try CommandRunner.run(["optimize", "scenarios/budget-b2c.yaml", "--total", "0", "--out", out, "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let root = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    #expect((root["allocation"] as? [String: Double])?.values.allSatisfy { $0 == 0 } == true)
    #expect((root["marginal"] as? [String: Double])?.values.allSatisfy(\.isFinite) == true)
  }

  @Test(arguments: [
    (["--total", "100", "--bounds", "radio=0:10"], "--bounds radio=0:10: unknown channel 'radio'; expected one of the paid channels: search, social, display, email, tv"),
    (["--total", "100", "--bounds", "referral=0:10"], "'referral' is an organic channel"),
    (["--total", "100", "--bounds", "tv=50:10"], "--bounds tv=50:10: min 50.0 > max 10.0"),
    (["--total", "100", "--bounds", "tv=60:", "search=50:"], "bounds cannot sum to the total: the minimums sum to 110, above the total 100"),
    (["--total", "100", "--bounds", "tv=0:10", "search=0:10", "social=0:10", "display=0:10", "email=0:10"], "bounds cannot sum to the total: the maximums sum to 50, below the total 100"),
    (["--total=-5"], "total -5.0 is negative"),
    (
      ["--total", "1200000", "--per-period", "--bounds", "tv=100000:", "--period-bounds", "tv=0:1000"],
      "--period-bounds: channel 'tv' cannot meet its constraints: total 100000…1200000 over 13 periods with 0…1000 per period"
    ),
    (
      ["--total", "1200000", "--per-period", "--max-change", "0.5", "--period-bounds", "tv=0:1000", "search=0:1000",
       "social=0:1000", "display=0:1000", "email=0:1000"],
      "the channels cannot add up to the total 1200000 under --period-bounds and --max-change"
    ),
    (["--total", "100", "--period-bounds", "tv=0:10"], "'--period-bounds' and '--max-change' need '--per-period'"),
    (["--total", "100", "--per-period", "--max-change=-1"], "--max-change: max change -1.0 is not a finite number ≥ 0"),
    (["--total", "100", "--per-period", "--period-bounds", "radio=0:1"], "--period-bounds radio=0:1: unknown channel 'radio'"),
    (["--total", "100", "--target-cpa", "5"], "exactly one of '--total', '--target-cpa' and '--target-roas'"),
    (["--target-roas", "0"], "--target-roas: target 0.0 is not a finite number > 0"),
    (["--total", "100", "--fit", "missing-fit.json"], "missing-fit.json: cannot read the file"),
  ])
  func badBoundsExitTwo(arguments: [String], message: String) throws {
    let out = try CommandRunner.temporaryDirectory()
    let r = try CommandRunner.run(["optimize", "scenarios/budget-b2c.yaml"] + arguments + ["--out", out])
    #expect(r.status == 2)
    #expect(r.stderr.contains(message), "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: out + "/optimize.json"))
  }
}
