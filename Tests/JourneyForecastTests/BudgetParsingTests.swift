import Foundation
import JourneyFormats
import JourneyModel
import Testing
import _JourneyTestSupport

/// Writes `text` as a budget file next to a copy of the B2C model and loads it.
func loadBudget(_ text: String, extra: [String: String] = [:]) throws -> (path: String, result: Result<BudgetScenario, InputErrors>) {
  let dir = try CommandRunner.temporaryDirectory()
  try FileManager.default.copyItem(atPath: RepositoryFiles.path("scenarios/b2c.yaml"), toPath: dir + "/b2c.yaml")
  for (name, content) in extra { try content.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
  let path = dir + "/budget.yaml"
  try text.write(toFile: path, atomically: true, encoding: .utf8)
  do {
    return (path, .success(try BudgetScenario.load(path: path)))
  } catch {
    return (path, .failure(error))
  }
}

func errors(_ text: String, extra: [String: String] = [:]) throws -> (path: String, lines: [String]) {
  let (path, result) = try loadBudget(text, extra: extra)
  guard case .failure(let e) = result else {
    Issue.record("expected errors")
    return (path, [])
  }
  return (path, e.errors.map(\.description))
}

@Suite struct BudgetParsingTests {
  @Test func shippedBudgetScenarioLoads() throws {
    let budget = try BudgetScenario.load(path: RepositoryFiles.path("scenarios/budget-b2c.yaml"))
    #expect(budget.name == "q1-budget-shift")
    #expect(budget.model.name == "b2c-webshop")
    #expect(budget.horizon == 13)
    #expect(budget.seed == 11)
    #expect(budget.replicates == 1000)
    #expect(budget.start == .initial)
    #expect(budget.fit == nil)
    #expect(budget.plans.map(\.name) == ["baseline", "tv-to-search", "more-search", "christmas", "lean"])
    #expect(budget.plans[1].shifts == [.init(from: 4, to: 0, fraction: 0.2)])
    #expect(budget.plans[4].total == 0.8)
  }

  @Test func defaultsComeFromTheModel() throws {
    let (_, result) = try loadBudget("name: x\nmodel: b2c.yaml\nplans: [ { name: base } ]\n")
    let budget = try result.get()
    #expect(budget.horizon == 52)
    #expect(budget.seed == 42)
    #expect(budget.replicates == 1000)
  }

  @Test func combinedPlanAndStartCounts() throws {
    let (_, result) = try loadBudget(
      """
      name: x
      model: b2c.yaml
      start: { unaware: 900, aware: 100 }
      plans:
        - name: mix
          scale: { email: 2 }
          shift: [ { from: tv, to: search, fraction: 0.5 }, { from: social, to: display, fraction: 1 } ]
          flights: { search: [ { from: 0, to: 3, scale: 0 } ] }
          total: 1.1
      """)
    let budget = try result.get()
    #expect(budget.start == .counts([900, 100, 0, 0, 0, 0, 0]))
    let plan = budget.plans[0]
    #expect(plan.shifts.count == 2)
    let spend = plan.spend(model: budget.model, horizon: 52)
    #expect(spend[0][0] == 0)  // search flight to 0
    #expect(abs(spend[0][5] - (20_000 + 25_000) * 1.1) < 1e-9)
    #expect(spend[1][7] == 0)  // social moved entirely to display
    #expect(abs(spend[2][7] - 20_000 * 1.1) < 1e-9)
    #expect(abs(spend[3][7] - 3_000 * 1.1) < 1e-9)
  }

  @Test func everyErrorIsReportedWithLineColumnAndPath() throws {
    let (path, lines) = try errors(
      """
      name: x
      model: b2c.yaml
      plans:
        - { name: a, scale: { radio: 2 } }
        - { name: b, scale: { referral: 2 } }
        - { name: c, scale: { tv: -1 } }
        - { name: d, shift: { from: tv, to: search, fraction: 1.5 } }
        - { name: a, total: -0.5 }
      """)
    #expect(lines.count == 6, "\(lines)")
    #expect(lines.contains { $0.hasPrefix("\(path):4:25: plans[0].scale.radio: unknown channel 'radio'; expected one of the model's paid channels: search, social, display, email, tv") })
    #expect(lines.contains { $0.hasPrefix("\(path):5:25: plans[1].scale.referral: 'referral' is an organic channel") })
    #expect(lines.contains { $0 == "\(path):6:29: plans[2].scale.tv: scale -1 is negative; expected a factor ≥ 0" })
    #expect(lines.contains { $0 == "\(path):7:57: plans[3].shift.fraction: fraction 1.5 is a shift of more than 100%; expected a number in [0, 1]" })
    #expect(lines.contains { $0.hasPrefix("\(path):8:13: plans[4].name: duplicate plan name 'a' (first at line 4)") })
    #expect(lines.contains { $0 == "\(path):8:23: plans[4].total: total -0.5 is negative; expected a factor ≥ 0" })
  }

  @Test func missingModelFileIsNamed() throws {
    let (path, lines) = try errors("name: x\nmodel: nowhere.yaml\nplans: [ { name: a } ]\n")
    let dir = (path as NSString).deletingLastPathComponent
    #expect(lines == ["\(path):2:8: model: model file '\(dir)/nowhere.yaml' does not exist; expected a scenario or fitted model file (paths are relative to the budget file)"])
  }

  @Test func badModelFileBringsItsOwnErrors() throws {
    let (path, lines) = try errors(
      "name: x\nmodel: bad.yaml\nplans: [ { name: a } ]\n",
      extra: ["bad.yaml": "name: bad\nhorizon: 4\npopulation: { size: 100 }\nphases: [a, b]\ntransitions:\n  a: { b: 1.5 }\n"])
    let dir = (path as NSString).deletingLastPathComponent
    #expect(lines.count == 2)
    #expect(lines[0] == "\(path):2:8: model: model file '\(dir)/bad.yaml' has 1 error")
    #expect(lines[1].hasPrefix("\(dir)/bad.yaml:6:11: transitions.a.b: probability 1.5 is outside [0, 1]"))
  }

  @Test func planListAndStartProblems() throws {
    let (path, lines) = try errors("name: x\nmodel: b2c.yaml\nstart: { nobody: 5 }\nplans: []\nreplicates: 0\n")
    #expect(lines.contains { $0.hasPrefix("\(path):3:10: start.nobody: unknown phase 'nobody'") })
    #expect(lines.contains { $0 == "\(path):4:8: plans: no plans; expected at least one (the first is the baseline)" })
    #expect(lines.contains { $0.hasPrefix("\(path):5:13: replicates: replicates 0 is below 1") })
    let (p2, l2) = try errors("name: x\nmodel: b2c.yaml\nplans:\n  - { name: a, flights: { tv: [ { from: 50, to: 60, scale: 2 } ] } }\n  - { name: b, shift: { from: tv, to: tv, fraction: 0.1 } }\n")
    #expect(l2.contains { $0.hasPrefix("\(p2):4:33: plans[0].flights.tv[0]: flight from 50 to 60 is outside the periods 0…51") })
    #expect(l2.contains { $0 == "\(p2):5:23: plans[1].shift: shift from 'tv' to itself" })
  }

  @Test func fitReportsInBothSpellings() throws {
    let fit = """
      {"phases": ["ignored"], "origins": [
        {"origin": "aware",
         "parameters": [{"kind": "intercept", "target": "considering", "channel": null, "estimate": -2.0},
                        {"kind": "effect", "target": "considering", "channel": "search", "estimate": 0.8}],
         "covariance": [[0.04, 0.01], [0.01, 0.02]]},
        {"origin": "considering", "transitions": 10, "parameters": ["alpha[purchased]", "beta[purchased,email]"],
         "estimates": [-2.9, 0.6], "covariance": [[0.01, 0], [0, 0.02]]}]}
      """
    let (_, result) = try loadBudget("name: x\nmodel: b2c.yaml\nfit: fit.json\nplans: [ { name: a } ]\n", extra: ["fit.json": fit])
    let budget = try result.get()
    let cov = try #require(budget.fit)
    #expect(cov.origins.count == 2)
    #expect(cov.origins[0].parameters[1] == .init(kind: .effect, target: 2, channel: 0, estimate: 0.8))
    #expect(cov.origins[1].parameters[0] == .init(kind: .intercept, target: 3, estimate: -2.9))
    #expect(cov.origins[1].covariance == [0.01, 0, 0, 0.02])
  }

  @Test func badFitReportsAreReportedInTheirOwnFile() throws {
    let fit = """
      {"origins": [
        {"origin": "aware",
         "parameters": [{"kind": "intercept", "target": "loyal", "estimate": -2.0},
                        {"kind": "effect", "target": "considering", "channel": "radio", "estimate": 0.8}],
         "covariance": [[0.04, 0.01], [0.01, 0.02]]},
        {"origin": "purchased", "parameters": [{"kind": "intercept", "target": "service", "estimate": 1}],
         "covariance": [[0.01]]},
        {"origin": "considering", "parameters": [{"kind": "intercept", "target": "purchased", "estimate": 1}],
         "covariance": [[0.01, 0.0]]}]}
      """
    let (path, lines) = try errors("name: x\nmodel: b2c.yaml\nfit: fit.json\nplans: [ { name: a } ]\n", extra: ["fit.json": fit])
    let fitPath = (path as NSString).deletingLastPathComponent + "/fit.json"
    #expect(lines.first == "\(path):3:6: fit: fit report '\(fitPath)' has 4 errors")
    #expect(lines.contains { $0.hasPrefix("\(fitPath):3:") && $0.contains("the model has no transition aware->loyal") })
    #expect(lines.contains { $0.hasPrefix("\(fitPath):4:") && $0.contains("unknown channel 'radio'") })
    #expect(lines.contains { $0.contains("'purchased' has no probability of staying") })
    #expect(lines.contains { $0.contains("origins[2].covariance: 2 values; expected 1") || $0.contains("origins[2].covariance[0]: 2 values; expected 1") })
  }
}
