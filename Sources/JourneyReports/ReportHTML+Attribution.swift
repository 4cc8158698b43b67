import Foundation
import JourneyFormats

/// Sections drawn from `attribution.json`: the model-based contribution with ROAS, the
/// path-based methods side by side, and their evaluation against the model's truth.
extension HTMLReport {
  /// Channels of the attribution file, in the order it lists them.
  var attributionChannels: [String] {
    guard let a = inputs.attribution else { return [] }
    var names: [String] = []
    let lists = [a.model?.channels.map(\.name), a.paths?.channels.map(\.name), a.evaluation?.channels.map(\.name)]
    for list in lists { for name in list ?? [] where !names.contains(name) { names.append(name) } }
    return names
  }

  /// Colours of the path-based methods (the same in the path and evaluation charts); the
  /// truth is drawn in black.
  static func methodColour(_ method: String) -> String {
    switch method {
    case "first_touch", "first touch": return Palette.colour(1)
    case "last_touch", "last touch": return Palette.colour(4)
    case "linear": return Palette.colour(2)
    case "true share": return Palette.colour(7)
    default:
      // Markov orders: blue, vermillion, reddish purple, then the rest of the palette.
      let order = Int(method.filter(\.isNumber).prefix(9)) ?? 1
      return [Palette.colour(0), Palette.colour(5), Palette.colour(3), Palette.colour(8)][Swift.max(order - 1, 0) % 4]
    }
  }

  /// `first_touch` → `first touch`, `markov_2` → `Markov order 2`.
  static func methodName(_ method: String) -> String {
    if method.hasPrefix("markov") {
      let order = method.filter(\.isNumber)
      return order.isEmpty ? "Markov" : "Markov order \(order)"
    }
    return method.replacingOccurrences(of: "_", with: " ")
  }

  /// A percentage with one decimal: `12.3%`.
  func percent(_ share: Double?) -> String {
    guard let share, share.isFinite else { return "–" }
    return NumberText.grouped(share * 100, decimals: 1) + "%"
  }

  /// `lower – upper` of a 95% interval.
  func range(_ r: AttributionFile.Range?, digits: Int = 4) -> String {
    guard let r else { return "–" }
    return significant(r.lower, digits: digits) + " – " + significant(r.upper, digits: digits)
  }

  // MARK: Model-based contribution

