import Foundation
import JourneyFormats

/// Colours that stay distinguishable for the common colour-vision deficiencies: Paul Tol's
/// "bright" scheme, ordered so that the first six are far apart (no two blues side by side),
/// indexed cyclically. Lines also differ by dash pattern (``dash(_:)``), so that a chart
/// stays readable in grey print.
enum Palette {
  static let colours = ["#4477AA", "#EE6677", "#228833", "#AA3377", "#CCBB44", "#66CCEE", "#BBBBBB", "#000000"]
  static func colour(_ index: Int) -> String { colours[index % colours.count] }

  /// SVG dash patterns, indexed cyclically; the first is a solid line.
  static let dashes = ["", "8 3", "2 3", "8 3 2 3", "12 4", "4 2 1 2"]
  static func dash(_ index: Int) -> String { dashes[index % dashes.count] }

  /// Grey of baselines, bounds and reference marks.
  static let reference = "#5b6474"
}

/// Evenly spaced "nice" axis ticks (1, 2, 2.5 or 5 times a power of ten).
struct Ticks: Equatable {
  var lower: Double
  var upper: Double
  var step: Double

  /// Ticks covering `[lo, hi]` with about `count` intervals.
  init(lo: Double, hi: Double, count: Int = 5) {
    var lo = lo.isFinite ? lo : 0
    var hi = hi.isFinite ? hi : 1
    if hi < lo { swap(&lo, &hi) }
    if hi - lo < 1e-12 * Swift.max(1, Swift.abs(hi)) {
      if hi == 0 { hi = 1 } else if lo > 0 { lo = 0 } else if hi < 0 { hi = 0 } else { hi = lo + 1 }
    }
    let raw = (hi - lo) / Double(Swift.max(count, 1))
    let magnitude = pow(10, floor(log10(raw)))
    let residual = raw / magnitude
    let factor: Double = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 2.5 ? 2.5 : residual <= 5 ? 5 : 10
    step = factor * magnitude
    lower = floor(lo / step + 1e-9) * step
    upper = ceil(hi / step - 1e-9) * step
    if upper <= lower { upper = lower + step }
  }

  /// Ticks at multiples of a nice step inside `[lo, hi]`, with the axis ending exactly
  /// at the data (for period axes, which should not run past the horizon).
  static func exact(lo: Double, hi: Double, count: Int = 5) -> Ticks {
    var t = Ticks(lo: lo, hi: hi, count: count)
    if lo.isFinite, hi.isFinite, hi > lo {
      t.lower = lo
      t.upper = hi
    }
    return t
  }

  var values: [Double] {
    let first = ceil(lower / step - 1e-9)
    let last = floor(upper / step + 1e-9)
    guard last >= first else { return [lower] }
    return (0...Int(last - first)).map { (first + Double($0)) * step }
  }

  /// Digits after the point needed to tell the ticks apart.
  var decimals: Int {
    guard step < 1 else { return 0 }
    var d = 0
    var s = step
    while d < 6 && Swift.abs(s - s.rounded()) > 1e-9 {
      s *= 10
      d += 1
    }
    return d
  }

  func label(_ x: Double) -> String {
    Swift.abs(x) < step * 1e-9 ? "0" : NumberText.grouped(x, decimals: decimals)
  }
}

/// A linear map from data values to pixels.
struct LinearScale {
  var domain: (Double, Double)
  var range: (Double, Double)

  func callAsFunction(_ x: Double) -> Double {
    let span = domain.1 - domain.0
    guard span != 0 else { return range.0 }
    return range.0 + (x - domain.0) / span * (range.1 - range.0)
  }
}

/// Fixed-precision pixel coordinates, so equal inputs give equal bytes.
func px(_ x: Double) -> String {
  let r = (x * 10).rounded() / 10
  return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
}

