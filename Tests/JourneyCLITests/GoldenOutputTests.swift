import Foundation
import Testing
import _JourneyTestSupport

/// Golden files of what `journey` prints and writes, run on the shipped scenarios with fixed
/// seeds and small sizes: every change of an output format shows up as a diff of
/// `Snapshots/`. Re-record deliberately with `RECORD_SNAPSHOTS=1 swift test --filter
/// GoldenOutputTests` and review the diff with git.
///
/// Temporary folders are replaced by `<out>` and decimals of more than 10 significant digits
/// are rounded to 10 (`Snapshot.roundingLongDecimals`); nothing else is normalised.
@Suite struct GoldenOutputTests {
  /// Runs `journey arguments…` (in `directory`, else the repository root), expects success and
  /// an empty standard error, and returns standard output.
  func run(_ arguments: [String], in directory: String? = nil, sourceLocation: SourceLocation = #_sourceLocation)
    throws -> String
  {
    let r = try CommandRunner.run(arguments, in: directory)
    #expect(r.status == 0, "journey \(arguments.joined(separator: " ")): \(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.isEmpty, "unexpected standard error: \(r.stderr)", sourceLocation: sourceLocation)
    return r.stdout
  }

  /// `text` as stored in a snapshot: `out` replaced by `<out>`, long decimals rounded.
  func normalised(_ text: String, out: String? = nil) -> String {
    let replaced = out.map { Snapshot.replacingPath($0, with: "<out>", in: text) } ?? text
    return Snapshot.roundingLongDecimals(replaced)
  }

  /// Asserts the snapshot of the file `name` written to `out`, as `<prefix>-<name>`.
  func assertFile(
    _ name: String, in out: String, prefix: String, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let text = try String(contentsOfFile: out + "/" + name, encoding: .utf8)
    let ext = (name as NSString).pathExtension
    let base = prefix + "-" + (name as NSString).deletingPathExtension
    assertSnapshot(normalised(text, out: out), named: base, as: ext, sourceLocation: sourceLocation)
  }

  // MARK: simulate

  /// 2,000 customers (arrivals scaled alike) instead of a million: the individual engine in
  /// well under a second.
  static let simulate = ["simulate", "scenarios/b2c.yaml", "--population", "2000", "--seed", "42"]

  @Test(arguments: ["table", "csv", "json"])
  func simulateOutput(format: String) throws {
    let out = try CommandRunner.temporaryDirectory()
    let stdout = try run(Self.simulate + ["--out", out, "--format", format])
    assertSnapshot(normalised(stdout, out: out), named: "simulate-b2c", as: format == "table" ? "txt" : format)
  }

  /// The result files, the same whatever the number of threads.
  @Test(arguments: [1, 3])
  func simulateFiles(threads: Int) throws {
    let out = try CommandRunner.temporaryDirectory()
    _ = try run(Self.simulate + ["--out", out, "--threads", "\(threads)"])
    for file in ["summary.json", "periods.csv", "analytics.csv"] {
      try assertFile(file, in: out, prefix: "simulate-b2c")
    }
  }

  // MARK: validate

  @Test func validateShippedScenarios() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: RepositoryFiles.path("scenarios"))
      .filter { $0.hasSuffix(".yaml") }.sorted()
    #expect(!names.isEmpty)
    let stdout = try run(["validate"] + names.map { "scenarios/" + $0 })
    assertSnapshot(normalised(stdout), named: "validate")
  }

  @Test func validateErrors() throws {
    let dir = try CommandRunner.temporaryDirectory()
    try """
      name: two
      horizon: 0
      population: { size: 100 }
      phases: [a, b]
      transitions:
        a: { c: 0.5 }
      """.write(toFile: dir + "/two-errors.yaml", atomically: true, encoding: .utf8)
    let r = try CommandRunner.run(["validate", "scenarios/b2b.yaml", dir + "/two-errors.yaml"])
    #expect(r.status == 2)
    let text = "exit status \(r.status)\n--- stdout\n\(r.stdout)--- stderr\n\(r.stderr)"
    assertSnapshot(normalised(text, out: dir), named: "validate-errors")
  }

  // MARK: fit

  @Test func fitSampleHistory() throws {
    let out = try CommandRunner.temporaryDirectory()
    let stdout = try run([
      "fit", "--journeys", "scenarios/history/word-of-mouth-journeys.csv", "--model", "scenarios/word-of-mouth.yaml",
      "--holdout", "0.2", "--out", out,
    ])
    assertSnapshot(normalised(stdout, out: out), named: "fit-word-of-mouth")
    try assertFile("fit.json", in: out, prefix: "fit-word-of-mouth")
    try assertFile("model.yaml", in: out, prefix: "fit-word-of-mouth")
  }

  // MARK: forecast and optimize

  @Test func forecastBudget() throws {
    let out = try CommandRunner.temporaryDirectory()
    let stdout = try run(["forecast", "scenarios/budget-b2c.yaml", "--replicates", "20", "--seed", "11", "--out", out])
    assertSnapshot(normalised(stdout, out: out), named: "forecast-budget-b2c")
    try assertFile("forecast.json", in: out, prefix: "forecast-budget-b2c")
    try assertFile("forecast.csv", in: out, prefix: "forecast-budget-b2c")
  }

  @Test func optimizeBudget() throws {
    let out = try CommandRunner.temporaryDirectory()
    let stdout = try run(["optimize", "scenarios/budget-b2c.yaml", "--total", "1200000", "--out", out])
    assertSnapshot(normalised(stdout, out: out), named: "optimize-budget-b2c")
    try assertFile("optimize.json", in: out, prefix: "optimize-budget-b2c")
  }

  // MARK: attribute

  /// Path-based attribution of the shipped example paths, with a small bootstrap.
  static let attributePaths = [
    "attribute", "--paths", "scenarios/history/example-paths.csv", "--bootstrap", "20", "--seed", "7",
  ]

  @Test(arguments: ["table", "csv"])
  func attributePathsOutput(format: String) throws {
    let out = try CommandRunner.temporaryDirectory()
    let stdout = try run(Self.attributePaths + ["--out", out, "--format", format])
    assertSnapshot(normalised(stdout, out: out), named: "attribute-paths", as: format == "table" ? "txt" : format)
    try assertFile("attribution.json", in: out, prefix: "attribute-paths")
  }

  /// Model-based contribution (exact Shapley over the six channels) over 12 periods.
  @Test func attributeModelOutput() throws {
    let out = try CommandRunner.temporaryDirectory()
    let stdout = try run(["attribute", "scenarios/b2c.yaml", "--horizon", "12", "--out", out])
    assertSnapshot(normalised(stdout, out: out), named: "attribute-model-b2c", as: "txt")
    try assertFile("attribution.json", in: out, prefix: "attribute-model-b2c")
  }

  // MARK: check

  /// Formats of `journey check`, keyed by snapshot extension.
  static let checkFormats = [("table", "txt"), ("json", "json"), ("junit", "xml")]

  /// The two cheapest shipped references, both holding.
  @Test func checkPasses() throws {
    for (format, ext) in Self.checkFormats {
      let stdout = try run(["check", "scenarios/word-of-mouth.yaml", "scenarios/b2b.yaml", "--format", format])
      assertSnapshot(normalised(stdout), named: "check-pass", as: ext)
    }
  }

  /// The shipped word-of-mouth reference against its scenario with one transition moved
  /// (considering → purchased 0.06 → 0.07): exit 1 and the figures that moved, 7 of the
  /// cohort engine's and 110 of the expected engine's exact figures.
  @Test func checkReportsMovedFigures() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let fm = FileManager.default
    try fm.createDirectory(atPath: dir + "/results/word-of-mouth", withIntermediateDirectories: true)
    try fm.createDirectory(atPath: dir + "/scenarios", withIntermediateDirectories: true)
    try fm.copyItem(
      atPath: RepositoryFiles.path("results/word-of-mouth/reference.json"),
      toPath: dir + "/results/word-of-mouth/reference.json")
    let scenario = try String(contentsOfFile: RepositoryFiles.path("scenarios/word-of-mouth.yaml"), encoding: .utf8)
    let changed = scenario.replacingOccurrences(
      of: "considering: { purchased: 0.06,", with: "considering: { purchased: 0.07,")
    try #require(changed != scenario)
    try changed.write(toFile: dir + "/scenarios/word-of-mouth.yaml", atomically: true, encoding: .utf8)
    for (format, ext) in Self.checkFormats {
      let r = try CommandRunner.run(["check", "--format", format], in: dir)
      #expect(r.status == 1, "\(r.stderr)")
      #expect(r.stderr == "check failed: 117 figures moved beyond tolerance\n", "\(r.stderr)")
      assertSnapshot(normalised(r.stdout, out: dir), named: "check-moved", as: ext)
    }
  }
}

