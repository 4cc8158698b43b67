import Foundation
import JourneyFormats
import JourneyModel
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

  /// A spend of 1e308 would overflow the totals: it is refused where it is written, with
  /// its line and YAML path, and nothing is written (the JSON encoder's own non-finite
  /// check is tested in JourneyFormatsTests).
  @Test func hugeSpendIsRefusedBeforeAnythingIsWritten() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let text = try String(contentsOfFile: RepositoryFiles.path("scenarios/b2c.yaml"), encoding: .utf8)
    #expect(text.contains("spend: { weekly: 20000,"))
    try text.replacingOccurrences(of: "spend: { weekly: 20000,", with: "spend: { weekly: 1e308,")
      .write(toFile: dir + "/huge.yaml", atomically: true, encoding: .utf8)
    let r = try CommandRunner.run(["simulate", dir + "/huge.yaml", "--engine", "expected", "--out", dir + "/out"])
    #expect(r.status == 2)
    #expect(r.stderr.contains("\(dir)/huge.yaml:"), "\(r.stderr)")
    #expect(r.stderr.contains("spend 1e308 is above the limit of 1e+15"), "\(r.stderr)")
    #expect(!r.stderr.contains("NSCocoaErrorDomain"))
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

@Suite struct FitCommandTests {
  @Test func fitsTheSampleHistoryAndWritesModelAndReport() throws {
    let out = try CommandRunner.temporaryDirectory()
    let r = try CommandRunner.run([
      "fit", "--journeys", "scenarios/history/word-of-mouth-journeys.csv", "--model", "scenarios/word-of-mouth.yaml",
      "--holdout", "0.2", "--out", out,
    ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("110630 rows, 2255 customers"))
    #expect(r.stdout.contains("calibration (hold-out transitions)"))
    #expect(FileManager.default.fileExists(atPath: out + "/model.yaml"))
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/fit.json")))
    let diagnostics = try #require((json as? [String: Any])?["diagnostics"] as? [String: Any])
    #expect(diagnostics["calibration_set"] as? String == "holdout")
    #expect((diagnostics["calibration"] as? [Any])?.isEmpty == false)
    let simulate = try CommandRunner.run(["simulate", out + "/model.yaml", "--engine", "expected", "--out", out + "/sim"])
    #expect(simulate.status == 0, "\(simulate.stderr)")
  }

  /// A log large enough to be read in chunks: the same files on 1, 2 and 3 threads.
  @Test func threadsDoNotChangeTheFit() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let path = dir + "/journeys.csv"
    let phases = ["unaware", "aware", "considering", "purchased", "lost"]
    let channels = ["", "search", "tv", "search;tv", "social", "email;social"]
    var text = "customer_id,period,phase,channels\n"
    text.reserveCapacity(6_000_000)
    for t in 0..<25 {
      for c in 0..<6_000 {
        let phase = phases[min(4, (c * 7 + t * 3) % 11 / 2)]
        text += "customer-\(c),\(t),\(phase),\(channels[(c + t * 5) % channels.count])\n"
      }
    }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    #expect(text.utf8.count > 4 << 20)
    var outputs: [[Data]] = []
    for threads in ["1", "2", "3"] {
      let out = dir + "/out-\(threads)"
      let r = try CommandRunner.run(["fit", "--journeys", path, "--holdout", "0.2", "--threads", threads, "--out", out])
      #expect(r.status == 0, "\(r.stderr)")
      outputs.append(try ["fit.json", "model.yaml"].map { try Data(contentsOf: URL(fileURLWithPath: out + "/" + $0)) })
    }
    #expect(outputs[0] == outputs[1])
    #expect(outputs[0] == outputs[2])
    let bad = try CommandRunner.run(["fit", "--journeys", path, "--threads", "0", "--out", dir + "/bad"])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("--threads"))
  }

  @Test func badJourneyLogExitsTwoNamingFileAndLine() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let path = dir + "/bad.csv"
    try "customer_id,period,phase,channels\n1,0,unaware,\n1,x,aware,\n".write(toFile: path, atomically: true, encoding: .utf8)
    let r = try CommandRunner.run(["fit", "--journeys", path, "--model", "scenarios/word-of-mouth.yaml", "--out", dir + "/out"])
    #expect(r.status == 2)
    #expect(r.stderr.contains("\(path):3: period: 'x' is not a period"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/out/model.yaml"))
  }

  @Test func rawExportsEndToEnd() throws {
    let dir = try CommandRunner.temporaryDirectory()
    try """
      customer_id,timestamp,phase
      1,2024-01-01T09:00:00Z,unaware
      1,2024-01-09T10:00:00+01:00,aware
      2,2024-01-02,unaware
      3,2024-01-03 08:00,unaware
      3,2024-01-17 08:00,aware
      """.write(toFile: dir + "/stage_events.csv", atomically: true, encoding: .utf8)
    try """
      customer_id,timestamp,channel
      1,2024-01-08T12:00:00Z,search
      2,2024-01-20T12:00:00Z,social
      3,2024-01-16T12:00:00Z,search
      9,2024-01-16T12:00:00Z,search
      """.write(toFile: dir + "/touchpoints.csv", atomically: true, encoding: .utf8)
    let r = try CommandRunner.run([
      "fit", "--stages", dir + "/stage_events.csv", "--touchpoints", dir + "/touchpoints.csv", "--period", "week",
      "--timezone", "Europe/Berlin", "--model", "scenarios/word-of-mouth.yaml", "--out", dir + "/out", "--format", "json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let warnings = try #require(json["warnings"] as? [String])
    #expect(warnings.contains { $0.contains("bucketed into weeks in Europe/Berlin from 2024-01-01") })
    #expect(warnings.contains { $0.contains("1 touchpoints of 1 customers without stage events") })
    #expect(FileManager.default.fileExists(atPath: dir + "/out/model.yaml"))

    try "customer_id,timestamp,phase\n1,yesterday,unaware\n".write(toFile: dir + "/bad.csv", atomically: true, encoding: .utf8)
    let bad = try CommandRunner.run([
      "fit", "--stages", dir + "/bad.csv", "--touchpoints", dir + "/touchpoints.csv", "--out", dir + "/out2",
    ])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("\(dir)/bad.csv:2: timestamp: 'yesterday' is not an ISO-8601 timestamp"))
  }

  @Test func spendFitsReachCurvesAndWarnsOnConstantSpend() throws {
    let dir = try CommandRunner.temporaryDirectory()
    try """
      name: pulsing
      period: week
      horizon: 30
      seed: 5
      population: { size: 8000, initial: { unaware: 1.0 } }
      phases: [unaware, aware, { name: purchased, conversion: true, absorbing: true }]
      transitions:
        unaware: { aware: 0.10 }
        aware: { purchased: 0.08 }
      channels:
        search:
          spend: { weekly: 1000, on: 3, off: 2, flights: [ { from: 10, to: 14, scale: 3.0 } ] }
          adstock: 0.4
          reach: { max: 0.5, half: 800, shape: 1.5 }
        email:
          spend: 300
          adstock: 0
          reach: { max: 0.3, half: 100, shape: 1 }
      effects:
        unaware->aware: { search: 0.8 }
      """.write(toFile: dir + "/pulsing.yaml", atomically: true, encoding: .utf8)
    let sim = try CommandRunner.run(["simulate", dir + "/pulsing.yaml", "--out", dir + "/sim", "--journeys", dir + "/journeys.csv"])
    #expect(sim.status == 0, "\(sim.stderr)")
    var spend = "period,channel,spend\n"
    for t in 0..<30 {
      let search = t % 5 < 3 ? (10...14).contains(t) ? 3000 : 1000 : 0
      spend += "\(t),search,\(search)\n\(t),email,300\n"
    }
    try spend.write(toFile: dir + "/spend.csv", atomically: true, encoding: .utf8)
    let r = try CommandRunner.run([
      "fit", "--journeys", dir + "/journeys.csv", "--model", dir + "/pulsing.yaml", "--spend", dir + "/spend.csv",
      "--out", dir + "/out",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("reach"))
    #expect(r.stdout.contains("warning: email: spend never varies"))
    let model = try String(contentsOfFile: dir + "/out/model.yaml", encoding: .utf8)
    #expect(model.contains("values: [1000, 1000, 1000, 0, 0"))
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/fit.json"))) as? [String: Any])
    #expect((json["reach"] as? [Any])?.count == 1)

    try "period,channel,spend\n0,search,-1\n".write(toFile: dir + "/bad-spend.csv", atomically: true, encoding: .utf8)
    let bad = try CommandRunner.run([
      "fit", "--journeys", dir + "/journeys.csv", "--model", dir + "/pulsing.yaml", "--spend", dir + "/bad-spend.csv",
      "--out", dir + "/out3",
    ])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("bad-spend.csv:2: spend: negative spend -1"))
  }
}

