import JourneyModel

/// An efficiency target instead of a total budget.
public enum EfficiencyTarget: Sendable, Equatable {
  /// Spend per incremental conversion at most this.
  case cpa(Double)
  /// Incremental revenue per unit of spend at least this.
  case roas(Double)

  /// The objective the target is measured on.
  public var objective: Objective {
    switch self {
    case .cpa: .conversions
    case .roas: .value
    }
  }

  public var kind: String {
    switch self {
    case .cpa: "cpa"
    case .roas: "roas"
    }
  }

  public var value: Double {
    switch self {
    case .cpa(let x), .roas(let x): x
    }
  }
}

extension BudgetOptimizer {
  /// The outcome of a target-efficiency search.
  public struct TargetResult: Sendable {
    public var target: EfficiencyTarget
    /// Whether some positive total meets the target.
    public var met: Bool
    /// The optimiser at the chosen total (the largest that meets the target; the smallest
    /// total tried when none does).
    public var optimizer: BudgetOptimizer
    public var result: Result
    /// The objective without any paid spend.
    public var zeroSpend: Double
    /// `true` when the target was still met at the largest total searched.
    public var unbounded: Bool

    /// Incremental objective of the chosen allocation over no paid spend.
    public var increment: Double { result.expected - zeroSpend }
    /// Spend per incremental conversion (cpa) or incremental revenue per spend (roas).
    public var average: Double {
      switch target {
      case .cpa: increment > 0 ? optimizer.total / increment : .infinity
      case .roas: optimizer.total > 0 ? increment / optimizer.total : 0
      }
    }
    /// The spend-weighted marginal return per unit of spend at the optimum.
    public var marginalReturn: Double {
      let total = result.allocation.reduce(0, +)
      guard total > 0 else { return result.marginal.max() ?? 0 }
      return zip(result.allocation, result.marginal).reduce(0) { $0 + $1.0 * $1.1 } / total
    }
    /// The cost of the next conversion (cpa: `1 / marginal`) or the revenue of the next
    /// unit of spend (roas: the marginal return).
    public var marginal: Double {
      switch target {
      case .cpa: marginalReturn > 0 ? 1 / marginalReturn : .infinity
      case .roas: marginalReturn
      }
    }
  }

  /// This optimiser with another total (bounds kept; default and unbounded maximums
  /// follow the total).
  public func with(total newTotal: Double) -> BudgetOptimizer {
    var o = self
    o.bounds = bounds.map { ($0.min, $0.max == total || !$0.max.isFinite ? newTotal : $0.max) }
    o.total = newTotal
    return o
  }

  /// The largest total spend whose optimal allocation meets `target` (average cost per
  /// incremental conversion ≤ X, or incremental revenue per spend ≥ Y), in the spirit of
  /// the target-efficiency scenarios of Robyn and Meridian.
  ///
  /// Increments are measured against the expected objective with no paid spend. The
  /// average efficiency worsens as the total grows (diminishing returns), so the search
  /// doubles the total from the model's own plan until the target fails, then bisects
  /// (relative precision 1e-4); each step is a full optimisation.
  ///
  /// - Parameter target: its objective replaces ``objective``.
  /// - Complexity: about 40 optimisations plus one with response curves.
  public func run(target: EfficiencyTarget) -> TargetResult {
    var base = self
    base.objective = target.objective
    let zeroSpend = base.evaluate(spend: channels.map { _ in [Double](repeating: 0, count: horizon) })
    let ownTotal = base.baselineSpend
    let reference = ownTotal > 0 ? ownTotal : 1000
    let floor = bounds.reduce(0) { $0 + $1.min }
      + (periodBounds.map { $0.reduce(0) { $0 + $1.min } * Double(horizon) } ?? 0)
    func attempt(_ t: Double, curves: Bool = false) -> TargetResult {
      let o = base.with(total: t)
      let r = o.run(curves: curves)
      return TargetResult(target: target, met: false, optimizer: o, result: r, zeroSpend: zeroSpend, unbounded: false)
    }
    func meets(_ r: TargetResult) -> Bool {
      switch target {
      case .cpa(let x): r.increment > 0 && r.average <= x
      case .roas(let y): r.average >= y
      }
    }
    var lo = Swift.max(floor, 1e-6 * reference)
    let first = attempt(lo)
    guard meets(first) else { return attempt(lo, curves: true) }
    var hi = Swift.max(reference, 2 * lo)
    var unbounded = false
    while meets(attempt(hi)) {
      lo = hi
      hi *= 2
      if hi > 1e6 * reference {
        unbounded = true
        break
      }
    }
    if !unbounded {
      while hi - lo > 1e-4 * hi {
        let mid = 0.5 * (lo + hi)
        if meets(attempt(mid)) { lo = mid } else { hi = mid }
      }
    }
    var out = attempt(lo, curves: true)
    out.met = true
    out.unbounded = unbounded
    return out
  }
}
