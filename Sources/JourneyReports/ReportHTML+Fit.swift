import Foundation
import JourneyFormats

/// Sections drawn from `fit.json`: diagnostics and warnings, the channel effects as a
/// forest plot, the calibration plot, and the reach curves and adstock decay.
extension HTMLReport {
  func fitSummarySection() -> String {
    guard let fit = inputs.fit else { return "" }
    let d = fit.diagnostics
    var s = ""
    if fit.warnings.isEmpty {
      s += "<p class=\"explain\" id=\"fit-warnings\">The fit gave no warnings.</p>\n"
    } else {
      s += "<div class=\"note\" id=\"fit-warnings\"><strong>\(fit.warnings.count) \(plural("warning", fit.warnings.count)) "
      s += "from the fit:</strong>\n<ul>\n"
      for w in fit.warnings { s += "<li>\(HTML.escape(w))</li>\n" }
      s += "</ul></div>\n"
    }
    var rows: [[String]] = [
      ["transitions fitted", number(Double(d.transitions))],
      ["parameters", number(Double(d.parameters))],
      ["log-likelihood", number(d.logLikelihood, decimals: 1)],
      ["AIC", number(d.aic, decimals: 1)],
      ["BIC", number(d.bic, decimals: 1)],
      ["ridge", significant(d.ridge)],
      ["held-out transitions", number(Double(d.holdoutTransitions))],
    ]
    if let loss = d.holdoutLogLoss { rows.append(["held-out log loss per transition", significant(loss)]) }
    let unconverged = fit.origins.filter { !$0.converged }.map { $0.origin + ($0.segment.map { " (\($0))" } ?? "") }
    rows.append(["origins not converged", unconverged.isEmpty ? "none" : unconverged.joined(separator: ", ")])
    s += table(id: "fit-table", header: ["", ""], rows: rows)
    return s
  }

  /// The channel effects `β` (log-odds lifts) with their 95% intervals, one row each.
  func effectsSection() -> String {
    guard let fit = inputs.fit else { return "" }
    let channels = ordered(fit.channels, fit.parameters.compactMap(\.channel))
    let effects = fit.parameters.filter { $0.kind == .effect }.sorted {
      let a = channels.firstIndex(of: $0.channel ?? "") ?? 0
      let b = channels.firstIndex(of: $1.channel ?? "") ?? 0
      return a != b ? a < b : ($0.origin, $0.target, $0.segment ?? "") < ($1.origin, $1.target, $1.segment ?? "")
    }
    var s = "<p class=\"explain\">Each channel's effect on a transition as a log-odds lift β: exposure multiplies the odds "
    s += "of moving from the origin to the target phase by e<sup>β</sup> (β = 0.69 doubles them). Dots are estimates, "
    s += "whiskers 95% confidence intervals; an interval that crosses the vertical line at 0 is not distinguishable "
    s += "from no effect.</p>\n"
    let rows = effects.map { p -> (label: String, colour: String, center: Double?, lo: Double?, hi: Double?) in
      var label = "\(p.channel ?? "?"): \(p.origin) → \(p.target)"
      if let segment = p.segment { label += " (\(segment))" }
      return (label, p.channel.map(channelColour) ?? Palette.reference, p.estimate, p.low, p.high)
    }
    s += legend(channels.filter { c in effects.contains { $0.channel == c } }.map { ($0, channelColour($0), "dot") })
    s += SVGChart.dotWhisker(
      id: "effects-forest", title: "Channel effects (log-odds lifts) with 95% intervals",
      description: "Forest plot: one row per channel and transition, the estimated log-odds lift and its 95% confidence interval; the vertical line marks 0.",
      rows: rows, xLabel: "log-odds lift β (0 = no effect)", includeZero: true, intervalName: "95% interval",
      text: { NumberText.grouped($0, decimals: 3) }, rowHeight: rows.count > 20 ? 22 : 30)
    return s
  }

