import Foundation
import JourneyCheck
import JourneyFormats
import JourneyModel
import JourneySimulation
import Testing
import _JourneyTestSupport

/// A copy of a shipped scenario and its reference in a temporary tree with the same layout.
struct CheckSandbox {
  let root: String
  let scenario: String
  let reference: String

  init(scenario name: String, results folder: String) throws {
    root = try CommandRunner.temporaryDirectory()
    let fm = FileManager.default
    try fm.createDirectory(atPath: root + "/scenarios", withIntermediateDirectories: true)
    try fm.createDirectory(atPath: root + "/results/" + folder, withIntermediateDirectories: true)
    scenario = root + "/scenarios/" + name
    reference = root + "/results/" + folder + "/reference.json"
    try fm.copyItem(atPath: RepositoryFiles.path("scenarios/" + name), toPath: scenario)
    try fm.copyItem(atPath: RepositoryFiles.path("results/" + folder + "/reference.json"), toPath: reference)
  }

  func edit(_ file: String, replacing old: String, with new: String) throws {
    let text = try String(contentsOfFile: file, encoding: .utf8)
    #expect(text.contains(old), "\(old) not in \(file)")
    try text.replacingOccurrences(of: old, with: new).write(toFile: file, atomically: true, encoding: .utf8)
  }
}

@Suite struct CheckGateTests {
  @Test(arguments: ["1", "2"])
  func unchangedCodeAndFilesPassEverywhere(threads: String) throws {
    let r = try CommandRunner.run(["check", "--threads", threads])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    for name in ["b2c-webshop", "b2b-funnel", "word-of-mouth", "bench"] {
      #expect(r.stdout.contains("PASS \(name) "), "\(name) missing or failing")
    }
  }

  @Test func everyShippedScenarioHasAReference() {
    let shipped = RepositoryFiles.scenarioNames.filter { $0.hasSuffix(".yaml") && !$0.hasPrefix("budget") }
    for name in shipped {
      let scenario = try? RepositoryFiles.scenario(name)
      let path = RepositoryFiles.path("results/\(scenario?.name ?? name)/reference.json")
      #expect(FileManager.default.fileExists(atPath: path), "no reference for \(name)")
    }
    #expect(FileManager.default.fileExists(atPath: RepositoryFiles.path("results/q1-budget-shift/reference.json")))
  }

  /// The tolerance separates noise from change: another seed passes, a 3% change fails.
  @Test func seedChangePassesButThreePercentEffectChangeFails() throws {
    let path = RepositoryFiles.path("results/b2c-webshop/reference.json")
    let reference = try Reference.load(path: path)
    let scenario = try RepositoryFiles.scenario("b2c.yaml")

    let otherSeed = try Simulator.run(scenario, engine: .individual, seed: 4_242, threads: 2)
    let exact = try ReferenceRunner.exactMetrics(of: scenario, engine: .individual)
    let noise = try Comparison(
      reference: reference, referencePath: path,
      now: .init(metrics: ReferenceRunner.metrics(of: otherSeed), exact: exact))
    #expect(noise.passed, "seed change flagged: \(noise.failures.map(\.label))")

    var changed = scenario
    for s in changed.segments.indices {
      let p = changed.segments[s].parameters
      let considering = try #require(scenario.phaseIndex(named: "considering"))
      let purchased = try #require(scenario.phaseIndex(named: "purchased"))
      let search = try #require(scenario.channelIndex(named: "search"))
      changed.segments[s].parameters.setEffect(considering, purchased, search, p.effect(considering, purchased, search) + 0.19)
    }
    let before = try Simulator.run(scenario, engine: .expected).totalConversions
    let after = try Simulator.run(changed, engine: .expected).totalConversions
    let shift = after / before - 1
    #expect(shift > 0.02 && shift < 0.04, "the edit moves conversions by \(shift)")
    let moved = try Simulator.run(changed, engine: .individual, seed: reference.seed, threads: 2)
    let drift = try Comparison(
      reference: reference, referencePath: path,
      now: .init(metrics: ReferenceRunner.metrics(of: moved), exact: ReferenceRunner.exactMetrics(of: changed, engine: .individual)))
    #expect(!drift.passed)
    #expect(drift.failures.contains { $0.label == "expected/conversions[total]" })
  }

