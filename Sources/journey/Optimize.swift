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

  @OptionGroup var threadOptions: ThreadOptions

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard output.format != .csv else {
      throw ValidationError("'--format csv' is not available here; use table or json.")
    }
  }

  func run() throws {
    try BudgetOptimizer.checkTotal(total)
    let spec = try BudgetScenario.load(path: budget)
    let directory = try output.directory(name: spec.name, file: budget)
    let optimizer = try BudgetOptimizer(
      budget: spec, total: total, bounds: bounds, objective: objective, perPeriod: perPeriod,
      threads: threadOptions.threads)
    let names = optimizer.channelNames
    let result = optimizer.run()
    let dir = URL(fileURLWithPath: directory)
    let path = dir.appendingPathComponent("optimize.json").path
    let json = try JSONFile.encode(optimizer.file(result, budget: spec, channels: names), file: path)
    try AtomicFile.write(json, to: path)
    switch output.format {
    case .json: print(String(decoding: json, as: UTF8.self), terminator: "")
    default: print(Self.table(spec, optimizer, result, names), terminator: "")
    }
  }

  /// Four significant digits, grouped when large.
  static func significant(_ x: Double) -> String {
    guard x.isFinite else { return "-" }
    if abs(x) >= 1000 { return NumberText.grouped(x, decimals: 1) }
    return String(format: "%.4g", x)
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
