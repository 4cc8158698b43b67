import Foundation
import JourneyFormats
import JourneyModel

/// The outcome of comparing fresh figures with a reference, or why they could not be
/// compared.
///
/// Two kinds of figure are compared. The reference engine's figures (Monte Carlo, with the
/// reference's seed: identical bytes when nothing changed, whatever the thread count)
/// hold within `k·√2·sd`; the expected engine's figures (no noise) hold within
/// ``Reference/Tolerance/exact`` relative, so any change of the scenario or of the model
/// fails however small the scenario.
public struct Comparison: Sendable {
  public struct Row: Sendable, Equatable {
    public var metric: Reference.Metric
    /// A figure of the expected engine (``Reference/exact``).
    public var exact: Bool
    public var now: Double
    public var tolerance: Double
    /// `|now − reference| / (√2 · sd)`, `nil` for deterministic figures.
    public var standardErrors: Double?
    public var passed: Bool

    /// `conversions[12]`, or `expected/conversions[12]` for an exact figure.
    public var label: String { (exact ? "expected/" : "") + metric.label }

    /// `|now − reference| / tolerance`: how much of its tolerance the figure used (above 1
    /// it failed).
    public var used: Double {
      let diff = Swift.abs(now - metric.value)
      if diff == 0 { return 0 }
      return tolerance > 0 ? diff / tolerance : .infinity
    }

    /// How close the figure came, for people: `conversions[12] at 1.3 sd of 5` for a
    /// Monte Carlo figure (the limit is the tolerance in the same units),
    /// `expected/conversions[total] at 2.0e-08 relative of 1.0e-06` for an exact one.
    public var closeness: String {
      let diff = Swift.abs(now - metric.value)
      if let z = standardErrors, metric.sd > 0 {
        let limit = tolerance / (2.0.squareRoot() * metric.sd)
        return "\(label) at \(String(format: "%.1f", z)) sd of \(NumberText.exact((limit * 10).rounded() / 10))"
      }
      if metric.value != 0 {
        let scale = Swift.abs(metric.value)
        return "\(label) at \(String(format: "%.1e", diff / scale)) relative of \(String(format: "%.1e", tolerance / scale))"
      }
      return "\(label) at \(String(format: "%.1e", diff)) of \(String(format: "%.1e", tolerance))"
    }
  }

  public var scenario: String
  public var referencePath: String
  /// The reference's engine (`individual`, `cohort`, `expected`).
  public var engine: String
  public var rows: [Row]
  /// Why the reference was not compared (missing or invalid scenario file, unreadable
  /// reference); `nil` when it was.
  public var problem: String?
  /// The smallest change of total conversions this reference detects.
  public var detectable: Reference.Detectable?

  public var failures: [Row] { rows.filter { !$0.passed } }
  public var passed: Bool { problem == nil && failures.isEmpty }

  /// The passing figure that came closest to its tolerance; `nil` when every figure is
  /// identical to the reference (or none passed).
  public var closest: Row? {
    let candidates = rows.filter { $0.passed && $0.used > 0 }
    return candidates.max { $0.used < $1.used }
  }

  /// A reference that could not be compared: it fails, with the reason.
  public init(scenario: String, referencePath: String, problem: String) {
    self.scenario = scenario
    self.referencePath = referencePath
    engine = "-"
    rows = []
    self.problem = problem
    detectable = nil
  }

  /// - Throws: ``InputError`` when the figures do not line up with the reference's
  ///   (a different scenario structure: phases or horizon changed).
  public init(reference: Reference, referencePath: String, now: ReferenceRunner.Figures) throws {
    scenario = reference.scenario
    self.referencePath = referencePath
    engine = reference.engine.rawValue
    problem = nil
    detectable = reference.detectable
    try Self.requireSameFigures(reference.metrics, now.metrics, referencePath: referencePath)
    try Self.requireSameFigures(reference.exact, now.exact, referencePath: referencePath)
    let tolerance = reference.tolerance
    rows = zip(reference.metrics, now.metrics).map { ref, cur in
      Self.row(ref, cur, exact: false, bound: tolerance.bound(for: ref))
    }
    rows += zip(reference.exact, now.exact).map { ref, cur in
      Self.row(ref, cur, exact: true, bound: tolerance.exactBound(for: ref))
    }
  }

  static func row(_ ref: Reference.Metric, _ cur: Reference.Metric, exact: Bool, bound: Double) -> Row {
    let diff = Swift.abs(cur.value - ref.value)
    let z: Double? = ref.sd > 0 ? diff / (2.0.squareRoot() * ref.sd) : nil
    return Row(
      metric: ref, exact: exact, now: cur.value, tolerance: bound, standardErrors: z,
      passed: diff <= bound && cur.value.isFinite == ref.value.isFinite)
  }

  static func requireSameFigures(_ old: [Reference.Metric], _ now: [Reference.Metric], referencePath: String) throws {
    guard now.count != old.count || !zip(now, old).allSatisfy({ $0.label == $1.label }) else { return }
    let new = Set(now.map(\.label))
    let gone = Set(old.map(\.label))
    let added = new.subtracting(gone).sorted().prefix(5)
    let removed = gone.subtracting(new).sorted().prefix(5)
    throw InputError(
      .notAllowed, file: referencePath,
      "the scenario now reports other figures than the reference (new: \(added.joined(separator: ", ")); gone: \(removed.joined(separator: ", "))); review and regenerate with 'journey check --update'"
    )
  }
}