  @Test func changedScenarioFailsWithATableNamingScenarioAndMetric() throws {
    let box = try CheckSandbox(scenario: "b2c.yaml", results: "b2c-webshop")
    try box.edit(box.scenario, replacing: "considering->purchased: { search: 0.5,", with: "considering->purchased: { search: 0.69,")
    for format in ["table", "junit", "json"] {
      let r = try CommandRunner.run(["check", "results", "--format", format], in: box.root)
      #expect(r.status == 1, "\(format): \(r.stdout)\(r.stderr)")
      #expect(r.stdout.contains("b2c-webshop"))
      #expect(r.stdout.contains("conversions"))
      if format == "table" {
        #expect(r.stdout.contains("FAIL b2c-webshop"))
        #expect(r.stdout.contains("reference") && r.stdout.contains("tolerance") && r.stdout.contains("SEs"))
      }
      if format == "junit" {
        #expect(r.stdout.hasPrefix("<?xml"))
        #expect(r.stdout.contains("<failure message="))
      }
    }
  }

  @Test func updateRewritesDeliberatelyAndReportsTheChange() throws {
    let box = try CheckSandbox(scenario: "b2b.yaml", results: "b2b-funnel")
    try box.edit(box.scenario, replacing: "seed: 7", with: "seed: 7")
    let r = try CommandRunner.run(["check", "results", "--update", "--replicates", "5"], in: box.root)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("updated results/b2b-funnel/reference.json"))
    let again = try CommandRunner.run(["check", "results"], in: box.root)
    #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
  }

  @Test func truncatedEditedAndOldReferencesAreRejected() throws {
    let box = try CheckSandbox(scenario: "b2b.yaml", results: "b2b-funnel")
    let original = try String(contentsOfFile: box.reference, encoding: .utf8)

    try String(original.prefix(original.count / 2)).write(toFile: box.reference, atomically: true, encoding: .utf8)
    var r = try CommandRunner.run(["check", "results"], in: box.root)
    #expect(r.status == 2)
    #expect(r.stderr.contains(#/reference\.json:\d+:\d+: not valid JSON \(/#), "\(r.stderr)")

    let reference = try Reference.load(path: RepositoryFiles.path("results/b2b-funnel/reference.json"))
    var edited = reference
    edited.metrics[3].value += 1
    try edited.jsonData().write(to: URL(fileURLWithPath: box.reference))
    r = try CommandRunner.run(["check", "results"], in: box.root)
    #expect(r.status == 2)
    #expect(r.stderr.contains("checksum: the figures do not match the checksum"))

    // Tolerance may be edited by hand.
    var loosened = reference
    loosened.tolerance.k = 6
    try loosened.jsonData().write(to: URL(fileURLWithPath: box.reference))
    r = try CommandRunner.run(["check", "results"], in: box.root)
    #expect(r.status == 0, "\(r.stderr)")

    try original.replacingOccurrences(of: "\"format_version\" : 2", with: "\"format_version\" : 0")
      .write(toFile: box.reference, atomically: true, encoding: .utf8)
    r = try CommandRunner.run(["check", "results"], in: box.root)
    #expect(r.status == 2)
    #expect(r.stderr.contains("file-format version 0"))
    #expect(r.stderr.contains("not compared"))
  }

  /// Only `tolerance` may be edited: an added key, or a key given twice (Foundation would
  /// silently keep one of the two), is an error naming the file and the key.
  @Test func unknownAndDuplicateKeysAreRejected() throws {
    let box = try CheckSandbox(scenario: "b2b.yaml", results: "b2b-funnel")
    let original = try String(contentsOfFile: box.reference, encoding: .utf8)
    #expect(original.contains("  \"seed\" : 7,\n"))
    try original.replacingOccurrences(of: "  \"seed\" : 7,\n", with: "  \"seed\" : 7,\n  \"comment\" : \"tuned\",\n")
      .write(toFile: box.reference, atomically: true, encoding: .utf8)
    var r = try CommandRunner.run(["check", "results"], in: box.root)
    #expect(r.status == 2)
    #expect(r.stderr.contains(#/results/b2b-funnel/reference\.json:\d+:3: comment: unknown key 'comment'/#), "\(r.stderr)")

    try original.replacingOccurrences(of: "  \"seed\" : 7,\n", with: "  \"seed\" : 7,\n  \"seed\" : 8,\n")
      .write(toFile: box.reference, atomically: true, encoding: .utf8)
    r = try CommandRunner.run(["check", "results"], in: box.root)
    #expect(r.status == 2)
    #expect(r.stderr.contains(#/results/b2b-funnel/reference\.json:\d+:3: seed: duplicate key 'seed' \(first at line \d+\)/#), "\(r.stderr)")
  }

  @Test func missingReferenceIsAClearError() throws {
    let r = try CommandRunner.run(["check", "/nonexistent/reference.json"])
    #expect(r.status == 2)
    #expect(r.stderr.contains("/nonexistent/reference.json"))
  }

  /// Without any reference (no results folder, or one without reference.json) the message
  /// says how to make one.
  @Test func noReferencesSaysHowToMakeOne() throws {
    let dir = try CommandRunner.temporaryDirectory()
    var r = try CommandRunner.run(["check"], in: dir)
    #expect(r.status == 2)
    #expect(r.stderr == "error: results: no references yet: run `journey check FILE --update` with a scenario or budget file\n", "\(r.stderr)")
    try FileManager.default.createDirectory(atPath: dir + "/results/b2c", withIntermediateDirectories: true)
    r = try CommandRunner.run(["check", "results"], in: dir)
    #expect(r.status == 2)
    #expect(r.stderr.contains("no references yet: run `journey check FILE --update`"), "\(r.stderr)")
  }

  /// A missing scenario file fails its own reference; the others are still checked and
  /// printed, and the exit code is 2 (bad input).
  @Test(arguments: ["table", "json", "junit"])
  func missingSourceFailsThatReferenceOnly(format: String) throws {
    let box = try CheckSandbox(scenario: "b2b.yaml", results: "b2b-funnel")
    let other = try CheckSandbox(scenario: "word-of-mouth.yaml", results: "word-of-mouth")
    try FileManager.default.createDirectory(atPath: box.root + "/results/word-of-mouth", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: other.reference, toPath: box.root + "/results/word-of-mouth/reference.json")
    try FileManager.default.copyItem(atPath: other.scenario, toPath: box.root + "/scenarios/word-of-mouth.yaml")
    try FileManager.default.removeItem(atPath: box.scenario)
    let r = try CommandRunner.run(["check", "--format", format], in: box.root)
    #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
    #expect(r.stderr.contains("scenarios/b2b.yaml"), "\(r.stderr)")
    #expect(r.stderr.hasSuffix("error: 1 reference not compared\n"), "\(r.stderr)")
    switch format {
    case "table":
      #expect(r.stdout.contains("FAIL b2b-funnel (results/b2b-funnel/reference.json): not compared: "), "\(r.stdout)")
      #expect(r.stdout.contains("PASS word-of-mouth (results/word-of-mouth/reference.json): 230 figures"), "\(r.stdout)")
    case "json":
      let file = try JSONFile.decode(CheckResultFile.self, from: Data(r.stdout.utf8), file: "stdout")
      #expect(!file.passed)
      #expect(file.results.map(\.passed) == [false, true])
      #expect(file.results[0].error?.contains("scenarios/b2b.yaml") == true)
      #expect(file.results[1].figures == 230)
    default:
      #expect(r.stdout.contains("<error message=\"not compared: "))
      #expect(r.stdout.contains("<testsuite name=\"word-of-mouth\" tests=\"230\" failures=\"0\">"))
    }
  }

  /// A reference of file-format version 1 (no exact figures) is not compared, but
  /// `--update` reads its settings, regenerates it and reports that nothing moved.
  @Test func versionOneReferenceIsRegenerated() throws {
    let box = try CheckSandbox(scenario: "b2b.yaml", results: "b2b-funnel")
    var old = try Reference.load(path: box.reference)
    old.formatVersion = 1
    old.exact = []
    old.checksum = old.computedChecksum()
    var json = try #require(JSONSerialization.jsonObject(with: old.jsonData()) as? [String: Any])
    json["exact"] = nil
    var tolerance = try #require(json["tolerance"] as? [String: Any])
    tolerance["exact"] = nil
    json["tolerance"] = tolerance
    try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]).write(to: URL(fileURLWithPath: box.reference))
    #expect(try Reference.loadForUpdate(path: box.reference).metrics == old.metrics)

    var r = try CommandRunner.run(["check"], in: box.root)
    #expect(r.status == 2)
    #expect(r.stderr.contains("file-format version 1; this journey reads version 2 only (version 2 adds the expected engine's exact figures"), "\(r.stderr)")

    r = try CommandRunner.run(["check", "--update", "--threads", "2"], in: box.root)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("updated results/b2b-funnel/reference.json (from file-format version 1): 0 of 84 figures moved beyond tolerance"), "\(r.stdout)")
    #expect(r.stdout.contains("smallest change of total conversions detected: 0.0001% through the expected engine's exact figures"), "\(r.stdout)")
    r = try CommandRunner.run(["check"], in: box.root)
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
  }
}