/// Inline SVG charts with axes, ticks, labels and an accessible title.
///
/// Every text passed in is escaped here; callers pass plain strings.
enum SVGChart {
  /// A named polyline.
  struct Series {
    var name: String
    var colour: String
    var points: [(x: Double, y: Double)]
    var dashed = false
    var width = 2.0
    /// An SVG dash pattern; overrides `dashed` when not empty.
    var dash = ""
    /// Printed at the line's right end when the chart has end labels.
    var endLabel: String? = nil
  }

  /// A shaded interval between two curves.
  struct Band {
    var name: String
    var colour: String
    var points: [(x: Double, lo: Double, hi: Double)]
    var opacity = 0.2
  }

  /// A point drawn as a circle with a label.
  struct Marker {
    enum Shape { case dot, ring, diamond }
    var x: Double
    var y: Double
    var colour: String
    var label: String
    var shape = Shape.dot
  }

  /// A range of x drawn shaded over the whole plot height (outside a channel's bounds).
  struct Shade {
    var from: Double
    var to: Double
    var label: String
  }

  /// A vertical line at `x` (a bound, a current value).
  struct Rule {
    var x: Double
    var label: String
    var colour = Palette.reference
  }

  /// The plot area inside the axes, in pixels.
  struct Plot {
    var left: Double
    var top: Double
    var right: Double
    var bottom: Double
  }

  static func open(id: String, title: String, description: String, width: Int, height: Int) -> String {
    let t = HTML.escape(title)
    return """
      <svg xmlns="http://www.w3.org/2000/svg" class="chart" id="\(id)" role="img" \
      aria-labelledby="\(id)-title \(id)-desc" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)">
      <title id="\(id)-title">\(t)</title>
      <desc id="\(id)-desc">\(HTML.escape(description))</desc>

      """
  }

  /// Width in pixels of the longest tick label, estimated for the 11 px sans-serif font.
  static func labelWidth(_ labels: [String]) -> Double {
    Double(labels.map(\.count).max() ?? 1) * 6.6 + 10
  }

  /// Axes, grid and tick labels; returns the SVG and the scales for the plot area.
  static func axes(
    xTicks: Ticks, yTicks: Ticks, width: Int, height: Int, xLabel: String, yLabel: String,
    xCategories: [String]? = nil, extraRight: Double = 0
  ) -> (svg: String, x: LinearScale, y: LinearScale, plot: Plot) {
    let yLabels = yTicks.values.map(yTicks.label)
    let left = labelWidth(yLabels) + 26
    // Room on the right for half of the last x tick label, which is centred on its tick.
    let right = (xCategories == nil ? Swift.max(18, labelWidth([xTicks.label(xTicks.upper)]) / 2) : 18) + extraRight
    let plot = Plot(left: left, top: 14, right: Double(width) - right, bottom: Double(height) - 46)
    let x = LinearScale(domain: (xTicks.lower, xTicks.upper), range: (plot.left, plot.right))
    let y = LinearScale(domain: (yTicks.lower, yTicks.upper), range: (plot.bottom, plot.top))
    var s = "<g class=\"axes\">\n"
    for v in yTicks.values {
      let py = px(y(v))
      let zero = Swift.abs(v) < yTicks.step * 1e-9
      s += "<line class=\"\(zero ? "zero" : "grid")\" x1=\"\(px(plot.left))\" x2=\"\(px(plot.right))\" y1=\"\(py)\" y2=\"\(py)\"/>"
      s += "<text class=\"tick\" x=\"\(px(plot.left - 6))\" y=\"\(py)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(HTML.escape(yTicks.label(v)))</text>\n"
    }
    if let xCategories {
      // Category axis: label every k-th category so that labels do not overlap.
      let n = xCategories.count
      let room = (plot.right - plot.left) / Double(Swift.max(n, 1))
      let widest = Double(xCategories.map(\.count).max() ?? 1) * 6.6 + 6
      let every = Swift.max(1, Int((widest / room).rounded(.up)))
      for (i, c) in xCategories.enumerated() where i % every == 0 {
        let cx = plot.left + room * (Double(i) + 0.5)
        s += "<text class=\"tick\" x=\"\(px(cx))\" y=\"\(px(plot.bottom + 16))\" text-anchor=\"middle\">\(HTML.escape(c))</text>\n"
      }
    } else {
      for v in xTicks.values {
        let pxv = px(x(v))
        s += "<line class=\"tickmark\" x1=\"\(pxv)\" x2=\"\(pxv)\" y1=\"\(px(plot.bottom))\" y2=\"\(px(plot.bottom + 5))\"/>"
        s += "<text class=\"tick\" x=\"\(pxv)\" y=\"\(px(plot.bottom + 17))\" text-anchor=\"middle\">\(HTML.escape(xTicks.label(v)))</text>\n"
      }
    }
    s += "<line class=\"axis\" x1=\"\(px(plot.left))\" x2=\"\(px(plot.right))\" y1=\"\(px(plot.bottom))\" y2=\"\(px(plot.bottom))\"/>"
    s += "<line class=\"axis\" x1=\"\(px(plot.left))\" x2=\"\(px(plot.left))\" y1=\"\(px(plot.top))\" y2=\"\(px(plot.bottom))\"/>\n"
    s += "<text class=\"label\" x=\"\(px((plot.left + plot.right) / 2))\" y=\"\(height - 8)\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>\n"
    let cy = (plot.top + plot.bottom) / 2
    s += "<text class=\"label\" x=\"14\" y=\"\(px(cy))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(px(cy)))\">\(HTML.escape(yLabel))</text>\n"
    s += "</g>\n"
    return (s, x, y, plot)
  }

