import Dispatch
import Foundation
import JourneyModel
import JourneySimulation

/// What the optimiser maximises over the horizon, on the expected engine.
public enum Objective: String, Sendable, CaseIterable {
  case conversions
  /// Revenue (conversions × the conversion phases' values).
  case value
}

/// Allocation of a total budget over the paid channels (and optionally over periods) that
/// maximises expected conversions or revenue.
///
/// Variables are channel totals over the horizon; a channel's spend keeps the per-period
/// shape of its model plan (a flat shape when the plan spends nothing). With
/// ``perPeriod`` every (channel, period) spend is a variable, the channel bounds apply
/// to its total, ``periodBounds`` to each period's spend and ``maxChange`` limits the
/// change from one period to the next.
///
/// Method: projected diagonal-Newton ascent. Each iteration takes the marginal returns
/// `g_k = ∂F/∂x_k` and the curvatures `h_k = ∂²F/∂x_k²` exactly from the expected engine
/// (``ExpectedObjective``: forward-mode derivatives through adstock, reach and the
/// transition recursion; one engine run plus one tangent pass per variable), steps to the
/// maximiser of the separable quadratic model `Σ g_k d_k − ½ H_k d_k²`
/// (`H_k = max(−h_k, floor)`) over the feasible set (exact projection: nested bisection on
/// the Lagrange multipliers, or an active-set quadratic programme with pacing), and
/// backtracks until the objective rises. It stops when the KKT conditions hold within
/// ``tolerance``: every feasible move from a variable `a` to a variable `b` has
/// `g_b ≤ g_a + tol·|g_a|` (so interior channels have equal marginal returns), and a
/// final exchange check finds no move of 1% of the budget between two channels that
/// improves the objective.
public struct BudgetOptimizer: Sendable {
  public var scenario: Scenario
  /// Paid channel indices, in model order.
  public var channels: [Int]
  public var total: Double
  /// Per paid channel, `(min, max)` of its total over the horizon.
  public var bounds: [(min: Double, max: Double)]
  public var objective: Objective
  public var perPeriod: Bool
  /// With ``perPeriod``: per paid channel, `(min, max)` of its spend in every period
  /// (`nil`: `0...∞`).
  public var periodBounds: [(min: Double, max: Double)]?
  /// With ``perPeriod``: the largest relative change of a channel's spend from one period
  /// to the next, `(1 − R)·x_t ≤ x_{t+1} ≤ (1 + R)·x_t` (`nil`: no pacing limit).
  public var maxChange: Double?
  public var threads: Int
  /// The state the horizon starts from (at the horizon's first calendar period, after any
  /// warm-up); `nil` for the model's own population from period 0.
  public var start: StartState?
  /// The calendar period of the horizon's period 0.
  public var offset: Int { start?.period ?? 0 }

  /// `[c][t]`: each paid channel's share of its total per period.
  let shapes: [[Double]]

  /// The KKT tolerance the optimiser stops at (relative spread of marginal returns).
  public static let tolerance = 1e-4

  public struct Result: Sendable {
    /// Per paid channel, total over the horizon.
    public var allocation: [Double]
    /// `[c][t]`: spend per paid channel and period.
    public var byPeriod: [[Double]]
    public var expected: Double
    /// The objective with the model's own plan (its own money and mix).
    public var baselineExpected: Double
    /// The objective with the model's own plan scaled to the total (its mix, the new money).
    public var scaledExpected: Double
    /// Marginal objective per unit of spend of each paid channel at the optimum.
    public var marginal: [Double]
    /// Per paid channel: `(spend, value)` points.
    public var responseCurves: [[(spend: Double, value: Double)]]
    public var iterations: Int
    public var converged: Bool
    public var evaluations: Int

    /// The gain from the mix at equal budget: optimum − own plan scaled to the total.
    public var mixGain: Double { expected - scaledExpected }
    /// The effect of the money: own plan scaled to the total − own plan.
    public var moneyEffect: Double { scaledExpected - baselineExpected }
  }