/// The gate on a small individual-engine scenario (5,000 customers, as teams use for
/// quick models): its Monte Carlo tolerance is wide (several percent), so the expected
/// engine's exact figures are what catch a 3% change; a seed or thread-count change passes.
@Suite struct SmallScenarioGateTests {
  /// The B2C webshop with 5,000 customers and no arrivals, and its reference.
  static func sandbox() throws -> CheckSandbox {
    let box = try CheckSandbox(scenario: "b2c.yaml", results: "b2c-webshop")
    try box.edit(box.scenario, replacing: "name: b2c-webshop", with: "name: small-shop")
    try box.edit(box.scenario, replacing: "size: 1000000", with: "size: 5000")
    try box.edit(box.scenario, replacing: "arrivals: 5000", with: "arrivals: 0")
    try FileManager.default.removeItem(atPath: box.root + "/results/b2c-webshop")
    let r = try CommandRunner.run(["check", "scenarios/b2c.yaml", "--update", "--replicates", "20"], in: box.root)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("wrote results/small-shop/reference.json: 115 figures, individual engine"), "\(r.stdout)")
    #expect(r.stdout.contains("smallest change of total conversions detected: 0.0001% through the expected engine's exact figures"), "\(r.stdout)")
    return box
  }

  static func reference(_ box: CheckSandbox) -> String { box.root + "/results/small-shop/reference.json" }

  @Test func threadCountChangeGivesIdenticalFigures() throws {
    let box = try Self.sandbox()
    for threads in ["1", "2", "3"] {
      let r = try CommandRunner.run(["check", "--threads", threads], in: box.root)
      #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
      #expect(r.stdout == "PASS small-shop (results/small-shop/reference.json): 230 figures within tolerance (all identical to the reference)\n")
    }
  }

  /// Another seed moves the Monte Carlo figures within their noise, never the exact ones;
  /// the PASS line names the closest figure in standard errors.
  @Test(arguments: [1 as UInt64, 2, 3])
  func seedChangePasses(offset: UInt64) throws {
    let box = try Self.sandbox()
    let reference = try Reference.load(path: Self.reference(box))
    #expect(reference.metrics.first { $0.label == "conversions[total]" }!.sd > 0)
    var reseeded = reference
    reseeded.seed += offset
    let noise = try Comparison(
      reference: reference, referencePath: Self.reference(box),
      now: ReferenceRunner.rerun(reseeded, at: Self.reference(box), threads: 2))
    #expect(noise.passed, "seed change flagged: \(noise.failures.map(\.label))")
    #expect(noise.rows.filter(\.exact).allSatisfy { $0.now == $0.metric.value })
    let closest = try #require(noise.closest)
    #expect(!closest.exact)
    #expect(CheckOutput.line(noise).contains(#/230 figures within tolerance \(closest: [a-z_]+\[(\d+|total)\] at \d+\.\d sd of 5\)/#), "\(CheckOutput.line(noise))")
  }

  /// A baseline probability and an effect edited so that total conversions move by about
  /// 3% (checked with the expected engine): the check fails on the exact figures.
  @Test(arguments: [
    ("considering: { purchased: 0.05,", "considering: { purchased: 0.054,"),
    ("considering->purchased: { search: 0.5,", "considering->purchased: { search: 0.25,"),
  ])
  func threePercentChangeFails(old: String, new: String) throws {
    let box = try Self.sandbox()
    let reference = try Reference.load(path: Self.reference(box))
    try box.edit(box.scenario, replacing: old, with: new)
    let changed = try Scenario.load(path: box.scenario)
    let before = try #require(reference.exact.first { $0.label == "conversions[total]" }).value
    let after = try Simulator.run(changed, engine: .expected).totalConversions
    let shift = Swift.abs(after / before - 1)
    #expect(shift > 0.025 && shift < 0.035, "the edit moves conversions by \(shift)")
    // The Monte Carlo tolerance alone could not see it.
    let total = try #require(reference.metrics.first { $0.label == "conversions[total]" })
    #expect(reference.tolerance.bound(for: total) > 1.5 * shift * before)

    let r = try CommandRunner.run(["check", "--threads", "2"], in: box.root)
    #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.hasPrefix("FAIL small-shop (results/small-shop/reference.json): "), "\(r.stdout)")
    #expect(r.stdout.contains(#/small-shop +expected +- +conversions +total .* exact/#), "\(r.stdout)")
  }
}

