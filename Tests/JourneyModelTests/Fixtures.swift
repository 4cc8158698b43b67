import Foundation
import JourneyModel

/// Shared inputs for the scenario tests.
enum Fixtures {
  /// The package root, found from this file's location.
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  static let shippedScenarios = ["b2c.yaml", "b2b.yaml", "word-of-mouth.yaml", "bench.yaml"]

  static func scenarioPath(_ name: String) -> String {
    root.appendingPathComponent("scenarios").appendingPathComponent(name).path
  }

  /// A small scenario touching every feature of the format.
  static let minimal = """
    name: mini
    period: week
    horizon: 10
    seed: 3
    population: { size: 1000, initial: { a: 0.6, b: 0.4 }, arrivals: { count: 10, phases: { b: 1 } } }
    phases:
      - a
      - { name: b, conversion: true, value: 12.5 }
      - { name: z, absorbing: true }
    transitions:
      a: { b: 0.2, z: 0.1 }
      b: { a: 0.05 }
    channels:
      tv:
        spend: { weekly: 100, flights: [ { from: 2, to: 3, scale: 2 } ], on: 2, off: 1, scale: 1.5 }
        adstock: 0.5
        reach: { max: 0.8, half: 50, shape: 2 }
      wom: { organic: { driver: b, rate: 1.5 } }
    effects:
      a -> b: { tv: 0.7, wom: -0.2 }
    segments:
      - { name: s1, share: 0.25 }
      - { name: s2, share: 0.75, transitions: { a: { b: 0.3 }, b: { z: 0.01 } }, effects: { a->b: { tv: 1.1 } } }
    seasonality: [1, 1.2]

    """

  /// `minimal` with the first occurrence of `old` replaced by `new`.
  static func minimal(replacing old: String, with new: String) -> String {
    guard let range = minimal.range(of: old) else { return "fixture has no '\(old)'" }
    return minimal.replacingCharacters(in: range, with: new)
  }

  /// The error lines for `text`, or an empty list when it parses.
  static func errors(_ text: String, file: String = "mini.yaml") -> [String] {
    do {
      _ = try Scenario.parse(text: text, file: file)
      return []
    } catch {
      return error.errors.map(\.description)
    }
  }
}
