import Foundation
import Testing

/// Golden-file (snapshot) assertions: a test's text output against a file under
/// `Tests/<Module>Tests/Snapshots/`.
///
/// A change of an output format then shows up as a failing test and, once re-recorded, as a
/// reviewable diff of the snapshot files:
///
/// ```
/// RECORD_SNAPSHOTS=1 swift test --filter GoldenOutputTests   # (re)write, every test records an issue
/// git diff Tests/*/Snapshots                                 # review the change
/// swift test --filter GoldenOutputTests                      # compare, must pass
/// ```
public enum Snapshot {
  /// The environment variable that switches from comparing to recording.
  public static let recordVariable = "RECORD_SNAPSHOTS"

  /// Whether this run (re)writes the snapshots instead of comparing with them.
  public static var isRecording: Bool {
    ProcessInfo.processInfo.environment[recordVariable] == "1"
  }

  /// The snapshot folder of the test module that `sourceLocation` is in:
  /// `Tests/<Module>/Snapshots`, `<Module>` being the first component of the file id.
  public static func directory(for sourceLocation: SourceLocation) -> URL {
    let module = sourceLocation.fileID.split(separator: "/").first.map(String.init) ?? sourceLocation.moduleName
    return RepositoryFiles.root.appendingPathComponent("Tests").appendingPathComponent(module)
      .appendingPathComponent("Snapshots")
  }

  /// The first `limit` differing lines between `expected` and `actual`, as `-`/`+` lines with
  /// their line numbers under `@@ expected N, actual M @@` hunk headers; empty when equal.
  ///
  /// Lines are matched by a longest common subsequence of the part between the common prefix
  /// and suffix (line by line when that part is too long for the quadratic table).
  ///
  /// - Complexity: O(n·m) for the n and m differing middle lines, at most 4 million cells.
  public static func lineDiff(expected: String, actual: String, limit: Int = 40) -> String {
    let old = lines(expected)
    let new = lines(actual)
    var prefix = 0
    while prefix < old.count && prefix < new.count && old[prefix] == new[prefix] { prefix += 1 }
    var suffix = 0
    while suffix < old.count - prefix && suffix < new.count - prefix
      && old[old.count - 1 - suffix] == new[new.count - 1 - suffix]
    {
      suffix += 1
    }
    let a = Array(old[prefix..<(old.count - suffix)])
    let b = Array(new[prefix..<(new.count - suffix)])
    if a.isEmpty && b.isEmpty { return "" }

    // Edit script over a and b, removals before additions.
    enum Edit {
      case same(Int, Int)
      case removed(Int)
      case added(Int)
    }
    var edits: [Edit] = []
    if a.count * b.count <= 4_000_000 {
      // lcs[i][j]: longest common subsequence of a[i...] and b[j...].
      let width = b.count + 1
      var lcs = [Int32](repeating: 0, count: (a.count + 1) * width)
      for i in stride(from: a.count - 1, through: 0, by: -1) {
        for j in stride(from: b.count - 1, through: 0, by: -1) {
          lcs[i * width + j] =
            a[i] == b[j] ? lcs[(i + 1) * width + j + 1] + 1 : max(lcs[(i + 1) * width + j], lcs[i * width + j + 1])
        }
      }
      var i = 0
      var j = 0
      while i < a.count || j < b.count {
        if i < a.count && j < b.count && a[i] == b[j] {
          edits.append(.same(i, j))
          i += 1
          j += 1
        } else if i < a.count && (j == b.count || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
          edits.append(.removed(i))
          i += 1
        } else {
          edits.append(.added(j))
          j += 1
        }
      }
    } else {
      for k in 0..<max(a.count, b.count) {
        if k < a.count && k < b.count && a[k] == b[k] {
          edits.append(.same(k, k))
          continue
        }
        if k < a.count { edits.append(.removed(k)) }
        if k < b.count { edits.append(.added(k)) }
      }
    }

    let width = String(max(old.count, new.count)).count
    func numbered(_ sign: String, _ n: Int, _ text: Substring) -> String {
      let number = String(n)
      return sign + String(repeating: " ", count: width - number.count) + number + " | " + text
    }
    var out: [String] = []
    var shown = 0
    var total = 0
    var inHunk = false
    var nextOld = prefix  // 0-based line of `old` the next edit is at
    var nextNew = prefix
    for edit in edits {
      switch edit {
      case .same(let i, let j):
        inHunk = false
        nextOld = prefix + i + 1
        nextNew = prefix + j + 1
      case .removed(let i):
        total += 1
        guard shown < limit else { continue }
        if !inHunk { out.append("@@ expected \(prefix + i + 1), actual \(nextNew + 1) @@") }
        inHunk = true
        out.append(numbered("-", prefix + i + 1, a[i]))
        shown += 1
        nextOld = prefix + i + 1
      case .added(let j):
        total += 1
        guard shown < limit else { continue }
        if !inHunk { out.append("@@ expected \(nextOld + 1), actual \(prefix + j + 1) @@") }
        inHunk = true
        out.append(numbered("+", prefix + j + 1, b[j]))
        shown += 1
        nextNew = prefix + j + 1
      }
    }
    if total > shown { out.append("… \(total - shown) more differing lines") }
    return out.joined(separator: "\n")
  }