@Suite struct ToleranceTests {
  @Test func exactFiguresHoldWithinTheRelativeExactTolerance() {
    let t = Reference.Tolerance(absolute: 1e-6, relative: 1e-9, k: 5, exact: 1e-6, metrics: ["spend": .init(exact: 1e-3)])
    #expect(t.exactBound(for: .init(metric: "conversions", value: 4_000, sd: 30)) == 4e-3)
    #expect(t.exactBound(for: .init(metric: "conversions", value: 0)) == 1e-6)
    #expect(t.exactBound(for: .init(metric: "spend", value: 1_000)) == 1)
  }

  @Test func detectableChangeComesFromTheTotalsAndTheTolerance() {
    let reference = Reference(
      kind: .simulate, source: "s.yaml", scenario: "s", engine: .individual, seed: 1, replicates: 20,
      tolerance: .default, metrics: [.init(metric: "conversions", value: 1_000, sd: 10)],
      exact: [.init(metric: "conversions", value: 990)])
    let d = reference.detectable
    #expect(d.plan == nil)
    #expect(abs(d.exact! - 1e-6) < 1e-15)
    #expect(abs(d.monteCarlo! - 5 * 2.0.squareRoot() * 10 / 1_000) < 1e-12)
    #expect(CheckOutput.detectable(d, engine: .individual) == "smallest change of total conversions detected: 0.0001% through the expected engine's exact figures (any change of the scenario or the model); 7.1% through the individual engine's own figures (k·√2·sd)")
  }