/// The line diff that a failing snapshot prints.
@Suite struct SnapshotDiffTests {
  @Test func equalTextsHaveNoDiff() {
    #expect(Snapshot.lineDiff(expected: "a\nb\n", actual: "a\nb\n") == "")
  }

  @Test func changedLineShowsBothSidesWithLineNumbers() {
    let diff = Snapshot.lineDiff(expected: "a\nb\nc\nd\n", actual: "a\nB\nc\nd\ne\n")
    #expect(
      diff == """
        @@ expected 2, actual 2 @@
        -2 | b
        +2 | B
        @@ expected 5, actual 5 @@
        +5 | e
        """)
  }

  @Test func missingFinalNewlineShows() {
    let diff = Snapshot.lineDiff(expected: "a\n", actual: "a")
    #expect(diff.contains("-1 | a\n+1 | a⏎ (no newline at end)"))
  }

  @Test func diffStopsAfterTheLimit() {
    let expected = (1...100).map { "line \($0)\n" }.joined()
    let actual = (1...100).map { "LINE \($0)\n" }.joined()
    let diff = Snapshot.lineDiff(expected: expected, actual: actual, limit: 40)
    #expect(diff.split(separator: "\n").filter { $0.hasPrefix("-") || $0.hasPrefix("+") }.count == 40)
    #expect(diff.hasSuffix("… 160 more differing lines"))
  }

  @Test func longDecimalsAreRoundedOthersKept() {
    let text = #"{"p" : 0.7215569094643717, "q" : -1.2345678901234e-05, "n" : 0.0103, "v" : "1.8.2", "k" : 1234567}"#
    #expect(
      Snapshot.roundingLongDecimals(text)
        == #"{"p" : 0.7215569095, "q" : -1.23456789e-05, "n" : 0.0103, "v" : "1.8.2", "k" : 1234567}"#)
  }

  @Test func temporaryPathsAreReplacedAlsoWhenEscaped() {
    let text = #"/tmp/x/a.csv "\/tmp\/x\/b.csv""#
    #expect(Snapshot.replacingPath("/tmp/x", with: "<out>", in: text) == #"<out>/a.csv "<out>\/b.csv""#)
  }
}