  /// - Parameters:
  ///   - scenario: the model over the forecast horizon, with its own spend plans.
  ///   - bounds: per paid channel (model order); default `0...total`.
  ///   - start: continue from a history's state (``Forecast/scenario(for:budget:)``'s
  ///     scenario, in calendar periods, with ``StartState/warmUp`` + horizon periods): the
  ///     warm-up runs once on the expected engine, then every evaluation starts from its
  ///     mean state at calendar period `start.forecastStart`.
  ///   - periodBounds, maxChange: see ``periodBounds`` and ``maxChange`` (only with
  ///     `perPeriod`).
  public init(
    scenario: Scenario, total: Double, bounds: [(min: Double, max: Double)]? = nil, objective: Objective = .conversions,
    perPeriod: Bool = false, periodBounds: [(min: Double, max: Double)]? = nil, maxChange: Double? = nil,
    threads: Int = ProcessInfo.processInfo.activeProcessorCount, start: StartState? = nil
  ) {
    var scenario = scenario
    var warm = start
    if let state = start, state.warmUp > 0 {
      var w = scenario
      w.horizon = state.warmUp
      if let result = try? Simulator.run(w, engine: .expected, start: state) { warm = result.endState }
      warm?.adstockSource = state.adstockSource
      scenario.horizon = Swift.max(1, scenario.horizon - state.warmUp)
    }
    self.start = warm
    let offset = warm?.period ?? 0
    self.scenario = scenario
    self.channels = scenario.channels.indices.filter { scenario.channels[$0].isPaid }
    self.total = total
    self.bounds = bounds ?? channels.map { _ in (0, total) }
    self.objective = objective
    self.perPeriod = perPeriod
    self.periodBounds = perPeriod ? periodBounds : nil
    self.maxChange = perPeriod ? maxChange : nil
    self.threads = Swift.max(1, threads)
    let horizon = scenario.horizon
    shapes = channels.map { c in
      let s = (0..<horizon).map { scenario.spend(at: offset + $0)[c] }
      let sum = s.reduce(0, +)
      return sum > 0 ? s.map { $0 / sum } : [Double](repeating: 1 / Double(horizon), count: horizon)
    }
  }

  var horizon: Int { scenario.horizon }
  var variableCount: Int { perPeriod ? channels.count * horizon : channels.count }
  func group(_ k: Int) -> Int { perPeriod ? k / horizon : k }

  /// The objective as a function of every channel's spend.
  public var function: ExpectedObjective {
    ExpectedObjective(
      scenario: scenario, start: start,
      weights: objective == .conversions
        ? ExpectedObjective.conversionWeights(scenario) : ExpectedObjective.revenueWeights(scenario))
  }

  /// Spend `[c][t]` per paid channel for a variable vector.
  func spend(_ x: [Double]) -> [[Double]] {
    channels.indices.map { c in
      perPeriod ? Array(x[(c * horizon)..<((c + 1) * horizon)]) : shapes[c].map { $0 * x[c] }
    }
  }

  /// Per scenario channel, the spend of the paid channels (`spend[k]` for paid channel `k`).
  func channelSpend(_ spend: [[Double]]) -> [[Double]] {
    var full = [[Double]](repeating: [], count: scenario.channelCount)
    for (k, c) in channels.enumerated() { full[c] = spend[k].map { Swift.max(0, $0) } }
    return full
  }

  /// The expected objective of a per-channel, per-period spend.
  public func evaluate(spend: [[Double]]) -> Double {
    function.value(spend: channelSpend(spend))
  }

  func evaluate(_ x: [Double]) -> Double { evaluate(spend: spend(x)) }

  /// The model's own plan, `[c][t]` per paid channel over the horizon.
  public var ownPlan: [[Double]] {
    channels.map { c in (0..<horizon).map { scenario.spend(at: offset + $0)[c] } }
  }

  /// Total spend of the model's own plan over the horizon.
  public var baselineSpend: Double { ownPlan.reduce(0) { $0 + $1.reduce(0, +) } }

  /// The model's own plan scaled to `total` (its mix and shapes; an even split over the
  /// channels and periods when the plan spends nothing).
  public func scaledPlan(total: Double) -> [[Double]] {
    let own = ownPlan
    let ownTotal = baselineSpend
    return own.indices.map { c in
      ownTotal > 0
        ? own[c].map { $0 * total / ownTotal } : shapes[c].map { $0 * total / Double(channels.count) }
    }
  }

  /// The objective with the model's own plan.
  public func baseline() -> Double { evaluate(spend: ownPlan) }

  /// Evaluates many points, in parallel, in order.
  func evaluateAll(_ points: [[Double]]) -> [Double] {
    let out = Locked([Double](repeating: 0, count: points.count))
    Parallel.strided(points.count, workers: threads) { i in
      let value = evaluate(points[i])
      out.withLock { $0[i] = value }
    }
    return out.withLock { $0 }
  }

