import Foundation
import JourneyFormats
import Testing
import _JourneyTestSupport

/// Writes `text` to a new temporary file named `name` and returns its path.
func temporaryFile(_ name: String, _ text: String) throws -> String {
  let path = try CommandRunner.temporaryDirectory() + "/" + name
  try text.write(toFile: path, atomically: true, encoding: .utf8)
  return path
}

@Suite struct AttributeCommandTests {
  @Test func modelModeWritesAttributionJSON() throws {
    let out = try CommandRunner.temporaryDirectory()
    let r = try CommandRunner.run([
      "attribute", "scenarios/word-of-mouth.yaml", "--out", out, "--horizon", "20",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("Shapley exact"))
    #expect(r.stdout.contains("intervals (95%): none"))
    let data = try Data(contentsOf: URL(fileURLWithPath: out + "/attribution.json"))
    let file = try AttributionFile.decode(data, file: "attribution.json")
    #expect(file.format == "journeykit-attribution")
    #expect(file.formatVersion == 1)
    let model = try #require(file.model)
    #expect(model.horizon == 20)
    let total = model.channels.reduce(0) { $0 + $1.shapleyConversions }
    #expect(abs(total - (model.conversions - model.baseConversions)) < 1e-9 * model.conversions)
    let text = String(decoding: data, as: UTF8.self)
    #expect(text.contains("\"format_version\" : 1"))
    #expect(text.contains("\"shapley_conversions\""))
  }

  @Test func pathModeReadsChannelAttributionFiles() throws {
    let paths = try temporaryFile(
      "paths.csv",
      "path,total_conversions,total_null,total_conversion_value\na,1,1,10\na > b,1,0,30\nb,0,2,0\n")
    let out = try CommandRunner.temporaryDirectory()
    let r = try CommandRunner.run([
      "attribute", "--paths", paths, "--out", out, "--format", "csv", "--bootstrap", "20",
      "--transitions", out + "/t.csv",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.hasPrefix("channel,first_touch,last_touch,linear,removal_effect,markov,"))
    // 8/7 and 6/7 of the two conversions (see MarkovAttributionTests).
    #expect(r.stdout.contains("a,2,1,1.5,0.666666666666666"))
    let t = try String(contentsOfFile: out + "/t.csv", encoding: .utf8)
    #expect(t.contains("(start),a,3,0.6"))
    let file = try AttributionFile.decode(
      Data(contentsOf: URL(fileURLWithPath: out + "/attribution.json")), file: "a")
    #expect(file.paths?.bootstrap == 20)
    #expect(file.paths?.channels.map(\.name) == ["a", "b"])
  }

  @Test(arguments: [
    ("path,total_conversions\nsearch > > tv,1\n", ":2:1: path: malformed path"),
    ("path,total_conversions\nsearch,-3\n", ":2:8: total_conversions: '-3' is not a count"),
    ("path,total_conversions\nsearch > radio,1\n", ":2:1: path: unknown channel 'radio'"),
    ("", ": the path file is empty"),
  ])
  func badPathFilesExitWithCode2(text: String, expected: String) throws {
    let paths = try temporaryFile("paths.csv", text)
    let out = try CommandRunner.temporaryDirectory()
    let r = try CommandRunner.run([
      "attribute", "scenarios/b2c.yaml", "--paths", paths, "--out", out,
    ])
    #expect(r.status == 2)
    #expect(r.stderr.contains(paths + expected), "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: out + "/attribution.json"))
  }

  @Test func badJourneyLogExitsWithCode2() throws {
    let log = try temporaryFile(
      "log.csv", "customer_id,period,phase,channels\n1,0,unaware,search\n1,1,aware,radio\n")
    let r = try CommandRunner.run([
      "attribute", "scenarios/b2c.yaml", "--journeys", log, "--out",
      try CommandRunner.temporaryDirectory(),
    ])
    #expect(r.status == 2)
    #expect(r.stderr.contains(log + ":3:11: channels: unknown channel 'radio'"), "\(r.stderr)")
  }

  @Test func tooManyChannelsForExactShapleyNeedsSample() throws {
    var text = """
      name: wide
      horizon: 4
      population: { size: 1000, initial: { unaware: 1.0 } }
      phases: [unaware, { name: purchased, conversion: true }, { name: lost, absorbing: true }]
      transitions:
        unaware: { purchased: 0.02, lost: 0.01 }
        purchased: { lost: 1.0 }
      channels:

      """
    for c in 0..<13 {
      text +=
        "  c\(c): { spend: { weekly: 100 }, adstock: 0.1, reach: { max: 0.2, half: 100, shape: 1.0 } }\n"
    }
    let model = try temporaryFile("wide.yaml", text)
    let out = try CommandRunner.temporaryDirectory()
    let r = try CommandRunner.run(["attribute", model, "--out", out])
    #expect(r.status == 2)
    #expect(
      r.stderr.contains(model + ": channels: 13 channels: exact Shapley values need 2^13 runs"),
      "\(r.stderr)")
    let sampled = try CommandRunner.run([
      "attribute", model, "--out", out, "--sample", "20", "--format", "json",
    ])
    #expect(sampled.status == 0, "\(sampled.stderr)")
    #expect(sampled.stdout.contains("\"shapley_mode\" : \"sampled\""))
  }

  @Test func evaluateSetsPathMethodsBesideTheTruth() throws {
    let out = try CommandRunner.temporaryDirectory()
    let r = try CommandRunner.run([
      "attribute", "scenarios/word-of-mouth.yaml", "--evaluate", "--customers", "3000", "--horizon",
      "26", "--out", out,
    ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("true share"))
    let file = try AttributionFile.decode(
      Data(contentsOf: URL(fileURLWithPath: out + "/attribution.json")), file: "a")
    let e = try #require(file.evaluation)
    #expect(e.methods == ["first_touch", "last_touch", "linear", "markov_1", "markov_2"])
    #expect(abs(e.channels.reduce(0) { $0 + $1.trueShare } - 1) < 1e-9)
    for k in e.methods.indices {
      #expect(abs(e.channels.reduce(0) { $0 + $1.shares[k] } - 1) < 1e-9)
    }
  }

  @Test func seedDefaultsToTheInputsSeedAsTheHelpSays() throws {
    let help = try CommandRunner.run(["attribute", "--help"])
    let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    #expect(text.contains("(default: the scenario's or budget file's seed; 1 for --paths without a scenario)"))
    func seed(_ arguments: [String]) throws -> (model: UInt64?, paths: UInt64?) {
      let out = try CommandRunner.temporaryDirectory()
      let r = try CommandRunner.run(["attribute"] + arguments + ["--out", out, "--horizon", "4", "--bootstrap", "2"])
      #expect(r.status == 0, "\(r.stderr)")
      let file = try AttributionFile.decode(
        Data(contentsOf: URL(fileURLWithPath: out + "/attribution.json")), file: "a")
      return (file.model?.seed, file.paths?.seed)
    }
    #expect(try seed(["scenarios/b2c.yaml"]).model == 42)
    #expect(try seed(["scenarios/b2c.yaml", "--seed", "5"]).model == 5)
    #expect(try seed(["scenarios/budget-b2c.yaml"]).model == 11)
    #expect(try seed(["--paths", "scenarios/history/example-paths.csv"]).paths == 1)
    #expect(try seed(["--paths", "scenarios/history/example-paths.csv", "--seed", "9"]).paths == 9)
    #expect(
      try seed(["scenarios/word-of-mouth.yaml", "--journeys", "scenarios/history/word-of-mouth-journeys.csv"]).paths
        == 2024)
  }
}
