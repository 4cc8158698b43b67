import Foundation
import Testing
import _JourneyTestSupport

/// The commands of README.md and docs/*.md run as documented.
///
/// A ```` ```console ```` block is runnable: a line starting with `$ ` is a command (a
/// trailing `\` continues it on the next line), the lines after it up to the next command
/// are its expected output, standard error included. In the expected output a line `…`
/// stands for any number of lines, and `…` inside a line for any text. A block whose
/// preceding line is `<!-- not run: reason -->` is left out (PostgreSQL, Chromium, minutes
/// of CPU). Blocks in other languages (`sh`, `yaml`, plain) are never run.
///
/// Each document runs in its own temporary copy of the shipped inputs (`scenarios/`,
/// `examples/`, the references `results/*/reference.json`), its commands in order, so a
/// document may use what an earlier command of it wrote; the repository is never written.
/// Only `journey …` commands run (the built binary), optionally followed by `; echo $?`.
@Suite struct DocsCommandTests {
  /// One documented command and what it prints.
  struct Example: CustomStringConvertible {
    var file: String
    var line: Int
    var command: String
    var expected: [String]
    var description: String { "\(file):\(line): $ \(command)" }
  }

  /// The documents whose console blocks run.
  static var documents: [String] {
    let docs = (try? FileManager.default.contentsOfDirectory(atPath: RepositoryFiles.path("docs"))) ?? []
    return ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
  }

