/// A step of the customer journey.
///
/// Entering a phase whose ``isConversion`` is `true` counts as a conversion (repeat entries
/// count too) and earns ``value`` in revenue. A phase with no way out is absorbing.
public struct Phase: Sendable, Equatable, Hashable {
  public var name: String
  public var isConversion: Bool
  /// Revenue per entry, in the currency of the spend plan.
  public var value: Double
  /// Declared absorbing in the scenario file (no transitions may leave it).
  public var isAbsorbing: Bool

  public init(name: String, isConversion: Bool = false, value: Double = 0, isAbsorbing: Bool = false) {
    self.name = name
    self.isConversion = isConversion
    self.value = value
    self.isAbsorbing = isAbsorbing
  }
}

/// The length of one simulation step.
public enum PeriodUnit: String, Sendable, CaseIterable, Equatable {
  case day, week, month
}
