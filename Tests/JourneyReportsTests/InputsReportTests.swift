import Foundation
import JourneyModel
import JourneyReports
import Testing
import _JourneyTestSupport

/// Reading result files: what is accepted and the errors for what is not.
@Suite struct InputsReportTests {
  @Test(arguments: ReportFixtures.names)
  func eachFixtureDecodesAlone(name: String) throws {
    let dir = try ReportFixtures.directory([name])
    let inputs = try ReportInputs.load(directory: dir)
    #expect(inputs.sourceFiles == [name])
  }

  @Test func fixturesDecodeTheirFields() throws {
    let inputs = try ReportInputs.load(directory: try ReportFixtures.directory(ReportFixtures.names))
    let s = try #require(inputs.simulation)
    #expect(s.scenario == "b2c-webshop" && s.engine == "expected" && s.seed == 42 && s.horizon == 52)
    #expect(s.periods?.count == 52)
    #expect(s.analytics?.segments?.map(\.segment) == ["b2c", "b2b"])
    let f = try #require(inputs.forecast)
    #expect(f.plans?.map(\.name) == ["baseline", "search +25%", "shift 20% tv to social", "total budget -15%"])
    #expect(f.parameterUncertainty == false && f.replicates == 200)
    #expect(f.plans?[1].periods?[10].conversions?.p95 != nil)
    let o = try #require(inputs.optimization)
    #expect(o.channelNames == ["display", "email", "search", "social", "tv"])
    #expect(o.bounds?["tv"] == [500_000, 2_600_000])
  }

  @Test func aDirectoryWithoutResultsListsWhatWasLookedFor() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let e = #expect(throws: InputError.self) { try ReportInputs.load(directory: dir) }
    #expect(
      e == InputError(
        .missing, file: dir,
        "no result files; expected at least one of: summary.json, forecast.json, optimize.json, "
          + "attribution.json, fit.json (written by journey simulate, journey forecast, journey optimize, "
          + "journey attribute and journey fit)"))
  }

  @Test func aMissingDirectoryIsNamed() throws {
    let e = #expect(throws: InputError.self) { try ReportInputs.load(directory: "/nonexistent/results") }
    #expect(e?.file == "/nonexistent/results")
    #expect(e?.description.contains("not a directory") == true)
  }

  @Test func aWrongFormatNamesTheFileAndTheExpectedFormat() throws {
    let dir = try ReportFixtures.directory(["forecast.json"]) { _, text in
      text.replacingOccurrences(of: "\"journeykit-forecast\"", with: "\"journeykit-optimization\"")
    }
    let file = URL(fileURLWithPath: dir).appendingPathComponent("forecast.json").path
    let e = #expect(throws: InputError.self) { try ReportInputs.load(directory: dir) }
    #expect(
      e == InputError(
        .notAllowed, file: file, line: 2, path: "format",
        "format 'journeykit-optimization' is not a journey forecast result; expected 'journeykit-forecast'"))
  }

  @Test(arguments: ReportFixtures.names)
  func anUnknownVersionIsRejected(name: String) throws {
    let dir = try ReportFixtures.directory([name]) { _, text in
      text.replacingOccurrences(of: "\"format_version\": 1", with: "\"format_version\": 7")
        .replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 7")
    }
    let file = URL(fileURLWithPath: dir).appendingPathComponent(name).path
    let e = #expect(throws: InputError.self) { try ReportInputs.load(directory: dir) }
    #expect(
      e == InputError(
        .range, file: file, path: "format_version",
        "unknown format_version 7; this version of journey reads format_version 1"))
  }

  @Test func malformedJSONNamesTheFileAndWhatWasExpected() throws {
    let dir = try ReportFixtures.directory(["optimize.json"]) { _, text in String(text.prefix(300)) }
    let e = #expect(throws: InputError.self) { try ReportInputs.load(directory: dir) }
    #expect(e?.kind == .syntax)
    #expect(e?.file.hasSuffix("/optimize.json") == true)
    #expect(e?.description.contains("not valid JSON") == true)
    #expect(
      e?.description.hasSuffix(
        "expected a JSON object written by journey optimize (format 'journeykit-optimization', format_version 1)") == true)
  }

  @Test func aValueOfTheWrongTypeNamesItsPath() throws {
    let dir = try CommandRunner.temporaryDirectory()
    try ReportFixtures.write(
      #"{"format": "journeykit-forecast", "format_version": 1, "plans": [{"name": "a", "totals": {"spend": "lots"}}]}"#,
      as: "forecast.json", in: dir)
    let file = URL(fileURLWithPath: dir).appendingPathComponent("forecast.json").path
    let e = #expect(throws: InputError.self) { try ReportInputs.load(directory: dir) }
    #expect(e == InputError(.type, file: file, line: 1, column: 100, path: "plans[0].totals.spend", "expected a number"))
  }

  @Test func aPlanWithoutANameIsReported() throws {
    let dir = try CommandRunner.temporaryDirectory()
    try ReportFixtures.write(
      #"{"format": "journeykit-forecast", "format_version": 1, "plans": [{"periods": []}]}"#,
      as: "forecast.json", in: dir)
    let e = #expect(throws: InputError.self) { try ReportInputs.load(directory: dir) }
    #expect(e?.kind == .missing)
    #expect(e?.path == "plans[0].name")
  }

  @Test func emptyAndNonObjectFilesAreReported() throws {
    let dir = try CommandRunner.temporaryDirectory()
    try ReportFixtures.write("\n", as: "summary.json", in: dir)
    let e = #expect(throws: InputError.self) { try ReportInputs.load(directory: dir) }
    #expect(e?.kind == .empty)
    try ReportFixtures.write("[1, 2]", as: "summary.json", in: dir)
    let f = #expect(throws: InputError.self) { try ReportInputs.load(directory: dir) }
    #expect(f?.kind == .type)
    #expect(f?.description.contains("not a JSON object") == true)
    try ReportFixtures.write(#"{"format": "journeykit-simulation"}"#, as: "summary.json", in: dir)
    let g = #expect(throws: InputError.self) { try ReportInputs.load(directory: dir) }
    #expect(g?.path == "format_version")
  }
}

