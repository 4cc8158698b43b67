import ArgumentParser
import Foundation
import JourneyForecast
import JourneyFormats
import JourneyModel
import JourneyReports

struct Optimize: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Allocate a total budget over the paid channels to maximise expected conversions or revenue.",
    discussion: """
      Uses the model, horizon and starting population of the budget scenario (its plans are \
      not used) and the expected engine. Each channel keeps the per-period shape of its \
      model plan unless --per-period lets the optimiser choose the split over periods too. \
      Bounds are totals over the horizon. Writes optimize.json to --out and prints the \
      allocation, the marginal return of every channel and the baseline with the model's \
      own plan.

      Examples:
        journey optimize scenarios/budget-b2c.yaml --total 1200000
        journey optimize scenarios/budget-b2c.yaml --total 1200000 --bounds tv=200000:600000 email=0:20000
        journey optimize scenarios/budget-b2c.yaml --total 1200000 --objective value --per-period
      """
  )

  @Argument(help: "Budget scenario file (YAML or JSON).")
  var budget: String

  @Option(help: "Total budget over the horizon.")
  var total: Double

  @Option(parsing: .upToNextOption, help: "Bounds on channel totals: channel=min:max (either side may be empty).")
  var bounds: [String] = []

  @Option(help: "conversions or value (revenue).")
  var objective: Objective = .conversions

  @Flag(help: "Also choose the split of each channel's spend over the periods.")
  var perPeriod = false

  @Option(help: "Worker threads (results do not depend on it).")
  var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: "Directory for optimize.json (default: results/<budget name>).")
  var out: String?

  @Option(help: "What to print: table or json.")
  var format: OutputFormat = .table

  func validate() throws {
    guard format != .csv else { throw ValidationError("'--format csv' is not available here; use table or json.") }
    guard threads >= 1 else { throw ValidationError("Please give '--threads' of at least 1.") }
  }

  func run() throws {
    guard total.isFinite, total >= 0 else {
      throw InputError(.range, file: "--total", "total \(total) is negative; expected a budget ≥ 0")
    }
    let spec = try BudgetScenario.load(path: budget)
    let scenario = JourneyForecast.Forecast.scenario(for: BudgetPlan(name: "model"), budget: spec)
    let paid = scenario.channels.indices.filter { scenario.channels[$0].isPaid }
    let names = paid.map { scenario.channels[$0].name }
    guard !paid.isEmpty else {
      throw InputError(.notAllowed, file: spec.modelPath, "the model has no paid channels to allocate a budget to")
    }
    var limits: [(min: Double, max: Double)] = paid.map { _ in (0, total) }
    var errors: [InputError] = []
    for text in bounds {
      let file = "--bounds \(text)"
      let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
      let range = parts.count == 2 ? parts[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init) : []
      guard parts.count == 2, range.count == 2 else {
        errors.append(InputError(.type, file: file, "expected channel=min:max, e.g. tv=100000:500000"))
        continue
      }
      guard let k = names.firstIndex(of: parts[0]) else {
        let organic = scenario.channelIndex(named: parts[0]) != nil
        errors.append(
          InputError(
            .unknownName, file: file,
            (organic ? "'\(parts[0])' is an organic channel, not a paid one" : "unknown channel '\(parts[0])'")
              + "; expected one of the paid channels: \(names.joined(separator: ", "))"))
        continue
      }
      let lo = range[0].isEmpty ? 0 : Double(range[0])
      let hi = range[1].isEmpty ? total : Double(range[1])
      guard let lo, let hi, lo.isFinite, hi.isFinite else {
        errors.append(InputError(.type, file: file, "expected numbers in min:max, found '\(parts[1])'"))
        continue
      }
      guard lo >= 0 else {
        errors.append(InputError(.range, file: file, "min \(lo) is negative; expected a spend ≥ 0"))
        continue
      }
      guard lo <= hi else {
        errors.append(InputError(.range, file: file, "min \(lo) > max \(hi); expected min ≤ max"))
        continue
      }
      limits[k] = (lo, hi)
    }
    guard errors.isEmpty else { throw InputErrors(errors) }
    let minSum = limits.reduce(0) { $0 + $1.min }
    let maxSum = limits.reduce(0) { $0 + Swift.min($1.max, total) }
    if minSum > total * (1 + 1e-12) {
      throw InputError(
        .range, file: "--bounds",
        "bounds cannot sum to the total: the minimums sum to \(Self.plain(minSum)), above the total \(Self.plain(total))")
    }
    if maxSum < total * (1 - 1e-12) {
      throw InputError(
        .range, file: "--bounds",
        "bounds cannot sum to the total: the maximums sum to \(Self.plain(maxSum)), below the total \(Self.plain(total))")
    }
    let optimizer = BudgetOptimizer(
      scenario: scenario, total: total, bounds: limits, objective: objective, perPeriod: perPeriod, threads: threads,
      start: spec.startState)
    let result = optimizer.run()
    let json = try Self.json(spec, optimizer, result, names)
    let dir = URL(fileURLWithPath: out ?? "results/\(spec.name)")
    try AtomicFile.write(json, to: dir.appendingPathComponent("optimize.json").path)
    switch format {
    case .json: print(String(decoding: json, as: UTF8.self), terminator: "")
    default: print(Self.table(spec, optimizer, result, names), terminator: "")
    }
  }

  static func plain(_ x: Double) -> String { NumberText.exact(x) }

  /// Four significant digits, grouped when large.
  static func significant(_ x: Double) -> String {
    guard x.isFinite else { return "-" }
    if abs(x) >= 1000 { return NumberText.grouped(x, decimals: 1) }
    return String(format: "%.4g", x)
  }

  static func json(_ spec: BudgetScenario, _ o: BudgetOptimizer, _ r: BudgetOptimizer.Result, _ names: [String]) throws
    -> Data
  {
    var root: [String: Any] = [
      "format": "journeykit-optimization", "format_version": 1, "scenario": spec.name, "model": spec.model.name,
      "objective": o.objective.rawValue, "total": o.total, "per_period": o.perPeriod, "horizon": o.scenario.horizon,
      "allocation": Dictionary(uniqueKeysWithValues: zip(names, r.allocation)),
      "expected": r.expected, "baseline_expected": r.baselineExpected,
      "marginal": Dictionary(uniqueKeysWithValues: zip(names, r.marginal)),
      "bounds": Dictionary(uniqueKeysWithValues: zip(names, o.bounds.map { [$0.min, $0.max] })),
      "response_curves": Dictionary(
        uniqueKeysWithValues: zip(names, r.responseCurves.map { $0.map { ["spend": $0.spend, "value": $0.value] } })),
      "converged": r.converged, "iterations": r.iterations,
    ]
    if o.perPeriod { root["allocation_by_period"] = Dictionary(uniqueKeysWithValues: zip(names, r.byPeriod)) }
    return try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys]) + Data("\n".utf8)
  }

  static func table(_ spec: BudgetScenario, _ o: BudgetOptimizer, _ r: BudgetOptimizer.Result, _ names: [String])
    -> String
  {
    func g(_ x: Double, _ d: Int = 0) -> String { NumberText.grouped(x, decimals: d) }
    let what = o.objective == .conversions ? "conversions" : "revenue"
    let unit = spec.model.period.rawValue + (o.scenario.horizon == 1 ? "" : "s")
    var s = "\(spec.name): allocate \(g(o.total)) over \(names.count) paid channels, \(o.scenario.horizon) \(unit)"
    s += o.perPeriod ? ", per period" : ", model spend shapes"
    s += "; maximise expected \(what) (expected engine)\n\n"
    var rows = [["channel", "allocation", "share", "bounds", "marginal \(what) per 1,000"]]
    for (k, name) in names.enumerated() {
      rows.append([
        name, g(r.allocation[k]), o.total > 0 ? g(100 * r.allocation[k] / o.total, 1) + "%" : "-",
        "\(g(o.bounds[k].min))…\(g(o.bounds[k].max))", Self.significant(1000 * r.marginal[k]),
      ])
    }
    s += NumberText.table(rows)
    let gain = r.baselineExpected != 0 ? 100 * (r.expected / r.baselineExpected - 1) : 0
    s += "\nexpected \(what): \(g(r.expected, 1))"
    s += " (model's own plan, spend \(g(o.baselineSpend)): \(g(r.baselineExpected, 1)); \(gain >= 0 ? "+" : "")\(g(gain, 1))%)\n"
    let iterations = r.iterations == 1 ? "1 iteration" : "\(r.iterations) iterations"
    s += r.converged
      ? "converged after \(iterations): marginal returns of interior channels agree within 0.5%\n"
      : "warning: stopped after \(iterations) before the marginal returns agreed within 0.5%\n"
    return s
  }
}

extension Objective: ExpressibleByArgument {}
