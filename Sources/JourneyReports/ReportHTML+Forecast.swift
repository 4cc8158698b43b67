import Foundation
import JourneyFormats

/// Sections drawn from `forecast.json`: fan charts and the comparison of budget plans.
extension HTMLReport {
  /// A plan's per-period interval of one quantity as a band, median and mean.
  func fan(
    _ plan: ForecastResult.Plan, _ i: Int, _ value: KeyPath<ForecastResult.Period, Interval?>
  ) -> (band: SVGChart.Band, lines: [SVGChart.Series]) {
    let periods = (plan.periods ?? []).enumerated().map { t, p in (x: Double(p.period ?? t), interval: p[keyPath: value]) }
    let band = SVGChart.Band(
      name: "\(plan.name): P5–P95", colour: Palette.colour(i),
      points: periods.compactMap { p in
        guard let lo = p.interval?.p5, let hi = p.interval?.p95 else { return nil }
        return (p.x, lo, hi)
      }, opacity: 0.3)
    func line(_ what: KeyPath<Interval, Double?>, _ name: String, dashed: Bool) -> SVGChart.Series {
      .init(
        name: "\(plan.name): \(name)", colour: Palette.colour(i),
        points: periods.compactMap { p in p.interval?[keyPath: what].map { (p.x, $0) } }, dashed: dashed,
        width: dashed ? 1.5 : 2.2)
    }
    let median = line(\.p50, "median (P50)", dashed: false)
    // Without medians the mean is the central line, drawn solid.
    let lines = median.points.isEmpty ? [line(\.mean, "mean", dashed: false)] : [median, line(\.mean, "mean", dashed: true)]
    return (band, lines)
  }

  /// The smallest and largest finite value of a quantity's intervals over the plans.
  func extent(_ plans: [ForecastResult.Plan], _ value: KeyPath<ForecastResult.Period, Interval?>) -> (Double, Double)? {
    let all = plans.flatMap { $0.periods ?? [] }.flatMap { p -> [Double] in
      guard let i = p[keyPath: value] else { return [] }
      return [i.p5, i.p95, i.p50, i.mean].compactMap { $0 }.filter(\.isFinite)
    }
    guard let lo = all.min(), let hi = all.max() else { return nil }
    return (lo, hi)
  }

  /// The interval of the last period in words, so that a band too narrow to see at the
  /// chart's scale is still read: `week 12: 12,453 (P5–P95 12,380 – 12,520, ±0.6%)`.
  func finalSpread(_ plan: ForecastResult.Plan) -> String {
    guard let last = plan.periods?.last, let c = last.conversions, let center = c.center else { return "" }
    var text = "\(periodWord) \(last.period ?? ((plan.periods?.count ?? 1) - 1)): \(number(center))"
    if let lo = c.p5, let hi = c.p95 {
      text += " (P5–P95 \(number(lo)) – \(number(hi))"
      if center != 0 { text += ", ±\(number((hi - lo) / 2 / Swift.abs(center) * 100, decimals: 1))%" }
      text += ")"
    }
    return text
  }

  /// The fan-chart key: a band and two line styles, in grey, shared by every plan's colour.
  var fanLegend: String {
    legend([("P5–P95 across replicates", "#5b6474", "band"), ("median (P50)", "#1d2330", "line"), ("mean", "#1d2330", "dashed")])
  }

