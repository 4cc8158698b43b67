import ArgumentParser
import Foundation
import JourneyFormats
import JourneyReports

/// `journey report`: one self-contained HTML page from the result files in a directory.
struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write an HTML report with charts from the results in a directory.",
    discussion: """
      Reads whichever of summary.json (journey simulate), forecast.json (journey forecast), \
      optimize.json (journey optimize), attribution.json (journey attribute) and fit.json \
      (journey fit) exist in DIR and writes one self-contained HTML page: a funnel of phase \
      counts, conversions per period, forecast fan charts, each plan's increment over the \
      baseline per period, a comparison of budget plans, response curves with the bounds and \
      the optimal allocation, the allocation per period, spend per channel, the \
      absorbing-chain analytics, each channel's contribution with ROAS, the path-based \
      attribution and its evaluation against the truth, and for a fit its warnings, the \
      channel effects with 95% intervals, the calibration and the reach and adstock curves, \
      for the parts the files provide. Money is shown in the files' currency (the scenario's \
      or budget's currency: key). Files of unrelated runs (different models) are refused \
      with exit 2; see docs/reports.md. The page uses inline SVG and CSS only: no scripts, \
      fonts or network. The same files give the same bytes.

      Example:
        journey simulate scenarios/b2c.yaml --out results/b2c-webshop
        journey report results/b2c-webshop
        wrote results/b2c-webshop/report.html (summary.json)
      """
  )

  @Argument(help: "Directory with summary.json, forecast.json, optimize.json, attribution.json and/or fit.json.")
  var directory: String

  @Option(help: "Where to write the page (default: DIR/report.html).")
  var out: String?

  func run() throws {
    let inputs = try ReportInputs.load(directory: directory)
    let path = out ?? URL(fileURLWithPath: directory).appendingPathComponent("report.html").path
    try AtomicFile.write(HTMLReport(inputs: inputs).render(), to: path)
    let shown = out ?? (directory.hasSuffix("/") ? directory + "report.html" : directory + "/report.html")
    print("wrote \(shown) (\(inputs.sourceFiles.joined(separator: ", ")))")
  }
}
