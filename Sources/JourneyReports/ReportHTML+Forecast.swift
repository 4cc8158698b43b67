import Foundation
import JourneyFormats

/// Sections drawn from `forecast.json`: fan charts and the comparison of budget plans.
extension HTMLReport {
  /// Per plan: conversions per period as a P5–P95 band, the median (solid) and the mean (dashed).
  func fanSection() -> String {
    guard let f = inputs.forecast, let plans = f.plans, !plans.isEmpty else {
      return "<p class=\"explain\">forecast.json has no plans.</p>\n"
    }
    func band(_ plan: ForecastResult.Plan, _ i: Int) -> SVGChart.Band {
      let points = (plan.periods ?? []).enumerated().compactMap { t, p -> (x: Double, lo: Double, hi: Double)? in
        guard let lo = p.conversions?.p5, let hi = p.conversions?.p95 else { return nil }
        return (Double(p.period ?? t), lo, hi)
      }
      return .init(name: "\(plan.name): P5–P95", colour: Palette.colour(i), points: points)
    }
    func line(_ plan: ForecastResult.Plan, _ i: Int, _ value: KeyPath<Interval, Double?>, dashed: Bool) -> SVGChart.Series {
      let points = (plan.periods ?? []).enumerated().compactMap { t, p -> (x: Double, y: Double)? in
        p.conversions?[keyPath: value].map { (Double(p.period ?? t), $0) }
      }
      let what = value == \Interval.mean ? "mean" : "P50"
      return .init(name: "\(plan.name): \(what)", colour: Palette.colour(i), points: points, dashed: dashed, width: dashed ? 1.5 : 2)
    }
    func series(_ plan: ForecastResult.Plan, _ i: Int) -> [SVGChart.Series] {
      let median = line(plan, i, \.p50, dashed: false)
      // Without medians the mean is the central line, drawn solid.
      return median.points.isEmpty
        ? [line(plan, i, \.mean, dashed: false)] : [median, line(plan, i, \.mean, dashed: true)]
    }
    var s = "<p class=\"explain\">Conversions per \(HTML.escape(periodWord)): the shaded band runs from P5 to P95 "
    s += "across replicates, the solid line is the median (P50) and the dashed line the mean.</p>\n"
    var items: [(name: String, colour: String, style: String)] = []
    for (i, plan) in plans.enumerated() { items.append((plan.name, Palette.colour(i), "band")) }
    items.append(("P50", "#555", "line"))
    items.append(("mean", "#555", "dashed"))
    s += legend(items)
    s += SVGChart.lines(
      id: "fan-all", title: "Conversions per \(periodWord), all plans",
      description: "Fan chart of forecast conversions per period for every plan: P5–P95 band, median and mean.",
      series: plans.enumerated().flatMap { series($1, $0) },
      bands: plans.enumerated().map { band($1, $0) },
      xLabel: "\(periodWord) (0-based)", yLabel: "conversions per \(periodWord)", exactX: true)
    // Small multiples share the y axis so that plans compare at a glance.
    var lo = 0.0
    var hi = 0.0
    for plan in plans {
      for p in plan.periods ?? [] {
        for v in [p.conversions?.p5, p.conversions?.p95, p.conversions?.p50, p.conversions?.mean].compactMap({ $0 }) where v.isFinite {
          lo = Swift.min(lo, v)
          hi = Swift.max(hi, v)
        }
      }
    }
    if plans.count > 1 {
      s += "<div class=\"small-multiples\">\n"
      for (i, plan) in plans.enumerated() {
        s += "<figure>\n<figcaption style=\"color: \(Palette.colour(i))\">\(HTML.escape(plan.name))</figcaption>\n"
        s += SVGChart.lines(
          id: "fan-plan-\(i)", title: "Conversions per \(periodWord), plan \(plan.name)",
          description: "Fan chart for one plan: P5–P95 band, median and mean of conversions per period.",
          series: series(plan, i), bands: [band(plan, i)], xLabel: "\(periodWord) (0-based)",
          yLabel: "conversions", yRange: (lo, hi), exactX: true, width: 440, height: 240)
        s += "</figure>\n"
      }
      s += "</div>\n"
    }
    return s
  }

  /// Totals per plan: conversions and increment as dot-and-whisker charts, then a table.
  func comparisonSection() -> String {
    guard let f = inputs.forecast, let plans = f.plans, !plans.isEmpty else {
      return "<p class=\"explain\">forecast.json has no plans.</p>\n"
    }
    var s = "<p class=\"explain\">Totals over the horizon per plan. Dots are medians (means when no median "
    s += "is given), whiskers run from P5 to P95 across replicates.</p>\n"
    s += "<h3>Total conversions</h3>\n"
    s += SVGChart.dotWhisker(
      id: "comparison-conversions", title: "Total conversions per plan with P5–P95 interval",
      description: "Dot-and-whisker chart: total conversions of each plan, median and P5–P95 interval.",
      rows: plans.enumerated().map { i, p in
        (p.name, Palette.colour(i), p.totals?.conversions?.center, p.totals?.conversions?.p5, p.totals?.conversions?.p95)
      }, xLabel: "total conversions", includeZero: false)
    let withIncrement = plans.enumerated().filter { $0.element.totals?.increment != nil }
    if !withIncrement.isEmpty {
      s += "<h3>Increment against the baseline</h3>\n"
      s += SVGChart.dotWhisker(
        id: "comparison-increment", title: "Increment in total conversions against the baseline, P5–P95",
        description: "Dot-and-whisker chart: each plan's extra conversions over the baseline, with interval; the vertical line marks zero.",
        rows: withIncrement.map { i, p in
          (p.name, Palette.colour(i), p.totals?.increment?.center, p.totals?.increment?.p5, p.totals?.increment?.p95)
        }, xLabel: "extra conversions against the baseline", includeZero: true)
    }
    let rows = plans.map { p -> [String] in
      let t = p.totals
      return [p.name, number(t?.spend), number(t?.conversions?.mean), range(t?.conversions),
              number(t?.revenue?.mean), number(t?.cpa, decimals: 2), number(t?.roi, decimals: 3),
              number(t?.increment?.mean), range(t?.increment)]
    }
    s += table(
      id: "comparison-table", caption: "Plans compared (totals over the horizon)",
      header: ["plan", "spend", "conversions (mean)", "conversions P5 – P95", "revenue (mean)", "CPA", "ROI",
               "increment (mean)", "increment P5 – P95"],
      rows: rows)
    return s
  }
}