  /// Predicted against observed probability of leaving each origin, per decile of the
  /// prediction.
  func calibrationSection() -> String {
    guard let fit = inputs.fit else { return "" }
    let d = fit.diagnostics
    let bins = d.calibration
    let origins = ordered(fit.phases, bins.map(\.origin)).filter { o in bins.contains { $0.origin == o } }
    let set = d.calibrationSet == .holdout ? "the held-out transitions" : "the transitions the fit was made on (no hold-out)"
    var s = "<p class=\"explain\">Calibration on \(HTML.escape(set)): per origin phase, the transitions are sorted by their "
    s += "predicted probability of leaving the phase and cut into up to ten bins of equal size. Each dot is one bin: "
    s += "its mean predicted probability (x) against the share that did leave (y); the dot's area grows with the "
    s += "bin's transitions. On the dashed diagonal the model is well calibrated; dots above it mean the model "
    s += "predicts too few moves, below it too many. Each origin has its own scale.</p>\n"
    if d.calibrationSet == .fit {
      s += "<p class=\"note\">The fit has no hold-out (journey fit --holdout): this calibration is in-sample and "
      s += "flatters the model.</p>\n"
    }
    func colour(_ origin: String) -> String { Palette.colour(origins.firstIndex(of: origin) ?? 0) }
    // One chart per origin, each on its own range: origins that (nearly) always move, such
    // as a purchase, would otherwise squeeze the others into a corner.
    s += "<div class=\"small-multiples\">\n"
    for (i, origin) in origins.enumerated() {
      let own = bins.filter { $0.origin == origin }
      let transitions = own.reduce(0) { $0 + $1.transitions }
      s += "<figure>\n<figcaption><span class=\"swatch box\" style=\"--c: \(colour(origin))\"></span>leaving "
      s += "\(HTML.escape(origin)) <span class=\"caption-note\">(\(NumberText.grouped(Double(transitions))) "
      s += "\(plural("transition", transitions)))</span></figcaption>\n"
      s += SVGChart.calibration(
        id: "calibration-\(i)", title: "Calibration of leaving \(origin): predicted against observed",
        description: "Scatter plot: one dot per bin, mean predicted probability against observed share; the diagonal is perfect calibration.",
        points: own.map { b in
          var label = "\(b.origin)"
          if let segment = b.segment { label += " (\(segment))" }
          label += ", bin \(b.bin): predicted \(NumberText.grouped(b.predicted, decimals: 3)), observed "
          label += "\(NumberText.grouped(b.observed, decimals: 3)), \(NumberText.grouped(Double(b.transitions))) transitions"
          return (b.predicted, b.observed, colour(b.origin), label, Double(b.transitions))
        }, xLabel: "predicted P(leave)", yLabel: "observed share leaving", width: 420, height: 340)
      s += "</figure>\n"
    }
    s += "</div>\n"
    return s
  }

