import Foundation
import JourneyFormats
import JourneyModel

/// Paths of files shipped in the repository, found from this source file's location.
public enum RepositoryFiles {
  /// The repository root.
  public static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  public static func path(_ relative: String) -> String {
    root.appendingPathComponent(relative).path
  }

  /// Every scenario under `scenarios/`, by file name (budget scenarios, `budget-*`, are
  /// not scenarios).
  public static var scenarioNames: [String] {
    let dir = root.appendingPathComponent("scenarios")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".json")) && !$0.hasPrefix("budget-") }.sorted()
  }

  /// Loads `scenarios/<name>`, optionally scaled to `size` customers (arrivals scaled alike).
  public static func scenario(_ name: String, size: Int? = nil) throws -> Scenario {
    let s = try Scenario.load(path: path("scenarios/" + name))
    return try size.map { try s.withPopulation($0) } ?? s
  }
}
