import Foundation
import JourneyLinearAlgebra
import JourneyModel

/// A reach curve and adstock fitted for one paid channel.
public struct ReachCurveFit: Sendable, Equatable {
  public var channel: String
  /// `max`, `half`, `shape`, `adstock`, each with SE and 95% interval (from the
  /// transformed scale, so the intervals respect the bounds).
  public var parameters: [FittedParameter]
  public var logLikelihood: Double
  public var periods: Int
  public var iterations: Int
  public var converged: Bool
  /// Covariance of (logit m, log K, log σ, logit λ), row-major; empty when singular.
  public var covariance: [[Double]]

  public var reach: HillReach {
    HillReach(max: parameters[0].estimate, half: parameters[1].estimate, shape: parameters[2].estimate)
  }
  public var adstock: Double { parameters[3].estimate }
}

/// Maximum-likelihood reach curves from spend and observed exposure counts.
///
/// For a paid channel with spend `s(t)`, adstock `a(t) = s(t) + λ a(t−1)` (`a(−1) = 0`)
/// and exposure probability `p(t) = m a^σ / (a^σ + K^σ)`, the exposed customers of period
/// `t` are binomial, `y_t ~ Bin(n_t, p(t))`, with `n_t` the customers in the market. The
/// log-likelihood `Σ y log p + (n − y) log(1 − p)` is maximised over
/// `θ = (logit m, log K, log σ, logit λ)` (so `0 < m < 1`, `K, σ > 0`, `0 < λ < 1`) by
/// Levenberg–Marquardt on the Fisher scoring system `(JᵀWJ + μ diag JᵀWJ) δ = Jᵀ W r`
/// with `J = ∂p/∂θ`, `W = n / (p(1 − p))`, `r = y/n − p` (Marquardt 1963); standard
/// errors come from `(JᵀWJ)⁻¹` at the optimum, intervals from `θ̂ ± 1.96 SE` mapped back.
public enum ReachFit {
  struct Evaluation {
    var logLikelihood: Double
    var fisher: Matrix
    var score: [Double]
  }

  static func natural(_ theta: [Double]) -> (m: Double, k: Double, sigma: Double, lambda: Double) {
    (1 / (1 + exp(-theta[0])), exp(theta[1]), exp(theta[2]), 1 / (1 + exp(-theta[3])))
  }

  /// The periods the likelihood needs: those with spend or customers, up to the last
  /// with customers. `gap[i]` periods with neither come before entry `i`; over them the
  /// adstock only decays, which ``evaluate(_:_:)`` takes in one step, so a fit costs
  /// O(periods with data) per iteration, not O(the span from period 0 to the last).
  struct Series {
    var spend: [Double] = []
    var customers: [Int] = []
    var exposed: [Int] = []
    var gap: [Int] = []

    /// Entries for the periods `0..<spend.count` (the three arrays of equal length);
    /// with `compact` false, one for every period (the plain recursion, for tests).
    init(spend: [Double], customers: [Int], exposed: [Int], compact: Bool = true) {
      guard let last = compact ? customers.lastIndex(where: { $0 > 0 }) : spend.count - 1, last >= 0 else { return }
      var skipped = 0
      for t in 0...last {
        if compact && spend[t] == 0 && customers[t] == 0 {
          skipped += 1
          continue
        }
        self.spend.append(spend[t])
        self.customers.append(customers[t])
        self.exposed.append(exposed[t])
        gap.append(skipped)
        skipped = 0
      }
    }
  }

  /// Log-likelihood, Fisher information and score at `theta`, over the periods of `series`.
  static func evaluate(_ theta: [Double], _ series: Series) -> Evaluation {
    let (m, k, sigma, lambda) = natural(theta)
    var fisher = Matrix(rows: 4, cols: 4)
    var score = [Double](repeating: 0, count: 4)
    var ll = 0.0
    var a = 0.0
    var da = 0.0  // ∂a/∂λ
    let logK = log(k)
    let spend = series.spend
    let customers = series.customers
    let exposed = series.exposed
    for t in 0..<spend.count {
      let g = series.gap[t]
      if g > 0 {
        // g periods without spend: a ← λᵍ a, and ∂a/∂λ ← λᵍ ∂a/∂λ + g λᵍ⁻¹ a.
        let decay = pow(lambda, Double(g))
        da = decay * da + Double(g) * pow(lambda, Double(g - 1)) * a
        a = decay * a
      }
      da = a + lambda * da
      a = spend[t] + lambda * a
      let n = Double(customers[t])
      guard n > 0 else { continue }
      let y = Double(exposed[t])
      var p = 0.0
      var grad = [0.0, 0, 0, 0]
      if a > 0 {
        let z = sigma * (log(a) - logK)
        let h = 1 / (1 + exp(-z))
        p = m * h
        let dh = h * (1 - h)
        grad[0] = m * (1 - m) * h
        grad[1] = m * dh * (-sigma)
        grad[2] = m * dh * z
        grad[3] = m * dh * sigma / a * da * lambda * (1 - lambda)
      }
      let pc = Swift.min(Swift.max(p, 1e-12), 1 - 1e-12)
      ll += y * log(pc) + (n - y) * log(1 - pc)
      let w = n / (pc * (1 - pc))
      let r = (y / n - pc) * w
      for i in 0..<4 {
        score[i] += r * grad[i]
        for j in 0..<4 { fisher[i, j] += w * grad[i] * grad[j] }
      }
    }
    return Evaluation(logLikelihood: ll, fisher: fisher, score: score)
  }