  /// A line chart with optional interval bands, point markers, shaded x ranges and
  /// vertical rules.
  ///
  /// The y axis covers the data with nice ticks; it includes 0 only with `includeZero`
  /// (use it for quantities whose size matters, such as increments, not for levels far
  /// from 0). With `endLabels` each series with an ``Series/endLabel`` is named at its
  /// right end, labels pushed apart so that they do not overlap.
  static func lines(
    id: String, title: String, description: String, series: [Series], bands: [Band] = [],
    markers: [Marker] = [], shades: [Shade] = [], rules: [Rule] = [], xLabel: String, yLabel: String,
    includeZero: Bool = true, yRange: (Double, Double)? = nil, xRange: (Double, Double)? = nil,
    exactX: Bool = false, endLabels: Bool = false, width: Int = 900, height: Int = 320
  ) -> String {
    var xs: [Double] = []
    var ys: [Double] = includeZero ? [0] : []
    for s in series {
      for p in s.points where p.x.isFinite && p.y.isFinite {
        xs.append(p.x)
        ys.append(p.y)
      }
    }
    for b in bands {
      for p in b.points where p.x.isFinite && p.lo.isFinite && p.hi.isFinite {
        xs.append(p.x)
        ys += [p.lo, p.hi]
      }
    }
    for m in markers where m.x.isFinite && m.y.isFinite {
      xs.append(m.x)
      ys.append(m.y)
    }
    for r in rules where r.x.isFinite { xs.append(r.x) }
    if let xRange { xs += [xRange.0, xRange.1].filter(\.isFinite) }
    // Narrow charts (small multiples) get fewer x ticks so that long labels do not collide.
    let narrow = width < 600
    let xTicks = exactX
      ? Ticks.exact(lo: xs.min() ?? 0, hi: xs.max() ?? 1, count: narrow ? 6 : 10)
      : Ticks(lo: xs.min() ?? 0, hi: xs.max() ?? 1, count: narrow ? 4 : 8)
    if let yRange { ys += [yRange.0, yRange.1].filter(\.isFinite) }
    let yTicks = Ticks(lo: ys.min() ?? 0, hi: ys.max() ?? 1, count: 5)
    let labelled = endLabels ? series.compactMap(\.endLabel) : []
    let extraRight = labelled.isEmpty ? 0 : Swift.min(200, labelWidth(labelled) + 4)
    let a = axes(
      xTicks: xTicks, yTicks: yTicks, width: width, height: height, xLabel: xLabel, yLabel: yLabel,
      extraRight: extraRight)
    var s = open(id: id, title: title, description: description, width: width, height: height) + a.svg
    func clampX(_ x: Double) -> Double { Swift.min(Swift.max(a.x(x), a.plot.left), a.plot.right) }
    for shade in shades where shade.from.isFinite && shade.to.isFinite {
      let x0 = clampX(Swift.min(shade.from, shade.to))
      let x1 = clampX(Swift.max(shade.from, shade.to))
      guard x1 - x0 >= 0.5 else { continue }
      s += "<rect class=\"shade\" x=\"\(px(x0))\" y=\"\(px(a.plot.top))\" width=\"\(px(x1 - x0))\" "
      s += "height=\"\(px(a.plot.bottom - a.plot.top))\" fill=\"#5b6474\" fill-opacity=\"0.14\">"
      s += "<title>\(HTML.escape(shade.label))</title></rect>\n"
    }
    for b in bands {
      let pts = b.points.filter { $0.x.isFinite && $0.lo.isFinite && $0.hi.isFinite }
      guard !pts.isEmpty else { continue }
      let upper = pts.map { "\(px(a.x($0.x))),\(px(a.y($0.hi)))" }
      let lower = pts.reversed().map { "\(px(a.x($0.x))),\(px(a.y($0.lo)))" }
      s += "<polygon class=\"band\" fill=\"\(b.colour)\" fill-opacity=\"\(b.opacity)\" stroke=\"none\" points=\"\((upper + lower).joined(separator: " "))\">"
      s += "<title>\(HTML.escape(b.name))</title></polygon>\n"
    }
    for r in rules where r.x.isFinite {
      let rx = px(a.x(r.x))
      s += "<line class=\"rule\" x1=\"\(rx)\" x2=\"\(rx)\" y1=\"\(px(a.plot.top))\" y2=\"\(px(a.plot.bottom))\" "
      s += "stroke=\"\(r.colour)\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"><title>\(HTML.escape(r.label))</title></line>\n"
    }
    var ends: [(y: Double, text: String, colour: String)] = []
    for line in series {
      let pts = line.points.filter { $0.x.isFinite && $0.y.isFinite }
      guard !pts.isEmpty else { continue }
      let pattern = line.dash.isEmpty ? (line.dashed ? "5 4" : "") : line.dash
      let dash = pattern.isEmpty ? "" : " stroke-dasharray=\"\(pattern)\""
      let coordinates = pts.map { "\(px(a.x($0.x))),\(px(a.y($0.y)))" }.joined(separator: " ")
      s += "<polyline class=\"series\" fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"\(px(line.width))\"\(dash) points=\"\(coordinates)\">"
      s += "<title>\(HTML.escape(line.name))</title></polyline>\n"
      if pts.count == 1 {
        // A one-period horizon: a polyline of one point draws nothing, so mark the point.
        s += "<circle cx=\"\(px(a.x(pts[0].x)))\" cy=\"\(px(a.y(pts[0].y)))\" r=\"3\" fill=\"\(line.colour)\"/>\n"
      }
      if endLabels, let text = line.endLabel, let last = pts.max(by: { $0.x < $1.x }) {
        ends.append((a.y(last.y), text, line.colour))
      }
    }
    // Direct labels: sorted top to bottom, each at least 13 px below the one above.
    ends.sort { $0.y < $1.y }
    var previous = -Double.infinity
    for i in ends.indices {
      ends[i].y = Swift.max(ends[i].y, previous + 13)
      previous = ends[i].y
    }
    let overflow = (ends.last?.y ?? 0) - (a.plot.bottom + 6)
    if overflow > 0 { for i in ends.indices { ends[i].y -= overflow } }
    for e in ends {
      s += "<text class=\"end-label\" x=\"\(px(a.plot.right + 6))\" y=\"\(px(e.y))\" dominant-baseline=\"middle\" "
      s += "fill=\"\(e.colour)\" font-size=\"12\" font-weight=\"600\">\(HTML.escape(e.text))</text>\n"
    }
    for m in markers where m.x.isFinite && m.y.isFinite {
      let cx = a.x(m.x)
      let cy = a.y(m.y)
      switch m.shape {
      case .dot:
        s += "<circle class=\"marker\" cx=\"\(px(cx))\" cy=\"\(px(cy))\" r=\"5\" fill=\"\(m.colour)\" stroke=\"#fff\" stroke-width=\"1.5\">"
        s += "<title>\(HTML.escape(m.label))</title></circle>\n"
      case .ring:
        s += "<circle class=\"marker ring\" cx=\"\(px(cx))\" cy=\"\(px(cy))\" r=\"6\" fill=\"#fff\" stroke=\"\(m.colour)\" stroke-width=\"2.5\">"
        s += "<title>\(HTML.escape(m.label))</title></circle>\n"
      case .diamond:
        let d = 6.5
        let points = [(cx, cy - d), (cx + d, cy), (cx, cy + d), (cx - d, cy)].map { "\(px($0.0)),\(px($0.1))" }
        s += "<polygon class=\"marker diamond\" points=\"\(points.joined(separator: " "))\" fill=\"#fff\" stroke=\"\(m.colour)\" stroke-width=\"2.5\">"
        s += "<title>\(HTML.escape(m.label))</title></polygon>\n"
      }
    }
    return s + "</svg>\n"
  }