  /// The medians of every plan in one chart, each named at its end, then one fan chart per
  /// plan (small multiples on one shared y axis that starts near the data, not at 0).
  func fanSection() -> String {
    guard let f = inputs.forecast, let plans = f.plans, !plans.isEmpty else {
      return "<p class=\"explain\">forecast.json has no plans.</p>\n"
    }
    var s = "<p class=\"explain\">Conversions per \(HTML.escape(periodWord)). The first chart puts the plans' medians "
    s += "side by side, each named at its right end; the small multiples below show each plan's fan: the shaded band "
    s += "runs from P5 to P95 across replicates, the solid line is the median (P50) and the dashed line the mean. The "
    s += "y axis starts near the data, not at 0, so that plans close to each other can be told apart; how far apart "
    s += "they really are is in the next section.</p>\n"
    let medians = plans.enumerated().map { i, plan -> SVGChart.Series in
      var line = fan(plan, i, \.conversions).lines[0]
      line.dash = Palette.dash(i)
      line.endLabel = plan.name
      return line
    }
    s += SVGChart.lines(
      id: "fan-all", title: "Median conversions per \(periodWord), all plans",
      description: "Line chart of each plan's median forecast conversions per period, named at the line's end.",
      series: medians, xLabel: "\(periodWord) (0-based)", yLabel: "conversions per \(periodWord)", includeZero: false,
      exactX: true, endLabels: plans.count > 1)
    s += fanLegend
    let range = extent(plans, \.conversions)
    s += "<div class=\"small-multiples\">\n"
    for (i, plan) in plans.enumerated() {
      let chart = fan(plan, i, \.conversions)
      s += "<figure>\n<figcaption><span class=\"swatch box\" style=\"--c: \(Palette.colour(i))\"></span>\(HTML.escape(plan.name))"
      s += " <span class=\"caption-note\">\(HTML.escape(finalSpread(plan)))</span></figcaption>\n"
      s += SVGChart.lines(
        id: "fan-plan-\(i)", title: "Conversions per \(periodWord), plan \(plan.name)",
        description: "Fan chart for one plan: P5–P95 band, median (solid) and mean (dashed) of conversions per period.",
        series: chart.lines, bands: [chart.band], xLabel: "\(periodWord) (0-based)", yLabel: "conversions",
        includeZero: false, yRange: range, exactX: true, width: 440, height: 240)
      s += "</figure>\n"
    }
    s += "</div>\n"
    return s
  }

  /// Per plan but the baseline: extra conversions per period over the baseline, with the
  /// P5–P95 band of the per-replicate difference (the number a planner decides on).
  func incrementSection() -> String {
    guard let f = inputs.forecast, let plans = f.plans, plans.count > 1 else { return "" }
    let baseline = plans[0].name
    let others = Array(plans.enumerated().dropFirst())
    var s = "<p class=\"explain\">Extra conversions per \(HTML.escape(periodWord)) of each plan over the baseline "
    s += "plan <strong>\(HTML.escape(baseline))</strong>, replicate by replicate (both plans see the same random "
    s += "draws, so the difference is sharper than the two fans suggest). The band runs from P5 to P95 of the "
    s += "difference, the solid line is its median and the dashed line its mean; the dark line marks 0. Where the "
    s += "band lies above 0 the plan is better in that \(HTML.escape(periodWord)) in 95% of replicates.</p>\n"
    s += fanLegend
    let range = extent(others.map(\.element), \.increment)
    s += "<div class=\"small-multiples\">\n"
    for (i, plan) in others {
      let chart = fan(plan, i, \.increment)
      s += "<figure>\n<figcaption><span class=\"swatch box\" style=\"--c: \(Palette.colour(i))\"></span>"
      s += "\(HTML.escape(plan.name)) against \(HTML.escape(baseline))</figcaption>\n"
      s += SVGChart.lines(
        id: "increment-plan-\(i)", title: "Extra conversions per \(periodWord), \(plan.name) against \(baseline)",
        description: "Increment chart: per period, the plan's conversions minus the baseline's, P5–P95 band, median and mean.",
        series: chart.lines, bands: [chart.band], xLabel: "\(periodWord) (0-based)",
        yLabel: "extra conversions", includeZero: true, yRange: range, exactX: true, width: 440, height: 240)
      s += "</figure>\n"
    }
    s += "</div>\n"
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
      return [p.name, money(t?.spend), number(t?.conversions?.mean), range(t?.conversions),
              money(t?.revenue?.mean), money(t?.cpa, decimals: 2), number(t?.roi, decimals: 3),
              number(t?.increment?.mean), range(t?.increment)]
    }
    s += table(
      id: "comparison-table", caption: "Plans compared (totals over the horizon)",
      header: ["plan", moneyLabel("spend"), "conversions (mean)", "conversions P5 – P95", moneyLabel("revenue (mean)"), moneyLabel("CPA"), "ROI",
               "increment (mean)", "increment P5 – P95"],
      rows: rows)
    return s
  }
}
