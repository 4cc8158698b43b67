import Foundation
import JourneyFormats

/// The section drawn from `optimize.json`: response curves, the optimum and marginal returns.
extension HTMLReport {
  /// Each channel's current spend, in the unit of the response curves: the baseline plan
  /// of `forecast.json` (over the horizon, or per period when the optimisation is per
  /// period); `nil` without a forecast.
  func currentSpend(_ channel: String) -> Double? {
    guard let plan = inputs.forecast?.plans?.first, let total = plan.spendByChannel?[channel] else { return nil }
    if inputs.optimization?.perPeriod == true {
      let horizon = inputs.optimization?.horizon ?? inputs.forecast?.horizon ?? plan.periods?.count ?? 0
      return horizon > 0 ? total / Double(horizon) : nil
    }
    return total
  }

  /// One chart per channel: the channel's contribution (the objective minus its value with
  /// the channel at its lowest spend on the curve, normally 0) against its spend, with its
  /// bounds (outside shaded), the optimum (dot) and the current spend (ring).
  func responseCurvesSection() -> String {
    guard let o = inputs.optimization else { return "" }
    let channels = channelOrder.filter(Set(o.channelNames).contains)
    let objective = o.objective ?? "value"
    let spendWord = o.perPeriod == true ? "spend per \(periodWord)" : "spend over the horizon"
    var s = "<p class=\"explain\">One chart per channel: how much \(HTML.escape(objective)) the channel adds as its "
    s += "\(HTML.escape(spendWord)) grows, the other channels held at the optimum. Each curve is the channel's own "
    s += "contribution (the expected \(HTML.escape(objective)) minus its value at the curve's lowest spend, normally 0), "
    s += "so its shape is visible whatever the total. Shaded spend lies outside the channel's bounds, dashed lines mark "
    s += "the bounds, the filled dot the optimal allocation"
    s += inputs.forecast == nil ? "" : " and the ring the current spend (the baseline plan of forecast.json)"
    s += ". At an interior optimum the marginal returns are equal across channels.</p>\n"
    var facts: [[String]] = []
    if let total = o.total { facts.append(["budget", money(total)]) }
    if let e = o.expected { facts.append(["expected \(objective) at the optimum", objective == "value" ? money(e) : number(e)]) }
    if let b = o.baselineExpected {
      facts.append(["expected \(objective) of the baseline", objective == "value" ? money(b) : number(b)])
    }
    func figure(_ x: Double) -> String { objective == "value" ? money(x) : number(x) }
    func signed(_ x: Double, of base: Double?) -> String {
      var text = (x >= 0 ? "+" : "−") + figure(Swift.abs(x))
      if let base, base != 0 { text += " (" + (x >= 0 ? "+" : "−") + number(Swift.abs(x) / Swift.abs(base) * 100, decimals: 1) + "%)" }
      return text
    }
    if let own = o.ownPlanSpend { facts.append(["spend of the model's own plan", money(own)]) }
    if let scaled = o.scaledPlanExpected {
      facts.append(["expected \(objective) of the own plan scaled to the budget", figure(scaled)])
    }
    if let mix = o.mixGain {
      // Money and mix apart: the optimum against the own plan at the same budget, and the
      // own plan at the new budget against the own plan.
      facts.append(["gain from the mix at equal budget (optimum − scaled own plan)", signed(mix, of: o.scaledPlanExpected)])
      if let money = o.moneyEffect { facts.append(["effect of the money (scaled − own plan)", signed(money, of: o.baselineExpected)]) }
      if let g = o.gainInterval {
        facts.append([
          "mix gain under parameter uncertainty (\(g.draws) draws)",
          "mean \(signed(g.mean, of: nil)), 90% interval \(signed(g.p5, of: nil)) to \(signed(g.p95, of: nil)); "
            + "optimum better in \(number(g.probabilityBetter * 100, decimals: 1))% of draws",
        ])
      } else if o.parameterUncertainty == "none" {
        facts.append(["mix gain under parameter uncertainty", "none (no fit given)"])
      }
    } else if let e = o.expected, let b = o.baselineExpected, b != 0 {
      facts.append(["change against the baseline", (e >= b ? "+" : "") + number((e - b) / Swift.abs(b) * 100, decimals: 1) + "%"])
    }
    if let t = o.target {
      let what = t.kind == "cpa" ? "target CPA \(money(t.value, decimals: 2))" : "target ROAS \(number(t.value, decimals: 2))"
      var text = t.met ? "met" : "cannot be met at any spend"
      if t.met, let average = t.average {
        text += t.kind == "cpa" ? "; average CPA \(money(average, decimals: 2))" : "; average ROAS \(number(average, decimals: 2))"
        if let marginal = t.marginal {
          text += t.kind == "cpa" ? ", marginal CPA \(money(marginal, decimals: 2))" : ", marginal ROAS \(number(marginal, decimals: 2))"
        }
      }
      facts.append([what, text])
    }
    if !facts.isEmpty { s += table(id: "optimization-summary", header: ["", ""], rows: facts) }
    let curves = o.responseCurves ?? [:]
    var items: [(name: String, colour: String, style: String)] = [("optimal allocation", "#1d2330", "dot")]
    if inputs.forecast != nil { items.append(("current spend", "#1d2330", "ring")) }
    items.append(("outside the bounds", "#5b6474", "band"))
    s += legend(items)
    s += "<div class=\"small-multiples\">\n"
    for (i, c) in channels.enumerated() {
      guard let raw = curves[c], !raw.isEmpty else { continue }
      let points = raw.filter { $0.spend.isFinite && $0.value.isFinite }.sorted { $0.spend < $1.spend }
      guard let first = points.first, let last = points.last else { continue }
      let base = first.value
      let colour = channelColour(c)
      let series = SVGChart.Series(
        name: c, colour: colour, points: points.map { ($0.spend, $0.value - base) },
        dash: Palette.dash(channelOrder.firstIndex(of: c) ?? i))
      var markers: [SVGChart.Marker] = []
      var notes: [String] = []
      if let spend = currentSpend(c) {
        if spend >= first.spend && spend <= last.spend, let value = Self.interpolate(raw, at: spend) {
          markers.append(
            .init(x: spend, y: value - base, colour: colour, label: "\(c): current spend \(money(spend))", shape: .ring))
        } else {
          notes.append("current spend \(money(spend)) is beyond the curve")
        }
      }
      // The optimum last, so that its dot shows inside the ring when the two coincide.
      if let spend = o.allocation?[c], let value = Self.interpolate(raw, at: spend) {
        markers.append(.init(x: spend, y: value - base, colour: colour, label: "\(c): optimum at \(money(spend))"))
      }
      var shades: [SVGChart.Shade] = []
      var rules: [SVGChart.Rule] = []
      // The chart spans the curve; a bound far beyond it (such as the whole budget) is named
      // in the caption instead of squeezing the curve into a corner.
      let xHigh = last.spend * 1.15
      if let b = o.bounds?[c], b.count == 2, b[0].isFinite, b[1].isFinite {
        let lo = Swift.min(Swift.max(first.spend, 0), b[0])
        if b[0] > lo {
          shades.append(.init(from: lo, to: b[0], label: "below the lower bound \(money(b[0]))"))
          rules.append(.init(x: b[0], label: "\(c): lower bound \(money(b[0]))"))
        }
        if b[1] <= xHigh {
          shades.append(.init(from: b[1], to: Swift.max(xHigh, b[1]) * 2, label: "above the upper bound \(money(b[1]))"))
          rules.append(.init(x: b[1], label: "\(c): upper bound \(money(b[1]))"))
        } else {
          notes.append("upper bound \(money(b[1])) is beyond the curve")
        }
      }
      let xRange = (Swift.min(first.spend, 0), Swift.min(xHigh, Swift.max(last.spend, o.bounds?[c]?.last ?? last.spend)))
      s += "<figure>\n<figcaption><span class=\"swatch box\" style=\"--c: \(colour)\"></span>\(HTML.escape(c))"
      if !notes.isEmpty { s += " <span class=\"caption-note\">(\(HTML.escape(notes.joined(separator: "; "))))</span>" }
      s += "</figcaption>\n"
      s += SVGChart.lines(
        id: "response-curve-\(i)", title: "Response curve of \(c): contribution to \(objective) against spend",
        description: "The channel's contribution to expected \(objective) against its spend, with its bounds, the optimum and the current spend.",
        series: [series], markers: markers, shades: shades, rules: rules, xLabel: moneyLabel(spendWord),
        yLabel: "\(objective) added", includeZero: true, xRange: xRange, width: 440, height: 260)
      s += "</figure>\n"
    }
    s += "</div>\n"
    let total = o.allocation?.values.reduce(0, +) ?? 0
    let rows = channels.map { c -> [String] in
      let allocation = o.allocation?[c]
      let share = allocation.flatMap { total > 0 ? $0 / total * 100 : nil }
      let bounds = o.bounds?[c].map { b in b.count == 2 ? money(b[0]) + " – " + money(b[1]) : b.map { money($0) }.joined(separator: ", ") } ?? "–"
      var row = [c]
      if inputs.forecast != nil { row.append(money(currentSpend(c))) }
      row += [money(allocation), share.map { number($0, decimals: 1) + "%" } ?? "–", bounds,
              Self.position(allocation, o.bounds?[c]), significant(o.marginal?[c].map { $0 * 1000 })]
      return row
    }
    var header = ["channel"]
    if inputs.forecast != nil { header.append("current") }
    header += ["allocation", "share", "bounds", "at", "marginal \(objective) \(perThousand)"]
    s += table(id: "marginal-table", caption: "Optimal allocation and marginal returns", header: header, rows: rows)
    s += "<p class=\"explain\">Marginal return: the extra \(HTML.escape(objective)) from the next \(HTML.escape(money(1000))) "
    s += "of the channel's spend at the optimum (the unit of <code>journey optimize</code>'s table). A channel held at a "
    s += "bound can have a marginal return above (upper bound) or below (lower bound) the common value of the interior "
    s += "channels.</p>\n"
    return s
  }

