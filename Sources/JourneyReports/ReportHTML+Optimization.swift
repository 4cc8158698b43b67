import Foundation
import JourneyFormats

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
      return [c, number(allocation), share.map { number($0, decimals: 1) + "%" } ?? "–", bounds,
              Self.position(allocation, o.bounds?[c]), significant(o.marginal?[c])]
    }
    s += table(
      id: "marginal-table", caption: "Optimal allocation and marginal returns",
      header: ["channel", "allocation", "share", "bounds", "at", "marginal \(objective) per unit spend"], rows: rows)
    s += "<p class=\"explain\">A channel held at a bound can have a marginal return above (upper bound) or "
    s += "below (lower bound) the common value of the interior channels.</p>\n"
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
