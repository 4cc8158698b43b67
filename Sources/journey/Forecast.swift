import ArgumentParser
import Foundation
import JourneyForecast
import JourneyFormats
import JourneyModel
import JourneyReports

struct Forecast: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "forecast",
    abstract: "Forecast conversions, revenue and increments of the budget plans of a budget scenario.",
    discussion: """
      Runs every plan --replicates times on the cohort engine (replicate r of every plan uses \
      the same random numbers, so increments against the baseline, the first plan, are \
      sharp). With a 'fit:' report, every replicate also draws the transition parameters \
      from the fit's covariance. Writes forecast.json and forecast.csv to --out (each file \
      atomically) and prints the totals per plan.

      Examples:
        journey forecast scenarios/budget-b2c.yaml
        journey forecast scenarios/budget-b2c.yaml --replicates 200 --seed 3 --format json
      """
  )

  @Argument(help: "Budget scenario file (YAML or JSON).")
  var budget: String

  @Option(help: "Monte Carlo replicates (default: the budget file's, else 1000).")
  var replicates: Int?

  @OptionGroup var seedOptions: SeedOptions

  @OptionGroup var threadOptions: ThreadOptions

  @OptionGroup var output: OutputOptions

  func validate() throws {
    if let replicates, replicates < 1 || replicates > BudgetScenario.maxReplicates {
      throw ValidationError("Please give '--replicates' between 1 and \(BudgetScenario.maxReplicates).")
    }
  }

  func run() throws {
    let spec = try BudgetScenario.load(path: budget)
    let directory = try output.directory(name: spec.name, file: budget)
    let total = replicates ?? spec.replicates
    let progress = Progress(label: "replicates", total: total)
    let step = Swift.max(1, total / 100)
    let forecast = try JourneyForecast.Forecast.run(
      spec, replicates: replicates, seed: seedOptions.seed, threads: threadOptions.threads,
      progress: progress.enabled ? { @Sendable n in if n % step == 0 || n == total { progress.update(n) } } : nil)
    let summary = forecast.summary()
    let dir = URL(fileURLWithPath: directory)
    let json = try forecast.json(summary: summary, file: dir.appendingPathComponent("forecast.json").path)
    let csv = forecast.csv(summary: summary)
    let files = ResultSet()
    try files.stage(csv, to: dir.appendingPathComponent("forecast.csv").path)
    try files.stage(json, to: dir.appendingPathComponent("forecast.json").path)
    try files.commit()
    switch output.format {
    case .table: print(Self.table(forecast, summary), terminator: "")
    case .csv: print(csv, terminator: "")
    case .json: print(String(decoding: json, as: UTF8.self), terminator: "")
    }
  }

  static func table(_ forecast: JourneyForecast.Forecast, _ summary: [PlanSummary]) -> String {
    let spec = forecast.budget
    let unit = spec.model.period.rawValue + (spec.horizon == 1 ? "" : "s")
    var s = "\(spec.name): model \(spec.model.name), \(spec.horizon) \(unit), "
    s += "\(NumberText.grouped(Double(forecast.replicates))) replicates, seed \(forecast.seed)\n"
    if let start = forecast.startNote { s += start + "\n" }
    s += forecast.note + "\n"
    s += "totals over the horizon; [P5, P95] across replicates; increment against '\(summary.first?.name ?? "")'\n\n"
    func g(_ x: Double, _ d: Int = 0) -> String { NumberText.grouped(x, decimals: d) }
    var rows = [["plan", "spend", "conversions", "[P5, P95]", "CPA", "revenue", "ROI", "increment", "[P5, P95]"]]
    for plan in summary {
      let t = plan.totals
      rows.append([
        plan.name, g(t.spend), g(t.conversions.mean), "[\(g(t.conversions.p5)), \(g(t.conversions.p95))]",
        t.cpa.map { g($0, 2) } ?? "-", g(t.revenue.mean), t.roi.map { g($0, 3) } ?? "-",
        (t.increment.mean >= 0 ? "+" : "") + g(t.increment.mean),
        "[\(g(t.increment.p5)), \(g(t.increment.p95))]",
      ])
    }
    s += NumberText.table(rows)
    return s
  }
}
