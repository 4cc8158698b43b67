/// Exact summaries of an absorbing Markov chain: where a customer ends up and how long it
/// takes.
///
/// Build it from a row-stochastic transition matrix `P` (`P[i, j]` is the probability of
/// moving from state `i` to state `j` in one step) and the set of absorbing states; every
/// other state is transient. Reordering the states as (transient, absorbing) gives the
/// canonical form
///
///     P = | Q  R |
///         | 0  I |
///
/// where `Q` (t × t) holds transient → transient probabilities and `R` (t × a) transient →
/// absorbing ones. Following Kemeny & Snell, *Finite Markov Chains* (1960), ch. III, and
/// Grinstead & Snell, *Introduction to Probability* (2nd ed., AMS 1997), ch. 11, §11.2
/// "Absorbing Markov Chains":
///
/// - ``fundamental`` `N = (I − Q)⁻¹`: `N[i, j]` is the expected number of visits to
///   transient state `j` starting from transient state `i` (counting the start).
/// - ``expectedSteps`` `t = N 1`: the expected number of steps before absorption.
/// - ``stepVariance`` `(2N − I) t − t∘t` (`∘` is the elementwise product): the variance
///   of that number of steps.
/// - ``absorptionProbabilities`` `B = N R`: `B[i, k]` is the probability of ending in
///   absorbing state `absorbing[k]` starting from transient state `transient[i]`.
///
/// Nothing is inverted by hand: one LU factorization of `I − Q` (LAPACK `dgesv`) solves
/// `(I − Q) [N | B | t] = [I | R | 1]` for all three at once.
///
/// Rows of `P` belonging to absorbing states are ignored (they are taken to be the
/// corresponding rows of the identity). Row sums of transient states are not checked; with
/// substochastic rows the missing mass behaves like an extra, unlisted absorbing state.
///
/// Rows and columns of the results are indexed by position in ``transient`` and
/// ``absorbing``, not by original state index.
public struct AbsorbingChain: Sendable, Equatable {
  /// The original indices of the transient states, ascending. Row `i` of every result
  /// refers to state `transient[i]`.
  public let transient: [Int]
  /// The original indices of the absorbing states, ascending. Column `k` of
  /// ``absorptionProbabilities`` refers to state `absorbing[k]`.
  public let absorbing: [Int]
  /// The fundamental matrix `N = (I − Q)⁻¹` (transient × transient): expected visits to
  /// `transient[j]` starting from `transient[i]`, the starting visit included.
  public let fundamental: Matrix
  /// `B = N R` (transient × absorbing): the probability of being absorbed in
  /// `absorbing[k]` when starting from `transient[i]`.
  public let absorptionProbabilities: Matrix
  /// `t = N 1`: the expected number of steps from `transient[i]` until absorption.
  public let expectedSteps: [Double]
  /// `(2N − I) t − t∘t`: the variance of the number of steps from `transient[i]` until
  /// absorption.
  public let stepVariance: [Double]

  /// Analyses an absorbing chain.
  ///
  /// - Parameters:
  ///   - transitions: The `n × n` transition matrix `P`, `P[i, j]` the probability of
  ///     `i → j`.
  ///   - absorbing: The indices of the absorbing states, each in `0..<n`; duplicates are
  ///     ignored and the order does not matter (``absorbing`` is sorted).
  /// - Throws: ``LinearAlgebraError/nonFinite`` if `P` holds NaN or infinity or a result
  ///   overflows; ``LinearAlgebraError/singular(pivot:)`` if `I − Q` is singular, which
  ///   happens exactly when some transient state cannot reach any absorbing state (for
  ///   example a closed loop of transient states). `pivot` is then the original index of
  ///   the first such state. Should LU factorization nevertheless meet a zero pivot, the
  ///   position is likewise mapped to an original state index.
  /// - Complexity: O(t³ + t² a + n²) for `t` transient and `a` absorbing states.
  public init(transitions p: Matrix, absorbing absorbingStates: some Sequence<Int>)
    throws(LinearAlgebraError)
  {
    precondition(p.isSquare, "Transition matrix must be square, got \(p.rows)×\(p.cols)")
    let n = p.rows
    var isAbsorbing = [Bool](repeating: false, count: n)
    for s in absorbingStates {
      precondition(s >= 0 && s < n, "Absorbing state \(s) out of range 0..<\(n)")
      isAbsorbing[s] = true
    }
    guard p.isFinite else { throw .nonFinite }
    let transient = (0..<n).filter { !isAbsorbing[$0] }
    let absorbing = (0..<n).filter { isAbsorbing[$0] }
    self.transient = transient
    self.absorbing = absorbing

    if let stuck = Self.firstStateUnableToAbsorb(p, isAbsorbing: isAbsorbing) {
      throw .singular(pivot: stuck)
    }

    let t = transient.count
    let a = absorbing.count
    // I − Q.
    var system = -p.selecting(rows: transient, columns: transient)
    for i in 0..<t {
      system[i, i] += 1
    }
    // Right-hand sides [I | R | 1].
    var rhs = Matrix(rows: t, cols: t + a + 1)
    for i in 0..<t {
      rhs[i, i] = 1
      rhs[i, t + a] = 1
      for k in 0..<a {
        rhs[i, t + k] = p[transient[i], absorbing[k]]
      }
    }
    let solution: Matrix
    do {
      solution = try system.solve(rhs)
    } catch .singular(let pivot) {
      throw .singular(pivot: transient[pivot])
    }

    let nColumns = Array(0..<t)
    let fundamental = solution.selecting(rows: nColumns, columns: nColumns)
    let steps = solution.column(t + a)
    // (2N − I) t − t∘t = 2 (N t) − t − t∘t.
    let nt = fundamental.multiply(steps)
    self.fundamental = fundamental
    absorptionProbabilities = solution.selecting(rows: nColumns, columns: Array(t..<(t + a)))
    expectedSteps = steps
    stepVariance = (0..<t).map { 2 * nt[$0] - steps[$0] - steps[$0] * steps[$0] }
  }

  /// Finds a transient state from which no absorbing state can be reached.
  ///
  /// `I − Q` is nonsingular exactly when every transient state reaches an absorbing state
  /// with positive probability. This graph search detects the singular case exactly,
  /// where LU factorization in floating point might only see a tiny nonzero pivot.
  ///
  /// - Parameters:
  ///   - p: The transition matrix.
  ///   - isAbsorbing: Whether each state is absorbing.
  /// - Returns: The smallest original index of a transient state that cannot reach any
  ///   absorbing state, or `nil` if there is none.
  /// - Complexity: O(n²).
  private static func firstStateUnableToAbsorb(_ p: Matrix, isAbsorbing: [Bool]) -> Int? {
    let n = p.rows
    // Backward search from the absorbing states along edges i → j with P[i, j] > 0,
    // considering only transient sources (absorbing rows are ignored).
    var reaches = isAbsorbing
    var frontier = (0..<n).filter { isAbsorbing[$0] }
    while let j = frontier.popLast() {
      for i in 0..<n where !reaches[i] && p[i, j] > 0 {
        reaches[i] = true
        frontier.append(i)
      }
    }
    return reaches.firstIndex(of: false)
  }
}