  /// With `--per-period`: the optimal spend of every channel in every period, stacked.
  func allocationSection() -> String {
    guard let o = inputs.optimization, let byPeriod = o.allocationByPeriod, !byPeriod.isEmpty else { return "" }
    let channels = channelOrder.filter(byPeriod.keys.contains)
    let periods = byPeriod.values.map(\.count).max() ?? 0
    let stacks = channels.map { c in (name: c, colour: channelColour(c), values: byPeriod[c] ?? []) }
    var s = "<p class=\"explain\">The optimal spend per \(HTML.escape(periodWord)), stacked by channel "
    s += "(journey optimize --per-period): each bar is one \(HTML.escape(periodWord))'s budget.</p>\n"
    s += legend(stacks.map { ($0.name, $0.colour, "box") })
    s += SVGChart.stackedBars(
      id: "allocation-per-period", title: "Optimal spend per \(periodWord) by channel",
      description: "Stacked bars: the optimal spend of each channel in each period.",
      categories: (0..<periods).map(String.init), stacks: stacks, xLabel: "\(periodWord) (0-based)",
      yLabel: moneyLabel("spend"))
    return s
  }

  /// Whether an allocation sits at its lower or upper bound, within 0.1% of the range.
  static func position(_ allocation: Double?, _ bounds: [Double]?) -> String {
    guard let allocation, let bounds, bounds.count == 2 else { return "–" }
    let tolerance = Swift.max(Swift.abs(bounds[1] - bounds[0]) * 1e-3, 1e-9)
    if Swift.abs(allocation - bounds[0]) <= tolerance { return "lower bound" }
    if Swift.abs(allocation - bounds[1]) <= tolerance { return "upper bound" }
    return "interior"
  }

  /// The curve's value at `x` by linear interpolation (clamped to the ends); `nil` for an
  /// empty curve.
  public static func interpolate(_ points: [OptimizationResult.CurvePoint], at x: Double) -> Double? {
    let sorted = points.filter { $0.spend.isFinite && $0.value.isFinite }.sorted { $0.spend < $1.spend }
    guard let first = sorted.first, let last = sorted.last else { return nil }
    if x <= first.spend { return first.value }
    if x >= last.spend { return last.value }
    for (a, b) in zip(sorted, sorted.dropFirst()) where x <= b.spend {
      let span = b.spend - a.spend
      return span == 0 ? b.value : a.value + (x - a.spend) / span * (b.value - a.value)
    }
    return last.value
  }
}
