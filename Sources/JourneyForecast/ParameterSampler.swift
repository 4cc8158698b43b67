import Foundation
import JourneyLinearAlgebra
import JourneyModel
import JourneySimulation

/// Standard normal variates by the Box–Muller transform (Box & Muller 1958) on a
/// ``SplitMix64`` stream; the second variate of each pair is kept for the next call.
public struct BoxMuller: Sendable {
  private var spare: Double?

  public init() {}

  public mutating func next(using rng: inout SplitMix64) -> Double {
    if let s = spare {
      spare = nil
      return s
    }
    // u1 in (0, 1] so that log(u1) is finite.
    let u1 = (Double(rng.next() &>> 11) + 1) * 0x1.0p-53
    let u2 = rng.uniform()
    let r = (-2 * Foundation.log(u1)).squareRoot()
    let angle = 2 * Double.pi * u2
    spare = r * Foundation.sin(angle)
    return r * Foundation.cos(angle)
  }
}

/// Draws transition parameters from their estimated sampling distribution,
/// `θ ~ N(θ̂, Σ)` per origin phase, and rebuilds the model's transition parameters.
///
/// A draw is `θ = θ̂ + L z` with `L` the lower Cholesky factor of `Σ` (LAPACK `dpotrf`) and
/// `z` independent standard normals (``BoxMuller``). The model's parameters move by the
/// drawn deviation `θ − θ̂` on the log-odds scale, in every segment where the transition
/// exists: `α_ij ← log(p_ij / p_ii) + (θ_ij − θ̂_ij)`, `β_ijc ← β_ijc + (θ_ijc − θ̂_ijc)`,
/// then `p_ij = exp(α_ij) / (1 + Σ_k exp(α_ik))` and `p_ii = 1 / (1 + Σ_k exp(α_ik))`.
/// When the model is the fit's own output, this is the same as using `θ` directly.
public struct ParameterSampler: Sendable {
  public let covariance: ParameterCovariance
  /// Row-major lower Cholesky factor of each origin's covariance.
  let factors: [[Double]]
  /// Row-major lower Cholesky factor of each reach curve's covariance; `nil` when it is
  /// not positive definite (that curve stays at its estimate).
  let reachFactors: [[Double]?]

  /// - Throws: ``InputErrors`` naming `file` when a covariance is not positive definite.
  public init(_ covariance: ParameterCovariance, file: String) throws(InputErrors) {
    self.covariance = covariance
    var factors: [[Double]] = []
    var errors: [InputError] = []
    for origin in covariance.origins {
      let k = origin.parameters.count
      do {
        let l = try Cholesky(Matrix(rows: k, cols: k, rowMajor: origin.covariance)).lower
        var flat = [Double](repeating: 0, count: k * k)
        for i in 0..<k { for j in 0...i { flat[i * k + j] = l[i, j] } }
        factors.append(flat)
      } catch {
        errors.append(
          InputError(
            .notAllowed, file: file, line: origin.line, path: origin.path,
            "the covariance is not positive definite (\(error)); expected the inverse Hessian of the fit"))
      }
    }
    guard errors.isEmpty else { throw InputErrors(errors) }
    self.factors = factors
    reachFactors = covariance.reach.map { curve in
      guard let l = try? Cholesky(Matrix(rows: 4, cols: 4, rowMajor: curve.covariance)).lower else { return nil }
      var flat = [Double](repeating: 0, count: 16)
      for i in 0..<4 { for j in 0...i { flat[i * 4 + j] = l[i, j] } }
      return flat
    }
  }

  /// One draw of every reach curve's `(logit m, log K, log σ, logit λ)`, `θ = θ̂ + L z`
  /// (empty without reach curves, and then no random numbers are used).
  public func drawReach(using rng: inout SplitMix64) -> [[Double]] {
    var normal = BoxMuller()
    return covariance.reach.enumerated().map { k, curve in
      let z = (0..<4).map { _ in normal.next(using: &rng) }
      guard let l = reachFactors[k] else { return curve.theta }
      return (0..<4).map { i in
        var x = curve.theta[i]
        for j in 0...i { x += l[i * 4 + j] * z[j] }
        return x
      }
    }
  }

