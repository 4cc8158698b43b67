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
    let noise = try Comparison(reference: reference, referencePath: path, now: ReferenceRunner.metrics(of: otherSeed))
    #expect(noise.passed, "seed change flagged: \(noise.failures.map(\.metric.label))")

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
    let drift = try Comparison(reference: reference, referencePath: path, now: ReferenceRunner.metrics(of: moved))
    #expect(!drift.passed)
    #expect(drift.failures.contains { $0.metric.metric == "conversions" && $0.metric.period == nil })
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

    try original.replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 0")
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
}

@Suite struct ToleranceTests {
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
    #expect(noise.passed, "seed change flagged: \(noise.failures.map(\.metric.label))")

    try box.edit(box.scenario, replacing: "scale: { search: 1.5 }", with: "scale: { search: 1.65 }")
    let r = try CommandRunner.run(["check", "results"], in: box.root)
    #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.contains("more-search"))
    #expect(!r.stdout.split(separator: "\n").contains { $0.contains(" baseline ") })
  }
}
