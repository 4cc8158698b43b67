import Foundation

/// Baseline transition probabilities and channel effects for one segment.
///
/// A customer in phase `i` with exposure vector `e ∈ {0,1}^C` moves to an allowed target
/// `j ≠ i` with probability
///
///     P(i→j | e) = p_ij · exp(Σ_c β_ijc e_c) / (p_ii + Σ_k p_ik · exp(Σ_c β_ikc e_c))
///
/// and stays with the remainder. With `p_ii > 0` this is exactly the multinomial logit of
/// The model (README, "The model") with `α_ij = log(p_ij / p_ii)` and `u_ii = 0`; written on the probability
/// scale it also covers rows where staying is impossible (`p_ii = 0`).
///
/// Storage is row-major and flat: ``baseline``[i·n + j], ``effects``[(i·n + j)·C + c].
public struct TransitionParameters: Sendable, Equatable {
  public let phaseCount: Int
  public let channelCount: Int
  /// Baseline (unexposed) probabilities; the diagonal holds the probability of staying.
  public var baseline: [Double]
  /// `allowed[i·n + j]` is true when the scenario declares the transition `i → j`
  /// (the diagonal is always allowed).
  public var allowed: [Bool]
  /// Log-odds lifts `β_ijc`.
  public var effects: [Double]

  public init(phaseCount n: Int, channelCount c: Int) {
    phaseCount = n
    channelCount = c
    baseline = [Double](repeating: 0, count: n * n)
    allowed = [Bool](repeating: false, count: n * n)
    effects = [Double](repeating: 0, count: n * n * c)
    for i in 0..<n {
      baseline[i * n + i] = 1
      allowed[i * n + i] = true
    }
  }

  public func probability(_ i: Int, _ j: Int) -> Double { baseline[i * phaseCount + j] }
  public func isAllowed(_ i: Int, _ j: Int) -> Bool { allowed[i * phaseCount + j] }
  public func effect(_ i: Int, _ j: Int, _ c: Int) -> Double {
    effects[(i * phaseCount + j) * channelCount + c]
  }

  /// Sets `p_ij` for `j ≠ i` and recomputes the staying probability `p_ii` as the remainder.
  public mutating func setProbability(_ i: Int, _ j: Int, _ p: Double) {
    precondition(i != j, "the staying probability is the remainder")
    let n = phaseCount
    baseline[i * n + j] = p
    allowed[i * n + j] = true
    var off = 0.0
    for k in 0..<n where k != i { off += baseline[i * n + k] }
    baseline[i * n + i] = Swift.max(0, 1 - off)
  }

  public mutating func setEffect(_ i: Int, _ j: Int, _ c: Int, _ beta: Double) {
    effects[(i * phaseCount + j) * channelCount + c] = beta
  }

  /// Allowed targets of phase `i` other than staying, in phase order.
  public func targets(of i: Int) -> [Int] {
    (0..<phaseCount).filter { $0 != i && allowed[i * phaseCount + $0] }
  }

  /// Channels with a non-zero effect on any transition out of phase `i`, in channel order.
  public func relevantChannels(of i: Int) -> [Int] {
    (0..<channelCount).filter { c in
      (0..<phaseCount).contains { j in j != i && effects[(i * phaseCount + j) * channelCount + c] != 0 }
    }
  }

  /// Transition probabilities out of `i` for the exposure set `exposed` (channel indices),
  /// with the non-stay baseline odds multiplied by `oddsMultiplier` (seasonality).
  ///
  /// - Returns: a row of `n` probabilities summing to 1.
  public func row(from i: Int, exposed: [Int], oddsMultiplier: Double = 1) -> [Double] {
    let n = phaseCount
    var w = [Double](repeating: 0, count: n)
    var total = baseline[i * n + i]
    w[i] = total
    for j in 0..<n where j != i && allowed[i * n + j] {
      var lift = 0.0
      for c in exposed { lift += effects[(i * n + j) * channelCount + c] }
      let wj = baseline[i * n + j] * oddsMultiplier * Foundation.exp(lift)
      w[j] = wj
      total += wj
    }
    guard total > 0 else {
      var stay = [Double](repeating: 0, count: n)
      stay[i] = 1
      return stay
    }
    for j in 0..<n { w[j] /= total }
    return w
  }
}

/// A share of the population with its own transition parameters.
public struct Segment: Sendable, Equatable {
  public var name: String
  public var share: Double
  public var parameters: TransitionParameters

  public init(name: String, share: Double, parameters: TransitionParameters) {
    self.name = name
    self.share = share
    self.parameters = parameters
  }
}