  /// Lines without their terminators; a final newline does not make an extra empty line, but
  /// its absence is marked so that it shows up in a diff.
  static func lines(_ text: String) -> [Substring] {
    var result = text.split(separator: "\n", omittingEmptySubsequences: false)
    if text.hasSuffix("\n") {
      result.removeLast()
    } else if !text.isEmpty {
      result[result.count - 1] += "⏎ (no newline at end)"
    }
    return result
  }
}

/// The current test's name without its argument list, for `swift test --filter`.
private func filterName(_ fallback: String) -> String {
  guard let name = Test.current?.name else { return fallback }
  return name.firstIndex(of: "(").map { String(name[..<$0]) } ?? name
}

/// Compares `text` with the golden file `Tests/<Module>/Snapshots/<name>.<pathExtension>` and
/// records an issue with a line diff when they differ.
///
/// With `RECORD_SNAPSHOTS=1` in the environment the file is (re)written instead, and an issue
/// saying so is recorded, so that a recording run never passes silently. A missing snapshot
/// fails with the command that records it.
///
/// ```swift
/// let r = try CommandRunner.run(["validate", "scenarios/b2c.yaml"])
/// assertSnapshot(r.stdout, named: "validate", as: "txt")
/// ```
///
/// - Parameters:
///   - text: The output to check, already normalised (no absolute paths, timings).
///   - name: The file name without extension; by default the current test's name
///     (`simulateTable`). Give one per call when a test takes several snapshots.
///   - pathExtension: The file extension (`txt`, `csv`, `json`, `yaml`, …).
///   - sourceLocation: Where to report; its module names the snapshot folder.
public func assertSnapshot(
  _ text: String, named name: String? = nil, as pathExtension: String = "txt",
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let base = name ?? filterName("snapshot")
  let directory = Snapshot.directory(for: sourceLocation)
  let file = directory.appendingPathComponent(base).appendingPathExtension(pathExtension)
  let shown = file.path.hasPrefix(RepositoryFiles.root.path + "/")
    ? String(file.path.dropFirst(RepositoryFiles.root.path.count + 1)) : file.path
  let existing = try? String(contentsOf: file, encoding: .utf8)

  if Snapshot.isRecording {
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      try Data(text.utf8).write(to: file, options: .atomic)
      let what = existing == nil ? "new" : existing == text ? "unchanged" : "changed"
      Issue.record(
        "Recorded snapshot \(shown) (\(what)); unset \(Snapshot.recordVariable) to compare against it.",
        sourceLocation: sourceLocation)
    } catch {
      Issue.record("Could not record snapshot \(shown): \(error)", sourceLocation: sourceLocation)
    }
    return
  }

  guard let existing else {
    Issue.record(
      """
      No snapshot \(shown). Record it with \(Snapshot.recordVariable)=1 swift test --filter \
      \(filterName(base)), then review and commit the new file.
      """,
      sourceLocation: sourceLocation)
    return
  }
  guard existing != text else { return }
  Issue.record(
    """
    Output differs from snapshot \(shown) (- expected, + actual):
    \(Snapshot.lineDiff(expected: existing, actual: text))
    If the change is deliberate, re-record with \(Snapshot.recordVariable)=1 swift test --filter \
    \(filterName(base)) and review the diff with git.
    """,
    sourceLocation: sourceLocation)
}

extension Snapshot {
  /// `text` with every occurrence of `path` (also in its JSON-escaped form, `\/`) replaced by
  /// `placeholder`, so that temporary folders do not end up in snapshots.
  public static func replacingPath(_ path: String, with placeholder: String, in text: String) -> String {
    text.replacingOccurrences(of: path, with: placeholder)
      .replacingOccurrences(of: path.replacingOccurrences(of: "/", with: "\\/"), with: placeholder)
  }

  /// `text` with every decimal number of more than `significantDigits` significant digits
  /// rounded to that many (`%.{n}g`); shorter numbers, integers and fixed-precision figures
  /// are left as they are.
  ///
  /// Full-precision doubles (`0.7215569094643717`) can differ in their last digits between
  /// machines (libm and OpenBLAS pick kernels by CPU, with or without FMA), so golden files
  /// keep 10 significant digits of them: a change of format still shows, a change in the
  /// 16th digit does not.
  public static func roundingLongDecimals(_ text: String, significantDigits: Int = 10) -> String {
    guard let pattern = try? NSRegularExpression(pattern: #"(?<![\w.])-?[0-9]+\.[0-9]+(?:[eE][-+]?[0-9]+)?(?![\w.])"#)
    else { return text }
    let source = text as NSString
    var result = ""
    var last = 0
    for match in pattern.matches(in: text, range: NSRange(location: 0, length: source.length)) {
      let token = source.substring(with: match.range)
      let mantissa = token.prefix { $0 != "e" && $0 != "E" }
      let digits = mantissa.filter(\.isNumber).drop { $0 == "0" }
      guard digits.count > significantDigits, let value = Double(token) else { continue }
      result += source.substring(with: NSRange(location: last, length: match.range.location - last))
      result += String(format: "%.\(significantDigits)g", value)
      last = match.range.location + match.range.length
    }
    result += source.substring(from: last)
    return result
  }
}