  @Test func largestOfTheThreeBoundsApplies() {
    let t = Reference.Tolerance(absolute: 2, relative: 0.01, k: 4, metrics: ["spend": .init(absolute: nil, relative: 0.1, k: nil)])
    #expect(t.bound(for: .init(metric: "conversions", value: 100, sd: 0)) == 2)
    #expect(t.bound(for: .init(metric: "conversions", value: 1_000, sd: 0)) == 10)
    #expect(abs(t.bound(for: .init(metric: "conversions", value: 1_000, sd: 10)) - 4 * 2.0.squareRoot() * 10) < 1e-12)
    #expect(t.bound(for: .init(metric: "spend", value: 1_000, sd: 0)) == 100)
  }
}

@Suite struct ForecastReferenceTests {
  /// A budget file's reference: another seed passes, a 10% lift of one plan's search
  /// spend fails on that plan's figures.
  @Test func forecastReferenceSeparatesNoiseFromChange() throws {
    let box = try CheckSandbox(scenario: "budget-b2c.yaml", results: "q1-budget-shift")
    try FileManager.default.copyItem(atPath: RepositoryFiles.path("scenarios/b2c.yaml"), toPath: box.root + "/scenarios/b2c.yaml")
    let reference = try Reference.load(path: box.reference)
    #expect(reference.kind == .forecast)
    var reseeded = reference
    reseeded.seed = 99
    let noise = try Comparison(
      reference: reference, referencePath: box.reference,
      now: ReferenceRunner.rerun(reseeded, at: box.reference, threads: 2))
    #expect(noise.passed, "seed change flagged: \(noise.failures.map(\.label))")
    #expect(noise.rows.filter(\.exact).allSatisfy { $0.now == $0.metric.value }, "exact figures do not depend on the seed")

    try box.edit(box.scenario, replacing: "scale: { search: 1.5 }", with: "scale: { search: 1.65 }")
    let r = try CommandRunner.run(["check", "results"], in: box.root)
    #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.contains("more-search"))
    #expect(!r.stdout.split(separator: "\n").contains { $0.contains(" baseline ") })
  }
}
