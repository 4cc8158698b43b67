import Foundation
import JourneyLinearAlgebra

/// Maximum-likelihood fit of a multinomial logit on grouped data, by Newton's method.
///
/// Category 0 is the reference (`u₀ = 0`); for every other category `j = 1…J`
/// `u_rj = x_rᵀ θ_j`, and `P(j | x_r) = exp(u_rj) / (1 + Σ_k exp(u_rk))`. The data are one
/// design row `x_r` (intercept first) per distinct covariate pattern with the counts
/// `y_rj` of each category (the sufficient statistics). The log-likelihood
///
///     ℓ(θ) = Σ_r Σ_j y_rj u_rj − n_r log(1 + Σ_k exp(u_rk)) − λ Σ_{penalised} θ²
///
/// has gradient `Xᵀ(y_j − n π_j)` for block `j` and negative Hessian blocks
/// `Xᵀ diag(n π_j (δ_jk − π_k)) X`, assembled with `dsyrk`/`dgemm`. Each Newton step is a
/// Cholesky solve, halved until the penalised log-likelihood does not decrease; iteration
/// stops when `max |gradient| < tolerance`. The covariance of `θ̂` is the inverse of the
/// negative Hessian (`dpotri`). See Agresti, *Categorical Data Analysis*, §8.1 and §16.
public struct MultinomialLogit: Sendable {
  /// `R × d` design, column-major, intercept in column 0.
  public let design: Matrix
  /// `R × (J+1)` counts, column-major: column 0 the reference category.
  public let counts: Matrix
  /// Ridge weight `λ` on the penalised parameters.
  public let ridge: Double
  /// Whether each of the `d` design columns is penalised (not the intercept).
  public let penalised: [Bool]

  public var categories: Int { counts.cols }
  public var width: Int { design.cols }
  public var parameterCount: Int { (categories - 1) * width }

  /// Known additive terms on the utilities of the non-reference categories (R × J), e.g.
  /// seasonal multipliers as `log m`; `nil` for none.
  public let offsets: Matrix?

  public init(design: Matrix, counts: Matrix, ridge: Double = 0, penalised: [Bool]? = nil, offsets: Matrix? = nil) {
    self.offsets = offsets
    precondition(design.rows == counts.rows && counts.cols >= 2)
    self.design = design
    self.counts = counts
    self.ridge = ridge
    self.penalised = penalised ?? (0..<design.cols).map { $0 > 0 }
  }

  /// The outcome of ``fit(start:tolerance:maxIterations:)``.
  public struct Result: Sendable {
    /// `θ[j·d + k]`: category `j+1`, design column `k`.
    public var theta: [Double]
    /// Inverse negative Hessian at `θ̂` (`nil` when it is not positive definite).
    public var covariance: Matrix?
    /// Unpenalised log-likelihood at `θ̂`.
    public var logLikelihood: Double
    public var iterations: Int
    public var converged: Bool
    public var maxGradient: Double
    /// `(max Lᵢᵢ / min Lᵢᵢ)²` of the Hessian's Cholesky factor, a cheap condition estimate.
    public var conditionEstimate: Double
  }

  /// Probabilities `π_rj` (R × (J+1), column-major) and the unpenalised log-likelihood.
  public func evaluate(_ theta: [Double]) -> (probabilities: [Double], logLikelihood: Double) {
    let r = design.rows
    let j1 = categories
    var eta = Matrix.gemm(design, Matrix(rows: width, cols: j1 - 1, columnMajor: theta))
    if let offsets { eta += offsets }
    var pi = [Double](repeating: 0, count: r * j1)
    var ll = 0.0
    for row in 0..<r {
      var m = 0.0
      for j in 1..<j1 { m = Swift.max(m, eta[row, j - 1]) }
      var total = Foundation.exp(-m)
      for j in 1..<j1 { total += Foundation.exp(eta[row, j - 1] - m) }
      let logTotal = m + Foundation.log(total)
      pi[row] = Foundation.exp(-logTotal)
      ll -= counts[row, 0] * logTotal
      for j in 1..<j1 {
        let u = eta[row, j - 1]
        pi[row + j * r] = Foundation.exp(u - logTotal)
        let y = counts[row, j]
        if y > 0 { ll += y * (u - logTotal) }
      }
    }
    return (pi, ll)
  }

  func penalty(_ theta: [Double]) -> Double {
    guard ridge > 0 else { return 0 }
    var s = 0.0
    for (i, t) in theta.enumerated() where penalised[i % width] { s += t * t }
    return ridge * s
  }

