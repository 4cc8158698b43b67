import Foundation
import JourneyFormats
import JourneyModel
import Testing
import _JourneyTestSupport

/// Where results go: one folder per run, chosen from the command's input, never beside the
/// reference of another input, and never a committed file (docs/commands.md).
@Suite struct ResultsFolderCommandTests {
  /// A temporary copy of the shipped scenarios, the sample history and the b2c reference.
  func sandbox() throws -> String {
    let dir = try CommandRunner.temporaryDirectory()
    try FileManager.default.copyItem(atPath: RepositoryFiles.path("scenarios"), toPath: dir + "/scenarios")
    for name in ["b2c-webshop", "word-of-mouth"] {
      try FileManager.default.createDirectory(atPath: dir + "/results/" + name, withIntermediateDirectories: true)
      try FileManager.default.copyItem(
        atPath: RepositoryFiles.path("results/\(name)/reference.json"), toPath: dir + "/results/\(name)/reference.json")
    }
    return dir
  }

  func files(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
  }

  @Test func simulateWithAJourneyLogWritesOneFolder() throws {
    let dir = try sandbox()
    let r = try CommandRunner.run(
      ["simulate", "scenarios/b2b.yaml", "--population", "500", "--journeys", "results/b2b-history/journeys.csv"], in: dir)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(files(dir + "/results/b2b-history") == ["analytics.csv", "journeys.csv", "periods.csv", "summary.json"])
    #expect(!FileManager.default.fileExists(atPath: dir + "/results/b2b-funnel"))
  }

  @Test func simulateWithoutAJourneyLogUsesTheScenarioName() throws {
    let dir = try sandbox()
    let r = try CommandRunner.run(["simulate", "scenarios/b2c.yaml", "--engine", "expected"], in: dir)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(files(dir + "/results/b2c-webshop") == ["analytics.csv", "periods.csv", "reference.json", "summary.json"])
  }

  /// A fitted model keeps its scenario's name; its results never land beside that
  /// scenario's reference.
  @Test func aFittedModelIsNotSimulatedBesideTheScenariosReference() throws {
    let dir = try sandbox()
    let fit = try CommandRunner.run(
      [
        "fit", "--journeys", "scenarios/history/word-of-mouth-journeys.csv", "--model", "scenarios/word-of-mouth.yaml",
        "--out", "fitted",
      ], in: dir)
    #expect(fit.status == 0, "\(fit.stderr)")
    let r = try CommandRunner.run(["simulate", "fitted/model.yaml", "--engine", "expected"], in: dir)
    #expect(r.status == 2)
    #expect(r.stderr.contains("results folder 'results/word-of-mouth' holds the reference of '../../scenarios/word-of-mouth.yaml'"))
    #expect(r.stderr.contains("--out DIR"))
    #expect(files(dir + "/results/word-of-mouth") == ["reference.json"])
    let elsewhere = try CommandRunner.run(
      ["simulate", "fitted/model.yaml", "--engine", "expected", "--out", "results/fitted"], in: dir)
    #expect(elsewhere.status == 0, "\(elsewhere.stderr)")
  }

  @Test func anotherScenarioIsNotWrittenBesideAReference() throws {
    let dir = try sandbox()
    let r = try CommandRunner.run(
      ["simulate", "scenarios/b2b.yaml", "--engine", "expected", "--out", "results/b2c-webshop"], in: dir)
    #expect(r.status == 2)
    #expect(files(dir + "/results/b2c-webshop") == ["reference.json"])
    let log = try CommandRunner.run(
      ["simulate", "scenarios/b2b.yaml", "--population", "100", "--journeys", "results/b2c-webshop/journeys.csv"], in: dir)
    #expect(log.status == 2)
    #expect(files(dir + "/results/b2c-webshop") == ["reference.json"])
  }

  @Test func aFitIsNotWrittenBesideAReference() throws {
    let dir = try sandbox()
    let r = try CommandRunner.run(
      [
        "fit", "--journeys", "scenarios/history/word-of-mouth-journeys.csv", "--model", "scenarios/word-of-mouth.yaml",
        "--out", "results/word-of-mouth",
      ], in: dir)
    #expect(r.status == 2)
    #expect(r.stderr.contains("results/word-of-mouth/model.yaml"))
    #expect(files(dir + "/results/word-of-mouth") == ["reference.json"])
  }

  @Test func theOwnerOfAReferenceIsItsSource() throws {
    let dir = try sandbox()
    #expect(throws: Never.self) {
      try ResultsFolder.checkOwner(dir + "/results/b2c-webshop", input: dir + "/scenarios/b2c.yaml")
    }
    #expect(throws: Never.self) { try ResultsFolder.checkOwner(dir + "/results/none", input: dir + "/scenarios/b2b.yaml") }
    let e = #expect(throws: InputError.self) {
      try ResultsFolder.checkOwner(dir + "/results/b2c-webshop", input: dir + "/scenarios/b2b.yaml")
    }
    #expect(e?.kind == .notAllowed)
    // An unreadable reference belongs to nobody.
    try Data("{".utf8).write(to: URL(fileURLWithPath: dir + "/results/word-of-mouth/reference.json"))
    #expect(throws: InputError.self) {
      try ResultsFolder.checkOwner(dir + "/results/word-of-mouth", input: dir + "/scenarios/word-of-mouth.yaml")
    }
  }

  @Test func versionComesFromThePackage() throws {
    let r = try CommandRunner.run(["--version"])
    #expect(r.status == 0)
    #expect(r.stdout == "journey \(JourneyKit.version)\n")
    #expect(JourneyKit.version.split(separator: ".").count == 3)
  }

  /// What the commands write under results/ is ignored by git; the references are not.
  @Test(.enabled(if: FileManager.default.fileExists(atPath: RepositoryFiles.path(".git"))))
  func resultsAreIgnoredButReferencesAreNot() throws {
    func ignored(_ path: String) throws -> Bool {
      try ChildProcess.run(["git", "-C", RepositoryFiles.root.path, "check-ignore", "-q", "--no-index", path]).status == 0
    }
    for path in [
      "results/b2c-webshop/summary.json", "results/b2c-webshop/report.html", "results/fit/model.yaml",
      "results/b2b-history/journeys.csv", "results/main/forecast/report.html",
    ] {
      #expect(try ignored(path), "\(path) is not git-ignored")
    }
    #expect(try !ignored("results/b2c-webshop/reference.json"))
  }
}
