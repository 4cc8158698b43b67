import Foundation

extension Scenario {
  /// The scenario with `size` customers at the start and its arrivals scaled alike.
  ///
  /// Arrivals per period become `round(arrivals · size / population.size)`. The limits of a
  /// scenario file hold for the result too and are checked before anything is allocated:
  /// at most ``maxCustomers`` (10¹²) customers at the start and per period of arrivals,
  /// and the customers over the horizon, `size + horizon · arrivals`, must be countable
  /// (at most `Int.max`).
  ///
  /// ```swift
  /// let big = try scenario.withPopulation(2_000_000)   // arrivals × 2 for a size of 10⁶
  /// ```
  ///
  /// - Parameters:
  ///   - size: customers at period 0, in `1...maxCustomers`.
  ///   - option: how errors name the source of `size` (a command-line option).
  /// - Throws: ``InputError`` of kind `.limit` naming `option` and the bounded values.
  /// - Complexity: O(1).
  public func withPopulation(_ size: Int, option: String = "--population") throws(InputError) -> Scenario {
    guard size >= 1, size <= Self.maxCustomers else {
      throw InputError(
        .limit, file: option,
        "population \(size) is outside 1...\(Self.maxCustomers) (10^12)")
    }
    let factor = Double(size) / Double(population.size)
    let scaled = (Double(population.arrivals) * factor).rounded()
    guard scaled.isFinite, scaled <= Double(Self.maxCustomers) else {
      throw InputError(
        .limit, file: option,
        "population \(size) scales the arrivals from \(population.arrivals) to \(Self.approximate(scaled)) per period; at most \(Self.maxCustomers) "
          + "(10^12) arrivals per period are allowed")
    }
    let arrivals = Int(scaled)
    let (perHorizon, overflow) = arrivals.multipliedReportingOverflow(by: horizon)
    guard !overflow, perHorizon <= Int.max - size else {
      throw InputError(
        .limit, file: option,
        "population \(size) with \(arrivals) arrivals per period over \(horizon) periods exceeds "
          + "\(Int.max) customers")
    }
    var scenario = self
    scenario.population.size = size
    scenario.population.arrivals = arrivals
    return scenario
  }

  /// A large or non-finite count in a message, with three significant digits when large.
  static func approximate(_ x: Double) -> String {
    guard x.isFinite, abs(x) < 1e15 else { return String(format: "%.3g", x) }
    return "\(Int(x))"
  }
}
