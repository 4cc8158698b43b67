import Foundation
import JourneyFormats

/// A self-contained HTML page with inline SVG charts, rendered from the result files of
/// `journey simulate`, `journey forecast`, `journey optimize` and `journey attribute`.
///
/// The page needs no scripts, fonts, images or network. Every string that comes from a
/// user's file is escaped, and equal inputs give equal bytes (no timestamps, no
/// dictionary order).
///
/// ```swift
/// let inputs = try ReportInputs.load(directory: "results/b2c-webshop")
/// try AtomicFile.write(HTMLReport(inputs: inputs).render(), to: "results/b2c-webshop/report.html")
/// ```
public struct HTMLReport: Sendable {
  public var inputs: ReportInputs

  public init(inputs: ReportInputs) {
    self.inputs = inputs
  }

  /// Section identifiers, in page order; each present section is an `<section id=…>`.
  public enum Section: String, CaseIterable, Sendable {
    case totals, funnel, conversions, fan, increment, comparison
    case responseCurves = "response-curves"
    case allocation
    case spend, analytics
    case contribution
    case pathAttribution = "path-attribution"
    case attributionEvaluation = "attribution-evaluation"
    case fitSummary = "fit-summary"
    case effects, calibration, reach

    var heading: String {
      switch self {
      case .totals: return "Totals"
      case .funnel: return "Funnel"
      case .conversions: return "Conversions per period"
      case .fan: return "Forecast fan charts"
      case .increment: return "Increment against the baseline per period"
      case .comparison: return "Scenario comparison"
      case .responseCurves: return "Response curves and optimal allocation"
      case .allocation: return "Optimal allocation per period"
      case .spend: return "Spend per channel"
      case .analytics: return "Absorbing-chain analytics"
      case .contribution: return "Channel contribution"
      case .pathAttribution: return "Path-based attribution"
      case .attributionEvaluation: return "Attribution against the truth"
      case .fitSummary: return "Fit diagnostics and warnings"
      case .effects: return "Channel effects"
      case .calibration: return "Calibration"
      case .reach: return "Reach curves and adstock"
      }
    }
  }

  /// The page's sections that the inputs allow, in order.
  public var sections: [Section] {
    var list: [Section] = []
    let sim = inputs.simulation
    let forecast = inputs.forecast
    if sim?.totals != nil { list.append(.totals) }
    if sim != nil || forecast != nil { list.append(.funnel) }
    if sim?.periods?.isEmpty == false { list.append(.conversions) }
    if forecast != nil {
      list.append(.fan)
      if (forecast?.plans?.count ?? 0) > 1 { list.append(.increment) }
      list.append(.comparison)
    }
    if inputs.optimization != nil { list.append(.responseCurves) }
    if inputs.optimization?.allocationByPeriod?.isEmpty == false { list.append(.allocation) }
    if sim?.periods?.isEmpty == false || forecast?.plans?.contains(where: { $0.spendByChannel != nil }) == true {
      list.append(.spend)
    }
    if sim?.analytics?.segments?.isEmpty == false { list.append(.analytics) }
    if inputs.attribution?.model != nil { list.append(.contribution) }
    if inputs.attribution?.paths != nil { list.append(.pathAttribution) }
    if inputs.attribution?.evaluation != nil { list.append(.attributionEvaluation) }
    if let fit = inputs.fit {
      list.append(.fitSummary)
      if fit.parameters.contains(where: { $0.kind == .effect }) { list.append(.effects) }
      if !fit.diagnostics.calibration.isEmpty { list.append(.calibration) }
      if !fit.reach.isEmpty { list.append(.reach) }
    }
    return list
  }

