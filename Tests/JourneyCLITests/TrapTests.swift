import Foundation
import Testing
import _JourneyTestSupport

/// Inputs that used to crash, escape `results/`, or leave files behind: each exits 2 with a
/// message naming the file or option and a bounded value, or cleans up after itself.
@Suite struct TrapTests {
  /// A scenario file with the given name, segments and population.
  static func scenario(
    in dir: String, file: String = "s.yaml", name: String = "trap", segments: Int = 1, size: Int = 100,
    arrivals: Int = 0, horizon: Int = 3
  ) throws -> String {
    var text = """
      name: '\(name)'
      horizon: \(horizon)
      population: { size: \(size), arrivals: \(arrivals) }
      phases: [a, b]
      transitions:
        a: { b: 0.5 }

      """
    if segments > 1 {
      text += "segments:\n"
      for s in 0..<segments { text += "  - { name: s\(s), share: \(1 / Double(segments)) }\n" }
    }
    let path = dir + "/" + file
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func tooManySegmentsIsAnErrorNamingTheFileAndTheLimit() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let path = try Self.scenario(in: dir, segments: 300)
    for engine in ["individual", "cohort"] {
      let r = try CommandRunner.run(["simulate", path, "--engine", engine, "--out", dir + "/out"])
      #expect(r.status == 2, "\(r.stderr)")
      #expect(r.stderr.contains(path))
      #expect(r.stderr.contains("300 segments declared; at most 256 are allowed"), "\(r.stderr)")
    }
  }