  /// The spend directions of the variables.
  var directions: [ExpectedObjective.Direction] {
    if perPeriod {
      return channels.indices.flatMap { k in
        (0..<horizon).map { t in ExpectedObjective.Direction(channel: channels[k], first: t, rate: [1]) }
      }
    }
    return channels.indices.map { k in ExpectedObjective.Direction(channel: channels[k], first: 0, rate: shapes[k]) }
  }

  /// The objective, marginal returns and curvatures, exactly (``ExpectedObjective``).
  func derivatives(_ x: [Double]) -> (f: Double, g: [Double], h: [Double]) {
    let d = function.derivatives(spend: channelSpend(spend(x)), directions: directions, threads: threads)
    return (d.value, d.first, d.second)
  }

  /// Group totals.
  func groupTotals(_ x: [Double]) -> [Double] {
    var t = [Double](repeating: 0, count: channels.count)
    for k in x.indices { t[group(k)] += x[k] }
    return t
  }

  /// Per variable, `(min, max)` of its value (per-period bounds; `0...∞` otherwise).
  func box(_ k: Int) -> (min: Double, max: Double) {
    guard let periodBounds else { return (0, .infinity) }
    return periodBounds[group(k)]
  }

  /// The point of the feasible set closest to `y` in the metric `Σ w_k (x_k − y_k)²`.
  func project(_ y: [Double], weights w: [Double]) -> [Double] {
    if maxChange != nil, let x = try? pacedProjection(y, weights: w) { return x }
    let members: [[Int]] = channels.indices.map { c in y.indices.filter { group($0) == c } }
    let boxes = y.indices.map(box)
    func value(_ k: Int, _ nu: Double) -> Double {
      Swift.min(Swift.max(y[k] - nu / w[k], boxes[k].min), boxes[k].max)
    }
    func groupTotal(_ c: Int, _ nu: Double) -> Double {
      members[c].reduce(0) { $0 + value($1, nu) }
    }
    /// ν with groupTotal(c, ν) = target (non-increasing in ν).
    func solveGroup(_ c: Int, _ target: Double) -> Double {
      var hi = (members[c].map { (y[$0] - boxes[$0].min) * w[$0] }.max() ?? 0) + 1
      var lo = hi - 1
      var width = 1.0
      while groupTotal(c, lo) < target && width < 1e300 {
        width *= 2
        lo = hi - width
      }
      for _ in 0..<200 {
        let mid = 0.5 * (lo + hi)
        if mid == lo || mid == hi { break }
        if groupTotal(c, mid) > target { lo = mid } else { hi = mid }
      }
      return 0.5 * (lo + hi)
    }
    func clampedTotal(_ c: Int, _ lambda: Double) -> Double {
      Swift.min(Swift.max(groupTotal(c, lambda), bounds[c].min), bounds[c].max)
    }
    func sum(_ lambda: Double) -> Double { channels.indices.reduce(0) { $0 + clampedTotal($1, lambda) } }
    // Bisection on λ: sum(λ) is non-increasing.
    var hi = (y.indices.map { (y[$0] - boxes[$0].min) * w[$0] }.max() ?? 0) + 1
    var lo = hi - 1
    var width = 1.0
    while sum(lo) < total && width < 1e300 {
      width *= 2
      lo = hi - width
    }
    while sum(hi) > total && width < 1e300 {
      width *= 2
      hi += width
    }
    for _ in 0..<200 {
      let mid = 0.5 * (lo + hi)
      if mid == lo || mid == hi { break }
      if sum(mid) > total { lo = mid } else { hi = mid }
    }
    let lambda = 0.5 * (lo + hi)
    var targets = channels.indices.map { clampedTotal($0, lambda) }
    let capacity = channels.indices.map { c in
      (
        min: Swift.max(bounds[c].min, members[c].reduce(0) { $0 + boxes[$1].min }),
        max: Swift.min(bounds[c].max, members[c].reduce(0) { $0 + boxes[$1].max })
      )
    }
    // Spread the remaining rounding error over groups with room.
    var gap = total - targets.reduce(0, +)
    for c in channels.indices where gap != 0 {
      let moved = Swift.min(Swift.max(targets[c] + gap, capacity[c].min), capacity[c].max) - targets[c]
      targets[c] += moved
      gap -= moved
    }
    var x = y
    for c in channels.indices {
      let nu = abs(groupTotal(c, lambda) - targets[c]) <= 1e-12 * Swift.max(total, 1) ? lambda : solveGroup(c, targets[c])
      for k in members[c] { x[k] = value(k, nu) }
      // Make the group total exact within the boxes.
      var rest = targets[c] - members[c].reduce(0) { $0 + x[$1] }
      for k in members[c] where rest != 0 {
        let moved = Swift.min(Swift.max(x[k] + rest, boxes[k].min), boxes[k].max) - x[k]
        x[k] += moved
        rest -= moved
      }
    }
    return x
  }

