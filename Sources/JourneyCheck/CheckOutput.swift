import Foundation
import JourneyFormats

/// Renders comparisons for people (table), machines (JSON) and CI systems (JUnit XML).
public enum CheckOutput {
  public static func table(_ comparisons: [Comparison]) -> String {
    var out = ""
    for c in comparisons {
      if c.passed {
        out += "PASS \(c.scenario) (\(c.referencePath)): \(c.rows.count) figures within tolerance\n"
      } else {
        out += "FAIL \(c.scenario) (\(c.referencePath)): \(c.failures.count) of \(c.rows.count) figures moved\n"
      }
    }
    let failures = comparisons.flatMap { c in c.failures.map { (c.scenario, $0) } }
    if !failures.isEmpty {
      var rows = [["scenario", "plan", "metric", "period", "reference", "now", "tolerance", "SEs"]]
      for (scenario, row) in failures {
        rows.append([
          scenario, row.metric.plan ?? "-", row.metric.metric, row.metric.period.map(String.init) ?? "total",
          NumberText.grouped(row.metric.value, decimals: 2), NumberText.grouped(row.now, decimals: 2),
          NumberText.grouped(row.tolerance, decimals: 2),
          row.standardErrors.map { NumberText.grouped($0, decimals: 1) } ?? "exact",
        ])
      }
      out += "\n" + NumberText.table(rows)
    }
    return out
  }

  /// The comparisons as a ``CheckResultFile``.
  public static func file(_ comparisons: [Comparison]) -> CheckResultFile {
    CheckResultFile(
      passed: comparisons.allSatisfy(\.passed),
      results: comparisons.map { c in
        CheckResultFile.Result(
          scenario: c.scenario, reference: c.referencePath, passed: c.passed, figures: c.rows.count,
          moved: c.failures.map { row in
            CheckResultFile.Moved(
              plan: row.metric.plan, metric: row.metric.metric, period: row.metric.period, reference: row.metric.value,
              now: row.now, tolerance: row.tolerance, standardErrors: row.standardErrors)
          })
      })
  }

  public static func json(_ comparisons: [Comparison]) throws -> Data {
    try JSONFile.encode(file(comparisons), file: "journey check output")
  }

  /// JUnit XML: one test suite per reference, one test case per figure.
  public static func junit(_ comparisons: [Comparison]) -> String {
    let tests = comparisons.reduce(0) { $0 + $1.rows.count }
    let failures = comparisons.reduce(0) { $0 + $1.failures.count }
    var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    out += "<testsuites name=\"journey check\" tests=\"\(tests)\" failures=\"\(failures)\">\n"
    for c in comparisons {
      out += "  <testsuite name=\"\(xml(c.scenario))\" tests=\"\(c.rows.count)\" failures=\"\(c.failures.count)\">\n"
      for row in c.rows {
        out += "    <testcase classname=\"\(xml(c.scenario))\" name=\"\(xml(row.metric.label))\""
        if row.passed {
          out += "/>\n"
        } else {
          let z = row.standardErrors.map { String(format: "%.1f SEs", $0) } ?? "exact figure"
          let message = "moved from \(NumberText.exact(row.metric.value)) to \(NumberText.exact(row.now)); tolerance \(NumberText.exact(row.tolerance)) (\(z))"
          out += ">\n      <failure message=\"\(xml(message))\">\(xml(c.referencePath))</failure>\n    </testcase>\n"
        }
      }
      out += "  </testsuite>\n"
    }
    return out + "</testsuites>\n"
  }

  /// XML text and attribute escaping (the same five characters as HTML).
  static func xml(_ s: String) -> String { HTML.escape(s) }
}
