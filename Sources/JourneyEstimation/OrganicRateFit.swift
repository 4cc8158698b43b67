import Foundation
import JourneyModel

/// The rate of an organic channel fitted from the history's exposure counts.
public struct OrganicRateFit: Sendable, Equatable {
  public var channel: String
  /// The phase whose customers drive the channel.
  public var driver: String
  /// The rate `r`, with its SE and 95% interval (from the log scale, so the interval stays
  /// positive).
  public var rate: FittedParameter
  public var logLikelihood: Double
  public var periods: Int
  public var iterations: Int
  public var converged: Bool
  /// Variance of `log r̂` (inverse Fisher information on the log scale); `nil` when it
  /// could not be estimated.
  public var logVariance: Double?
}

/// Maximum-likelihood rates of organic channels from the exposure counts of a history.
///
/// An organic channel driven by phase `d` reaches a customer in period `t` with
/// probability `p(t) = 1 − exp(−r · x_t)`, `x_t = n_d(t) / N(t)` (the driver's share of the
/// market at the start of `t`). The exposed customers are binomial, `y_t ~ Bin(N_t, p(t))`,
/// so the log-likelihood is `ℓ(r) = Σ y_t log p(t) − (N_t − y_t) r x_t`, with score
/// `Σ x_t (y_t / p(t) − N_t)` and Fisher information `I(r) = Σ N_t x_t² (1 − p(t)) / p(t)`.
/// It is maximised over `θ = log r` by Fisher scoring with step halving; the variance of
/// `θ̂` is `1 / (r̂² I(r̂))`, the interval `exp(θ̂ ± 1.96 SE)`.
public enum OrganicFit {
  /// Fits the rate of one organic channel.
  ///
  /// - Parameters:
  ///   - customers: `N_t`, the customers with a row in each period.
  ///   - drivers: `n_d(t)`, the driver phase's customers at the start of each period.
  ///   - exposed: `y_t`, the customers who met the channel in each period.
  /// - Returns: the fit, or `nil` and a warning when the rate is not identifiable (no
  ///   exposures, no drivers, or every customer exposed).
  /// - Complexity: O(iterations · periods), at most 100 iterations.
  public static func fit(
    channel: String, driver: String, customers: [Int], drivers: [Int], exposed: [Int]
  ) -> (OrganicRateFit?, String?) {
    var x: [Double] = []
    var n: [Double] = []
    var y: [Double] = []
    for t in customers.indices where customers[t] > 0 && t < drivers.count && t < exposed.count {
      let share = Double(drivers[t]) / Double(customers[t])
      guard share > 0 else { continue }
      x.append(share)
      n.append(Double(customers[t]))
      y.append(Double(exposed[t]))
    }
    let totalY = y.reduce(0, +)
    let totalN = n.reduce(0, +)
    guard !x.isEmpty, totalY > 0 else {
      return (
        nil,
        "\(channel): no exposures while \(driver) had customers; its organic rate is kept from the model"
      )
    }
    guard totalY < totalN else {
      return (
        nil,
        "\(channel): every customer met it in every period; its organic rate is not identifiable and is kept from the model"
      )
    }
    func logLikelihood(_ r: Double) -> Double {
      var ll = 0.0
      for t in x.indices {
        let p = Swift.max(-Foundation.expm1(-r * x[t]), 1e-300)
        ll += y[t] * Foundation.log(p) - (n[t] - y[t]) * r * x[t]
      }
      return ll
    }
    // Start from the pooled rate: 1 − Σy/ΣN = exp(−r · Σ n_d / ΣN).
    let meanShare = zip(x, n).reduce(0) { $0 + $1.0 * $1.1 } / totalN
    var theta = Foundation.log(Swift.max(-Foundation.log1p(-totalY / totalN) / meanShare, 1e-12))
    var ll = logLikelihood(Foundation.exp(theta))
    var iterations = 0
    var converged = false
    var information = 0.0
    while iterations < 100 {
      let r = Foundation.exp(theta)
      var score = 0.0
      var fisher = 0.0
      for t in x.indices {
        let p = Swift.max(-Foundation.expm1(-r * x[t]), 1e-300)
        score += x[t] * (y[t] / p - n[t])
        fisher += n[t] * x[t] * x[t] * (1 - p) / p
      }
      // On θ = log r: score r·s, information r²·I.
      let g = r * score
      information = r * r * fisher
      guard information > 0, information.isFinite else { break }
      if abs(g) < 1e-9 * Swift.max(1, totalY) {
        converged = true
        break
      }
      iterations += 1
      var step = g / information
      var improved = false
      for _ in 0..<40 {
        let trial = theta + step
        let tll = logLikelihood(Foundation.exp(trial))
        if tll.isFinite && tll >= ll - 1e-12 * Swift.max(1, abs(ll)) {
          theta = trial
          ll = tll
          improved = true
          break
        }
        step /= 2
      }
      if !improved { break }
    }
    let r = Foundation.exp(theta)
    let variance: Double? = information > 0 && information.isFinite ? 1 / information : nil
    let se = variance.map { $0.squareRoot() }
    let z = TransitionFit.z95
    let rate = FittedParameter(
      kind: .reach, origin: driver, target: "rate", channel: channel, estimate: r,
      standardError: se.map { $0 * r },
      low: se.map { Foundation.exp(theta - z * $0) },
      high: se.map { Foundation.exp(theta + z * $0) })
    let fit = OrganicRateFit(
      channel: channel, driver: driver, rate: rate, logLikelihood: ll, periods: x.count,
      iterations: iterations,
      converged: converged, logVariance: variance)
    return (
      fit,
      converged
        ? nil
        : "\(channel): the organic rate did not converge in \(iterations) iterations; treat it with care"
    )
  }
}

extension TransitionFit {
  /// Fits the rate of every organic channel of `model` from the history's exposure counts
  /// (``OrganicFit``); channels the log never mentions keep the model's rate.
  public mutating func fitOrganic(_ summary: JourneyLogSummary, model: Scenario) {
    let e = summary.exposure
    guard !e.phases.isEmpty else { return }
    for channel in model.channels {
      guard case .organic(let d, _) = channel.kind, d < model.phaseCount else { continue }
      guard let c = channels.firstIndex(of: channel.name),
        let i = phases.firstIndex(of: model.phases[d].name)
      else { continue }
      let (fit, warning) = OrganicFit.fit(
        channel: channel.name, driver: phases[i], customers: e.customers,
        drivers: e.phases.map { i < $0.count ? $0[i] : 0 },
        exposed: e.exposed.map { c < $0.count ? $0[c] : 0 })
      if let fit { organic.append(fit) }
      if let warning { warnings.append(warning) }
    }
  }
}