  /// The largest violation of the KKT conditions, relative: max over feasible moves
  /// a→b of `(g_b − g_a) / max(|g_a|, |g_b|)`.
  func kktViolation(_ x: [Double], _ g: [Double]) -> Double {
    let t = groupTotals(x)
    let eps = 1e-9 * Swift.max(total, 1)
    var worst = 0.0
    for a in x.indices where x[a] > box(a).min + eps {
      let ca = group(a)
      for b in x.indices where b != a && x[b] < box(b).max - eps {
        let cb = group(b)
        let feasible = ca == cb || (t[ca] > bounds[ca].min + eps && t[cb] < bounds[cb].max - eps)
        guard feasible else { continue }
        let scale = Swift.max(abs(g[a]), abs(g[b]), 1e-300)
        worst = Swift.max(worst, (g[b] - g[a]) / scale)
      }
    }
    return worst
  }

  /// Runs the optimisation.
  ///
  /// - Parameter curves: compute the response curves (21 engine runs per channel).
  /// - Complexity: per iteration one engine run with its derivatives (one tangent pass per
  ///   variable), the backtracking and the exchange checks (at most 300 iterations, 150
  ///   per period); 21 runs per channel for the response curves. The tangent passes and
  ///   the checks go in parallel over ``threads``.
  public func run(tolerance: Double = BudgetOptimizer.tolerance, maxIterations: Int? = nil, curves: Bool = true)
    -> Result
  {
    let n = variableCount
    let maxIter = maxIterations ?? (perPeriod ? 150 : 300)
    // Start: the model's plan scaled to the total, projected onto the bounds.
    let scaled = scaledPlan(total: total)
    let start: [Double] = perPeriod ? Array(scaled.joined()) : scaled.map { $0.reduce(0, +) }
    var x = project(start, weights: [Double](repeating: 1, count: n))
    var f = evaluate(x)
    var evaluations = 1
    var iterations = 0
    var converged = false
    var damping = 1.0
    var g = [Double](repeating: 0, count: n)
    let paced = maxChange != nil
    // The exchange check moves spend proportionally within channels, which per-period
    // bounds and pacing may not allow.
    let exchanges = maxChange == nil && periodBounds == nil
    while iterations < maxIter {
      iterations += 1
      let d = derivatives(x)
      evaluations += 1
      g = d.g
      let scale = total / Double(n)
      let weights = (0..<n).map { k in
        let floor = 0.02 * abs(g[k]) / Swift.max(x[k], scale) + 1e-300
        return damping * Swift.max(-d.h[k], floor)
      }
      let target = project((0..<n).map { x[$0] + g[$0] / weights[$0] }, weights: weights)
      let stepLength = (0..<n).reduce(0) { Swift.max($0, abs(target[$1] - x[$1])) }
      let stationary = paced ? stepLength <= 1e-7 * Swift.max(scale, 1) : kktViolation(x, g) <= tolerance
      if stationary {
        if exchanges, let better = exchange(x, f) {
          evaluations += better.evaluations
          if better.value > f {
            x = better.point
            f = better.value
            continue
          }
        }
        converged = true
        break
      }
      var alpha = 1.0
      var accepted = false
      for _ in 0..<30 {
        let trial = (0..<n).map { x[$0] + alpha * (target[$0] - x[$0]) }
        let ft = evaluate(trial)
        evaluations += 1
        if ft > f {
          x = trial
          f = ft
          accepted = true
          break
        }
        alpha *= 0.5
      }
      if accepted {
        damping = alpha == 1 ? Swift.max(damping / 2, 1) : damping * 2
      } else {
        // No ascent along the Newton direction: try an exchange between two variables.
        if exchanges, let better = exchange(x, f), better.value > f {
          x = better.point
          f = better.value
          evaluations += better.evaluations
        } else {
          converged = paced || kktViolation(x, g) <= tolerance
          break
        }
      }
    }
    g = derivatives(x).g
    evaluations += 1
    let byPeriod = spend(x)
    let allocation = byPeriod.map { $0.reduce(0, +) }
    // Marginal per channel: the derivative of scaling the channel's allocation.
    let marginal: [Double] = channels.indices.map { c in
      if !perPeriod { return g[c] }
      let range = (c * horizon)..<((c + 1) * horizon)
      let tot = allocation[c]
      if tot <= 0 { return range.map { g[$0] }.max() ?? 0 }
      return range.reduce(0) { $0 + g[$1] * x[$1] } / tot
    }
    let responseCurves = curves ? self.responseCurves(x, allocation: allocation) : []
    evaluations += responseCurves.count * 21
    return Result(
      allocation: allocation, byPeriod: byPeriod, expected: f, baselineExpected: baseline(),
      scaledExpected: evaluate(spend: scaled), marginal: marginal, responseCurves: responseCurves,
      iterations: iterations, converged: converged, evaluations: evaluations + 2)
  }