  func contributionSection() -> String {
    guard let m = inputs.attribution?.model else { return "" }
    let channels = m.channels
    let names = channels.map(\.name)
    let withIntervals = channels.contains { $0.intervals != nil }
    var s = "<p class=\"explain\">What each channel is worth in the model over \(NumberText.grouped(Double(m.horizon))) "
    s += "\(HTML.escape(plural(periodWord, m.horizon))), on the expected engine. <strong>Incremental</strong> is what is "
    s += "lost when the channel alone is switched off; <strong>Shapley</strong> splits the "
    s += "\(HTML.escape(number(m.conversions - m.baseConversions, decimals: 1))) conversions that all channels add together "
    s += "(\(HTML.escape(number(m.conversions, decimals: 1))) with every channel, \(HTML.escape(number(m.baseConversions, decimals: 1))) "
    s += "with none) fairly over the channels"
    s += m.shapleyMode == "sampled"
      ? ", here from \(NumberText.grouped(Double(m.permutations ?? 0))) random permutations (seed \(m.seed))." : ", over every subset."
    s += withIntervals
      ? " Whiskers are 95% intervals across \(NumberText.grouped(Double(m.draws))) parameter draws (\(HTML.escape(m.uncertainty)))."
      : " The file has no parameter draws, so there are no intervals (the expected engine has no Monte Carlo noise)."
    s += "</p>\n"
    s += legend([("Shapley", Palette.colour(0), "box"), ("incremental", Palette.colour(1), "box")])
    func interval(_ c: AttributionFile.ModelChannel, _ path: KeyPath<AttributionFile.ModelIntervals, AttributionFile.Range>)
      -> (lower: Double, upper: Double)?
    {
      c.intervals.map { ($0[keyPath: path].lower, $0[keyPath: path].upper) }
    }
    s += "<h3>Conversions per channel</h3>\n"
    s += SVGChart.intervalBars(
      id: "contribution-conversions", title: "Conversions due to each channel: Shapley and incremental",
      description: "Horizontal bars per channel: Shapley conversions and incremental (switch-off) conversions"
        + (withIntervals ? ", with 95% interval whiskers." : "."),
      categories: names,
      groups: [
        .init(
          name: "Shapley", colour: Palette.colour(0), values: channels.map(\.shapleyConversions),
          intervals: channels.map { interval($0, \.shapleyConversions) }),
        .init(
          name: "incremental", colour: Palette.colour(1), values: channels.map(\.incrementalConversions),
          intervals: channels.map { interval($0, \.incrementalConversions) }),
      ], xLabel: "conversions over the horizon", text: { self.significant($0) })
    s += "<h3>Revenue per channel</h3>\n"
    s += SVGChart.intervalBars(
      id: "contribution-revenue", title: "Revenue due to each channel: Shapley and incremental",
      description: "Horizontal bars per channel: Shapley revenue and incremental revenue"
        + (withIntervals ? ", with 95% interval whiskers." : "."),
      categories: names,
      groups: [
        .init(
          name: "Shapley", colour: Palette.colour(0), values: channels.map(\.shapleyRevenue),
          intervals: channels.map { interval($0, \.shapleyRevenue) }),
        .init(
          name: "incremental", colour: Palette.colour(1), values: channels.map(\.incrementalRevenue),
          intervals: channels.map { interval($0, \.incrementalRevenue) }),
      ], xLabel: "revenue over the horizon", text: { self.significant($0) })
    let paid = channels.filter { $0.roas != nil || $0.marginalRoas != nil }
    if !paid.isEmpty {
      s += "<h3>Return on ad spend</h3>\n"
      s += "<p class=\"explain\"><strong>ROAS</strong> is Shapley revenue over spend; <strong>marginal ROAS</strong> is the "
      s += "revenue of one more unit of spend at the current plan (central difference, step \(HTML.escape(significant(m.marginalStep, digits: 2)))). "
      s += "The dashed line marks break-even (1). Organic channels have no spend and no ROAS.</p>\n"
      s += legend([("ROAS", Palette.colour(2), "box"), ("marginal ROAS", Palette.colour(5), "box")])
      s += SVGChart.intervalBars(
        id: "contribution-roas", title: "ROAS and marginal ROAS per paid channel",
        description: "Horizontal bars per paid channel: ROAS and marginal ROAS"
          + (withIntervals ? " with 95% interval whiskers" : "") + "; a dashed line at 1 marks break-even.",
        categories: paid.map(\.name),
        groups: [
          .init(
            name: "ROAS", colour: Palette.colour(2), values: paid.map(\.roas),
            intervals: paid.map { c in c.intervals?.roas.map { ($0.lower, $0.upper) } }),
          .init(
            name: "marginal ROAS", colour: Palette.colour(5), values: paid.map(\.marginalRoas),
            intervals: paid.map { c in c.intervals?.marginalRoas.map { ($0.lower, $0.upper) } }),
        ], xLabel: "revenue per unit of spend", reference: (1, "break-even: ROAS 1"),
        text: { self.significant($0, digits: 3) })
    }
    // Interval columns only when the file has draws, so that the table fits the page.
    let rows = channels.map { c -> [String] in
      var shapley = significant(c.shapleyConversions)
      if let se = c.shapleyConversionsSe { shapley += " ± " + significant(se, digits: 2) }
      var row = [c.name, c.kind, money(c.spend), significant(c.incrementalConversions), shapley]
      if withIntervals { row.append(range(c.intervals?.shapleyConversions)) }
      row.append(significant(c.shapleyRevenue))
      if withIntervals { row.append(range(c.intervals?.shapleyRevenue)) }
      row.append(significant(c.roas, digits: 3))
      if withIntervals { row.append(range(c.intervals?.roas, digits: 3)) }
      row += [money(c.cpa, decimals: 2), significant(c.marginalRoas, digits: 3)]
      if withIntervals { row.append(range(c.intervals?.marginalRoas, digits: 3)) }
      row.append(money(c.marginalCpa, decimals: 2))
      return row
    }
    var header = ["channel", "kind", "spend", "incremental conversions", "Shapley conversions"]
    if withIntervals { header.append("95% interval") }
    header.append("Shapley revenue")
    if withIntervals { header.append("95% interval") }
    header.append("ROAS")
    if withIntervals { header.append("95% interval") }
    header += ["CPA", "marginal ROAS"]
    if withIntervals { header.append("95% interval") }
    header.append("marginal CPA")
    s += table(id: "contribution-table", caption: "Contribution per channel", header: header, rows: rows)
    return s
  }

  // MARK: Path-based attribution

