import Foundation
import Testing

import JourneyModel
import _JourneyTestSupport

@testable import JourneyImport

/// Map files (`--stage-map`, `--channel-map`): what they map, and the message of each bad
/// file, with its line.
struct NameMapTests {
  /// Writes `text` to a fresh file and reads it as a map to `target`.
  func load(_ text: String, target: String = "channel", patterns: Bool = true) throws(InputErrors) -> NameMap {
    let path = NSTemporaryDirectory() + "/journey-name-map-\(getpid())-\(UUID().uuidString).csv"
    FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try NameMap(path: path, target: target, allowPatterns: patterns)
  }

  @Test func exactNamesWinThenPatternsInFileOrder() throws {
    let map = try load(
      """
      Source,Channel,note
      /^goo/,search,first pattern
      google-shopping,shopping,exact
      /google/,display,second pattern
      "news,letter",email,quoted
      /(?i)^TV/,tv,case-insensitive

      """)
    let rules = map.compiled()
    #expect(rules.target(of: "google-shopping") == "shopping")
    #expect(rules.target(of: "google-ads") == "search")
    #expect(rules.target(of: "ads-google") == "display")
    #expect(rules.target(of: "news,letter") == "email")
    #expect(rules.target(of: "tv-spot") == "tv")
    #expect(rules.target(of: "radio") == nil)
    #expect(map.targets == ["shopping", "email", "search", "display", "tv"])
    // A stage map takes a source between slashes as a name.
    let stages = try load("source,phase\n/lead/,aware\n", target: "phase", patterns: false)
    #expect(stages.compiled().target(of: "/lead/") == "aware")
    #expect(stages.compiled().target(of: "lead") == nil)
  }

  @Test func badFilesNameTheLineAndTheValue() {
    let cases: [(String, [Int?], String)] = [
      ("", [nil], "map is empty"),
      ("name,channel\ngoogle,search\n", [1], "expected a header source,channel"),
      ("source,channel\ngoogle,search\ngoogle,display\n", [3], "'google' is mapped twice"),
      ("source,channel\n/goo(/,search\n", [2], "not a valid regular expression"),
      ("source,channel\n,search\ntv,\n", [2, 3], "empty name"),
      ("source,channel\ngoogle\n\"bad\"x,search\n", [2, 3], "expected the fields source and channel"),
    ]
    for (text, lines, fragment) in cases {
      do {
        _ = try load(text)
        Issue.record("accepted \(text)")
      } catch {
        #expect(error.errors.map(\.line) == lines, "\(text): \(error)")
        #expect(error.description.contains(fragment), "\(text): \(error)")
      }
    }
    // The malformed quote is named as such.
    #expect(throws: InputErrors.self) { try load("source,channel\n\"bad\"x,search\n") }
    do {
      _ = try load("source,channel\n\"bad\"x,search\n")
    } catch {
      #expect(error.description.contains("malformed quoted field"), "\(error)")
    }
  }

  @Test func manyBadRowsStopAtTwentyMessages() {
    let text = "source,channel\n" + String(repeating: "only-one-field\n", count: 10_000)
    do {
      _ = try load(text)
      Issue.record("accepted")
    } catch {
      #expect(error.errors.count == 20)
      #expect(error.errors.last?.line == 21)
    }
  }

  @Test func rulesAreBoundedBeforeTheyAreHeld() throws {
    let rules = (0..<NameMap.maxRules).map { "s\($0),c\($0 % 7)\n" }.joined()
    let full = try load("source,channel\n" + rules)
    #expect(full.exact.count == NameMap.maxRules)
    do {
      _ = try load("source,channel\n" + rules + "one-more,c1\n")
      Issue.record("accepted a rule past the limit")
    } catch {
      #expect(error.errors.first?.kind == .limit, "\(error)")
      #expect(error.errors.first?.line == NameMap.maxRules + 2, "\(error)")
      #expect(error.description.contains("at most \(NameMap.maxRules) rules"), "\(error)")
    }
  }

  @Test func theImportStopsAtABadMapWithItsLine() throws {
    let dir = NSTemporaryDirectory() + "/journey-name-map-cli-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "customer_id,timestamp,stage,channel\na,2024-01-01,lead,google-ads\na,2024-01-08,won,newsletter\n"
      .write(toFile: dir + "/e.csv", atomically: true, encoding: .utf8)
    try "source,channel\n/^google/,search\nnewsletter,email\n".write(toFile: dir + "/good.csv", atomically: true, encoding: .utf8)
    let ok = try CommandRunner.run([
      "import", "events", dir + "/e.csv", "--channel-map", dir + "/good.csv", "-o", dir + "/j.csv",
    ])
    #expect(ok.status == 0, "\(ok.stderr)")
    let log = try String(contentsOfFile: dir + "/j.csv", encoding: .utf8)
    #expect(log.contains("search") && log.contains("email") && !log.contains("google"), "\(log)")
    try "source,channel\n/^google/,search\n/goo(/,display\n".write(toFile: dir + "/bad.csv", atomically: true, encoding: .utf8)
    let bad = try CommandRunner.run([
      "import", "events", dir + "/e.csv", "--channel-map", dir + "/bad.csv", "-o", dir + "/k.csv",
    ])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("bad.csv:3") && bad.stderr.contains("'/goo(/' is not a valid regular expression"), "\(bad.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/k.csv"))
  }
}