  /// The runnable examples of `text`.
  static func examples(in text: String, file: String) -> [Example] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var examples: [Example] = []
    var i = 0
    while i < lines.count {
      let fence = lines[i].trimmingCharacters(in: .whitespaces)
      guard fence.hasPrefix("```") else {
        i += 1
        continue
      }
      let runnable = fence == "```console" && !(i > 0 && lines[i - 1].hasPrefix("<!-- not run"))
      var j = i + 1
      while j < lines.count && !lines[j].trimmingCharacters(in: .whitespaces).hasPrefix("```") { j += 1 }
      if runnable {
        var k = i + 1
        while k < j {
          guard lines[k].hasPrefix("$ ") else {
            k += 1
            continue
          }
          let start = k
          var command = String(lines[k].dropFirst(2))
          while command.hasSuffix("\\") && k + 1 < j {
            k += 1
            command = command.dropLast().trimmingCharacters(in: .whitespaces) + " "
              + lines[k].trimmingCharacters(in: .whitespaces)
          }
          k += 1
          var expected: [String] = []
          while k < j && !lines[k].hasPrefix("$ ") {
            expected.append(lines[k])
            k += 1
          }
          examples.append(Example(file: file, line: start + 1, command: command, expected: expected))
        }
      }
      i = j + 1
    }
    return examples
  }

  /// Whether `actual` matches `expected`, where `…` elides text within a line.
  static func lineMatches(_ expected: String, _ actual: String) -> Bool {
    let parts = expected.components(separatedBy: "…")
    if parts.count == 1 { return expected == actual }
    guard actual.hasPrefix(parts[0]) else { return false }
    var rest = actual.dropFirst(parts[0].count)
    for part in parts.dropFirst().dropLast() where !part.isEmpty {
      guard let range = rest.range(of: part) else { return false }
      rest = rest[range.upperBound...]
    }
    return rest.hasSuffix(parts.last!)
  }

  /// Whether `actual` matches `expected`, where a line `…` elides any number of lines.
  static func matches(_ expected: [String], _ actual: [String]) -> Bool {
    var memo: [Int: Bool] = [:]
    func match(_ e: Int, _ a: Int) -> Bool {
      let key = e * (actual.count + 1) + a
      if let known = memo[key] { return known }
      let result: Bool
      if e == expected.count {
        result = a == actual.count
      } else if expected[e] == "…" {
        result = match(e + 1, a) || (a < actual.count && match(e, a + 1))
      } else {
        result = a < actual.count && lineMatches(expected[e], actual[a]) && match(e + 1, a + 1)
      }
      memo[key] = result
      return result
    }
    return match(0, 0)
  }

  /// Lines without trailing white space, trailing empty lines dropped.
  static func normalised(_ lines: [String]) -> [String] {
    var out = lines.map { String($0.reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed()) }
    while out.last?.isEmpty == true { out.removeLast() }
    return out
  }

  /// A temporary copy of the shipped inputs a document's commands use.
  static func sandbox() throws -> String {
    let dir = try CommandRunner.temporaryDirectory()
    let manager = FileManager.default
    for folder in ["scenarios", "examples"] {
      try manager.copyItem(atPath: RepositoryFiles.path(folder), toPath: dir + "/" + folder)
    }
    try? manager.removeItem(atPath: dir + "/examples/library")
    let results = RepositoryFiles.path("results")
    for name in (try manager.contentsOfDirectory(atPath: results)).sorted() {
      let reference = results + "/" + name + "/reference.json"
      guard manager.fileExists(atPath: reference) else { continue }
      try manager.createDirectory(atPath: dir + "/results/" + name, withIntermediateDirectories: true)
      try manager.copyItem(atPath: reference, toPath: dir + "/results/" + name + "/reference.json")
    }
    return dir
  }

  /// Runs one documented command through the shell, standard error merged into standard output.
  static func run(_ command: String, in directory: String) throws -> [String] {
    let bin = CommandRunner.executable.deletingLastPathComponent().path
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = bin + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
    let run = try ChildProcess.run(
      ["/bin/sh", "-c", "{ \(command); } 2>&1"], directory: directory, environment: environment)
    return run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  @Test(arguments: documents)
  func documentedCommandsRun(document: String) throws {
    let text = try String(contentsOfFile: RepositoryFiles.path(document), encoding: .utf8)
    let examples = Self.examples(in: text, file: document)
    guard !examples.isEmpty else { return }
    let directory = try Self.sandbox()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    for example in examples {
      let words = example.command.split(separator: " ")
      let runs = words.first == "journey" && !example.command.contains("|") && !example.command.contains(">")
        && !example.command.replacingOccurrences(of: "; echo $?", with: "").contains(";")
      #expect(runs, "\(example): only 'journey …' commands (optionally '; echo $?') are runnable examples")
      guard runs else { continue }
      let actual = Self.normalised(try Self.run(example.command, in: directory))
      let expected = Self.normalised(example.expected)
      #expect(
        Self.matches(expected, actual),
        "\(example) printed:\n\(actual.joined(separator: "\n"))\n--- expected:\n\(expected.joined(separator: "\n"))")
    }
  }

  @Test func theTourIsRunnable() throws {
    let text = try String(contentsOfFile: RepositoryFiles.path("README.md"), encoding: .utf8)
    let commands = Self.examples(in: text, file: "README.md").map(\.command)
    #expect(commands.contains("journey simulate scenarios/b2c.yaml"))
    #expect(commands.contains("journey forecast scenarios/budget-b2c.yaml"))
  }

  @Test func elisions() {
    #expect(Self.lineMatches("a…c", "abbbc"))
    #expect(!Self.lineMatches("a…c", "abbb"))
    #expect(Self.lineMatches("…", "anything"))
    #expect(Self.matches(["x", "…", "z"], ["x", "y", "y", "z"]))
    #expect(Self.matches(["x", "…"], ["x"]))
    #expect(!Self.matches(["x", "z"], ["x", "y", "z"]))
    let parsed = Self.examples(
      in: "```console\n$ journey a \\\n  --b\nout\n$ journey c\n```\n<!-- not run: slow -->\n```console\n$ journey d\n```\n",
      file: "t.md")
    #expect(parsed.map(\.command) == ["journey a --b", "journey c"])
    #expect(parsed.first?.expected == ["out"])
  }
}
