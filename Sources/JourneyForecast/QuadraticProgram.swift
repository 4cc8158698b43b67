import Foundation

/// A strictly convex quadratic programme with a diagonal Hessian, solved exactly by the
/// dual active-set method of Goldfarb & Idnani ("A numerically stable dual method for
/// solving strictly convex quadratic programs", Math. Programming 27 (1983)):
///
/// minimise `½ Σ_k w_k (x_k − y_k)²` subject to `a_iᵀ x = b_i` (equalities) and
/// `a_iᵀ x ≥ b_i` (inequalities).
///
/// The method starts from the unconstrained minimum `y` and adds the most violated
/// constraint at a time, keeping the multipliers of the active set non-negative; the
/// factorisation `J = L⁻ᵀ Q` is updated by Givens rotations. It needs no feasible start
/// and reports an infeasible set.
///
/// ```swift
/// var qp = QuadraticProgram(target: [3, 1], weights: [1, 1])
/// qp.equal([1, 1], 2)          // x₀ + x₁ = 2
/// qp.atLeast([0, 1], 0.5)      // x₁ ≥ 0.5
/// let x = try qp.solve()       // [1.5, 0.5]
/// ```
struct QuadraticProgram {
  struct Infeasible: Error {}

  let target: [Double]
  let weights: [Double]
  var equalities: [(a: [Double], b: Double)] = []
  var inequalities: [(a: [Double], b: Double)] = []

  init(target: [Double], weights: [Double]) {
    self.target = target
    self.weights = weights
  }

  mutating func equal(_ a: [Double], _ b: Double) { equalities.append((a, b)) }
  mutating func atLeast(_ a: [Double], _ b: Double) { inequalities.append((a, b)) }