  /// Gradient of the penalised log-likelihood and the negative Hessian.
  func derivatives(_ theta: [Double], _ pi: [Double]) -> (gradient: [Double], information: Matrix) {
    let r = design.rows
    let d = width
    let jn = categories - 1
    let p = jn * d
    var totals = [Double](repeating: 0, count: r)
    for row in 0..<r { for j in 0..<categories { totals[row] += counts[row, j] } }
    // Residuals (y − nπ) for the non-reference categories: R × J.
    var residual = [Double](repeating: 0, count: r * jn)
    for j in 0..<jn { for row in 0..<r { residual[row + j * r] = counts[row, j + 1] - totals[row] * pi[row + (j + 1) * r] } }
    let g = Matrix.gemm(design, Matrix(rows: r, cols: jn, columnMajor: residual), transposeA: true)
    var gradient = g.storage  // d × J column-major = θ layout
    var info = Matrix(rows: p, cols: p)
    for j in 0..<jn {
      // Diagonal block: Xᵀ diag(n π_j (1 − π_j)) X = AᵀA with A = diag(√w) X.
      var a = design
      for row in 0..<r {
        let pj = pi[row + (j + 1) * r]
        let w = (totals[row] * pj * (1 - pj)).squareRoot()
        for k in 0..<d { a[row, k] *= w }
      }
      let block = Matrix.syrk(a, transpose: true)
      for k in 0..<d { for l in 0..<d { info[j * d + k, j * d + l] = block[k, l] } }
      // Off-diagonal blocks: −Xᵀ diag(n π_j π_k) X.
      guard j + 1 < jn else { continue }
      var left = design
      for row in 0..<r { for k in 0..<d { left[row, k] *= totals[row] * pi[row + (j + 1) * r] } }
      for m in (j + 1)..<jn {
        var right = design
        for row in 0..<r { for k in 0..<d { right[row, k] *= pi[row + (m + 1) * r] } }
        let off = Matrix.gemm(left, right, transposeA: true, alpha: -1)
        for k in 0..<d {
          for l in 0..<d {
            info[j * d + k, m * d + l] = off[k, l]
            info[m * d + l, j * d + k] = off[k, l]
          }
        }
      }
    }
    if ridge > 0 {
      for i in 0..<p where penalised[i % d] {
        gradient[i] -= 2 * ridge * theta[i]
        info[i, i] += 2 * ridge
      }
    }
    return (gradient, info)
  }

  /// Fits `θ̂` by Newton's method with step halving.
  ///
  /// - Parameters:
  ///   - start: Initial `θ` (default: intercepts from the marginal counts, slopes 0).
  ///   - tolerance: Convergence when the largest gradient component is below it.
  /// - Returns: The estimate, its covariance and the convergence record.
  public func fit(start: [Double]? = nil, tolerance: Double = 1e-8, maxIterations: Int = 100) -> Result {
    let d = width
    let jn = categories - 1
    var theta = start ?? {
      var t = [Double](repeating: 0, count: jn * d)
      var ref = 0.5
      for row in 0..<counts.rows { ref += counts[row, 0] }
      for j in 0..<jn {
        var y = 0.5
        for row in 0..<counts.rows { y += counts[row, j + 1] }
        t[j * d] = Foundation.log(y / ref)
      }
      return t
    }()
    var (pi, ll) = evaluate(theta)
    var objective = ll - penalty(theta)
    var iterations = 0
    var converged = false
    var maxGradient = Double.infinity
    var information = Matrix(rows: jn * d, cols: jn * d)
    while true {
      let (g, info) = derivatives(theta, pi)
      information = info
      maxGradient = g.reduce(0) { Swift.max($0, abs($1)) }
      if maxGradient < tolerance { converged = true; break }
      if iterations >= maxIterations { break }
      guard let step = try? info.choleskySolve(Matrix(column: g)).storage else { break }
      iterations += 1
      var scale = 1.0
      var improved = false
      for _ in 0..<40 {
        let trial = zip(theta, step).map { $0 + scale * $1 }
        let (tpi, tll) = evaluate(trial)
        let tobj = tll - penalty(trial)
        if tobj.isFinite && tobj >= objective - 1e-12 * Swift.max(1, abs(objective)) {
          theta = trial
          pi = tpi
          ll = tll
          objective = tobj
          improved = true
          break
        }
        scale /= 2
      }
      if !improved {
        // No ascent left at machine precision: accept when the gradient is tiny relative
        // to the data.
        var n = 0.0
        for v in counts.storage { n += v }
        converged = maxGradient < tolerance * Swift.max(1, n)
        break
      }
    }
    var covariance: Matrix?
    var condition = Double.infinity
    if let factor = try? Cholesky(information) {
      let diag = factor.lower.diagonal
      let hi = diag.max() ?? 1
      let lo = diag.min() ?? 1
      condition = lo > 0 ? (hi / lo) * (hi / lo) : .infinity
      covariance = try? factor.inverse()
    }
    return Result(
      theta: theta, covariance: covariance, logLikelihood: ll, iterations: iterations, converged: converged,
      maxGradient: maxGradient, conditionEstimate: condition)
  }
}