@Suite struct HostileInputTests {
  @Test func hugeNumberExitsTwoWithAShortMessage() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let path = dir + "/huge.yaml"
    let digits = String(repeating: "9", count: 10_000_000)
    try "name: h\nhorizon: \(digits)\npopulation: { size: 10 }\nphases: [a, b]\n"
      .write(toFile: path, atomically: true, encoding: .utf8)
    let r = try CommandRunner.run(["validate", path])
    #expect(r.status == 2)
    #expect(r.stderr.contains("\(path):2:10: horizon: integer '99999"))
    #expect(r.stderr.contains("(10000000 bytes)"))
    #expect(r.stderr.utf8.count < 1_000)
  }

  @Test func budgetWhoseModelIsNotAScenarioExitsTwoWithoutPrintingIt() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let secret = (0..<20).map { "user\($0):x:\($0):\($0):secret-\($0):/home:/bin/sh" }.joined(separator: "\n")
    try secret.write(toFile: dir + "/passwd", atomically: true, encoding: .utf8)
    try "name: b\nmodel: passwd\nplans: [ { name: base } ]\n"
      .write(toFile: dir + "/budget.yaml", atomically: true, encoding: .utf8)
    let r = try CommandRunner.run(["forecast", dir + "/budget.yaml", "--out", dir + "/out"])
    #expect(r.status == 2)
    #expect(r.stderr.contains("\(dir)/passwd:1:1: the file is not a scenario"))
    #expect(!r.stderr.contains("secret"))
  }

  @Test func invalidUTF8ExitsTwoNamingLineAndColumn() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let path = dir + "/latin1.yaml"
    var bytes = Array("name: h\nhorizon: 3\nphases: [caf".utf8)
    bytes += [0xE9]
    bytes += Array("]\n".utf8)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let r = try CommandRunner.run(["validate", path])
    #expect(r.status == 2)
    #expect(r.stderr.contains("\(path):3:13: the file is not valid UTF-8 text: byte 0xE9"))
  }
}

