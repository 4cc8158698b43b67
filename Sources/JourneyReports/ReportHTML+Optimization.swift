import Foundation

/// The section drawn from `optimize.json`: response curves, the optimum and marginal returns.
extension HTMLReport {
  func responseCurvesSection() -> String {
    guard let o = inputs.optimization else { return "" }
    let channels = channelOrder.filter(Set(o.channelNames).contains)
    let objective = o.objective ?? "value"
    let spendWord = o.perPeriod == true ? "spend per \(periodWord)" : "spend over the horizon"
    var s = "<p class=\"explain\">Expected \(HTML.escape(objective)) as a function of each channel's "
    s += "\(HTML.escape(spendWord)), the other channels held at the optimum. Dots mark the optimal allocation; "
    s += "at an interior optimum the marginal returns are equal across channels.</p>\n"
    var facts: [[String]] = []
    if let total = o.total { facts.append(["budget", number(total)]) }
    if let e = o.expected { facts.append(["expected \(objective) at the optimum", number(e)]) }
    if let b = o.baselineExpected { facts.append(["expected \(objective) of the baseline", number(b)]) }
    if let e = o.expected, let b = o.baselineExpected, b != 0 {
      facts.append(["change against the baseline", (e >= b ? "+" : "") + number((e - b) / Swift.abs(b) * 100, decimals: 1) + "%"])
    }
    if !facts.isEmpty { s += table(id: "optimization-summary", header: ["", ""], rows: facts) }
    let curves = o.responseCurves ?? [:]
    let series = channels.compactMap { c -> SVGChart.Series? in
      guard let points = curves[c], !points.isEmpty else { return nil }
      return .init(name: c, colour: channelColour(c), points: points.sorted { $0.spend < $1.spend }.map { ($0.spend, $0.value) })
    }
    let markers = channels.compactMap { c -> SVGChart.Marker? in
      guard let spend = o.allocation?[c], let points = curves[c], let value = Self.interpolate(points, at: spend) else {
        return nil
      }
      return .init(x: spend, y: value, colour: channelColour(c), label: "\(c): optimum at \(NumberText.grouped(spend))")
    }
    if !series.isEmpty {
      s += legend(series.map { ($0.name, $0.colour, "line") } + [("optimal allocation", "#555", "dot")])
      s += SVGChart.lines(
        id: "response-curves-chart", title: "Response curve per channel with the optimal allocation",
        description: "One line per channel: expected \(objective) against spend; a dot marks the optimum.",
        series: series, markers: markers, xLabel: spendWord, yLabel: "expected \(objective)", height: 360)
    }
    let total = o.allocation?.values.reduce(0, +) ?? 0
    let rows = channels.map { c -> [String] in
      let allocation = o.allocation?[c]
      let share = allocation.flatMap { total > 0 ? $0 / total * 100 : nil }
      let bounds = o.bounds?[c].map { b in b.count == 2 ? number(b[0]) + " – " + number(b[1]) : b.map { number($0) }.joined(separator: ", ") } ?? "–"
      return [c, number(allocation), share.map { number($0, decimals: 1) + "%" } ?? "–", bounds, significant(o.marginal?[c])]
    }
    s += table(
      id: "marginal-table", caption: "Optimal allocation and marginal returns",
      header: ["channel", "allocation", "share", "bounds", "marginal \(objective) per unit spend"], rows: rows)
    return s
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