  /// Points against a diagonal `y = x`: predicted against observed shares.
  ///
  /// Both axes share one range, fitted to the points (not from 0), so that the diagonal is
  /// the line of perfect calibration.
  static func calibration(
    id: String, title: String, description: String,
    points: [(x: Double, y: Double, colour: String, label: String, weight: Double)], xLabel: String, yLabel: String,
    width: Int = 560, height: Int = 460
  ) -> String {
    let values = points.flatMap { [$0.x, $0.y] }.filter(\.isFinite)
    let ticks = Ticks(lo: values.min() ?? 0, hi: values.max() ?? 1, count: width < 400 ? 4 : 5)
    let a = axes(xTicks: ticks, yTicks: ticks, width: width, height: height, xLabel: xLabel, yLabel: yLabel)
    var s = open(id: id, title: title, description: description, width: width, height: height) + a.svg
    s += "<line class=\"diagonal\" x1=\"\(px(a.x(ticks.lower)))\" y1=\"\(px(a.y(ticks.lower)))\" "
    s += "x2=\"\(px(a.x(ticks.upper)))\" y2=\"\(px(a.y(ticks.upper)))\" stroke=\"#5b6474\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\">"
    s += "<title>perfect calibration: observed = predicted</title></line>\n"
    let heaviest = points.map(\.weight).filter(\.isFinite).max() ?? 1
    for p in points where p.x.isFinite && p.y.isFinite {
      let r = 3 + 5 * (heaviest > 0 ? (Swift.max(p.weight, 0) / heaviest).squareRoot() : 0)
      s += "<circle class=\"point\" cx=\"\(px(a.x(p.x)))\" cy=\"\(px(a.y(p.y)))\" r=\"\(px(r))\" fill=\"\(p.colour)\" "
      s += "fill-opacity=\"0.75\" stroke=\"#fff\" stroke-width=\"1\"><title>\(HTML.escape(p.label))</title></circle>\n"
    }
    return s + "</svg>\n"
  }