@Suite struct CSVRoundTripTests {
  /// Every field of a CSV file the tool wrote, through the shared tokenizer, with formula
  /// guards undone.
  func records(_ path: String) throws -> [[String]] {
    var out: [[String]] = []
    try CSVReader.forEachRecord(path: path) { (csv, b) throws(InputErrors) in
      out.append(csv.texts(in: b).map(CSV.unneutralised))
    }
    return out
  }

  /// Phases, channels and segments named `a,b`, `x"y`, with a newline or like a formula
  /// survive periods.csv, analytics.csv and the journey log, and the log fits.
  @Test func oddNamesRoundTripThroughEveryCSV() throws {
    let dir = try CommandRunner.temporaryDirectory()
    try #"""
      name: odd
      period: week
      horizon: 6
      seed: 3
      population: { size: 300, initial: { "a,b": 1.0 }, arrivals: 10 }
      phases: ["a,b", "x\"y", "new\nline", "=sum", { name: "won", conversion: true, absorbing: true }]
      transitions:
        "a,b": { "x\"y": 0.3 }
        "x\"y": { "new\nline": 0.3 }
        "new\nline": { "=sum": 0.3 }
        "=sum": { won: 0.3 }
      channels:
        "c,1": { spend: 100, adstock: 0, reach: { max: 0.5, half: 50, shape: 1 } }
        "-tv\"": { spend: 100, adstock: 0, reach: { max: 0.4, half: 50, shape: 1 } }
      effects:
        "a,b->x\"y": { "c,1": 0.5 }
      segments:
        - { name: "s,1", share: 0.5 }
        - { name: "@s\n2", share: 0.5 }
      """#.write(toFile: dir + "/odd.yaml", atomically: true, encoding: .utf8)
    let phases = ["a,b", "x\"y", "new\nline", "=sum", "won"]
    let channels = ["c,1", "-tv\""]
    let sim = try CommandRunner.run(["simulate", dir + "/odd.yaml", "--out", dir + "/sim", "--journeys", dir + "/journeys.csv"])
    #expect(sim.status == 0, "\(sim.stderr)")

    let periods = try records(dir + "/sim/periods.csv")
    #expect(periods.count == 7)
    #expect(periods[0] == ["period", "spend", "conversions", "revenue", "cpa"] + phases.map { "n_" + $0 }
      + phases.map { "entries_" + $0 } + channels.map { "spend_" + $0 } + channels.map { "exposure_" + $0 })
    #expect(periods.allSatisfy { $0.count == periods[0].count })

    let analytics = try records(dir + "/sim/analytics.csv")
    #expect(analytics[0] == ["segment", "phase", "conversion_probability", "periods_to_conversion", "periods_to_absorption"])
    #expect(analytics.dropFirst().map { [$0[0], $0[1]] } == ["s,1", "@s\n2"].flatMap { s in phases.map { [s, $0] } })

    let log = try records(dir + "/journeys.csv")
    #expect(log[0] == JourneyLogFormat.columns + ["segment"])
    #expect(Set(log.dropFirst().map { $0[2] }).isSubset(of: Set(phases)))
    #expect(Set(log.dropFirst().flatMap { $0[3].split(separator: ";").map(String.init) }) == Set(channels))
    #expect(Set(log.dropFirst().map { $0[4] }) == ["s,1", "@s\n2"])

    let fit = try CommandRunner.run([
      "fit", "--journeys", dir + "/journeys.csv", "--model", dir + "/odd.yaml", "--out", dir + "/fit",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    let inferred = try CommandRunner.run(["fit", "--journeys", dir + "/journeys.csv", "--out", dir + "/fit2"])
    #expect(inferred.status == 0, "\(inferred.stderr)")
    #expect(inferred.stdout.contains("channels (first seen): "))
    #expect(phases.dropLast().allSatisfy { inferred.stdout.contains($0) })
  }

  /// One stage event dated 9999-12-31 is refused with exit 2 and a short message.
  @Test func farFutureRawExportExitsTwo() throws {
    let dir = try CommandRunner.temporaryDirectory()
    var stages = "customer_id,timestamp,phase\n"
    for c in 0..<500 { stages += "\(c),2024-01-0\(1 + c % 7),unaware\n\(c),2024-02-0\(1 + c % 7),aware\n" }
    stages += "42,9999-12-31,aware\n"
    try stages.write(toFile: dir + "/stage_events.csv", atomically: true, encoding: .utf8)
    try "customer_id,timestamp,channel\n1,2024-01-08T12:00:00Z,search\n".write(
      toFile: dir + "/touchpoints.csv", atomically: true, encoding: .utf8)
    let r = try CommandRunner.run([
      "fit", "--stages", dir + "/stage_events.csv", "--touchpoints", dir + "/touchpoints.csv", "--model",
      "scenarios/word-of-mouth.yaml", "--out", dir + "/out",
    ])
    #expect(r.status == 2)
    #expect(r.stderr.contains("\(dir)/stage_events.csv:1002: timestamp: '9999-12-31' lies far outside the bulk of the data"))
    #expect(r.stderr.contains("1 of 1001 stage events"))
    #expect(r.stderr.count < 1_000)
    #expect(!FileManager.default.fileExists(atPath: dir + "/out/model.yaml"))
  }
}

/// Progress lines: on standard error when it is a terminal, never in a pipe.
@Suite struct ProgressDisplayTests {
  @Test func importShowsTheBytesReadOnATerminalOnly() throws {
    let dir = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // About 3 MB of events: several reports of the bytes read.
    var text = "customer_id,timestamp,stage,channel\n"
    for c in 0..<40_000 {
      text += "customer-\(c),2024-01-0\(1 + c % 3),lead,search\ncustomer-\(c),2024-01-1\(c % 5),won,newsletter\n"
    }
    try text.write(toFile: dir + "/events.csv", atomically: true, encoding: .utf8)
    let size = text.utf8.count
    let shown = try CommandRunner.runOnTerminal(["import", "events", dir + "/events.csv", "-o", dir + "/a.csv"])
    #expect(shown.status == 0, "\(shown.stdout)")
    let whole = String(format: "%.0f", Double(size) / 1e6)
    #expect(shown.stdout.contains("\rreading \(whole) of \(whole) MB (100%)"), "\(shown.stdout.prefix(600))")
    #expect(shown.stdout.components(separatedBy: "\rreading ").count - 1 >= 2, "\(shown.stdout.prefix(600))")
    // The line is cleared before the report.
    #expect(shown.stdout.contains("\r\u{1B}[Kread 80000 rows"), "\(shown.stdout.prefix(600))")
    let piped = try CommandRunner.run(["import", "events", dir + "/events.csv", "-o", dir + "/b.csv"])
    #expect(piped.status == 0)
    #expect(!piped.stderr.contains("reading") && !piped.stderr.contains("\r"), "\(piped.stderr)")
    #expect(piped.stderr.hasPrefix("read 80000 rows"), "\(piped.stderr)")
    // The same journey log either way.
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/a.csv")) == Data(contentsOf: URL(fileURLWithPath: dir + "/b.csv")))
    // Fitting from the events or from the log shows the same kind of line.
    for input in [["--events", dir + "/events.csv"], ["--journeys", dir + "/a.csv"]] {
      let fit = try CommandRunner.runOnTerminal(["fit"] + input + ["--out", dir + "/fit"])
      #expect(fit.status == 0, "\(fit.stdout)")
      #expect(fit.stdout.contains("\rreading ") && fit.stdout.contains("MB (100%)\r\u{1B}[K"), "\(fit.stdout.prefix(600))")
    }
  }

  @Test func attributionShowsTheLogReadAndTheReplicates() throws {
    let dir = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let arguments = [
      "attribute", "scenarios/word-of-mouth.yaml", "--journeys", "scenarios/history/word-of-mouth-journeys.csv",
      "--bootstrap", "20",
    ]
    let shown = try CommandRunner.runOnTerminal(arguments + ["--out", dir + "/a"])
    #expect(shown.status == 0, "\(shown.stdout)")
    #expect(shown.stdout.contains("\rreading 2 of 2 MB (100%)"), "\(shown.stdout.prefix(600))")
    #expect(shown.stdout.contains("\rbootstrap replicates 20/20"), "\(shown.stdout.prefix(600))")
    let piped = try CommandRunner.run(arguments + ["--out", dir + "/b"])
    #expect(piped.status == 0)
    #expect(!piped.stderr.contains("\r") && !piped.stdout.contains("\r"), "\(piped.stderr)")
  }
}