  /// Fits one channel.
  ///
  /// - Parameters:
  ///   - spend: Spend per period from period 0.
  ///   - customers: Customers in the market per period (same indexing).
  ///   - exposed: Customers who met the channel per period.
  /// - Returns: The fit, or `nil` with a reason when the data cannot identify the curve.
  public static func fit(
    channel: String, spend: [Double], customers: [Int], exposed: [Int]
  ) -> (fit: ReachCurveFit?, warning: String?) {
    let periods = Swift.min(spend.count, customers.count, exposed.count)
    let s = Array(spend.prefix(periods))
    let n = Array(customers.prefix(periods))
    let y = Array(exposed.prefix(periods))
    let positive = s.filter { $0 > 0 }
    guard let smax = positive.max(), let smin = positive.min() else {
      return (nil, "\(channel): no spend in the history; its reach curve is not fitted")
    }
    if smax - smin <= 1e-9 * smax && s.allSatisfy({ $0 > 0 }) {
      return (nil, "\(channel): spend never varies (\(smax) in every period), so half-saturation K and shape σ cannot be told apart; its reach curve is not fitted (vary spend, e.g. flights or pulsing, to identify it)")
    }
    let rates = zip(n, y).filter { $0.0 > 0 }.map { Double($0.1) / Double($0.0) }
    let top = rates.max() ?? 0
    guard top > 0 else { return (nil, "\(channel): never met in the history; its reach curve is not fitted") }
    // Multi-start over λ and K; LM from each, keep the best.
    let sorted = positive.sorted()
    let median = sorted[sorted.count / 2]
    var best: (theta: [Double], eval: Evaluation, iterations: Int, converged: Bool)?
    let m0 = Swift.min(0.95, top * 1.3)
    let series = Series(spend: s, customers: n, exposed: y)
    for lambda0 in [0.2, 0.5, 0.8] {
      for kScale in [0.5, 2.0] {
        let theta0 = [log(m0 / (1 - m0)), log(median * kScale / (1 - lambda0)), 0.0, log(lambda0 / (1 - lambda0))]
        let r = levenbergMarquardt(theta0, series)
        if best == nil || r.eval.logLikelihood > best!.eval.logLikelihood { best = r }
      }
    }
    guard let best else { return (nil, nil) }
    let theta = best.theta
    let covariance = try? best.eval.fisher.cholesky().inverse()
    let (m, k, sigma, lambda) = natural(theta)
    let names = ["max", "half", "shape", "adstock"]
    let values = [m, k, sigma, lambda]
    let z = TransitionFit.z95
    var parameters: [FittedParameter] = []
    for i in 0..<4 {
      let seT = covariance.map { Swift.max(0, $0[i, i]).squareRoot() }
      let back: (Double) -> Double = i == 0 || i == 3 ? { 1 / (1 + exp(-$0)) } : { exp($0) }
      let slope = i == 0 || i == 3 ? values[i] * (1 - values[i]) : values[i]
      parameters.append(FittedParameter(
        kind: .reach, origin: "", target: names[i], channel: channel, estimate: values[i],
        standardError: seT.map { $0 * slope }, low: seT.map { back(theta[i] - z * $0) },
        high: seT.map { back(theta[i] + z * $0) }))
    }
    var warning: String?
    if covariance == nil {
      warning = "\(channel): the reach curve's information matrix is singular; its parameters are not identifiable from this spend pattern"
    } else if !best.converged {
      warning = "\(channel): Levenberg–Marquardt did not converge in \(best.iterations) iterations; treat the reach curve with care"
    } else if lambda < 1e-4 || m > 0.9999 {
      warning = "\(channel): the reach curve lies on a boundary (max \(String(format: "%.4g", m)), adstock \(String(format: "%.4g", lambda))); intervals there are not reliable"
    }
    let fit = ReachCurveFit(
      channel: channel, parameters: parameters, logLikelihood: best.eval.logLikelihood, periods: periods,
      iterations: best.iterations, converged: best.converged,
      covariance: covariance.map { c in (0..<4).map { r in (0..<4).map { c[r, $0] } } } ?? [])
    return (fit, warning)
  }

  static func levenbergMarquardt(
    _ start: [Double], _ series: Series
  ) -> (theta: [Double], eval: Evaluation, iterations: Int, converged: Bool) {
    var theta = start
    var eval = evaluate(theta, series)
    var mu = 1e-3
    var converged = false
    var iterations = 0
    while iterations < 500 {
      iterations += 1
      var a = eval.fisher
      for i in 0..<4 { a[i, i] += mu * Swift.max(eval.fisher[i, i], 1e-12) }
      guard let step = try? a.solve(eval.score) else {
        mu *= 10
        if mu > 1e12 { break }
        continue
      }
      let candidate = zip(theta, step).map { $0 + Swift.max(-5, Swift.min(5, $1)) }
      let next = evaluate(candidate, series)
      if next.logLikelihood.isFinite && next.logLikelihood >= eval.logLikelihood - 1e-12 {
        let gain = next.logLikelihood - eval.logLikelihood
        theta = candidate
        eval = next
        mu = Swift.max(mu / 10, 1e-12)
        let decrement = zip(step, eval.score).reduce(0) { $0 + abs($1.0 * $1.1) }
        if gain < 1e-10 && decrement < 1e-8 {
          converged = true
          break
        }
      } else {
        mu *= 10
        if mu > 1e12 {
          // No ascent direction left: at a (possibly boundary) optimum.
          converged = eval.score.allSatisfy { abs($0) < 1e-4 }
          break
        }
      }
    }
    return (theta, eval, iterations, converged)
  }
}