  /// Grouped horizontal bars: one row per category, one bar per group, values printed.
  static func horizontalBars(
    id: String, title: String, description: String, categories: [String],
    groups: [(name: String, colour: String, values: [Double])], xLabel: String, width: Int = 900
  ) -> String {
    let barHeight = 14.0
    let rowHeight = barHeight * Double(Swift.max(groups.count, 1)) + 10
    let labelRoom = Swift.min(220, Double(categories.map(\.count).max() ?? 4) * 7 + 16)
    let top = 10.0
    let height = Int(top + rowHeight * Double(categories.count) + 44)
    let maxValue = groups.flatMap(\.values).filter(\.isFinite).max() ?? 0
    let ticks = Ticks(lo: 0, hi: Swift.max(maxValue, 0), count: 5)
    let valueRoom = labelWidth([ticks.label(ticks.upper)]) + 10
    let plotLeft = labelRoom
    let plotRight = Double(width) - valueRoom
    let x = LinearScale(domain: (0, ticks.upper), range: (plotLeft, plotRight))
    let plotBottom = top + rowHeight * Double(categories.count)
    var s = open(id: id, title: title, description: description, width: width, height: height)
    s += "<g class=\"axes\">\n"
    for v in ticks.values {
      let vx = px(x(v))
      s += "<line class=\"grid\" x1=\"\(vx)\" x2=\"\(vx)\" y1=\"\(px(top))\" y2=\"\(px(plotBottom))\"/>"
      s += "<text class=\"tick\" x=\"\(vx)\" y=\"\(px(plotBottom + 16))\" text-anchor=\"middle\">\(HTML.escape(ticks.label(v)))</text>\n"
    }
    s += "<line class=\"axis\" x1=\"\(px(plotLeft))\" x2=\"\(px(plotLeft))\" y1=\"\(px(top))\" y2=\"\(px(plotBottom))\"/>\n"
    s += "<text class=\"label\" x=\"\(px((plotLeft + plotRight) / 2))\" y=\"\(height - 8)\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>\n"
    s += "</g>\n"
    for (row, category) in categories.enumerated() {
      let rowTop = top + rowHeight * Double(row) + 5
      s += "<text class=\"category\" x=\"\(px(plotLeft - 8))\" y=\"\(px(rowTop + rowHeight / 2 - 5))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(HTML.escape(category))</text>\n"
      for (g, group) in groups.enumerated() {
        let value = row < group.values.count ? group.values[row] : .nan
        let y = rowTop + barHeight * Double(g)
        let shown = value.isFinite ? Swift.max(value, 0) : 0
        let w = x(shown) - plotLeft
        s += "<rect class=\"bar\" x=\"\(px(plotLeft))\" y=\"\(px(y))\" width=\"\(px(w))\" height=\"\(px(barHeight - 2))\" fill=\"\(group.colour)\">"
        s += "<title>\(HTML.escape("\(category), \(group.name): \(value.isFinite ? NumberText.grouped(value) : "n/a")"))</title></rect>"
        s += "<text class=\"value\" x=\"\(px(plotLeft + w + 4))\" y=\"\(px(y + barHeight / 2 - 1))\" dominant-baseline=\"middle\">\(HTML.escape(value.isFinite ? NumberText.grouped(value) : "n/a"))</text>\n"
      }
    }
    return s + "</svg>\n"
  }

