import Foundation
import Testing
import _JourneyTestSupport

@Suite struct SimulateCommandTests {
  @Test func expectedEngineWritesResultFilesAndPrintsSummary() throws {
    let out = try CommandRunner.temporaryDirectory()
    let r = try CommandRunner.run(["simulate", "scenarios/b2c.yaml", "--engine", "expected", "--out", out])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("b2c-webshop: expected engine, seed 42, 52 weeks"))
    #expect(r.stdout.contains("conversions"))
    for file in ["periods.csv", "summary.json", "analytics.csv"] {
      #expect(FileManager.default.fileExists(atPath: out + "/" + file), "missing \(file)")
    }
    let csv = try String(contentsOfFile: out + "/periods.csv", encoding: .utf8)
    #expect(csv.split(separator: "\n").count == 53)
    #expect(csv.hasPrefix("period,spend,conversions,revenue,cpa,n_unaware,"))
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
    let root = try #require(json as? [String: Any])
    #expect(root["format_version"] as? Int == 1)
    #expect(root["engine"] as? String == "expected")
    // No temporary files are left behind.
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".tmp") }
    #expect(leftovers.isEmpty)
  }

  @Test func sameSeedGivesIdenticalFilesWhateverTheThreads() throws {
    let a = try CommandRunner.temporaryDirectory()
    let b = try CommandRunner.temporaryDirectory()
    let j1 = a + "/journeys.csv"
    let j2 = b + "/journeys.csv"
    let r1 = try CommandRunner.run(["simulate", "scenarios/b2b.yaml", "--seed", "5", "--threads", "1", "--out", a, "--journeys", j1])
    let r2 = try CommandRunner.run(["simulate", "scenarios/b2b.yaml", "--seed", "5", "--threads", "2", "--out", b, "--journeys", j2])
    #expect(r1.status == 0 && r2.status == 0, "\(r1.stderr)\(r2.stderr)")
    for file in ["periods.csv", "summary.json", "journeys.csv"] {
      let x = try Data(contentsOf: URL(fileURLWithPath: a + "/" + file))
      let y = try Data(contentsOf: URL(fileURLWithPath: b + "/" + file))
      #expect(x == y, "\(file) differs between 1 and 2 threads")
    }
    let log = try String(contentsOfFile: j1, encoding: .utf8)
    #expect(log.hasPrefix("customer_id,period,phase,channels\n1,0,"))
  }

  @Test func formatsCsvAndJson() throws {
    let out = try CommandRunner.temporaryDirectory()
    let csv = try CommandRunner.run(["simulate", "scenarios/b2b.yaml", "--engine", "cohort", "--out", out, "--format", "csv"])
    #expect(csv.status == 0)
    #expect(csv.stdout.hasPrefix("period,spend,conversions"))
    let json = try CommandRunner.run(["simulate", "scenarios/b2b.yaml", "--engine", "cohort", "--out", out, "--format", "json"])
    #expect(json.status == 0)
    #expect((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) != nil)
  }

  @Test func badScenarioExitsTwoNamingFileLineAndPath() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let path = dir + "/bad.yaml"
    try """
      name: bad
      horizon: 4
      population: { size: 100 }
      phases: [a, b]
      transitions:
        a: { b: 1.5 }
      """.write(toFile: path, atomically: true, encoding: .utf8)
    let r = try CommandRunner.run(["simulate", path, "--out", dir + "/out"])
    #expect(r.status == 2)
    #expect(r.stderr.contains("\(path):6:"))
    #expect(r.stderr.contains("transitions.a.b"))
    #expect(r.stderr.contains("1.5"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
  }

  @Test func missingFileAndBadFlagsExitTwo() throws {
    let missing = try CommandRunner.run(["simulate", "scenarios/does-not-exist.yaml"])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("does-not-exist.yaml"))
    let journeysWithCohort = try CommandRunner.run(["simulate", "scenarios/b2c.yaml", "--engine", "cohort", "--journeys", "/tmp/x.csv"])
    #expect(journeysWithCohort.status == 2)
    #expect(journeysWithCohort.stderr.contains("--engine individual"))
    let badEngine = try CommandRunner.run(["simulate", "scenarios/b2c.yaml", "--engine", "magic"])
    #expect(badEngine.status == 2)
    let zeroThreads = try CommandRunner.run(["simulate", "scenarios/b2c.yaml", "--threads", "0"])
    #expect(zeroThreads.status == 2)
  }

  @Test func unwritableOutputExitsTwo() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let blocker = dir + "/file"
    try "x".write(toFile: blocker, atomically: true, encoding: .utf8)
    let r = try CommandRunner.run(["simulate", "scenarios/b2b.yaml", "--engine", "expected", "--out", blocker + "/sub"])
    #expect(r.status == 2)
    #expect(r.stderr.contains(blocker))
  }

  @Test func helpExitsZero() throws {
    let r = try CommandRunner.run(["simulate", "--help"])
    #expect(r.status == 0)
    #expect(r.stdout.contains("--engine"))
  }
}

@Suite struct ValidateCommandTests {
  @Test func shippedScenariosValidate() throws {
    let r = try CommandRunner.run(["validate", "scenarios/b2c.yaml", "scenarios/b2b.yaml", "scenarios/word-of-mouth.yaml", "scenarios/bench.yaml"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.split(separator: "\n").filter { $0.hasPrefix("OK ") }.count == 4)
  }

  @Test func everyErrorIsReported() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let path = dir + "/two-errors.yaml"
    try """
      name: two
      horizon: 0
      population: { size: 100 }
      phases: [a, b]
      transitions:
        a: { c: 0.5 }
      """.write(toFile: path, atomically: true, encoding: .utf8)
    let r = try CommandRunner.run(["validate", path])
    #expect(r.status == 2)
    #expect(r.stderr.contains("\(path):2:"))
    #expect(r.stderr.contains("horizon"))
    #expect(r.stderr.contains("\(path):6:"))
    #expect(r.stderr.contains("unknown phase 'c'"))
  }
}
