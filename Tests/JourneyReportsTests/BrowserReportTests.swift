import Foundation
import JourneyFormats
import JourneyReports
import Testing
import _JourneyTestSupport

/// Renders reports in headless Chromium: the page must parse, draw and log no console errors.
///
/// Chromium is installed by `scripts/setup`; without it these tests fail rather than skip.
@Suite(.serialized) struct BrowserReportTests {
  static let timeout: TimeInterval = 60

  struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool
  }

  /// The `chromium` executable on `PATH`, if any.
  static var chromium: String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
      let candidate = "\(dir)/chromium"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  /// Runs Chromium headless with `arguments`, killing it after ``timeout`` seconds.
  static func runChromium(
    _ executable: String, _ arguments: [String], in directory: String, timeout: TimeInterval = timeout
  ) throws -> Run {
    let run = try ChildProcess.run(
      [
        executable, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
        "--user-data-dir=\(directory)/profile-\(UUID().uuidString)", "--enable-logging=stderr", "--v=0",
      ] + arguments, timeout: timeout)
    return Run(status: run.status, stdout: run.stdout, stderr: run.stderr, timedOut: run.timedOut)
  }

  /// Lines of Chromium's log that report a console message or an uncaught exception.
  static func consoleErrors(_ log: String) -> [Substring] {
    log.split(separator: "\n").filter {
      $0.contains("Uncaught") || $0.contains("ERROR:CONSOLE") || $0.contains(":CONSOLE")
    }
  }

  /// Width and height from a PNG's IHDR chunk, after checking the signature.
  static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
    let bytes = [UInt8](data.prefix(24))
    guard bytes.count == 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
      bytes[12..<16] == [0x49, 0x48, 0x44, 0x52]
    else { return nil }
    func be32(_ i: Int) -> Int { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
    return (be32(16), be32(20))
  }

  func renderAndCheck(directory dir: String, label: String, sections: [String]) throws -> String? {
    guard let chromium = Self.chromium else {
      let message = "chromium is not installed: run ./scripts/setup (it installs the Debian package "
        + "'chromium'); the browser test of journey report needs it"
      Issue.record(Comment(rawValue: message))
      return nil
    }
    let inputs = try ReportInputs.load(directory: dir)
    let page = dir + "/report.html"
    try AtomicFile.write(HTMLReport(inputs: inputs).render(), to: page)
    let url = URL(fileURLWithPath: page).absoluteString
    let screenshot = dir + "/report-\(label).png"

    let shot = try Self.runChromium(
      chromium, ["--screenshot=\(screenshot)", "--window-size=1280,4000", "--hide-scrollbars", url], in: dir)
    #expect(!shot.timedOut, "chromium --screenshot did not finish within \(Self.timeout) s")
    #expect(shot.status == 0, "chromium --screenshot exited \(shot.status): \(shot.stderr.suffix(2000))")
    let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
    #expect(png.count > 10_000, "screenshot is only \(png.count) bytes")
    let size = Self.pngSize(png)
    #expect(size?.width == 1280 && size?.height == 4000, "screenshot size \(String(describing: size))")
    #expect(Self.consoleErrors(shot.stderr).isEmpty, "console: \(Self.consoleErrors(shot.stderr))")
    print("report screenshot (\(label)): \(screenshot)")

    let dump = try Self.runChromium(chromium, ["--dump-dom", url], in: dir)
    #expect(!dump.timedOut, "chromium --dump-dom did not finish within \(Self.timeout) s")
    #expect(dump.status == 0, "chromium --dump-dom exited \(dump.status): \(dump.stderr.suffix(2000))")
    #expect(Self.consoleErrors(dump.stderr).isEmpty, "console: \(Self.consoleErrors(dump.stderr))")
    let dom = dump.stdout
    #expect(dom.contains("<header id=\"header\">"))
    for section in sections {
      #expect(dom.contains("<section id=\"\(section)\">"), "DOM lacks section \(section)")
    }
    #expect(dom.contains("</footer>"), "the page parsed to its end")
    #expect(!dom.contains("<script"), "no script element in the parsed page")
    return dom
  }

  @Test func aHangingBrowserIsKilledAtTheTimeout() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let fake = dir + "/hang.sh"
    try AtomicFile.write("#!/bin/sh\nexec sleep 30\n", to: fake)
    chmod(fake, 0o755)
    let start = Date()
    let run = try Self.runChromium(fake, ["--dump-dom", "file:///nonexistent"], in: dir, timeout: 1)
    #expect(run.timedOut)
    #expect(Date().timeIntervalSince(start) < 15)
  }

  @Test func fullReportRendersInChromium() throws {
    let dir = try ReportFixtures.directory(ReportFixtures.names)
    guard let dom = try renderAndCheck(
      directory: dir, label: "full",
      sections: [
        "totals", "funnel", "conversions", "fan", "increment", "comparison", "response-curves", "spend", "analytics",
        "contribution", "path-attribution", "attribution-evaluation", "fit-summary", "effects", "calibration", "reach",
      ])
    else { return }
    let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
    #expect(dom.occurrences(of: "<svg") == html.occurrences(of: "<svg "), "every chart survives parsing")
    #expect(
      dom.occurrences(of: "<polygon class=\"band\"") == 4 + 3 + 2 + 2,
      "4 fans, 3 increments, 2 reach curves and 2 adstock decays")
  }

  @Test func attributionReportRendersInChromium() throws {
    let dir = try ReportFixtures.directory([ReportInputs.attributionFile])
    guard let dom = try renderAndCheck(
      directory: dir, label: "attribution",
      sections: ["contribution", "path-attribution", "attribution-evaluation"])
    else { return }
    for chart in AttributionReportTests.charts {
      #expect(dom.contains("id=\"\(chart)\""), "chart \(chart) in the parsed page")
    }
    // 6 channels: 2 contribution and 2 revenue bars each, 2 ROAS bars per paid channel (5),
    // 4 path methods, the truth and 5 methods in the evaluation, and 5 error bars.
    #expect(dom.occurrences(of: "<rect class=\"bar\"") == 6 * 2 + 6 * 2 + 5 * 2 + 6 * 4 + 6 * 6 + 5)
    #expect(dom.contains("<table class=\"data\" id=\"evaluation-table\">"))
  }

  @Test func hostileNamesStayTextInChromium() throws {
    let dir = try ReportFixtures.directory(ReportFixtures.names) { _, text in ReportFixtures.hostileText(text) }
    guard let dom = try renderAndCheck(
      directory: dir, label: "hostile",
      sections: [
        "totals", "funnel", "conversions", "fan", "increment", "comparison", "response-curves", "spend", "analytics",
        "contribution", "path-attribution", "attribution-evaluation", "fit-summary", "effects", "calibration", "reach",
      ])
    else { return }
    #expect(!dom.contains("<img"), "an injected element was parsed")
    #expect(!dom.contains("onload=\"alert"), "an injected attribute was parsed")
    #expect(!dom.contains("<b>plan"), "an injected element was parsed")
    #expect(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
  }
}
