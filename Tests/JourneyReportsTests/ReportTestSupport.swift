import Foundation
import JourneyReports
import Testing
import _JourneyTestSupport

/// The fixture result files and helpers to build report directories from them.
enum ReportFixtures {
  static let names = ReportInputs.fileNames

  static func path(_ name: String) -> String {
    RepositoryFiles.path("Tests/JourneyReportsTests/Fixtures/" + name)
  }

  static func text(_ name: String) throws -> String {
    try String(contentsOfFile: path(name), encoding: .utf8)
  }

  /// A new directory holding the named fixtures, each passed through `edit`.
  static func directory(
    _ names: [String], edit: (String, String) -> String = { _, text in text }
  ) throws -> String {
    let dir = try CommandRunner.temporaryDirectory()
    for name in names {
      let edited = edit(name, try text(name))
      try Data(edited.utf8).write(to: URL(fileURLWithPath: dir).appendingPathComponent(name))
    }
    return dir
  }

  /// Writes `text` as `name` into `directory`.
  static func write(_ text: String, as name: String, in directory: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
  }

  /// Renames users' names in every fixture to hostile strings that must be escaped.
  static let hostile: [(original: String, replacement: String, escaped: String)] = [
    ("\"b2c-webshop\"", #""<script>alert(1)</script>""#, "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("\"loyal\"", #""a&b\"c'""#, "a&amp;b&quot;c&#39;"),
    ("\"search\"", #""<img src=x onerror=alert(2)>""#, "&lt;img src=x onerror=alert(2)&gt;"),
    ("\"baseline\"", #""</table><b>plan & 'co'""#, "&lt;/table&gt;&lt;b&gt;plan &amp; &#39;co&#39;"),
    ("\"b2b\"", #""seg\"><svg onload=alert(3)>""#, "seg&quot;&gt;&lt;svg onload=alert(3)&gt;"),
    (
      "\"The scenario file has no fit covariance; intervals reflect Monte Carlo noise only.\"",
      #""note <i>with</i> markup & \"quotes\"""#, "note &lt;i&gt;with&lt;/i&gt; markup &amp; &quot;quotes&quot;"
    ),
  ]

  static func hostileText(_ text: String) -> String {
    var text = text
    for h in hostile { text = text.replacingOccurrences(of: h.original, with: h.replacement) }
    return text
  }

  /// The raw (unescaped) forms of the hostile names, as they appear once decoded.
  static let hostileRaw = [
    "<script>alert(1)</script>", "a&b\"c'", "<img src=x onerror=alert(2)>", "</table><b>plan & 'co'",
    "seg\"><svg onload=alert(3)>", "note <i>with</i> markup & \"quotes\"",
  ]
}

extension String {
  func occurrences(of needle: String) -> Int {
    components(separatedBy: needle).count - 1
  }
}