  /// `channels` with each fitted paid channel's reach curve and adstock set to a draw of
  /// ``drawReach(using:)`` (spend plans unchanged).
  public func channels(_ channels: [Channel], reach draws: [[Double]]) -> [Channel] {
    var out = channels
    for (curve, theta) in zip(covariance.reach, draws) where curve.channel < out.count {
      guard case .paid(let plan, _, _) = out[curve.channel].kind else { continue }
      let v = ParameterCovariance.ReachCurve.natural(theta)
      out[curve.channel].kind = .paid(
        spend: plan, adstock: v.adstock, reach: HillReach(max: v.max, half: v.half, shape: v.shape))
    }
    return out
  }

  /// One draw of every organic channel's `log r`, `θ̂ + √v · z` (empty without fitted
  /// organic rates, and then no random numbers are used).
  public func drawOrganic(using rng: inout SplitMix64) -> [Double] {
    var normal = BoxMuller()
    return covariance.organic.map { rate in rate.theta + rate.variance.squareRoot() * normal.next(using: &rng) }
  }

  /// `channels` with each fitted organic channel's rate set to `exp` of a draw of
  /// ``drawOrganic(using:)``.
  public func channels(_ channels: [Channel], organic draws: [Double]) -> [Channel] {
    var out = channels
    for (rate, theta) in zip(covariance.organic, draws) where rate.channel < out.count {
      guard case .organic(let driver, _) = out[rate.channel].kind else { continue }
      out[rate.channel].kind = .organic(driver: driver, rate: Foundation.exp(theta))
    }
    return out
  }

  /// The start state with the adstock of every channel whose reach curve was drawn
  /// recomputed under the drawn `λ`: `a_c(period − 1)` of the recursion over the model's
  /// calendar spend from period 0 (for a fitted model, the spend file's history).
  /// Channels that were not drawn keep the state's adstock.
  ///
  /// - Parameters:
  ///   - state: the history's end.
  ///   - channels: the model's channels with the drawn curves (``channels(_:reach:)``).
  public func startState(_ state: StartState, channels: [Channel]) -> StartState {
    var out = state
    for curve in covariance.reach where curve.channel < channels.count && curve.channel < out.adstock.count {
      guard case .paid(let plan, let lambda, _) = channels[curve.channel].kind else { continue }
      let spend = (0..<Swift.max(0, state.period)).map { plan.spend(at: $0) }
      out.adstock[curve.channel] = StartState.adstock(spend: [spend], lambdas: [lambda], through: state.period)[0]
    }
    return out
  }

  /// One draw of every origin's parameter vector.
  public func draw(using rng: inout SplitMix64) -> [[Double]] {
    var normal = BoxMuller()
    return covariance.origins.enumerated().map { o, origin in
      let k = origin.parameters.count
      let z = (0..<k).map { _ in normal.next(using: &rng) }
      return (0..<k).map { i in
        var x = origin.parameters[i].estimate
        for j in 0...i { x += factors[o][i * k + j] * z[j] }
        return x
      }
    }
  }

  /// The model's segments with the parameters moved by `theta − θ̂`.
  public func segments(for model: Scenario, theta: [[Double]]) -> [Segment] {
    model.segments.map { segment in
      var p = segment.parameters
      let n = p.phaseCount
      for (o, origin) in covariance.origins.enumerated() where origin.segment == nil || origin.segment == segment.name {
        let i = origin.origin
        // Current log-odds against staying.
        let stay = p.baseline[i * n + i]
        var alpha = [Double](repeating: -.infinity, count: n)
        for j in 0..<n where j != i && p.allowed[i * n + j] {
          alpha[j] = Foundation.log(p.baseline[i * n + j] / stay)
        }
        var moved = false
        for (a, parameter) in origin.parameters.enumerated() {
          let j = parameter.target
          guard p.allowed[i * n + j] else { continue }
          let delta = theta[o][a] - parameter.estimate
          switch parameter.kind {
          case .intercept:
            alpha[j] += delta
            moved = true
          case .effect:
            if let c = parameter.channel { p.effects[(i * n + j) * p.channelCount + c] += delta }
          }
        }
        guard moved, stay > 0 else { continue }
        var sum = 0.0
        for j in 0..<n where j != i && p.allowed[i * n + j] { sum += Foundation.exp(alpha[j]) }
        for j in 0..<n where j != i && p.allowed[i * n + j] {
          p.baseline[i * n + j] = Foundation.exp(alpha[j]) / (1 + sum)
        }
        p.baseline[i * n + i] = 1 / (1 + sum)
      }
      var s = segment
      s.parameters = p
      return s
    }
  }
}