  /// The whole page.
  public func render() -> String {
    var page = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(HTML.escape("JourneyKit report: " + scenarioName))</title>
      <style>
      \(Self.css)</style>
      </head>
      <body>

      """
    page += header()
    let present = sections
    page += "<nav><ul>\n"
    for section in present {
      page += "<li><a href=\"#\(section.rawValue)\">\(HTML.escape(section.heading))</a></li>\n"
    }
    page += "</ul></nav>\n<main>\n"
    for section in present {
      page += "<section id=\"\(section.rawValue)\">\n<h2>\(HTML.escape(section.heading))</h2>\n"
      page += body(of: section)
      page += "</section>\n"
    }
    page += """
      </main>
      <footer>Written by <code>journey report</code> from \(HTML.escape(inputs.sourceFiles.joined(separator: ", "))). \
      The page is self-contained: it loads no scripts, fonts or images.</footer>
      </body>
      </html>

      """
    return page
  }

  func body(of section: Section) -> String {
    switch section {
    case .totals: return totalsSection()
    case .funnel: return funnelSection()
    case .conversions: return conversionsSection()
    case .fan: return fanSection()
    case .increment: return incrementSection()
    case .comparison: return comparisonSection()
    case .responseCurves: return responseCurvesSection()
    case .allocation: return allocationSection()
    case .spend: return spendSection()
    case .analytics: return analyticsSection()
    case .contribution: return contributionSection()
    case .pathAttribution: return pathAttributionSection()
    case .attributionEvaluation: return attributionEvaluationSection()
    case .fitSummary: return fitSummarySection()
    case .effects: return effectsSection()
    case .calibration: return calibrationSection()
    case .reach: return reachSection()
    }
  }

  // MARK: Header

  /// The scenario's name from the first file that has one.
  var scenarioName: String {
    inputs.simulation?.scenario ?? inputs.forecast?.scenario ?? inputs.optimization?.scenario
      ?? inputs.attribution?.model?.scenario ?? (inputs.fit != nil ? "fitted model" : "unnamed scenario")
  }

  /// The period word (`week`) from the first file that has one.
  var periodWord: String {
    inputs.simulation?.period ?? inputs.forecast?.period ?? "period"
  }

  func header() -> String {
    var rows: [(String, String)] = []
    let names = [
      (ReportInputs.simulationFile, inputs.simulation?.scenario),
      (ReportInputs.forecastFile, inputs.forecast?.scenario),
      (ReportInputs.optimizationFile, inputs.optimization?.scenario),
      (ReportInputs.attributionFile, inputs.attribution?.model?.scenario),
    ].compactMap { file, name in name.map { (file, $0) } }
    if Set(names.map(\.1)).count > 1 {
      for (file, name) in names { rows.append(("scenario (\(file))", name)) }
    }
    if let horizon = inputs.simulation?.horizon ?? inputs.forecast?.horizon {
      rows.append(("horizon", "\(NumberText.grouped(Double(horizon))) \(plural(periodWord, horizon))"))
    } else if let period = inputs.simulation?.period ?? inputs.forecast?.period {
      rows.append(("period", period))
    }
    if let s = inputs.simulation {
      var parts: [String] = []
      if let engine = s.engine { parts.append("\(engine) engine") }
      if let seed = s.seed { parts.append("seed \(seed)") }
      if let population = s.population { parts.append("\(NumberText.grouped(population)) customers at start") }
      rows.append(("simulation", parts.isEmpty ? "yes" : parts.joined(separator: ", ")))
    }
    if let f = inputs.forecast {
      var parts: [String] = []
      if let model = f.model { parts.append("\(model) model") }
      if let seed = f.seed { parts.append("seed \(seed)") }
      if let replicates = f.replicates { parts.append("\(NumberText.grouped(Double(replicates))) \(plural("replicate", replicates))") }
      if let u = f.parameterUncertainty { parts.append(u ? "with parameter uncertainty" : "without parameter uncertainty") }
      rows.append(("forecast", parts.isEmpty ? "yes" : parts.joined(separator: ", ")))
      if let state = f.startState {
        let word = f.period ?? "period"
        var start = "\(word) \(f.startPeriod ?? state.forecastStart ?? state.period) of the calendar, continuing the history"
        if let history = f.startHistory { start += " of \(history)" }
        if let first = f.startPeriod, first > state.period {
          let w = first - state.period
          start += " from its state at the start of \(word) \(state.period) (\(w) \(plural(word, w)) simulated again as warm-up)"
        }
        rows.append(("forecast start", start))
      }
    }
    if let o = inputs.optimization {
      var parts: [String] = []
      if let objective = o.objective { parts.append("maximise \(objective)") }
      if let total = o.total { parts.append("total budget \(money(total))") }
      if let perPeriod = o.perPeriod { parts.append(perPeriod ? "allocated per period" : "allocated over the horizon") }
      rows.append(("optimization", parts.isEmpty ? "yes" : parts.joined(separator: ", ")))
    }
    if let a = inputs.attribution {
      var parts: [String] = []
      if let m = a.model {
        parts.append("model-based over \(NumberText.grouped(Double(m.horizon))) \(plural(periodWord, m.horizon)) (\(m.shapleyMode) Shapley)")
      }
      if let p = a.paths { parts.append("order-\(p.order) Markov on \(NumberText.grouped(Double(p.paths))) \(plural("path", p.paths))") }
      if a.evaluation != nil { parts.append("evaluated against the model's truth") }
      parts.append("source \(a.source)")
      rows.append(("attribution", parts.joined(separator: ", ")))
    }
    if let fit = inputs.fit {
      let d = fit.diagnostics
      var parts = [
        "\(NumberText.grouped(Double(d.transitions))) \(plural("transition", d.transitions))",
        "\(NumberText.grouped(Double(d.parameters))) \(plural("parameter", d.parameters))",
      ]
      if d.holdoutTransitions > 0 { parts.append("\(NumberText.grouped(Double(d.holdoutTransitions))) held out") }
      if !fit.warnings.isEmpty { parts.append("\(fit.warnings.count) \(plural("warning", fit.warnings.count))") }
      rows.append(("fit", parts.joined(separator: ", ")))
    }
    if let currency = inputs.currency { rows.append(("currency", currency)) }
    let sources = inputs.sourceFiles.map { file -> String in
      switch file {
      case ReportInputs.simulationFile: return "\(file) (journey simulate)"
      case ReportInputs.forecastFile: return "\(file) (journey forecast)"
      case ReportInputs.attributionFile: return "\(file) (journey attribute)"
      case ReportInputs.fitFile: return "\(file) (journey fit)"
      default: return "\(file) (journey optimize)"
      }
    }
    rows.append(("from", sources.joined(separator: ", ")))
    var s = "<header id=\"header\">\n<h1>\(HTML.escape(scenarioName))</h1>\n<dl class=\"meta\">\n"
    for (key, value) in rows {
      s += "<dt>\(HTML.escape(key))</dt><dd>\(HTML.escape(value))</dd>\n"
    }
    s += "</dl>\n"
    for note in relation.notes {
      s += "<p class=\"note\" id=\"relation-note\">\(HTML.escape(note))</p>\n"
    }
    if let f = inputs.forecast {
      if f.parameterUncertainty == false {
        let note = f.note.map { " " + $0 } ?? ""
        s += "<p class=\"note\" id=\"uncertainty-note\"><strong>Parameter uncertainty is absent:</strong> "
        s += "the forecast intervals show Monte Carlo noise only, so they are narrower than the real uncertainty."
        s += HTML.escape(note) + "</p>\n"
      } else if let note = f.note, !note.isEmpty {
        s += "<p class=\"note\" id=\"forecast-note\">\(HTML.escape(note))</p>\n"
      }
    }
    return s + "</header>\n"
  }

  // MARK: Helpers

  /// How the input files relate (empty notes for files built in code that do not relate).
  var relation: ReportInputs.Relation {
    (try? inputs.checkRelated()) ?? ReportInputs.Relation()
  }

  /// A money figure with the currency's symbol (`€1,250`, `CHF 1,250`), or a plain grouped
  /// number when the files name no currency; `–` when absent or not finite.
  func money(_ x: Double?, decimals: Int = 0) -> String {
    guard let x, x.isFinite else { return "–" }
    let digits = NumberText.grouped(Swift.abs(x), decimals: decimals)
    let sign = x < 0 && digits.contains(where: { $0 != "0" && $0 != "." && $0 != "," }) ? "−" : ""
    guard let currency = inputs.currency else { return sign + digits }
    if let symbol = Self.currencySymbols[currency] { return sign + symbol + digits }
    return sign + currency + "\u{00A0}" + digits
  }

  /// `spend` → `spend (EUR)`: an axis or column label of money figures.
  func moneyLabel(_ label: String) -> String {
    inputs.currency.map { "\(label) (\($0))" } ?? label
  }

  /// `per 1,000` of spend: `per €1,000`, or `per 1,000 of spend` without a currency.
  var perThousand: String {
    inputs.currency == nil ? "per 1,000 of spend" : "per \(money(1000))"
  }

  /// Symbols written before the amount; other currencies are written as their code.
  static let currencySymbols = ["EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥", "KRW": "₩"]

  func plural(_ word: String, _ n: Int) -> String { n == 1 ? word : word + "s" }

  /// A grouped number, `–` when absent or not finite.
  func number(_ x: Double?, decimals: Int = 0) -> String {
    guard let x, x.isFinite else { return "–" }
    return NumberText.grouped(x, decimals: decimals)
  }

  /// About `digits` significant digits, grouped: `0.01234`, `12.35`, `12,346`.
  func significant(_ x: Double?, digits: Int = 4) -> String {
    guard let x, x.isFinite else { return "–" }
    guard x != 0 else { return "0" }
    let magnitude = Int(floor(log10(Swift.abs(x))))
    return NumberText.grouped(x, decimals: Swift.min(8, Swift.max(0, digits - 1 - magnitude)))
  }

  /// `P5 – P95` of an interval.
  func range(_ interval: Interval?, decimals: Int = 0) -> String {
    guard let lo = interval?.p5, let hi = interval?.p95 else { return "–" }
    return number(lo, decimals: decimals) + " – " + number(hi, decimals: decimals)
  }

  /// A table; the first column is text, the others numbers (right-aligned). Cells are escaped.
  func table(id: String? = nil, caption: String? = nil, header: [String], rows: [[String]]) -> String {
    var s = "<table class=\"data\"" + (id.map { " id=\"\($0)\"" } ?? "") + ">\n"
    if let caption { s += "<caption>\(HTML.escape(caption))</caption>\n" }
    s += "<thead><tr>" + header.enumerated().map { i, h in
      "<th scope=\"col\"\(i == 0 ? "" : " class=\"num\"")>\(HTML.escape(h))</th>"
    }.joined() + "</tr></thead>\n<tbody>\n"
    for row in rows {
      s += "<tr>" + row.enumerated().map { i, cell in
        i == 0 ? "<th scope=\"row\">\(HTML.escape(cell))</th>" : "<td class=\"num\">\(HTML.escape(cell))</td>"
      }.joined() + "</tr>\n"
    }
    return s + "</tbody>\n</table>\n"
  }

  /// A colour key; `style` is `line`, `dashed` or `band`.
  func legend(_ items: [(name: String, colour: String, style: String)]) -> String {
    var s = "<ul class=\"legend\">\n"
    for item in items {
      s += "<li><span class=\"swatch \(item.style)\" style=\"--c: \(item.colour)\"></span>\(HTML.escape(item.name))</li>\n"
    }
    return s + "</ul>\n"
  }

  /// Every channel named in any input: declared order first, then the others sorted.
  var channelOrder: [String] {
    var found: [String] = inputs.forecast?.channels ?? []
    found += inputs.optimization?.channelNames ?? []
    found += attributionChannels
    found += inputs.fit?.channels ?? []
    return ordered(inputs.simulation?.channels ?? inputs.forecast?.channels ?? inputs.fit?.channels, found)
  }

  /// One colour per channel, the same in every chart of the page.
  func channelColour(_ channel: String) -> String {
    Palette.colour(channelOrder.firstIndex(of: channel) ?? 0)
  }

  /// Names in the declared order, then any others found in the data, sorted.
  func ordered(_ declared: [String]?, _ found: some Sequence<String>) -> [String] {
    var names: [String] = []
    for name in declared ?? [] where !names.contains(name) { names.append(name) }
    names += Set(found).subtracting(names).sorted()
    return names
  }

  static let css = """
    :root { color-scheme: light; --ink: #1d2330; --muted: #5b6474; --rule: #d8dce3; --panel: #f6f7f9; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", sans-serif; color: var(--ink); background: #fff; }
    header, nav, main, footer { max-width: 960px; margin: 0 auto; padding: 0 24px; }
    header { padding-top: 24px; }
    h1 { font-size: 26px; margin: 0 0 8px; }
    h2 { font-size: 20px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
    h3 { font-size: 16px; margin: 20px 0 6px; }
    dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 12px; }
    dl.meta dt { color: var(--muted); }
    dl.meta dd { margin: 0; }
    nav ul { list-style: none; padding: 8px 0; margin: 0; display: flex; flex-wrap: wrap; gap: 4px 16px; border-top: 1px solid var(--rule); border-bottom: 1px solid var(--rule); }
    nav a { color: #0b5cad; text-decoration: none; }
    .note { background: #fff6dd; border-left: 4px solid #e0a800; padding: 8px 12px; margin: 12px 0; }
    .explain { color: var(--muted); margin: 4px 0 8px; }
    svg.chart { display: block; max-width: 100%; height: auto; margin: 8px 0; font-family: inherit; }
    svg .grid { stroke: #e6e9ee; stroke-width: 1; }
    svg .zero { stroke: #7a8290; stroke-width: 1; }
    svg .axis, svg .tickmark { stroke: #7a8290; stroke-width: 1; }
    svg .tick { font-size: 11px; fill: var(--muted); }
    svg .label { font-size: 12px; fill: var(--ink); }
    svg .category { font-size: 12px; fill: var(--ink); }
    svg .value { font-size: 11px; fill: var(--ink); }
    .small-multiples { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px 24px; }
    .small-multiples figure { margin: 0; }
    figcaption { font-weight: 600; font-size: 14px; }
    ul.legend { list-style: none; padding: 0; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 13px; }
    .swatch { display: inline-block; width: 22px; height: 10px; margin-right: 6px; vertical-align: middle; }
    .swatch.line { height: 3px; background: var(--c); }
    .swatch.dashed { height: 0; border-top: 3px dashed var(--c); }
    .swatch.band { background: var(--c); opacity: 0.35; }
    .swatch.box { background: var(--c); }
    .swatch.dot { width: 10px; height: 10px; border-radius: 50%; background: var(--c); }
    .swatch.ring { width: 11px; height: 11px; border-radius: 50%; border: 2.5px solid var(--c); background: #fff; }
    figcaption .swatch { width: 12px; height: 12px; }
    .caption-note { font-weight: normal; color: var(--muted); font-size: 13px; }
    svg .zero { stroke: #1d2330; stroke-width: 1.2; }
    div.note ul { margin: 4px 0 0; padding-left: 20px; }
    table.data { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
    table.data caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
    table.data th, table.data td { padding: 3px 10px; border-bottom: 1px solid var(--rule); }
    table.data thead th { border-bottom: 2px solid #aab1bd; text-align: left; }
    table.data tbody th { text-align: left; font-weight: normal; }
    table.data .num { text-align: right; font-variant-numeric: tabular-nums; }
    table.data td.num { white-space: nowrap; }
    footer { color: var(--muted); font-size: 13px; padding: 32px 24px; }

    """
}