  /// The minimiser.
  ///
  /// - Parameter tolerance: the violation (in the constraints' units) accepted as satisfied.
  /// - Throws: ``Infeasible`` when no point satisfies the constraints.
  /// - Complexity: O((m + n) · n²) per active-set change for `n` variables and `m`
  ///   constraints; at most `4(m + n)` changes.
  func solve(tolerance: Double = 1e-9) throws(Infeasible) -> [Double] {
    let n = target.count
    let meq = equalities.count
    let all = equalities + inequalities
    let m = all.count
    var x = target
    // J = L⁻ᵀ for G = diag(w): n × n, J[k][j] at k * n + j.
    var J = [Double](repeating: 0, count: n * n)
    for k in 0..<n { J[k * n + k] = 1 / weights[k].squareRoot() }
    var R = [Double](repeating: 0, count: n * n)  // R[i][j] at i * n + j
    var active = [Int](repeating: -1, count: n + 1)
    var u = [Double](repeating: 0, count: n + 1)
    var iq = 0
    var d = [Double](repeating: 0, count: n)
    var z = [Double](repeating: 0, count: n)
    var r = [Double](repeating: 0, count: n + 1)
    var rNorm = 1.0

    func dot(_ a: [Double], _ v: [Double]) -> Double {
      var s = 0.0
      for k in 0..<n where a[k] != 0 { s += a[k] * v[k] }
      return s
    }
    func computeD(_ np: [Double]) {
      for i in 0..<n {
        var s = 0.0
        for k in 0..<n where np[k] != 0 { s += J[k * n + i] * np[k] }
        d[i] = s
      }
    }
    func updateZ() {
      for k in 0..<n {
        var s = 0.0
        for j in iq..<n { s += J[k * n + j] * d[j] }
        z[k] = s
      }
    }
    func updateR() {
      var i = iq - 1
      while i >= 0 {
        var s = 0.0
        for j in (i + 1)..<Swift.max(i + 1, iq) { s += R[i * n + j] * r[j] }
        r[i] = (d[i] - s) / R[i * n + i]
        i -= 1
      }
    }
    func addConstraint() -> Bool {
      var j = n - 1
      while j >= iq + 1 {
        var cc = d[j - 1]
        var ss = d[j]
        let h = (cc * cc + ss * ss).squareRoot()
        if h == 0 {
          j -= 1
          continue
        }
        d[j] = 0
        ss /= h
        cc /= h
        if cc < 0 {
          cc = -cc
          ss = -ss
          d[j - 1] = -h
        } else {
          d[j - 1] = h
        }
        let xny = ss / (1 + cc)
        for k in 0..<n {
          let t1 = J[k * n + j - 1]
          let t2 = J[k * n + j]
          J[k * n + j - 1] = t1 * cc + t2 * ss
          J[k * n + j] = xny * (t1 + J[k * n + j - 1]) - t2
        }
        j -= 1
      }
      iq += 1
      for i in 0..<iq { R[i * n + iq - 1] = d[i] }
      rNorm = Swift.max(rNorm, abs(d[iq - 1]))
      return abs(d[iq - 1]) > 1e-14 * rNorm
    }
    func deleteConstraint(_ l: Int) {
      guard let qq = (meq..<iq).first(where: { active[$0] == l }) else { return }
      for i in qq..<(iq - 1) {
        active[i] = active[i + 1]
        u[i] = u[i + 1]
        for k in 0..<n { R[k * n + i] = R[k * n + i + 1] }
      }
      active[iq - 1] = active[iq]
      u[iq - 1] = u[iq]
      active[iq] = -1
      u[iq] = 0
      for k in 0..<n { R[k * n + iq - 1] = 0 }
      iq -= 1
      guard iq > 0 else { return }
      for j in qq..<iq {
        var cc = R[j * n + j]
        var ss = R[(j + 1) * n + j]
        let h = (cc * cc + ss * ss).squareRoot()
        if h == 0 { continue }
        cc /= h
        ss /= h
        R[(j + 1) * n + j] = 0
        if cc < 0 {
          R[j * n + j] = -h
          cc = -cc
          ss = -ss
        } else {
          R[j * n + j] = h
        }
        let xny = ss / (1 + cc)
        for k in (j + 1)..<Swift.max(j + 1, iq) {
          let t1 = R[j * n + k]
          let t2 = R[(j + 1) * n + k]
          R[j * n + k] = t1 * cc + t2 * ss
          R[(j + 1) * n + k] = xny * (t1 + R[j * n + k]) - t2
        }
        for k in 0..<n {
          let t1 = J[k * n + j]
          let t2 = J[k * n + j + 1]
          J[k * n + j] = t1 * cc + t2 * ss
          J[k * n + j + 1] = xny * (J[k * n + j] + t1) - t2
        }
      }
    }

    // Equalities: full steps.
    for i in 0..<meq {
      let np = all[i].a
      computeD(np)
      updateZ()
      updateR()
      let zn = dot(np, z)
      let t2 = abs(zn) > 1e-300 ? (all[i].b - dot(np, x)) / zn : 0
      for k in 0..<n { x[k] += t2 * z[k] }
      u[iq] = t2
      for k in 0..<iq { u[k] -= t2 * r[k] }
      active[iq] = i
      if !addConstraint() {
        // A dependent equality: consistent only if already satisfied.
        iq -= 1
        if abs(dot(np, x) - all[i].b) > tolerance { throw Infeasible() }
      }
    }
    var changes = 0
    while changes < 4 * (m + n) + 10 {
      changes += 1
      // The most violated inequality.
      var p = -1
      var worst = -tolerance
      for i in meq..<m where !active[0..<iq].contains(i) {
        let s = dot(all[i].a, x) - all[i].b
        if s < worst {
          worst = s
          p = i
        }
      }
      guard p >= 0 else { return x }
      let np = all[p].a
      u[iq] = 0
      active[iq] = p
      var sp = worst
      while true {
        computeD(np)
        updateZ()
        updateR()
        var t1 = Double.infinity
        var l = -1
        for k in meq..<iq where r[k] > 0 && u[k] / r[k] < t1 {
          t1 = u[k] / r[k]
          l = active[k]
        }
        // z = 0 (the constraint depends on the active ones) when the part of d = Jᵀn in
        // the null space of the active set vanishes relative to d.
        let zn = dot(np, z)
        let free = (iq..<n).reduce(0) { $0 + d[$1] * d[$1] }
        let whole = (0..<n).reduce(0) { $0 + d[$1] * d[$1] }
        let t2 = free > 1e-24 * whole && zn > 0 ? -sp / zn : Double.infinity
        let t = Swift.min(t1, t2)
        guard t.isFinite else { throw Infeasible() }
        if !t2.isFinite {
          for k in 0..<iq { u[k] -= t * r[k] }
          u[iq] += t
          deleteConstraint(l)
          changes += 1
          if changes > 4 * (m + n) + 10 { throw Infeasible() }
          continue
        }
        for k in 0..<n { x[k] += t * z[k] }
        for k in 0..<iq { u[k] -= t * r[k] }
        u[iq] += t
        if t == t2 {
          active[iq] = p
          // Numerically dependent: satisfied now, it stays out of the active set.
          if !addConstraint() { iq -= 1 }
          break
        }
        deleteConstraint(l)
        sp = dot(np, x) - all[p].b
        changes += 1
        if changes > 4 * (m + n) + 10 { throw Infeasible() }
      }
    }
    throw Infeasible()
  }
}
