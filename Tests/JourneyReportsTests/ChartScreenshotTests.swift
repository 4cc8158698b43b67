import Foundation
import JourneyFormats
@testable import JourneyReports
import Testing
import _JourneyTestSupport

/// Every chart of the full report, rendered by headless Chromium and checked pixel by
/// pixel: each draws coloured data, and the interval bands planners read (increments,
/// reach curves) are visibly wider than 0 px.
@Suite(.serialized) struct ChartScreenshotTests {
  struct Chart {
    var id: String
    var svg: String
    var width: Int
    var height: Int
    var top = 0
  }

  static func charts(in html: String) -> [Chart] {
    html.components(separatedBy: "<svg xmlns=").dropFirst().compactMap { piece in
      guard let end = piece.range(of: "</svg>") else { return nil }
      let svg = "<svg xmlns=" + piece[..<end.upperBound]
      let tag = String(svg.prefix { $0 != ">" })
      func attribute(_ name: String) -> String? {
        ChartContentTests.values(of: name, in: tag).first
      }
      guard let id = attribute("id"), let w = attribute("width").flatMap(Int.init), let h = attribute("height").flatMap(Int.init)
      else { return nil }
      return Chart(id: id, svg: svg, width: w, height: h)
    }
  }

  /// The colour of `hex` drawn at `opacity` over white.
  static func blend(_ hex: String, _ opacity: Double) -> (Int, Int, Int) {
    let v = Int(hex.dropFirst(), radix: 16) ?? 0
    func mix(_ c: Int) -> Int { Int((Double(c) * opacity + 255 * (1 - opacity)).rounded()) }
    return (mix(v >> 16 & 0xFF), mix(v >> 8 & 0xFF), mix(v & 0xFF))
  }

  @Test func everyChartDrawsDataAndBandsAreVisible() throws {
    guard let chromium = BrowserReportTests.chromium else {
      Issue.record("chromium is not installed: run ./scripts/setup (it installs the Debian package 'chromium')")
      return
    }
    let dir = try ReportFixtures.directory(ReportFixtures.names)
    let html = HTMLReport(inputs: try ReportInputs.load(directory: dir)).render()
    var charts = Self.charts(in: html)
    #expect(charts.count == html.occurrences(of: "<svg ") && charts.count > 30, "\(charts.count) charts")
    // Pages of at most 6,000 px, each chart at a known offset.
    var pages: [[Chart]] = [[]]
    var top = 0
    for i in charts.indices {
      if top + charts[i].height > 6000 && !pages[pages.count - 1].isEmpty {
        pages.append([])
        top = 0
      }
      charts[i].top = top
      pages[pages.count - 1].append(charts[i])
      top += charts[i].height + 10
    }
    for (n, page) in pages.enumerated() {
      let height = page.map { $0.top + $0.height }.max() ?? 100
      var body = ""
      for c in page {
        body += "<div style=\"position: absolute; left: 0; top: \(c.top)px; width: \(c.width)px; height: \(c.height)px\">\(c.svg)</div>\n"
      }
      let file = dir + "/charts-\(n).html"
      try AtomicFile.write(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>\(HTMLReport.css) body { margin: 0; } svg.chart { margin: 0; }</style></head><body>\(body)</body></html>\n",
        to: file)
      let png = dir + "/charts-\(n).png"
      let run = try BrowserReportTests.runChromium(
        chromium, ["--screenshot=\(png)", "--window-size=920,\(height)", "--hide-scrollbars", URL(fileURLWithPath: file).absoluteString],
        in: dir)
      #expect(run.status == 0 && !run.timedOut, "chromium: \(run.stderr.suffix(1000))")
      let image = try PNGImage(data: try Data(contentsOf: URL(fileURLWithPath: png)))
      print("chart screenshot: \(png)")
      for c in page {
        let xs = 0..<c.width
        let ys = c.top..<(c.top + c.height)
        // Data is drawn in palette colours: saturated pixels (greys are axes and text).
        let coloured = image.count(x: xs, y: ys) { r, g, b in Swift.max(r, g, b) - Swift.min(r, g, b) > 40 }
        #expect(coloured > 60, "\(c.id): only \(coloured) coloured pixels")
        let bands = c.svg.components(separatedBy: "<polygon class=\"band\" fill=\"").dropFirst().map { String($0.prefix(7)) }
        guard c.id.hasPrefix("increment-plan-") || c.id.hasPrefix("reach-curve-"), let colour = bands.first else { continue }
        let (br, bg, bb) = Self.blend(colour, 0.3)
        let band = image.count(x: xs, y: ys) { r, g, b in
          Swift.abs(r - br) <= 10 && Swift.abs(g - bg) <= 10 && Swift.abs(b - bb) <= 10
        }
        #expect(band > 150, "\(c.id): the P5–P95 band covers only \(band) px")
      }
    }
  }
}