/// `journey report` end to end: files written, messages and exit codes.
@Suite struct CommandReportTests {
  @Test func writesReportHTMLIntoTheDirectory() throws {
    let dir = try ReportFixtures.directory(ReportFixtures.names)
    let outcome = try CommandRunner.run(["report", dir])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stdout == "wrote \(dir)/report.html (summary.json, forecast.json, optimize.json, attribution.json, fit.json)\n")
    let written = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
    #expect(written == HTMLReport(inputs: try ReportInputs.load(directory: dir)).render())
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".tmp") }
    #expect(leftovers.isEmpty)
  }

  @Test func outChoosesTheFileAndRunsRepeatByteForByte() throws {
    let dir = try ReportFixtures.directory(["forecast.json", "optimize.json"])
    let out = try CommandRunner.temporaryDirectory() + "/sub/page.html"
    let first = try CommandRunner.run(["report", dir, "--out", out])
    #expect(first.status == 0, "\(first.stderr)")
    let a = try Data(contentsOf: URL(fileURLWithPath: out))
    let second = try CommandRunner.run(["report", dir, "--out", out])
    #expect(second.status == 0)
    #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == a)
    #expect(!FileManager.default.fileExists(atPath: dir + "/report.html"))
  }

  @Test func badInputExitsWithCodeTwo() throws {
    let empty = try CommandRunner.temporaryDirectory()
    let none = try CommandRunner.run(["report", empty])
    #expect(none.status == 2)
    #expect(none.stderr.contains("error: \(empty): no result files; expected at least one of: summary.json, forecast.json, optimize.json"))
    let bad = try ReportFixtures.directory(["summary.json"]) { _, text in
      text.replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 2")
    }
    let version = try CommandRunner.run(["report", bad])
    #expect(version.status == 2)
    #expect(version.stderr.contains("summary.json: format_version: unknown format_version 2"))
    #expect(!FileManager.default.fileExists(atPath: bad + "/report.html"))
  }

  @Test(arguments: ReportFixtures.names)
  func aFileOfFormatVersion99ExitsTwoNamingIt(name: String) throws {
    let dir = try ReportFixtures.directory([name]) { _, text in
      text.replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 99")
    }
    let r = try CommandRunner.run(["report", dir])
    #expect(r.status == 2)
    #expect(r.stderr.contains("\(dir)/\(name): format_version: unknown format_version 99"), "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/report.html"))
  }

  @Test func helpHasAnExample() throws {
    let help = try CommandRunner.run(["report", "--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("journey report results/b2c-webshop"))
  }
}