  /// Per paid channel: the Hill reach curve with its delta-method 95% band, and the
  /// adstock decay `λᵏ` with the band of `λ`'s interval.
  func reachSection() -> String {
    guard let fit = inputs.fit, !fit.reach.isEmpty else { return "" }
    var s = "<p class=\"explain\">Left: the probability that a customer meets the channel in a period, against the "
    s += "channel's adstock (spend carried over from earlier periods), p = max · a<sup>shape</sup> / (a<sup>shape</sup> "
    s += "+ half<sup>shape</sup>); the band is the 95% interval of the curve from the parameters' covariance (delta "
    s += "method), the dashed line marks half-saturation. Right: the share of one period's spend still working k "
    s += "periods later, λ<sup>k</sup>, with the band of λ's 95% interval.</p>\n"
    s += "<div class=\"small-multiples\">\n"
    for (i, reach) in fit.reach.enumerated() {
      func parameter(_ name: String) -> FitFile.Parameter? { reach.parameters.first { $0.target == name } }
      guard let m = parameter("max"), let k = parameter("half"), let sigma = parameter("shape") else { continue }
      let colour = channelColour(reach.channel)
      let top = Swift.max(k.estimate * 4, (k.high ?? 0) * 2)
      let grid = (0...60).map { top * Double($0) / 60 }
      let curve = grid.map { a -> (x: Double, y: Double, sd: Double?) in
        Self.reachPoint(adstock: a, max: m.estimate, half: k.estimate, shape: sigma.estimate, covariance: reach.covariance)
      }
      let series = SVGChart.Series(name: "\(reach.channel): reach", colour: colour, points: curve.map { ($0.x, $0.y) })
      let band = SVGChart.Band(
        name: "\(reach.channel): 95% interval", colour: colour,
        points: curve.compactMap { p in
          p.sd.map { (p.x, Swift.max(0, p.y - 1.959964 * $0), Swift.min(1, p.y + 1.959964 * $0)) }
        }, opacity: 0.3)
      s += "<figure>\n<figcaption><span class=\"swatch box\" style=\"--c: \(colour)\"></span>"
      s += "\(HTML.escape(reach.channel)): reach</figcaption>\n"
      s += SVGChart.lines(
        id: "reach-curve-\(i)", title: "Reach curve of \(reach.channel) with 95% band",
        description: "The fitted probability of exposure against adstock, with its 95% interval.",
        series: [series], bands: [band],
        rules: [.init(x: k.estimate, label: "half-saturation \(money(k.estimate))")],
        xLabel: moneyLabel("adstock"), yLabel: "P(exposed)", includeZero: true, width: 440, height: 240)
      s += "</figure>\n"
      if let lambda = parameter("adstock") {
        let lags = Array(0...12)
        let decay = SVGChart.Series(
          name: "\(reach.channel): λ^k", colour: colour,
          points: lags.map { (Double($0), Foundation.pow(lambda.estimate, Double($0))) })
        var bands: [SVGChart.Band] = []
        if let lo = lambda.low, let hi = lambda.high {
          bands.append(
            .init(
              name: "\(reach.channel): λ from \(NumberText.grouped(lo, decimals: 3)) to \(NumberText.grouped(hi, decimals: 3))",
              colour: colour,
              points: lags.map { (Double($0), Foundation.pow(lo, Double($0)), Foundation.pow(hi, Double($0))) }, opacity: 0.3))
        }
        s += "<figure>\n<figcaption><span class=\"swatch box\" style=\"--c: \(colour)\"></span>"
        s += "\(HTML.escape(reach.channel)): adstock decay, λ = \(NumberText.grouped(lambda.estimate, decimals: 3))</figcaption>\n"
        s += SVGChart.lines(
          id: "adstock-decay-\(i)", title: "Adstock decay of \(reach.channel) with 95% band",
          description: "The share of a period's spend still in the adstock k periods later, with the interval of λ.",
          series: [decay], bands: bands, xLabel: "periods later (k)", yLabel: "share still working",
          includeZero: true, exactX: true, width: 440, height: 240)
        s += "</figure>\n"
      } else {
        s += "<figure><figcaption>\(HTML.escape(reach.channel)): no adstock fitted</figcaption></figure>\n"
      }
    }
    s += "</div>\n"
    return s
  }

  /// The reach `p = m / (1 + (K/a)^σ)` at adstock `a` and its delta-method standard error
  /// from the covariance of `(logit m, log K, log σ, …)`; `nil` without a covariance.
  static func reachPoint(
    adstock a: Double, max m: Double, half k: Double, shape sigma: Double, covariance: [[Double]]
  ) -> (x: Double, y: Double, sd: Double?) {
    guard a > 0, k > 0 else { return (a, 0, covariance.count >= 3 ? 0 : nil) }
    let u = Foundation.pow(k / a, sigma)
    let p = m / (1 + u)
    guard covariance.count >= 3, covariance.prefix(3).allSatisfy({ $0.count >= 3 }) else { return (a, p, nil) }
    let dpdu = -m / ((1 + u) * (1 + u))
    let gradient = [p * (1 - m), dpdu * sigma * u, dpdu * sigma * u * Foundation.log(k / a)]
    var variance = 0.0
    for i in 0..<3 {
      for j in 0..<3 { variance += gradient[i] * covariance[i][j] * gradient[j] }
    }
    return (a, p, variance.isFinite && variance >= 0 ? variance.squareRoot() : nil)
  }
}