  /// Vertical stacked bars: one bar per category, one coloured segment per stack.
  static func stackedBars(
    id: String, title: String, description: String, categories: [String],
    stacks: [(name: String, colour: String, values: [Double])], xLabel: String, yLabel: String,
    width: Int = 900, height: Int = 320
  ) -> String {
    var totals = [Double](repeating: 0, count: categories.count)
    for stack in stacks {
      for (i, v) in stack.values.enumerated() where i < totals.count && v.isFinite && v > 0 { totals[i] += v }
    }
    let xTicks = Ticks(lo: 0, hi: Double(Swift.max(categories.count, 1)), count: 1)
    let yTicks = Ticks(lo: 0, hi: totals.max() ?? 1, count: 5)
    let a = axes(
      xTicks: xTicks, yTicks: yTicks, width: width, height: height, xLabel: xLabel, yLabel: yLabel,
      xCategories: categories)
    var s = open(id: id, title: title, description: description, width: width, height: height) + a.svg
    let room = (a.plot.right - a.plot.left) / Double(Swift.max(categories.count, 1))
    let barWidth = Swift.max(1, room * 0.78)
    for (i, category) in categories.enumerated() {
      var base = 0.0
      let bx = a.plot.left + room * Double(i) + (room - barWidth) / 2
      for stack in stacks {
        let v = i < stack.values.count ? stack.values[i] : 0
        guard v.isFinite, v > 0 else { continue }
        let y0 = a.y(base)
        let y1 = a.y(base + v)
        s += "<rect class=\"bar\" x=\"\(px(bx))\" y=\"\(px(y1))\" width=\"\(px(barWidth))\" height=\"\(px(y0 - y1))\" fill=\"\(stack.colour)\">"
        s += "<title>\(HTML.escape("\(category), \(stack.name): \(NumberText.grouped(v))"))</title></rect>\n"
        base += v
      }
    }
    return s + "</svg>\n"
  }

