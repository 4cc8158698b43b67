import JourneyModel

extension BudgetOptimizer {
  /// The optimiser of a budget scenario: its model over the budget's horizon, from its
  /// starting population, with `total` to allocate and bounds given as `channel=min:max`.
  ///
  /// ```swift
  /// let optimizer = try BudgetOptimizer(
  ///   budget: budget, total: 1_200_000, bounds: ["tv=200000:600000", "email=0:20000"])
  /// ```
  ///
  /// - Parameters:
  ///   - total: the budget; `nil` for a target-efficiency search (``run(target:)``): the
  ///     total starts at the own plan's spend and bounds default to `0...∞`.
  ///   - bounds: `channel=min:max` per paid channel (either side may be empty: 0 and
  ///     `total`); channels left out get `0...total`.
  ///   - periodBounds: with `perPeriod`, `channel=min:max` on every period's spend.
  ///   - maxChange: with `perPeriod`, the pacing limit ``maxChange``.
  /// - Throws: ``InputError`` naming `--total` for a total that is not a finite number
  ///   ≥ 0, the model file when it has no paid channel, ``InputErrors`` naming each bad
  ///   `--bounds` entry, and ``InputError`` naming `--bounds` when the bounds cannot sum
  ///   to the total.
  /// - Complexity: O(channels + bounds).
  public init(
    budget: BudgetScenario, total: Double?, bounds: [String] = [], objective: Objective = .conversions,
    perPeriod: Bool = false, periodBounds: [String] = [], maxChange: Double? = nil, threads: Int = 1
  ) throws {
    if let total { try Self.checkTotal(total) }
    let scenario = Forecast.scenario(for: BudgetPlan(name: "model"), budget: budget)
    guard scenario.channels.contains(where: \.isPaid) else {
      throw InputError(.notAllowed, file: budget.modelPath, "the model has no paid channels to allocate a budget to")
    }
    let limits =
      try total.map { try Self.parseBounds(bounds, total: $0, scenario: scenario) }
      ?? Self.parseRanges(bounds, flag: "--bounds", scenario: scenario, top: .infinity)
    let perPeriodLimits = periodBounds.isEmpty ? nil : try Self.parseRanges(periodBounds, flag: "--period-bounds", scenario: scenario, top: .infinity)
    if let maxChange {
      guard maxChange.isFinite, maxChange >= 0 else {
        throw InputError(.range, file: "--max-change", "max change \(maxChange) is not a finite number ≥ 0; expected e.g. 0.5 for ±50% per period")
      }
    }
    self.init(
      scenario: scenario, total: total ?? 0, bounds: limits, objective: objective, perPeriod: perPeriod,
      periodBounds: perPeriodLimits, maxChange: maxChange, threads: threads, start: budget.startState)
    if total == nil { self.total = baselineSpend }
    try checkFeasible(total: total != nil)
  }

  /// The names of the paid channels, in model order (the order of every per-channel array).
  public var channelNames: [String] { channels.map { scenario.channels[$0].name } }

  /// Checks a total budget: a finite number ≥ 0.
  ///
  /// - Throws: ``InputError`` naming `--total` and saying what is wrong.
  public static func checkTotal(_ total: Double) throws(InputError) {
    if total.isNaN {
      throw InputError(.type, file: "--total", "total is not a number (nan); expected a budget ≥ 0")
    }
    if total.isInfinite {
      throw InputError(.range, file: "--total", "total \(total) is infinite; expected a finite budget ≥ 0")
    }
    if total < 0 {
      throw InputError(.range, file: "--total", "total \(total) is negative; expected a budget ≥ 0")
    }
  }

  /// Bounds per paid channel of `scenario` from `channel=min:max` texts, checked to admit
  /// an allocation of `total`.
  ///
  /// - Throws: ``InputErrors`` with one error per bad entry (named `--bounds ENTRY`), or
  ///   ``InputError`` naming `--bounds` when the minimums sum above the total or the
  ///   maximums below it.
  /// - Complexity: O(channels + texts).
  public static func parseBounds(_ texts: [String], total: Double, scenario: Scenario) throws
    -> [(min: Double, max: Double)]
  {
    let limits = try parseRanges(texts, flag: "--bounds", scenario: scenario, top: total)
    let minSum = limits.reduce(0) { $0 + $1.min }
    let maxSum = limits.reduce(0) { $0 + Swift.min($1.max, total) }
    if minSum > total * (1 + 1e-12) {
      throw InputError(
        .range, file: "--bounds",
        "bounds cannot sum to the total: the minimums sum to \(plain(minSum)), above the total \(plain(total))")
    }
    if maxSum < total * (1 - 1e-12) {
      throw InputError(
        .range, file: "--bounds",
        "bounds cannot sum to the total: the maximums sum to \(plain(maxSum)), below the total \(plain(total))")
    }
    return limits
  }

  /// Ranges per paid channel of `scenario` from `channel=min:max` texts (an empty side is
  /// 0 or `top`; channels left out get `0...top`).
  ///
  /// - Throws: ``InputErrors`` with one error per bad entry, named `flag ENTRY`.
  public static func parseRanges(_ texts: [String], flag: String, scenario: Scenario, top total: Double) throws
    -> [(min: Double, max: Double)]
  {
    let paid = scenario.channels.indices.filter { scenario.channels[$0].isPaid }
    let names = paid.map { scenario.channels[$0].name }
    var limits: [(min: Double, max: Double)] = paid.map { _ in (0, total) }
    var errors: [InputError] = []
    for text in texts {
      let file = "\(flag) \(text)"
      let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
      let range = parts.count == 2 ? parts[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init) : []
      guard parts.count == 2, range.count == 2 else {
        errors.append(InputError(.type, file: file, "expected channel=min:max, e.g. tv=100000:500000"))
        continue
      }
      guard let k = names.firstIndex(of: parts[0]) else {
        let organic = scenario.channelIndex(named: parts[0]) != nil
        errors.append(
          InputError(
            .unknownName, file: file,
            (organic ? "'\(parts[0])' is an organic channel, not a paid one" : "unknown channel '\(parts[0])'")
              + "; expected one of the paid channels: \(names.joined(separator: ", "))"))
        continue
      }
      let lo = range[0].isEmpty ? 0 : Double(range[0])
      let hi = range[1].isEmpty ? total : Double(range[1])
      guard let lo, let hi, lo.isFinite, hi.isFinite || range[1].isEmpty else {
        errors.append(InputError(.type, file: file, "expected numbers in min:max, found '\(parts[1])'"))
        continue
      }
      guard lo >= 0 else {
        errors.append(InputError(.range, file: file, "min \(lo) is negative; expected a spend ≥ 0"))
        continue
      }
      guard lo <= hi else {
        errors.append(InputError(.range, file: file, "min \(lo) > max \(hi); expected min ≤ max"))
        continue
      }
      limits[k] = (lo, hi)
    }
    guard errors.isEmpty else { throw InputErrors(errors) }
    return limits
  }
}

/// A number as messages show it: integers without a fraction, others in full.
func plain(_ x: Double) -> String {
  if x.isFinite && x == x.rounded() && Swift.abs(x) < 1e15 { return String(Int64(x)) }
  return "\(x)"
}
