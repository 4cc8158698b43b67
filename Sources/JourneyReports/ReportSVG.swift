import Foundation
import JourneyFormats

/// A colour palette that stays distinguishable for common colour-vision deficiencies
/// (Okabe–Ito, then Tableau tones), indexed cyclically.
enum Palette {
  static let colours = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
    "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF",
  ]
  static func colour(_ index: Int) -> String { colours[index % colours.count] }
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
    var x: Double
    var y: Double
    var colour: String
    var label: String
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
    xCategories: [String]? = nil
  ) -> (svg: String, x: LinearScale, y: LinearScale, plot: Plot) {
    let yLabels = yTicks.values.map(yTicks.label)
    let left = labelWidth(yLabels) + 26
    // Room on the right for half of the last x tick label, which is centred on its tick.
    let right = xCategories == nil ? Swift.max(18, labelWidth([xTicks.label(xTicks.upper)]) / 2) : 18
    let plot = Plot(left: left, top: 14, right: Double(width) - right, bottom: Double(height) - 46)
    let x = LinearScale(domain: (xTicks.lower, xTicks.upper), range: (plot.left, plot.right))
    let y = LinearScale(domain: (yTicks.lower, yTicks.upper), range: (plot.bottom, plot.top))
    var s = "<g class=\"axes\">\n"
    for v in yTicks.values {
      let py = px(y(v))
      s += "<line class=\"grid\" x1=\"\(px(plot.left))\" x2=\"\(px(plot.right))\" y1=\"\(py)\" y2=\"\(py)\"/>"
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

  /// A line chart with optional interval bands and point markers.
  static func lines(
    id: String, title: String, description: String, series: [Series], bands: [Band] = [],
    markers: [Marker] = [], xLabel: String, yLabel: String, includeZero: Bool = true,
    yRange: (Double, Double)? = nil, exactX: Bool = false, width: Int = 900, height: Int = 320
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
    let xTicks = exactX
      ? Ticks.exact(lo: xs.min() ?? 0, hi: xs.max() ?? 1, count: 10)
      : Ticks(lo: xs.min() ?? 0, hi: xs.max() ?? 1, count: 8)
    if let yRange { ys += [yRange.0, yRange.1] }
    let yTicks = Ticks(lo: ys.min() ?? 0, hi: ys.max() ?? 1, count: 5)
    let a = axes(xTicks: xTicks, yTicks: yTicks, width: width, height: height, xLabel: xLabel, yLabel: yLabel)
    var s = open(id: id, title: title, description: description, width: width, height: height) + a.svg
    for b in bands {
      let pts = b.points.filter { $0.x.isFinite && $0.lo.isFinite && $0.hi.isFinite }
      guard !pts.isEmpty else { continue }
      let upper = pts.map { "\(px(a.x($0.x))),\(px(a.y($0.hi)))" }
      let lower = pts.reversed().map { "\(px(a.x($0.x))),\(px(a.y($0.lo)))" }
      s += "<polygon class=\"band\" fill=\"\(b.colour)\" fill-opacity=\"\(b.opacity)\" stroke=\"none\" points=\"\((upper + lower).joined(separator: " "))\">"
      s += "<title>\(HTML.escape(b.name))</title></polygon>\n"
    }
    for line in series {
      let pts = line.points.filter { $0.x.isFinite && $0.y.isFinite }
      guard !pts.isEmpty else { continue }
      let dash = line.dashed ? " stroke-dasharray=\"5 4\"" : ""
      let coordinates = pts.map { "\(px(a.x($0.x))),\(px(a.y($0.y)))" }.joined(separator: " ")
      s += "<polyline class=\"series\" fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"\(px(line.width))\"\(dash) points=\"\(coordinates)\">"
      s += "<title>\(HTML.escape(line.name))</title></polyline>\n"
      if pts.count == 1 {
        // A one-period horizon: a polyline of one point draws nothing, so mark the point.
        s += "<circle cx=\"\(px(a.x(pts[0].x)))\" cy=\"\(px(a.y(pts[0].y)))\" r=\"3\" fill=\"\(line.colour)\"/>\n"
      }
    }
    for m in markers where m.x.isFinite && m.y.isFinite {
      s += "<circle class=\"marker\" cx=\"\(px(a.x(m.x)))\" cy=\"\(px(a.y(m.y)))\" r=\"5\" fill=\"\(m.colour)\" stroke=\"#fff\" stroke-width=\"1.5\">"
      s += "<title>\(HTML.escape(m.label))</title></circle>\n"
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
    xLabel: String, includeZero: Bool, width: Int = 900
  ) -> String {
    let rowHeight = 30.0
    let top = 10.0
    let labelRoom = Swift.min(220, Double(rows.map(\.label.count).max() ?? 4) * 7 + 16)
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
      if let c = r.center, c.isFinite { tip += ": \(NumberText.grouped(c))" }
      if let lo = r.lo, let hi = r.hi, lo.isFinite, hi.isFinite {
        tip += " (P5–P95 \(NumberText.grouped(lo)) to \(NumberText.grouped(hi)))"
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