  /// One row per item: a dot at the centre and a whisker from `lo` to `hi`.
  static func dotWhisker(
    id: String, title: String, description: String,
    rows: [(label: String, colour: String, center: Double?, lo: Double?, hi: Double?)],
    xLabel: String, includeZero: Bool, intervalName: String = "P5–P95",
    text: (Double) -> String = { NumberText.grouped($0) }, rowHeight: Double = 30, width: Int = 900
  ) -> String {
    let top = 10.0
    let labelRoom = Swift.min(320, Double(rows.map(\.label.count).max() ?? 4) * 7 + 16)
    let height = Int(top + rowHeight * Double(rows.count) + 46)
    var values: [Double] = includeZero ? [0] : []
    for r in rows { values += [r.center, r.lo, r.hi].compactMap { $0 }.filter(\.isFinite) }
    let ticks = Ticks(lo: values.min() ?? 0, hi: values.max() ?? 1, count: 6)
    let plotLeft = labelRoom
    let plotRight = Double(width) - 30
    let plotBottom = top + rowHeight * Double(rows.count)
    let x = LinearScale(domain: (ticks.lower, ticks.upper), range: (plotLeft, plotRight))
    var s = open(id: id, title: title, description: description, width: width, height: height)
    s += "<g class=\"axes\">\n"
    for v in ticks.values {
      let vx = px(x(v))
      s += "<line class=\"\(v == 0 ? "zero" : "grid")\" x1=\"\(vx)\" x2=\"\(vx)\" y1=\"\(px(top))\" y2=\"\(px(plotBottom))\"/>"
      s += "<text class=\"tick\" x=\"\(vx)\" y=\"\(px(plotBottom + 16))\" text-anchor=\"middle\">\(HTML.escape(ticks.label(v)))</text>\n"
    }
    s += "<line class=\"axis\" x1=\"\(px(plotLeft))\" x2=\"\(px(plotRight))\" y1=\"\(px(plotBottom))\" y2=\"\(px(plotBottom))\"/>\n"
    s += "<text class=\"label\" x=\"\(px((plotLeft + plotRight) / 2))\" y=\"\(height - 8)\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>\n"
    s += "</g>\n"
    for (i, r) in rows.enumerated() {
      let cy = top + rowHeight * (Double(i) + 0.5)
      s += "<text class=\"category\" x=\"\(px(plotLeft - 8))\" y=\"\(px(cy))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(HTML.escape(r.label))</text>\n"
      var tip = r.label
      if let c = r.center, c.isFinite { tip += ": \(text(c))" }
      if let lo = r.lo, let hi = r.hi, lo.isFinite, hi.isFinite {
        tip += " (\(intervalName) \(text(lo)) to \(text(hi)))"
        s += "<line class=\"whisker\" x1=\"\(px(x(lo)))\" x2=\"\(px(x(hi)))\" y1=\"\(px(cy))\" y2=\"\(px(cy))\" stroke=\"\(r.colour)\" stroke-width=\"2\"/>"
        for end in [lo, hi] {
          s += "<line class=\"whisker\" x1=\"\(px(x(end)))\" x2=\"\(px(x(end)))\" y1=\"\(px(cy - 6))\" y2=\"\(px(cy + 6))\" stroke=\"\(r.colour)\" stroke-width=\"2\"/>"
        }
      }
      if let c = r.center, c.isFinite {
        s += "<circle class=\"marker\" cx=\"\(px(x(c)))\" cy=\"\(px(cy))\" r=\"5.5\" fill=\"\(r.colour)\"><title>\(HTML.escape(tip))</title></circle>"
      }
      s += "\n"
    }
    return s + "</svg>\n"
  }
}
