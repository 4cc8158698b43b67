import Foundation
import JourneyFormats

/// Sections drawn from `summary.json` (and the funnel and spend sections, which also use
/// `forecast.json`).
extension HTMLReport {
  func totalsSection() -> String {
    guard let s = inputs.simulation, let t = s.totals else { return "" }
    let perPeriod = Double(Swift.max(s.horizon ?? s.periods?.count ?? 1, 1))
    var rows: [[String]] = []
    if let c = t.conversions { rows.append(["conversions", number(c), number(c / perPeriod, decimals: 1)]) }
    if let r = t.revenue { rows.append(["revenue", money(r), money(r / perPeriod)]) }
    if let sp = t.spend { rows.append(["spend", money(sp), money(sp / perPeriod)]) }
    if let cpa = t.cpa { rows.append(["CPA", money(cpa, decimals: 2), ""]) }
    if let roi = t.roi { rows.append(["ROI", number(roi, decimals: 3), ""]) }
    return table(id: "totals-table", header: ["", "total", "per \(periodWord)"], rows: rows)
  }

  /// The absorbing phases (`lost`, churned): from the files' `absorbing` lists, else none.
  var sinks: Set<String> {
    Set((inputs.simulation?.absorbing ?? []) + (inputs.forecast?.absorbing ?? []))
  }

  /// Customers per phase; the absorbing phases (which grow all horizon long and would
  /// dwarf the funnel) get their own chart with its own scale.
  func funnelSection() -> String {
    var s = ""
    let sinks = self.sinks
    func charts(
      id: String, title: String, description: String, phases: [String],
      groups: [(name: String, colour: String, values: [Double])], xLabel: String
    ) -> String {
      let live = phases.filter { !sinks.contains($0) }
      let absorbed = phases.filter(sinks.contains)
      func pick(_ names: [String]) -> [(name: String, colour: String, values: [Double])] {
        groups.map { g in
          (g.name, g.colour, names.map { n in phases.firstIndex(of: n).map { g.values[$0] } ?? .nan })
        }
      }
      var s = SVGChart.horizontalBars(
        id: id, title: title, description: description, categories: live, groups: pick(live), xLabel: xLabel)
      if !absorbed.isEmpty {
        s += "<p class=\"explain\">Absorbing \(absorbed.count == 1 ? "phase" : "phases") "
        s += "(customers who left for good), on \(absorbed.count == 1 ? "its" : "their") own scale:</p>\n"
        s += SVGChart.horizontalBars(
          id: id + "-absorbed", title: title + ": absorbing phases",
          description: description + " Absorbing phases only, on their own scale.", categories: absorbed,
          groups: pick(absorbed), xLabel: xLabel)
      }
      return s
    }
    if let sim = inputs.simulation {
      let start = sim.periods?.first?.counts ?? [:]
      let end = sim.final ?? sim.periods?.last?.counts ?? [:]
      let phases = ordered(sim.phases, Array(start.keys) + Array(end.keys))
      s += "<h3>Simulation: customers per phase at the start and the end of the horizon</h3>\n"
      let groups = [
        (name: "start", colour: "#9aa5b5", values: phases.map { start[$0] ?? 0 }),
        (name: "end", colour: Palette.colour(0), values: phases.map { end[$0] ?? 0 }),
      ]
      s += legend(groups.map { ($0.name, $0.colour, "box") })
      s += charts(
        id: "funnel-simulation", title: "Customers per phase, start and end of the horizon",
        description: "Horizontal bars per phase: customers at the start of period 0 and at the end of the horizon.",
        phases: phases, groups: groups, xLabel: "customers")
    }
    if let f = inputs.forecast, let plans = f.plans, !plans.isEmpty {
      let phases = ordered(f.phases, plans.flatMap { Array(($0.finalCounts ?? [:]).keys) })
      s += "<h3>Forecast: mean customers per phase at the end of the horizon, per plan</h3>\n"
      let groups = plans.enumerated().map { i, plan in
        (name: plan.name, colour: Palette.colour(i), values: phases.map { plan.finalCounts?[$0] ?? .nan })
      }
      s += legend(groups.map { ($0.name, $0.colour, "box") })
      s += charts(
        id: "funnel-forecast", title: "Mean final customers per phase and plan",
        description: "Horizontal bars per phase, one per budget plan: mean customers at the end of the horizon.",
        phases: phases, groups: groups, xLabel: "customers (mean over replicates)")
    }
    return s
  }