  /// Tries moving 1% of the budget between every pair of channels; returns the best
  /// improvement after a line search along it, if any.
  func exchange(_ x: [Double], _ f: Double) -> (point: [Double], value: Double, evaluations: Int)? {
    let t = groupTotals(x)
    let delta = 0.01 * total
    var candidates: [(Int, Int, Double)] = []
    var points: [[Double]] = []
    for a in channels.indices {
      for b in channels.indices where a != b {
        let amount = Swift.min(delta, t[a] - bounds[a].min, bounds[b].max - t[b])
        guard amount > 1e-12 * total else { continue }
        candidates.append((a, b, amount))
        points.append(move(x, from: a, to: b, amount: amount, totals: t))
      }
    }
    guard !points.isEmpty else { return nil }
    let values = evaluateAll(points)
    var evaluations = values.count
    guard let best = values.indices.max(by: { values[$0] < values[$1] }), values[best] > f + 1e-12 * abs(f) else {
      return (x, f, evaluations)
    }
    // Keep doubling the move while it improves.
    let (a, b, first) = candidates[best]
    var amount = first
    var point = points[best]
    var value = values[best]
    while true {
      let room = Swift.min(t[a] - bounds[a].min, bounds[b].max - t[b])
      let next = Swift.min(2 * amount, room)
      guard next > amount else { break }
      let trial = move(x, from: a, to: b, amount: next, totals: t)
      let v = evaluate(trial)
      evaluations += 1
      guard v > value else { break }
      amount = next
      point = trial
      value = v
    }
    return (point, value, evaluations)
  }

  /// Moves `amount` of spend from channel `a` to channel `b`, proportionally within each.
  func move(_ x: [Double], from a: Int, to b: Int, amount: Double, totals t: [Double]) -> [Double] {
    var y = x
    for k in x.indices {
      let c = group(k)
      if c == a { y[k] -= t[a] > 0 ? amount * x[k] / t[a] : 0 }
      if c == b {
        let share = t[b] > 0 ? x[k] / t[b] : (perPeriod ? 1 / Double(horizon) : 1)
        y[k] += amount * share
      }
    }
    return y
  }

  /// The objective against each channel's total spend (21 points from 0 to twice its
  /// optimum, or to its upper bound when the optimum is 0), the others at the optimum.
  func responseCurves(_ x: [Double], allocation: [Double]) -> [[(spend: Double, value: Double)]] {
    let byPeriod = spend(x)
    var points: [[[Double]]] = []
    var spends: [[Double]] = []
    for c in channels.indices {
      let top = allocation[c] > 0 ? 2 * allocation[c] : Swift.min(bounds[c].max, total)
      let shape = allocation[c] > 0 ? byPeriod[c].map { $0 / allocation[c] } : shapes[c]
      let s = (0...20).map { top * Double($0) / 20 }
      spends.append(s)
      for v in s {
        var p = byPeriod
        p[c] = shape.map { $0 * v }
        points.append(p)
      }
    }
    let values = Locked([Double](repeating: 0, count: points.count))
    let all = points
    Parallel.strided(all.count, workers: threads) { i in
      let value = evaluate(spend: all[i])
      values.withLock { $0[i] = value }
    }
    let results = values.withLock { $0 }
    return channels.indices.map { c in (0...20).map { (spends[c][$0], results[c * 21 + $0]) } }
  }
}
