import Foundation
import JourneyForecast
import JourneyModel
import JourneySimulation

/// The figures of a budget forecast that a reference guards, with the Monte Carlo standard
/// deviation of each, estimated from the forecast's own replicates.
enum ForecastReference {
  /// Per plan: mean conversions per period; over the horizon the mean, P5, P50 and P95 of
  /// conversions, mean revenue, spend and the mean increment against the baseline.
  ///
  /// A mean over `R` replicates has standard deviation `s/√R`; a quantile `q` is given
  /// `s·√(q(1−q)/R) / φ(z_q)`, its large-sample value for normal replicates.
  static func metrics(of forecast: Forecast) -> [Reference.Metric] {
    let r = Double(forecast.replicates)
    let summaries = forecast.summary()
    guard let baseline = forecast.plans.first else { return [] }
    let baseTotals = baseline.conversions.map { $0.reduce(0, +) }
    var m: [Reference.Metric] = []
    for (plan, summary) in zip(forecast.plans, summaries) {
      for t in 0..<forecast.budget.horizon {
        let values = plan.conversions.map { $0[t] }
        m.append(.init(plan: plan.name, metric: "conversions", period: t, value: summary.periods[t].conversions.mean,
                       sd: sd(values) / r.squareRoot()))
      }
      let totals = plan.conversions.map { $0.reduce(0, +) }
      let s = sd(totals)
      m.append(.init(plan: plan.name, metric: "conversions", value: summary.totals.conversions.mean, sd: s / r.squareRoot()))
      for (name, q, value) in [("conversions_p5", 0.05, summary.totals.conversions.p5),
                               ("conversions_p50", 0.5, summary.totals.conversions.p50),
                               ("conversions_p95", 0.95, summary.totals.conversions.p95)] {
        m.append(.init(plan: plan.name, metric: name, value: value, sd: s * quantileFactor(q) / r.squareRoot()))
      }
      let revenue = plan.revenue.map { $0.reduce(0, +) }
      m.append(.init(plan: plan.name, metric: "revenue", value: summary.totals.revenue.mean, sd: sd(revenue) / r.squareRoot()))
      m.append(.init(plan: plan.name, metric: "spend", value: summary.totals.spend))
      let increments = zip(totals, baseTotals).map { $0 - $1 }
      m.append(.init(plan: plan.name, metric: "increment", value: summary.totals.increment.mean,
                     sd: sd(increments) / r.squareRoot()))
    }
    return m
  }

  /// The exact counterparts: every plan run once by the expected engine at the point
  /// parameters (no parameter draw, no Monte Carlo noise). Per plan: conversions per
  /// period and in total, revenue, spend and the increment against the first plan.
  static func exactMetrics(of budget: BudgetScenario) throws -> [Reference.Metric] {
    let warmUp = budget.startState?.warmUp ?? 0
    var m: [Reference.Metric] = []
    var baseTotal: Double?
    for plan in budget.plans {
      let scenario = Forecast.scenario(for: plan, budget: budget)
      let result = try Simulator.run(scenario, engine: .expected, start: budget.startState)
      let conversions = Array(result.conversions.dropFirst(warmUp))
      for (t, value) in conversions.enumerated() {
        m.append(.init(plan: plan.name, metric: "conversions", period: t, value: value))
      }
      let total = conversions.reduce(0, +)
      m.append(.init(plan: plan.name, metric: "conversions", value: total))
      m.append(.init(plan: plan.name, metric: "revenue", value: result.revenue.dropFirst(warmUp).reduce(0, +)))
      let spend = plan.spend(model: budget.model, horizon: budget.horizon, start: budget.startPeriod)
      m.append(.init(plan: plan.name, metric: "spend", value: spend.reduce(0) { $0 + $1.reduce(0, +) }))
      m.append(.init(plan: plan.name, metric: "increment", value: total - (baseTotal ?? total)))
      if baseTotal == nil { baseTotal = total }
    }
    return m
  }

  static func sd(_ xs: [Double]) -> Double {
    guard xs.count > 1 else { return 0 }
    let mean = xs.reduce(0, +) / Double(xs.count)
    return (xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count - 1)).squareRoot()
  }

  /// `√(q(1−q)) / φ(z_q)`.
  static func quantileFactor(_ q: Double) -> Double {
    let z = normalQuantile(q)
    let density = Foundation.exp(-z * z / 2) / (2 * Double.pi).squareRoot()
    return (q * (1 - q)).squareRoot() / density
  }

  /// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
  static func normalQuantile(_ p: Double) -> Double {
    let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
             -3.066479806614716e+01, 2.506628277459239e+00]
    let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
             -1.328068155288572e+01]
    let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
             4.374664141464968e+00, 2.938163982698783e+00]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    let low = 0.02425
    if p < low {
      let q = (-2 * Foundation.log(p)).squareRoot()
      return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
        / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    if p > 1 - low { return -normalQuantile(1 - p) }
    let q = p - 0.5
    let r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
      / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  }
}
