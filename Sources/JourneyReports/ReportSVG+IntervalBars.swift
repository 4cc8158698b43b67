import Foundation
import JourneyFormats

extension SVGChart {
  /// One group of bars: a value per category and, where known, an interval drawn as a
  /// whisker over the bar.
  struct IntervalGroup {
    var name: String
    var colour: String
    var values: [Double?]
    /// `(lower, upper)` per category, `nil` where there is none.
    var intervals: [(lower: Double, upper: Double)?] = []
  }

  /// Grouped horizontal bars that may be negative, each with an optional interval whisker
  /// and its value printed; an optional dashed reference line (break-even ROAS of 1).
  ///
  /// Missing values (`nil`, not finite, or beyond ±10¹⁵, where pixel coordinates would
  /// overflow) draw no bar and print `n/a`.
  static func intervalBars(
    id: String, title: String, description: String, categories: [String], groups: [IntervalGroup],
    xLabel: String, reference: (value: Double, label: String)? = nil,
    text: (Double) -> String = { NumberText.grouped($0) }, width: Int = 900
  ) -> String {
    let barHeight = 14.0
    let rowHeight = barHeight * Double(Swift.max(groups.count, 1)) + 10
    let labelRoom = Swift.min(220, Double(categories.map(\.count).max() ?? 4) * 7 + 16)
    let top = 10.0
    let height = Int(top + rowHeight * Double(categories.count) + 44)
    func usable(_ x: Double?) -> Double? {
      guard let x, x.isFinite, Swift.abs(x) <= 1e15 else { return nil }
      return x
    }
    var values: [Double] = [0]
    for g in groups {
      values += g.values.compactMap(usable)
      for case let i? in g.intervals where usable(i.lower) != nil && usable(i.upper) != nil {
        values += [i.lower, i.upper]
      }
    }
    if let value = usable(reference?.value) { values.append(value) }
    let ticks = Ticks(lo: values.min() ?? 0, hi: values.max() ?? 1, count: 5)
    let valueRoom = labelWidth([text(ticks.upper)]) + 14
    let plotLeft = labelRoom
    let plotRight = Double(width) - valueRoom
    let x = LinearScale(domain: (ticks.lower, ticks.upper), range: (plotLeft, plotRight))
    let plotBottom = top + rowHeight * Double(categories.count)
    var s = open(id: id, title: title, description: description, width: width, height: height)
    s += "<g class=\"axes\">\n"
    for v in ticks.values {
      let vx = px(x(v))
      s += "<line class=\"\(Swift.abs(v) < ticks.step * 1e-9 ? "zero" : "grid")\" x1=\"\(vx)\" x2=\"\(vx)\" y1=\"\(px(top))\" y2=\"\(px(plotBottom))\"/>"
      s += "<text class=\"tick\" x=\"\(vx)\" y=\"\(px(plotBottom + 16))\" text-anchor=\"middle\">\(HTML.escape(ticks.label(v)))</text>\n"
    }
    s += "<line class=\"axis\" x1=\"\(px(plotLeft))\" x2=\"\(px(plotRight))\" y1=\"\(px(plotBottom))\" y2=\"\(px(plotBottom))\"/>\n"
    s += "<text class=\"label\" x=\"\(px((plotLeft + plotRight) / 2))\" y=\"\(height - 8)\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>\n"
    s += "</g>\n"
    let zero = x(0)
    for (row, category) in categories.enumerated() {
      let rowTop = top + rowHeight * Double(row) + 5
      s += "<text class=\"category\" x=\"\(px(plotLeft - 8))\" y=\"\(px(rowTop + rowHeight / 2 - 5))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(HTML.escape(category))</text>\n"
      for (g, group) in groups.enumerated() {
        let y = rowTop + barHeight * Double(g)
        let cy = y + barHeight / 2 - 1
        let value = row < group.values.count ? group.values[row] : nil
        let interval = row < group.intervals.count ? group.intervals[row] : nil
        guard let value = usable(value) else {
          s += "<text class=\"value\" x=\"\(px(zero + 4))\" y=\"\(px(cy))\" dominant-baseline=\"middle\">n/a</text>\n"
          continue
        }
        var tip = "\(category), \(group.name): \(text(value))"
        let x0 = Swift.min(zero, x(value))
        let x1 = Swift.max(zero, x(value))
        var end = x1
        let whisker = interval.flatMap { i in
          usable(i.lower).flatMap { lo in usable(i.upper).map { hi in (lower: lo, upper: hi) } }
        }
        if let interval = whisker {
          tip += " (95% interval \(text(interval.lower)) to \(text(interval.upper)))"
        }
        s += "<rect class=\"bar\" x=\"\(px(x0))\" y=\"\(px(y))\" width=\"\(px(x1 - x0))\" height=\"\(px(barHeight - 2))\" fill=\"\(group.colour)\">"
        s += "<title>\(HTML.escape(tip))</title></rect>"
        if let interval = whisker {
          let lo = x(interval.lower)
          let hi = x(interval.upper)
          s += "<line class=\"whisker\" x1=\"\(px(lo))\" x2=\"\(px(hi))\" y1=\"\(px(cy))\" y2=\"\(px(cy))\" stroke=\"#1d2330\" stroke-width=\"1.5\"/>"
          for e in [lo, hi] {
            s += "<line class=\"whisker\" x1=\"\(px(e))\" x2=\"\(px(e))\" y1=\"\(px(cy - 4))\" y2=\"\(px(cy + 4))\" stroke=\"#1d2330\" stroke-width=\"1.5\"/>"
          }
          end = Swift.max(end, hi)
        }
        s += "<text class=\"value\" x=\"\(px(end + 4))\" y=\"\(px(cy))\" dominant-baseline=\"middle\">\(HTML.escape(text(value)))</text>\n"
      }
    }
    if let reference, usable(reference.value) != nil {
      let rx = px(x(reference.value))
      s += "<line class=\"reference\" x1=\"\(rx)\" x2=\"\(rx)\" y1=\"\(px(top))\" y2=\"\(px(plotBottom))\" stroke=\"#5b6474\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\">"
      s += "<title>\(HTML.escape(reference.label))</title></line>\n"
    }
    return s + "</svg>\n"
  }
}
