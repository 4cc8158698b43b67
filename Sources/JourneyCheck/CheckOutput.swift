import Foundation
import JourneyFormats

/// Renders comparisons for people (table), machines (JSON) and CI systems (JUnit XML).
public enum CheckOutput {
  /// One line per reference (PASS with the closest figure, FAIL with the count moved or
  /// why it was not compared), then a table of the figures that moved.
  public static func table(_ comparisons: [Comparison]) -> String {
    var out = ""
    for c in comparisons {
      out += line(c) + "\n"
    }
    let failures = comparisons.flatMap { c in c.failures.map { (c, $0) } }
    if !failures.isEmpty {
      out += "\n" + failureTable(failures)
    }
    return out
  }

  /// The PASS or FAIL line of one reference.
  public static func line(_ c: Comparison) -> String {
    let head = "\(c.passed ? "PASS" : "FAIL") \(c.scenario) (\(c.referencePath)): "
    if let problem = c.problem {
      return head + "not compared: \(problem)"
    }
    if !c.passed {
      return head + "\(c.failures.count) of \(c.rows.count) figures moved"
    }
    let closest = c.closest.map { "closest: \($0.closeness)" } ?? "all identical to the reference"
    return head + "\(c.rows.count) figures within tolerance (\(closest))"
  }

  /// The table of moved figures: scenario, engine (the reference's or `expected`), plan,
  /// metric, period, reference, now, tolerance and standard errors.
  static func failureTable(_ failures: [(Comparison, Comparison.Row)]) -> String {
    var rows = [["scenario", "engine", "plan", "metric", "period", "reference", "now", "tolerance", "SEs"]]
    for (c, row) in failures {
      rows.append([
        c.scenario, row.exact ? "expected" : c.engine, row.metric.plan ?? "-", row.metric.metric,
        row.metric.period.map(String.init) ?? "total",
        number(row.metric.value), number(row.now), number(row.tolerance),
        row.standardErrors.map { NumberText.grouped($0, decimals: 1) } ?? "exact",
      ])
    }
    return NumberText.table(rows)
  }

  /// Two decimals, or the exact figure when two decimals would hide the difference.
  static func number(_ x: Double) -> String {
    x != 0 && Swift.abs(x) < 0.005 ? String(format: "%.2e", x) : NumberText.grouped(x, decimals: 2)
  }

  /// What `journey check --update` prints about a reference's power: the smallest change
  /// of total conversions it detects.
  public static func detectable(_ d: Reference.Detectable, engine: Reference.Engine) -> String {
    let what = "total conversions" + (d.plan.map { " of plan \($0)" } ?? "")
    var parts: [String] = []
    if let exact = d.exact {
      parts.append("\(percent(exact)) through the expected engine's exact figures (any change of the scenario or the model)")
    }
    if let mc = d.monteCarlo {
      parts.append("\(percent(mc)) through the \(engine.rawValue) engine's own figures (k·√2·sd)")
    }
    if parts.isEmpty { return "smallest change of \(what) detected: not known (no total conversions)" }
    return "smallest change of \(what) detected: " + parts.joined(separator: "; ")
  }

  /// `3.1%`, `0.079%`, `0.0001%`.
  static func percent(_ share: Double) -> String {
    let p = share * 100
    if p >= 0.1 { return String(format: "%.1f%%", p) }
    return String(format: "%.2g%%", p)
  }

  /// The comparisons as a ``CheckResultFile``.
  public static func file(_ comparisons: [Comparison]) -> CheckResultFile {
    CheckResultFile(
      passed: comparisons.allSatisfy(\.passed),
      results: comparisons.map { c in
        CheckResultFile.Result(
          scenario: c.scenario, reference: c.referencePath, engine: c.problem == nil ? c.engine : nil,
          passed: c.passed, figures: c.rows.count,
          moved: c.failures.map { row in
            CheckResultFile.Moved(
              plan: row.metric.plan, metric: row.metric.metric, period: row.metric.period, exact: row.exact,
              reference: row.metric.value, now: row.now, tolerance: row.tolerance, standardErrors: row.standardErrors)
          },
          closest: c.closest.map { .init(figure: $0.label, used: $0.used, standardErrors: $0.standardErrors) },
          detectable: c.detectable, error: c.problem)
      })
  }

  public static func json(_ comparisons: [Comparison]) throws -> Data {
    try JSONFile.encode(file(comparisons), file: "journey check output")
  }

  /// JUnit XML: one test suite per reference, one test case per figure; a reference that
  /// was not compared is one test case with an error.
  public static func junit(_ comparisons: [Comparison]) -> String {
    let tests = comparisons.reduce(0) { $0 + ($1.problem == nil ? $1.rows.count : 1) }
    let failures = comparisons.reduce(0) { $0 + $1.failures.count }
    let errors = comparisons.filter { $0.problem != nil }.count
    var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    out += "<testsuites name=\"journey check\" tests=\"\(tests)\" failures=\"\(failures)\""
    out += errors > 0 ? " errors=\"\(errors)\">\n" : ">\n"
    for c in comparisons {
      if let problem = c.problem {
        out += "  <testsuite name=\"\(xml(c.scenario))\" tests=\"1\" failures=\"0\" errors=\"1\">\n"
        out += "    <testcase classname=\"\(xml(c.scenario))\" name=\"reference\">\n"
        out += "      <error message=\"\(xml("not compared: \(problem)"))\">\(xml(c.referencePath))</error>\n"
        out += "    </testcase>\n  </testsuite>\n"
        continue
      }
      out += "  <testsuite name=\"\(xml(c.scenario))\" tests=\"\(c.rows.count)\" failures=\"\(c.failures.count)\">\n"
      for row in c.rows {
        out += "    <testcase classname=\"\(xml(c.scenario))\" name=\"\(xml(row.label))\""
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
