import Foundation
import JourneyFormats
import JourneyModel

/// Figures of one plan in one period (or over the whole horizon).
public struct ForecastFigures: Sendable, Equatable {
  public var spend: Double
  public var conversions: Interval
  public var revenue: Interval
  /// Spend per mean conversion; `nil` without conversions.
  public var cpa: Double?
  /// `(mean revenue − spend) / spend`; `nil` without spend.
  public var roi: Double?
  /// Per-replicate difference of conversions against the baseline (the first plan).
  public var increment: Interval

  init(spend: Double, conversions: [Double], revenue: [Double], baseline: [Double]) {
    self.spend = spend
    self.conversions = Interval(conversions)
    self.revenue = Interval(revenue)
    cpa = self.conversions.mean > 0 ? spend / self.conversions.mean : nil
    roi = spend > 0 ? (self.revenue.mean - spend) / spend : nil
    increment = Interval(zip(conversions, baseline).map { $0 - $1 })
  }
}

/// The summary of one plan: per period, totals, final counts and spend by channel.
public struct PlanSummary: Sendable, Equatable {
  public var name: String
  public var periods: [ForecastFigures]
  public var totals: ForecastFigures
  /// Mean customers per phase after the horizon.
  public var finalCounts: [Double]
  /// Spend per channel over the horizon.
  public var spendByChannel: [Double]
}

extension Forecast {
  /// Means, quantiles and increments of every plan; increments are against the first plan.
  public func summary() -> [PlanSummary] {
    guard let baseline = plans.first else { return [] }
    let horizon = budget.horizon
    let baseTotals = baseline.conversions.map { $0.reduce(0, +) }
    return plans.map { plan in
      let spend = plan.spendPerPeriod
      let periods = (0..<horizon).map { t in
        ForecastFigures(
          spend: spend[t], conversions: plan.conversions.map { $0[t] }, revenue: plan.revenue.map { $0[t] },
          baseline: baseline.conversions.map { $0[t] })
      }
      let totals = ForecastFigures(
        spend: spend.reduce(0, +), conversions: plan.conversions.map { $0.reduce(0, +) },
        revenue: plan.revenue.map { $0.reduce(0, +) }, baseline: baseTotals)
      let phases = budget.model.phaseCount
      let finals = (0..<phases).map { i in plan.finalCounts.reduce(0) { $0 + $1[i] } / Double(replicates) }
      return PlanSummary(
        name: plan.name, periods: periods, totals: totals, finalCounts: finals,
        spendByChannel: plan.spend.map { $0.reduce(0, +) })
    }
  }

  /// `forecast.json` as a ``ForecastFile`` (the format of the README).
  public func file(summary: [PlanSummary]? = nil) -> ForecastFile {
    let summary = summary ?? self.summary()
    let model = budget.model
    func interval(_ i: Interval) -> ForecastFile.Interval { .init(mean: i.mean, p5: i.p5, p50: i.p50, p95: i.p95) }
    func figures(_ f: ForecastFigures, period: Int? = nil) -> ForecastFile.Period {
      ForecastFile.Period(
        period: period, spend: f.spend, conversions: interval(f.conversions), revenue: interval(f.revenue),
        cpa: f.cpa, roi: f.roi, increment: interval(f.increment))
    }
    let plans = summary.map { plan in
      ForecastFile.Plan(
        name: plan.name, periods: plan.periods.enumerated().map { t, f in figures(f, period: t) },
        totals: figures(plan.totals),
        finalCounts: Dictionary(uniqueKeysWithValues: zip(model.phases.map(\.name), plan.finalCounts)),
        spendByChannel: Dictionary(
          uniqueKeysWithValues: zip(model.channels.map(\.name), plan.spendByChannel).filter { c, _ in
            model.channelIndex(named: c).map { model.channels[$0].isPaid } ?? false
          }))
    }
    var file = ForecastFile(
      scenario: budget.name, model: model.name, seed: seed, replicates: replicates, horizon: budget.horizon,
      period: model.period.rawValue, parameterUncertainty: parameterUncertainty, note: note,
      phases: model.phases.map(\.name), channels: model.channels.map(\.name), plans: plans,
      startPeriod: budget.startPeriod,
      startState: budget.startState.map {
        StartStateFile($0, phases: model.phases.map(\.name), channels: model.channels)
      },
      startHistory: budget.startState == nil ? nil : budget.historyPath)
    file.currency = model.currency
    file.absorbing = model.phases.filter(\.isAbsorbing).map(\.name)
    file.source = ResultSource(
      kind: "budget", name: budget.name, model: model.name, modelFingerprint: model.fingerprint)
    return file
  }

  /// The bytes of `forecast.json` (see ``JSONFile``).
  ///
  /// - Throws: ``InputError`` naming the field when a figure is not finite.
  public func json(summary: [PlanSummary]? = nil, file: String = "forecast.json") throws -> Data {
    try JSONFile.encode(self.file(summary: summary), file: file)
  }

  /// `forecast.csv`: one row per plan and period (0-based), then one `total` row per plan,
  /// quoted and formula-neutralised by the shared ``JourneyFormats/CSV`` rule.
  public func csv(summary: [PlanSummary]? = nil) -> String {
    let summary = summary ?? self.summary()
    let header = [
      "plan", "period", "spend", "conversions_mean", "conversions_p5", "conversions_p50", "conversions_p95",
      "revenue_mean", "cpa", "roi", "increment_mean", "increment_p5", "increment_p95",
    ]
    func row(_ plan: String, _ period: String, _ f: ForecastFigures) -> [String] {
      let cells = [
        f.spend, f.conversions.mean, f.conversions.p5, f.conversions.p50, f.conversions.p95, f.revenue.mean,
      ].map(Self.number) + [f.cpa.map(Self.number) ?? "", f.roi.map(Self.number) ?? ""]
        + [f.increment.mean, f.increment.p5, f.increment.p95].map(Self.number)
      return [plan, period] + cells
    }
    var rows: [[String]] = []
    for plan in summary {
      for (t, f) in plan.periods.enumerated() { rows.append(row(plan.name, String(t), f)) }
      rows.append(row(plan.name, "total", plan.totals))
    }
    return CSV.document(header: header, rows: rows)
  }

  static func number(_ x: Double) -> String {
    if x.isFinite && x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
  }
}