  @Test func theMostSegmentsRunOnTheIndividualEngine() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let path = try Self.scenario(in: dir, segments: 256, size: 2_000)
    let r = try CommandRunner.run(["simulate", path, "--engine", "individual", "--out", dir + "/out"])
    #expect(r.status == 0, "\(r.stderr)")
  }

  @Test(arguments: ["individual", "cohort", "expected"])
  func populationScalingLargeArrivalsIsAnError(engine: String) throws {
    let dir = try CommandRunner.temporaryDirectory()
    let path = try Self.scenario(in: dir, size: 10, arrivals: 1_000_000_000_000)
    for population in ["1000000000000", "100000"] {
      let r = try CommandRunner.run(["simulate", path, "--engine", engine, "--population", population, "--out", dir + "/out"])
      #expect(r.status == 2, "\(r.stderr)")
      #expect(r.stderr.contains("--population"), "\(r.stderr)")
      #expect(r.stderr.contains("at most 1000000000000 (10^12) arrivals per period"), "\(r.stderr)")
      #expect(r.stderr.count < 400)
    }
    #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
  }

  @Test func populationScalingWithinLimitsRuns() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let path = try Self.scenario(in: dir, size: 1_000, arrivals: 1_000_000_000)
    let r = try CommandRunner.run(["simulate", path, "--engine", "cohort", "--population", "1000000", "--out", dir + "/out"])
    #expect(r.status == 0, "\(r.stderr)")
  }

  @Test(arguments: ["../../escaped", "a/b", ".hidden", String(repeating: "n", count: 101)])
  func namesThatLeaveResultsAreRefusedByEveryCommand(name: String) throws {
    let dir = try CommandRunner.temporaryDirectory()
    try FileManager.default.createDirectory(atPath: dir + "/scenarios", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: dir + "/work/deep", withIntermediateDirectories: true)
    let model = try Self.scenario(in: dir + "/scenarios", file: "model.yaml", name: name)
    let budget = dir + "/scenarios/budget.yaml"
    try """
      name: '\(name)'
      model: model.yaml
      horizon: 2
      replicates: 2
      plans:
        - { name: baseline }
      """.write(toFile: budget, atomically: true, encoding: .utf8)
    let work = dir + "/work/deep"
    let runs: [[String]] = [
      ["simulate", model, "--engine", "expected"],
      ["forecast", budget],
      ["optimize", budget, "--total", "10"],
      ["check", model, "--update"],
      ["check", budget, "--update"],
    ]
    for arguments in runs {
      let r = try CommandRunner.run(arguments, in: work)
      #expect(r.status == 2, "\(arguments): \(r.stderr)")
      #expect(r.stderr.contains(arguments[1]), "\(arguments): \(r.stderr)")
      #expect(r.stderr.contains("cannot name a folder under results/"), "\(arguments): \(r.stderr)")
      #expect(r.stderr.count < 600)
    }
    // Nothing was written anywhere under the temporary folder but the inputs.
    let written = (FileManager.default.enumerator(atPath: dir)?.compactMap { $0 as? String } ?? [])
      .filter { !$0.hasPrefix("scenarios") && $0 != "work" && $0 != "work/deep" }
    #expect(written.isEmpty, "\(written)")
  }

  @Test(arguments: [
    ("inf", "total inf is infinite; expected a finite budget ≥ 0"),
    ("nan", "total is not a number (nan); expected a budget ≥ 0"),
    ("-5", "total -5.0 is negative; expected a budget ≥ 0"),
  ])
  func nonFiniteTotalsSayWhatIsWrong(total: String, message: String) throws {
    let out = try CommandRunner.temporaryDirectory()
    let r = try CommandRunner.run(["optimize", "scenarios/budget-b2c.yaml", "--total=\(total)", "--out", out])
    #expect(r.status == 2)
    #expect(r.stderr.contains("--total: " + message), "\(r.stderr)")
    #expect(!r.stderr.contains("is negative") || total == "-5")
  }

  @Test func sigtermRemovesTheTemporaryFilesAndExits143() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let process = try ChildProcess(
      [
        CommandRunner.executable.path, "simulate", "scenarios/b2c.yaml", "--population", "5000000", "--threads", "1",
        "--journeys", dir + "/journeys.csv", "--out", dir,
      ], directory: RepositoryFiles.root.path, output: .discard)
    // Wait until the journey log's temporary file exists, then interrupt mid-run.
    let deadline = Date().addingTimeInterval(60)
    var seen = false
    while Date() < deadline && process.isRunning {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
      if names.contains(where: { $0.hasSuffix(".tmp") }) {
        seen = true
        break
      }
      usleep(20_000)
    }
    #expect(seen, "no temporary file appeared")
    usleep(200_000)
    #expect(process.isRunning, "the run finished before it could be interrupted")
    process.signal(SIGTERM)
    // A run that ignores the signal fails the test instead of hanging it.
    if !process.wait(timeout: 30) { process.signal(SIGKILL) }
    let outcome = process.outcome()
    #expect(outcome.exited)
    #expect(outcome.status == 143)
    let left = try FileManager.default.contentsOfDirectory(atPath: dir)
    #expect(left.isEmpty, "\(left)")
  }

  @Test func staleTemporaryFilesOfKilledRunsAreRemovedByTheNextWrite() throws {
    let dir = try CommandRunner.temporaryDirectory()
    // A process id that no longer runs: a child that has exited.
    let child = try ChildProcess.run(["/bin/sh", "-c", "exit 0"])
    let stale = dir + "/.summary.json.\(child.pid).12345.tmp"
    let other = dir + "/.notes.txt.tmp"
    try "half".write(toFile: stale, atomically: false, encoding: .utf8)
    try "mine".write(toFile: other, atomically: false, encoding: .utf8)
    let r = try CommandRunner.run(["simulate", "scenarios/b2b.yaml", "--engine", "expected", "--out", dir])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: stale))
    #expect(FileManager.default.fileExists(atPath: other), "a file not named like a temporary file stays")
  }

  @Test func fitIsTheSameBytesWhateverTheBLASThreads() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let log = dir + "/journeys.csv"
    let sim = try CommandRunner.run([
      "simulate", "scenarios/b2c.yaml", "--population", "20000", "--journeys", log, "--out", dir + "/sim",
    ])
    #expect(sim.status == 0, "\(sim.stderr)")
    var reports: [Data] = []
    for threads in ["1", "2"] {
      let out = dir + "/fit-\(threads)"
      let r = try CommandRunner.run(
        ["fit", "--journeys", log, "--model", "scenarios/b2c.yaml", "--ridge", "0.1", "--out", out],
        environment: ["OPENBLAS_NUM_THREADS": threads])
      #expect(r.status == 0, "\(r.stderr)")
      reports.append(try Data(contentsOf: URL(fileURLWithPath: out + "/fit.json")))
    }
    #expect(reports[0] == reports[1])
  }

  /// A journey log with periods far from 0 and a spend file used to size the reach fit's
  /// arrays by the last period (800 GB for period 10^11: a crash). Periods are 0 to
  /// 99,999 in every file that has them; beyond, the file and line are named, exit 2.
  @Test func periodsPastTheLimitAreAnErrorNotACrash() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let spend = dir + "/spend.csv"
    try "period,channel,spend\n0,search,10\n1,search,20\n".write(toFile: spend, atomically: true, encoding: .utf8)
    for period in ["100000000000", "20240105", "100000"] {
      let log = dir + "/log.csv"
      try "customer_id,period,phase,channels\na,\(period),p,search\nb,3,q,\n".write(toFile: log, atomically: true, encoding: .utf8)
      let r = try CommandRunner.run(["fit", "--journeys", log, "--spend", spend, "--out", dir + "/out"])
      #expect(r.status == 2, "\(r.stderr)")
      #expect(r.stderr.contains("\(log):2: period: period \(Int(period)!) is out of range; expected a whole number from 0 to 99999"), "\(r.stderr)")
      #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }
    // The path reader of `journey attribute --journeys` reads the same periods.
    let scenario = try Self.scenario(in: dir)
    let paths = dir + "/paths.csv"
    try "customer_id,period,phase,channels\nx,0,a,\nx,100000,b,\n".write(toFile: paths, atomically: true, encoding: .utf8)
    let attributed = try CommandRunner.run(["attribute", scenario, "--journeys", paths, "--out", dir + "/attribution"])
    #expect(attributed.status == 2, "\(attributed.stderr)")
    #expect(attributed.stderr.contains("\(paths):3"), "\(attributed.stderr)")
    #expect(attributed.stderr.contains("period 100000 is out of range"), "\(attributed.stderr)")
    let far = dir + "/far.csv"
    try "customer_id,period,phase,channels\na,99999,p,search\nb,0,q,\n".write(toFile: far, atomically: true, encoding: .utf8)
    let r = try CommandRunner.run(["fit", "--journeys", far, "--spend", spend, "--out", dir + "/out"])
    #expect(r.status == 0, "\(r.stderr)")
  }
}