  func pathAttributionSection() -> String {
    guard let p = inputs.attribution?.paths else { return "" }
    let channels = p.channels
    let withIntervals = channels.contains { $0.markovInterval != nil }
    let markov = "markov_\(p.order)"
    var s = "<p class=\"explain\">Conversions credited to each channel by the path-based methods, from "
    s += "\(NumberText.grouped(Double(p.paths))) distinct paths with \(HTML.escape(number(p.conversions))) conversions and "
    s += "\(HTML.escape(number(p.nulls))) paths without one. Markov is the exact order-\(p.order) chain "
    s += "(\(NumberText.grouped(Double(p.states))) states, P(conversion) \(HTML.escape(significant(p.conversionProbability)))) "
    s += "with credit in proportion to each channel's removal effect"
    s += p.collapsedRepeats ? "; consecutive repeats of a channel count as one touch" : "; repeats of a channel are kept"
    s += withIntervals
      ? ". Whiskers are 95% bootstrap intervals over \(NumberText.grouped(Double(p.bootstrap))) replicates (seed \(p.seed))."
      : "."
    s += " These methods measure association along the paths, not what a channel causes.</p>\n"
    let methods = ["first_touch", "last_touch", "linear", markov]
    s += legend(methods.map { (Self.methodName($0), Self.methodColour($0), "box") })
    s += SVGChart.intervalBars(
      id: "path-attribution-chart", title: "Conversions per channel by first touch, last touch, linear and Markov",
      description: "Grouped horizontal bars: for each channel the conversions credited by each path-based method"
        + (withIntervals ? ", Markov with 95% bootstrap whiskers." : "."),
      categories: channels.map(\.name),
      groups: [
        .init(name: "first touch", colour: Self.methodColour("first_touch"), values: channels.map(\.firstTouch)),
        .init(name: "last touch", colour: Self.methodColour("last_touch"), values: channels.map(\.lastTouch)),
        .init(name: "linear", colour: Self.methodColour("linear"), values: channels.map(\.linear)),
        .init(
          name: Self.methodName(markov), colour: Self.methodColour(markov), values: channels.map(\.markov),
          intervals: channels.map { c in c.markovInterval.map { ($0.lower, $0.upper) } }),
      ], xLabel: "conversions credited", text: { self.significant($0) })
    let total = p.conversions
    let rows = channels.map { c -> [String] in
      var row = [c.name, significant(c.firstTouch), significant(c.lastTouch), significant(c.linear), significant(c.markov)]
      if withIntervals { row.append(range(c.markovInterval)) }
      row += [percent(total > 0 ? c.markov / total : nil), significant(c.removalEffect, digits: 3), significant(c.markovValue)]
      if withIntervals { row.append(range(c.markovValueInterval)) }
      return row
    }
    var header = ["channel", "first touch", "last touch", "linear", Self.methodName(markov)]
    if withIntervals { header.append("95% interval") }
    header += ["Markov share", "removal effect", "Markov value"]
    if withIntervals { header.append("95% interval") }
    s += table(id: "path-attribution-table", caption: "Path-based attribution per channel", header: header, rows: rows)
    return s
  }

  // MARK: Evaluation against the truth

  func attributionEvaluationSection() -> String {
    guard let e = inputs.attribution?.evaluation else { return "" }
    let channels = e.channels
    var s = "<p class=\"explain\">Each path-based method's share of the conversions per channel beside the "
    s += "<strong>true share</strong>: the channel's Shapley share of the model's conversions on the expected engine. "
    s += "The paths come from \(NumberText.grouped(Double(e.customers))) simulated customers "
    s += "(\(NumberText.grouped(Double(e.journeys))) paths). The error is share − true share.</p>\n"
    let keys = ["true share"] + e.methods
    s += legend(keys.map { (Self.methodName($0), Self.methodColour($0), "box") })
    var groups: [SVGChart.IntervalGroup] = [
      .init(name: "true share", colour: Self.methodColour("true share"), values: channels.map { $0.trueShare * 100 })
    ]
    for (k, method) in e.methods.enumerated() {
      groups.append(
        .init(
          name: Self.methodName(method), colour: Self.methodColour(method),
          values: channels.map { k < $0.shares.count ? $0.shares[k] * 100 : nil }))
    }
    s += SVGChart.intervalBars(
      id: "evaluation-shares", title: "Share of conversions per channel: each method against the true share",
      description: "Grouped horizontal bars: for each channel the true (Shapley) share first, in black, then each path-based method's share.",
      categories: channels.map(\.name), groups: groups, xLabel: "share of conversions (%)",
      text: { NumberText.grouped($0, decimals: 1) + "%" })
    if !e.meanAbsoluteError.isEmpty {
      s += "<h3>Mean absolute error per method</h3>\n"
      s += SVGChart.intervalBars(
        id: "evaluation-error", title: "Mean absolute share error per method",
        description: "Horizontal bars: each path-based method's mean absolute difference from the true shares, in percentage points.",
        categories: e.methods.map(Self.methodName),
        groups: [.init(name: "mean absolute error", colour: Palette.colour(9), values: e.meanAbsoluteError.map { $0 * 100 })],
        xLabel: "mean absolute error (percentage points)", text: { NumberText.grouped($0, decimals: 1) })
    }
    var rows = channels.map { c -> [String] in
      var row = [c.name, percent(c.trueShare)]
      for k in e.methods.indices {
        let share = k < c.shares.count ? c.shares[k] : nil
        let error = k < c.errors.count ? c.errors[k] : nil
        row.append(percent(share) + " (" + signedPoints(error) + ")")
      }
      return row
    }
    rows.append(["mean absolute error", ""] + e.methods.indices.map { k in
      k < e.meanAbsoluteError.count ? NumberText.grouped(e.meanAbsoluteError[k] * 100, decimals: 1) + " pp" : "–"
    })
    s += table(
      id: "evaluation-table", caption: "Share per method (error against the true share, percentage points)",
      header: ["channel", "true share"] + e.methods.map(Self.methodName), rows: rows)
    return s
  }

  /// An error in percentage points with its sign: `+1.2 pp`, `−0.4 pp`.
  func signedPoints(_ x: Double?) -> String {
    guard let x, x.isFinite else { return "–" }
    let points = NumberText.grouped(Swift.abs(x) * 100, decimals: 1)
    if points == "0.0" { return "0.0 pp" }
    return (x > 0 ? "+" : "−") + points + " pp"
  }
}
