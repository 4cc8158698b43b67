import ArgumentParser
import Foundation
import JourneyForecast
import JourneyFormats
import JourneyModel
import JourneyReports

struct Optimize: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "optimize",
    abstract: "Allocate a total budget over the paid channels to maximise expected conversions or revenue.",
    discussion: """
      Uses the model, horizon and starting population of the budget scenario (its plans are \
      not used) and the expected engine, with exact derivatives. Each channel keeps the \
      per-period shape of its model plan unless --per-period lets the optimiser choose the \
      split over periods too (with --period-bounds per period and --max-change pacing). \
      Bounds are totals over the horizon. Instead of --total, --target-cpa or --target-roas \
      finds the largest total that meets an efficiency target. Prints the allocation, the \
      marginal return per 1,000 of spend, and the optimum against the model's own plan and \
      that plan scaled to the total (the money and the mix separately); with --fit, the \
      gain's 90% interval under parameter draws. Writes optimize.json to --out.

      Examples:
        journey optimize scenarios/budget-b2c.yaml --total 1200000
        journey optimize scenarios/budget-b2c.yaml --total 1200000 --bounds tv=200000:600000 email=0:20000
        journey optimize scenarios/budget-b2c.yaml --total 1200000 --per-period --period-bounds tv=0:80000 --max-change 0.5
        journey optimize scenarios/budget-b2c.yaml --target-cpa 12
        journey optimize scenarios/budget-b2c.yaml --total 1200000 --fit fit.json --draws 200
      """
  )

  @Argument(help: "Budget scenario file (YAML or JSON).")
  var budget: String

  @Option(help: "Total budget over the horizon.")
  var total: Double?

  @Option(help: "Instead of --total: the largest total whose spend per incremental conversion stays at most this.")
  var targetCpa: Double?

  @Option(help: "Instead of --total: the largest total whose incremental revenue per spend stays at least this.")
  var targetRoas: Double?

  @Option(parsing: .upToNextOption, help: "Bounds on channel totals: channel=min:max (either side may be empty).")
  var bounds: [String] = []

  @Option(help: "conversions or value (revenue).")
  var objective: Objective = .conversions

  @Flag(help: "Also choose the split of each channel's spend over the periods.")
  var perPeriod = false

  @Option(parsing: .upToNextOption, help: "With --per-period: bounds on a channel's spend in every period: channel=min:max.")
  var periodBounds: [String] = []

  @Option(help: "With --per-period: the largest change of a channel's spend from one period to the next (0.5 = ±50%).")
  var maxChange: Double?

  @Option(help: "Fit report with parameter covariance (default: the budget's 'fit:'): the gain's interval.")
  var fit: String?

  @Option(help: "Parameter draws for the gain's interval.")
  var draws: Int = 200

  @OptionGroup var seedOptions: SeedOptions

  @OptionGroup var threadOptions: ThreadOptions

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard output.format != .csv else {
      throw ValidationError("'--format csv' is not available here; use table or json.")
    }
    let modes = [total != nil, targetCpa != nil, targetRoas != nil].filter { $0 }.count
    guard modes == 1 else {
      throw ValidationError("Please give exactly one of '--total', '--target-cpa' and '--target-roas'.")
    }
    guard perPeriod || (periodBounds.isEmpty && maxChange == nil) else {
      throw ValidationError("'--period-bounds' and '--max-change' need '--per-period'.")
    }
    guard draws >= 1 else { throw ValidationError("Please give '--draws' of at least 1.") }
  }

  func run() throws {
    if let total { try BudgetOptimizer.checkTotal(total) }
    let target = try efficiencyTarget()
    let spec = try BudgetScenario.load(path: budget)
    let covariance: (ParameterCovariance, String)? =
      if let fit { (try ParameterCovariance.load(path: fit, model: spec.model), fit) } else {
        spec.fit.map { ($0, spec.fitPath ?? "fit") }
      }
    let sampler = try covariance.map { try ParameterSampler($0.0, file: $0.1) }
    let directory = try output.directory(name: spec.name, file: budget)
    var optimizer = try BudgetOptimizer(
      budget: spec, total: total, bounds: bounds, objective: target?.objective ?? objective,
      perPeriod: perPeriod, periodBounds: periodBounds, maxChange: maxChange, threads: threadOptions.threads)
    let names = optimizer.channelNames
    var targetResult: BudgetOptimizer.TargetResult?
    let result: BudgetOptimizer.Result
    if let target {
      let found = optimizer.run(target: target)
      targetResult = found
      optimizer = found.optimizer
      result = found.result
    } else {
      result = optimizer.run()
    }
    let seed = seedOptions.seed ?? spec.seed
    let gain = sampler.map {
      optimizer.gainDraws(
        plan: result.byPeriod, reference: optimizer.scaledPlan(total: optimizer.total), sampler: $0, draws: draws,
        seed: seed)
    }
    let dir = URL(fileURLWithPath: directory)
    let path = dir.appendingPathComponent("optimize.json").path
    let file = optimizer.file(result, budget: spec, channels: names, gain: gain, fit: covariance?.1, target: targetResult)
    let json = try JSONFile.encode(file, file: path)
    try AtomicFile.write(json, to: path)
    switch output.format {
    case .json: print(String(decoding: json, as: UTF8.self), terminator: "")
    default: print(Self.table(spec, optimizer, result, names, file: file), terminator: "")
    }
  }

  /// The target of `--target-cpa` or `--target-roas`, checked.
  func efficiencyTarget() throws -> EfficiencyTarget? {
    for (flag, value) in [("--target-cpa", targetCpa), ("--target-roas", targetRoas)] {
      guard let value else { continue }
      guard value.isFinite, value > 0 else {
        throw InputError(.range, file: flag, "target \(value) is not a finite number > 0; expected e.g. \(flag) 12")
      }
      return flag == "--target-cpa" ? .cpa(value) : .roas(value)
    }
    return nil
  }

  /// Four significant digits, grouped when large.
  static func significant(_ x: Double) -> String {
    guard x.isFinite else { return "-" }
    if abs(x) >= 1000 { return NumberText.grouped(x, decimals: 1) }
    return String(format: "%.4g", x)
  }

  static func signed(_ x: Double, _ d: Int = 1) -> String {
    (x >= 0 ? "+" : "") + NumberText.grouped(x, decimals: d)
  }

  static func percent(_ x: Double, of base: Double) -> String {
    base != 0 ? " (" + signed(100 * x / base) + "%)" : ""
  }

  static func table(
    _ spec: BudgetScenario, _ o: BudgetOptimizer, _ r: BudgetOptimizer.Result, _ names: [String], file: OptimizeFile
  ) -> String {
    func g(_ x: Double, _ d: Int = 0) -> String { NumberText.grouped(x, decimals: d) }
    let what = o.objective == .conversions ? "conversions" : "revenue"
    let unit = spec.model.period.rawValue + (o.scenario.horizon == 1 ? "" : "s")
    var s = ""
    if let t = file.target {
      let rule = t.kind == "cpa" ? "spend per incremental conversion ≤ \(significant(t.value))" : "incremental revenue per spend ≥ \(significant(t.value))"
      if !t.met {
        s += "\(spec.name): the target (\(rule)) cannot be met at any spend: the best is "
        s += "\(significant(t.average ?? .nan)) at the first \(g(o.total, 2)) of spend (the most efficient use of money; "
        s += "more spend only makes it worse)\n"
        return s
      } else {
        s += "\(spec.name): the largest total with \(rule) is \(g(o.total))"
        s += "\n  average: \(t.kind == "cpa" ? "spend per incremental conversion" : "incremental revenue per spend") \(significant(t.average ?? .nan))"
        s += "; marginal: \(t.kind == "cpa" ? "spend per next conversion" : "revenue per next unit of spend") \(significant(t.marginal ?? .nan))"
        s += "; increments over \(g(t.zeroSpendExpected ?? 0, 1)) expected \(what) without paid spend\n"
      }
    }
    s += "\(spec.name): allocate \(g(o.total)) over \(names.count) paid channels, \(o.scenario.horizon) \(unit)"
    s += o.perPeriod ? ", per period" : ", model spend shapes"
    if let p = o.periodBounds, !p.isEmpty, p.contains(where: { $0.min > 0 || $0.max.isFinite }) { s += ", per-period bounds" }
    if let m = o.maxChange { s += ", at most ±\(g(100 * m, 1))% change per period" }
    s += "; maximise expected \(what) (expected engine)\n\n"
    var rows = [["channel", "allocation", "share", "bounds", "marginal \(what) per 1,000 spend"]]
    for (k, name) in names.enumerated() {
      let hi = o.bounds[k].max.isFinite ? g(o.bounds[k].max) : "∞"
      rows.append([
        name, g(r.allocation[k]), o.total > 0 ? g(100 * r.allocation[k] / o.total, 1) + "%" : "-",
        "\(g(o.bounds[k].min))…\(hi)", Self.significant(1000 * r.marginal[k]),
      ])
    }
    s += NumberText.table(rows)
    s += "\n"
    s += NumberText.table([
      ["plan", "spend", "expected \(what)"],
      ["model's own plan", g(o.baselineSpend), g(r.baselineExpected, 1)],
      ["own plan scaled to the total", g(o.total), g(r.scaledExpected, 1)],
      ["optimum", g(o.total), g(r.expected, 1)],
    ])
    s += "\nmix at equal budget (optimum − own plan scaled to \(g(o.total))): \(signed(r.mixGain))\(percent(r.mixGain, of: r.scaledExpected))\n"
    s += "money (own plan scaled from \(g(o.baselineSpend)) to \(g(o.total)) spend, same mix): \(signed(r.moneyEffect))\(percent(r.moneyEffect, of: r.baselineExpected))\n"
    if let interval = file.gainInterval {
      s += "gain of the optimum over the scaled own plan under parameter uncertainty: mean \(signed(interval.mean)), "
      s += "90% interval \(signed(interval.p5))…\(signed(interval.p95)), optimum better in \(g(100 * interval.probabilityBetter, 1))% "
      s += "of \(interval.draws) draws (\(interval.fit ?? "fit"), seed \(interval.seed))\n"
    } else {
      s += "uncertainty of the gain: none (no fit with parameter covariance; give --fit fit.json)\n"
    }
    let iterations = r.iterations == 1 ? "1 iteration" : "\(r.iterations) iterations"
    let agree = o.maxChange == nil ? "marginal returns of interior channels agree within 0.01%" : "the projected Newton step vanishes"
    s += r.converged
      ? "converged after \(iterations): \(agree)\n"
      : "warning: stopped after \(iterations) before convergence\n"
    return s
  }
}

extension Objective: ExpressibleByArgument {}
