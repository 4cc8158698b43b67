import JourneyModel

extension BudgetOptimizer {
  /// The constraints of one paid channel's per-period spend (group `c`, variables
  /// `offset ..< offset + horizon` of `qp`): its total bounds, its per-period bounds and
  /// the pacing limit.
  func addConstraints(of c: Int, to qp: inout QuadraticProgram, at offset: Int, count: Int) {
    let h = horizon
    func unit(_ entries: [(Int, Double)]) -> [Double] {
      var a = [Double](repeating: 0, count: count)
      for (k, v) in entries { a[offset + k] = v }
      return a
    }
    let all = (0..<h).map { ($0, 1.0) }
    if bounds[c].min > 0 { qp.atLeast(unit(all), bounds[c].min) }
    if bounds[c].max < total { qp.atLeast(unit(all.map { ($0.0, -1.0) }), -bounds[c].max) }
    let lo = periodBounds?[c].min ?? 0
    let hi = periodBounds?[c].max ?? .infinity
    for t in 0..<h {
      qp.atLeast(unit([(t, 1)]), lo)
      if hi.isFinite { qp.atLeast(unit([(t, -1)]), -hi) }
    }
    if let r = maxChange {
      for t in 0..<(h - 1) {
        // x_{t+1} ≤ (1 + R) x_t and, for R < 1, x_{t+1} ≥ (1 − R) x_t.
        qp.atLeast(unit([(t, 1 + r), (t + 1, -1)]), 0)
        if r < 1 { qp.atLeast(unit([(t + 1, 1), (t, -(1 - r))]), 0) }
      }
    }
  }

  /// The exact projection onto the feasible set with per-period bounds and pacing, in the
  /// metric `Σ w_k (x_k − y_k)²` (``QuadraticProgram``).
  func pacedProjection(_ y: [Double], weights w: [Double]) throws -> [Double] {
    let n = y.count
    // The metric up to a factor, with weights kept within 10¹² of the largest so that the
    // factorisation stays well scaled.
    let top = w.max() ?? 1
    let weights = w.map { Swift.max($0 / top, 1e-12) }
    var qp = QuadraticProgram(target: y, weights: weights)
    qp.equal([Double](repeating: 1, count: n), total)
    for c in channels.indices { addConstraints(of: c, to: &qp, at: c * horizon, count: n) }
    var x = try qp.solve(tolerance: 1e-12 * Swift.max(total, 1))
    for k in x.indices { x[k] = Swift.max(x[k], 0) }
    return x
  }

  /// Checks that the per-period bounds and the pacing limit admit an allocation: each
  /// channel on its own (its total bounds, per-period bounds and pacing), then all of them
  /// with the total.
  ///
  /// - Throws: ``InputError`` naming the channel (as `--period-bounds`, `--max-change`) that
  ///   cannot satisfy its constraints, or the total when the channels cannot add up to it.
  /// - Parameter total: also check the total (not in a target-efficiency search).
  public func checkFeasible(total checkTotal: Bool = true) throws(InputError) {
    guard perPeriod, periodBounds != nil || maxChange != nil else { return }
    let names = channels.map { scenario.channels[$0].name }
    let flags = [periodBounds != nil ? "--period-bounds" : nil, maxChange != nil ? "--max-change" : nil]
      .compactMap { $0 }.joined(separator: " and ")
    for c in channels.indices {
      var qp = QuadraticProgram(
        target: [Double](repeating: 0, count: horizon), weights: [Double](repeating: 1, count: horizon))
      addConstraints(of: c, to: &qp, at: 0, count: horizon)
      do {
        _ = try qp.solve(tolerance: 1e-12 * Swift.max(total, 1))
      } catch {
        let lo = periodBounds?[c].min ?? 0
        let hi = periodBounds?[c].max ?? .infinity
        throw InputError(
          .range, file: flags,
          "channel '\(names[c])' cannot meet its constraints: total \(plain(bounds[c].min))…\(plain(bounds[c].max)) "
            + "over \(horizon) periods with \(plain(lo))…\(hi.isFinite ? plain(hi) : "∞") per period"
            + (maxChange.map { " and at most ±\(plain($0 * 100))% change from one period to the next" } ?? "")
            + "; expected per-period bounds whose sum over the horizon can reach the channel's total bounds")
      }
    }
    guard checkTotal else { return }
    do {
      _ = try pacedProjection(
        [Double](repeating: 0, count: variableCount), weights: [Double](repeating: 1, count: variableCount))
    } catch {
      throw InputError(
        .range, file: flags,
        "the channels cannot add up to the total \(plain(total)) under \(flags); expected per-period bounds whose "
          + "sums over the horizon and channels include the total")
    }
  }
}
