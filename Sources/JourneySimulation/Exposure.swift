import Foundation
import JourneyModel

/// Carries adstock from period to period and turns it into exposure probabilities.
///
/// Paid channels: `a_c(t) = s_c(t) + λ_c · a_c(t−1)` (with `a_c(−1) = 0`) and the Hill reach
/// `p_c(t) = m_c · a^σ / (a^σ + K_c^σ)`. Organic channels:
/// `p_c(t) = 1 − exp(−r_c · n_driver(t) / N(t))`, from the phase counts at the start of `t`.
struct ExposureState {
  let channels: [Channel]
  private(set) var adstock: [Double]

  /// - Parameter adstock: adstock carried into the first period (default 0 everywhere).
  init(channels: [Channel], adstock initial: [Double]? = nil) {
    self.channels = channels
    adstock = [Double](repeating: 0, count: channels.count)
    if let initial {
      for c in channels.indices where c < initial.count && channels[c].isPaid { adstock[c] = initial[c] }
    }
  }

  /// Advances adstock to period `t` with `spend` and returns every channel's probability.
  ///
  /// - Parameter phaseCounts: customers per phase at the start of `t` (all segments).
  mutating func advance(spend: [Double], phaseCounts: [Double]) -> [Double] {
    let total = phaseCounts.reduce(0, +)
    var p = [Double](repeating: 0, count: channels.count)
    for (c, channel) in channels.enumerated() {
      switch channel.kind {
      case .paid(_, let lambda, let reach):
        // Kept finite (and 0·∞ avoided) so extreme but valid plans cannot produce NaN.
        let carried = lambda == 0 ? 0 : lambda * adstock[c]
        adstock[c] = Swift.min(spend[c] + carried, .greatestFiniteMagnitude)
        p[c] = reach.probability(adstock: adstock[c])
      case .organic(let driver, let rate):
        p[c] = total > 0 ? -Foundation.expm1(-rate * phaseCounts[driver] / total) : 0
      }
    }
    return p
  }
}

/// The transition kernel of one (segment, phase) in one period: the joint distribution of
/// the exposure pattern over the phase's relevant channels and the next phase.
///
/// Outcome `o = pattern · m + k` means "exposed to the channels whose bits are set in
/// `pattern`, then moved to `targets[k]`" (`targets[0]` is staying).
struct PhaseKernel {
  /// Channels with an effect on leaving this phase.
  var channels: [Int]
  /// `[origin] + allowed targets`.
  var targets: [Int]
  /// Probability of each exposure pattern (`2^channels.count` entries).
  var patternProbability: [Double]
  /// Row per pattern over `targets`, each summing to 1.
  var rows: [Double]

  var patternCount: Int { patternProbability.count }
  var targetCount: Int { targets.count }

  init(parameters: TransitionParameters, origin i: Int, exposure p: [Double], oddsMultiplier: Double) {
    let n = parameters.phaseCount
    let cc = parameters.channelCount
    channels = parameters.relevantChannels(of: i)
    targets = [i] + parameters.targets(of: i)
    let k = channels.count
    let m = targets.count
    let patterns = 1 << k
    patternProbability = [Double](repeating: 1, count: patterns)
    rows = [Double](repeating: 0, count: patterns * m)
    let stay = parameters.baseline[i * n + i]
    let logMultiplier = Foundation.log(oddsMultiplier)
    var logWeight = [Double](repeating: 0, count: m)
    for pattern in 0..<patterns {
      var pp = 1.0
      for b in 0..<k {
        let pc = p[channels[b]]
        pp *= (pattern >> b) & 1 == 1 ? pc : 1 - pc
      }
      patternProbability[pattern] = pp
      // Weights in log space, shifted by their maximum: no overflow for any finite lift
      // or multiplier.
      logWeight[0] = Foundation.log(stay)
      var top = logWeight[0]
      for t in 1..<max(m, 1) {
        let j = targets[t]
        var lift = 0.0
        for b in 0..<k where (pattern >> b) & 1 == 1 {
          lift += parameters.effects[(i * n + j) * cc + channels[b]]
        }
        logWeight[t] = Foundation.log(parameters.baseline[i * n + j]) + logMultiplier + lift
        top = Swift.max(top, logWeight[t])
      }
      var total = 0.0
      if top.isFinite {
        for t in 0..<m {
          let w = Foundation.exp(logWeight[t] - top)
          rows[pattern * m + t] = w
          total += w
        }
      }
      if total > 0 && total.isFinite {
        for t in 0..<m { rows[pattern * m + t] /= total }
      } else {
        for t in 0..<m { rows[pattern * m + t] = 0 }
        rows[pattern * m] = 1
      }
    }
  }

  /// `true` when the next phase is certain whatever the exposure (absorbing phases, sure moves).
  var isDeterministic: Bool {
    if targets.count == 1 { return true }
    return rows.allSatisfy { $0 == 0 || $0 == 1 } && channels.isEmpty
  }

  /// The marginal row over `targets`: `Σ_e Pr(e) · P(i→· | e)`.
  func marginalRow() -> [Double] {
    let m = targets.count
    var row = [Double](repeating: 0, count: m)
    for pattern in 0..<patternCount {
      let pp = patternProbability[pattern]
      if pp == 0 { continue }
      for t in 0..<m { row[t] += pp * rows[pattern * m + t] }
    }
    return row
  }
}

/// Every (segment, phase) kernel of one period.
struct PeriodKernels {
  /// Indexed `segment · n + phase`.
  var kernels: [PhaseKernel]
  var exposure: [Double]

  init(scenario: Scenario, exposure: [Double], period t: Int) {
    self.exposure = exposure
    let mult = scenario.oddsMultiplier(at: t)
    var ks: [PhaseKernel] = []
    ks.reserveCapacity(scenario.segments.count * scenario.phaseCount)
    for segment in scenario.segments {
      for i in 0..<scenario.phaseCount {
        ks.append(PhaseKernel(parameters: segment.parameters, origin: i, exposure: exposure, oddsMultiplier: mult))
      }
    }
    kernels = ks
  }
}