  func conversionsSection() -> String {
    guard let sim = inputs.simulation, let periods = sim.periods else { return "" }
    let points = periods.enumerated().compactMap { i, p -> (x: Double, y: Double)? in
      p.conversions.map { (Double(p.period ?? i), $0) }
    }
    var s = "<p class=\"explain\">Entries into conversion phases per \(HTML.escape(periodWord)), repeat purchases included.</p>\n"
    s += SVGChart.lines(
      id: "conversions-chart", title: "Conversions per \(periodWord)",
      description: "Line chart of simulated conversions in each period.",
      series: [.init(name: "conversions", colour: Palette.colour(0), points: points)],
      xLabel: "\(periodWord) (0-based)", yLabel: "conversions per \(periodWord)", exactX: true)
    return s
  }

  func spendSection() -> String {
    var s = ""
    if let sim = inputs.simulation, let periods = sim.periods, !periods.isEmpty {
      let channels = ordered(sim.channels, periods.flatMap { Array(($0.spendByChannel ?? [:]).keys) })
      let stacks = channels.map { c in
        (name: c, colour: channelColour(c), values: periods.map { $0.spendByChannel?[c] ?? 0 })
      }.filter { $0.values.contains { $0 > 0 } }
      s += "<h3>Simulation: spend per \(HTML.escape(periodWord)), stacked by channel</h3>\n"
      s += legend(stacks.map { ($0.name, $0.colour, "box") })
      s += SVGChart.stackedBars(
        id: "spend-simulation", title: "Spend per \(periodWord) by channel",
        description: "Stacked bars: the spend of each channel in each period.",
        categories: periods.enumerated().map { i, p in String(p.period ?? i) }, stacks: stacks,
        xLabel: "\(periodWord) (0-based)", yLabel: moneyLabel("spend"))
    }
    if let f = inputs.forecast, let plans = f.plans?.filter({ $0.spendByChannel != nil }), !plans.isEmpty {
      let channels = ordered(f.channels, plans.flatMap { Array(($0.spendByChannel ?? [:]).keys) })
      let stacks = channels.map { c in
        (name: c, colour: channelColour(c), values: plans.map { $0.spendByChannel?[c] ?? 0 })
      }.filter { $0.values.contains { $0 > 0 } }
      s += "<h3>Forecast: total spend per plan, stacked by channel</h3>\n"
      s += legend(stacks.map { ($0.name, $0.colour, "box") })
      s += SVGChart.stackedBars(
        id: "spend-forecast", title: "Total spend per plan by channel",
        description: "Stacked bars: each plan's total spend over the horizon, split by channel.",
        categories: plans.map(\.name), stacks: stacks, xLabel: "plan", yLabel: moneyLabel("total spend"), height: 300)
    }
    return s
  }

  func analyticsSection() -> String {
    guard let analytics = inputs.simulation?.analytics, let segments = analytics.segments else { return "" }
    var s = "<p class=\"explain\">With every channel at its mean spend per period: the probability that a customer "
    s += "in each phase ever converts, the expected periods until that conversion (given that it happens) and "
    s += "until the customer is absorbed (from the fundamental matrix N = (I − Q)⁻¹).</p>\n"
    for (i, segment) in segments.enumerated() {
      let rows = segment.phases.map { p in
        [p.phase, significantOrDash(p.conversionProbability, decimals: 4),
         number(p.periodsToConversion, decimals: 1), number(p.periodsToAbsorption, decimals: 1)]
      }
      s += table(
        id: "analytics-\(i)", caption: "Segment \(segment.segment)",
        header: ["phase", "P(convert)", "periods to conversion", "periods to absorption"], rows: rows)
    }
    if let steady = analytics.steadyExposure, !steady.isEmpty {
      let channels = ordered(inputs.simulation?.channels, steady.keys).filter { steady[$0] != nil }
      s += table(
        id: "steady-exposure", caption: "Steady exposure per channel",
        header: ["channel", "P(exposed per \(periodWord))"],
        rows: channels.map { [$0, number(steady[$0], decimals: 4)] })
    }
    return s
  }

  private func significantOrDash(_ x: Double?, decimals: Int) -> String { number(x, decimals: decimals) }
}
