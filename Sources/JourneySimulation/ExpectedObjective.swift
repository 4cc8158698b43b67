import Foundation
import JourneyModel

/// The expected engine's weighted entries over the horizon as a function of the spend,
/// with its exact first and second derivatives along spend directions.
///
/// The value is `F(s) = Σ_t Σ_s Σ_i Σ_{j≠i} w_j · x_si(t) · P̄_s,ij(t)`: the entries into
/// each phase `j` weighted by `w_j` (1 for conversion phases: expected conversions; the
/// phase value: expected revenue), on the recursion of ``Simulator`` with
/// ``Engine/expected``: `a_c(t) = s_c(t) + λ_c a_c(t−1)`, the Hill reach
/// `p_c = m a^σ / (a^σ + K^σ)`, organic `p_c = 1 − exp(−r n_d / N)`, the marginal rows
/// `P̄_i = Σ_e Pr(e | p) P(i→· | e)` and `x(t+1) = x(t) P̄(t) + arrivals`.
///
/// **Derivatives.** Forward mode with second-order jets: along a direction `v` (the spend
/// of one paid channel moving by `v(t)` per unit), every quantity `q` carries
/// `(q, q', q'')` with `q' = dq/dε`, `q'' = d²q/dε²` at `s + εv`:
/// - adstock `a' = v + λ a'(t−1)`, `a'' = 0` (the recursion is linear);
/// - reach `p' = h'(a) a'`, `p'' = h''(a) a'²` with, for `q = (K/a)^σ`,
///   `h' = m σ q / (a (1+q)²)` and `h'' = m σ q / (a² (1+q)²) · (2σq/(1+q) − σ − 1)`;
/// - organic `u = n_d / N`, `p' = r e^{−ru} u'`, `p'' = r e^{−ru} (u'' − r u'²)`;
/// - the marginal rows are multilinear in the exposure probabilities, so
///   `P̄' = Σ_c p'_c ∂_c P̄` and `P̄'' = Σ_c p''_c ∂_c P̄ + 2 Σ_{c<d} p'_c p'_d ∂_c∂_d P̄`, with
///   `∂_c` of a pattern probability `Π_b f_b` replacing the factor of `c` by ±1;
/// - `x' (t+1) = x' P̄ + x P̄'`, `x'' (t+1) = x'' P̄ + 2 x' P̄' + x P̄''`, and the weighted
///   entries alike.
/// The derivatives are exact up to rounding (no step size); tests compare them with
/// central differences.
///
/// ```swift
/// let f = ExpectedObjective(scenario: model, weights: ExpectedObjective.conversionWeights(model))
/// let d = f.derivatives(spend: spend, directions: [.init(channel: 0, first: 3, rate: [1])])
/// // d.first[0]: extra conversions per unit of spend of channel 0 in period 3
/// ```
public struct ExpectedObjective: Sendable {
  public let scenario: Scenario
  public let start: StartState?
  /// Weight of an entry into each phase.
  public let weights: [Double]

  /// A spend direction: channel `channel`'s spend moves by `rate[t − first]` per unit in the
  /// periods `first ..< first + rate.count` (horizon periods, 0-based).
  public struct Direction: Sendable, Equatable {
    /// A paid channel's index in the scenario.
    public var channel: Int
    public var first: Int
    public var rate: [Double]

    public init(channel: Int, first: Int, rate: [Double]) {
      self.channel = channel
      self.first = first
      self.rate = rate
    }
  }

  /// - Parameters:
  ///   - scenario: the model; its paid channels' own spend plans are not used (the spend is
  ///     passed to each evaluation).
  ///   - start: the state the horizon starts from (its period is the calendar period of the
  ///     horizon's period 0); `nil` for the model's population at period 0.
  ///   - weights: one per phase.
  public init(scenario: Scenario, start: StartState? = nil, weights: [Double]) {
    precondition(weights.count == scenario.phaseCount, "one weight per phase")
    self.scenario = scenario
    self.start = start
    self.weights = weights
  }

  /// 1 for conversion phases, 0 otherwise.
  public static func conversionWeights(_ scenario: Scenario) -> [Double] {
    scenario.phases.map { $0.isConversion ? 1 : 0 }
  }

  /// The value of conversion phases, 0 otherwise.
  public static func revenueWeights(_ scenario: Scenario) -> [Double] {
    scenario.phases.map { $0.isConversion ? $0.value : 0 }
  }

  /// The objective for `spend[c][t]` (every channel of the scenario, horizon periods; the
  /// rows of organic channels are ignored and may be empty).
  ///
  /// - Complexity: one run of the expected engine.
  public func value(spend: [[Double]]) -> Double {
    Pass(self, spend: spend, keep: false).value
  }

  /// The objective and its first and second derivatives along each direction.
  ///
  /// - Complexity: one run of the expected engine, plus per direction O(T · S · Σ_i k_i² m_i)
  ///   for the periods from its first on (`k_i` effect channels and `m_i` targets of phase
  ///   `i`).
  public func derivatives(spend: [[Double]], directions: [Direction], threads: Int = 1)
    -> (value: Double, first: [Double], second: [Double])
  {
    let pass = Pass(self, spend: spend, keep: true)
    let out = Locked(([Double](repeating: 0, count: directions.count), [Double](repeating: 0, count: directions.count)))
    Parallel.strided(directions.count, workers: threads) { k in
      let (d1, d2) = pass.directional(directions[k])
      out.withLock {
        $0.0[k] = d1
        $0.1[k] = d2
      }
    }
    let (first, second) = out.withLock { $0 }
    return (pass.value, first, second)
  }
}

extension ExpectedObjective {
  /// The kernels of one (segment, phase) in one period with the derivative rows.
  struct Step {
    var channels: [Int]
    var targets: [Int]
    var row: [Double]
    /// `[b · m + k]`: `∂ row[k] / ∂ p_{channels[b]}`.
    var d1: [Double]
    /// `[pair(b, b′) · m + k]` for `b < b′`: the mixed second derivatives.
    var d2: [Double]
  }

  /// One primal run, keeping what the directional derivatives need.
  struct Pass: Sendable {
    let objective: ExpectedObjective
    var value = 0.0
    /// `[t][s][i]`
    var x: [[[Double]]] = []
    /// `[t][s · n + i]`
    var steps: [[Step]] = []
    /// `[t][c]`
    var adstock: [[Double]] = []
    var exposure: [[Double]] = []
    var counts: [[Double]] = []

    init(_ objective: ExpectedObjective, spend: [[Double]], keep: Bool) {
      self.objective = objective
      let scenario = objective.scenario
      let n = scenario.phaseCount
      let segments = scenario.segments
      let pop = scenario.population
      let w = objective.weights
      var state: [[Double]] =
        objective.start?.counts(for: scenario)
        ?? segments.map { segment in (0..<n).map { Double(pop.size) * segment.share * pop.initial[$0] } }
      let t0 = objective.start?.period ?? 0
      var exposureState = ExposureState(channels: scenario.channels, adstock: objective.start?.adstock)
      var periodSpend = [Double](repeating: 0, count: scenario.channelCount)
      for t in 0..<scenario.horizon {
        let total = ExpectedEngine.sumRows(state, n)
        for c in scenario.channels.indices {
          periodSpend[c] = scenario.channels[c].isPaid && t < spend[c].count ? spend[c][t] : 0
        }
        let p = exposureState.advance(spend: periodSpend, phaseCounts: total)
        let kernels = PeriodKernels(scenario: scenario, exposure: p, period: t0 + t)
        var periodSteps: [Step] = []
        if keep {
          x.append(state)
          adstock.append(exposureState.adstock)
          exposure.append(p)
          counts.append(total)
          periodSteps.reserveCapacity(kernels.kernels.count)
        }
        for s in segments.indices {
          var next = [Double](repeating: 0, count: n)
          for i in 0..<n {
            let kernel = kernels.kernels[s * n + i]
            let row = kernel.marginalRow()
            let xi = state[s][i]
            for (k, j) in kernel.targets.enumerated() {
              next[j] += xi * row[k]
              if k > 0 { value += w[j] * xi * row[k] }
            }
            if keep { periodSteps.append(Self.step(kernel, row: row, p: p)) }
          }
          let arrivals = Double(pop.arrivals) * segments[s].share
          for j in 0..<n { next[j] += arrivals * pop.arrivalPhases[j] }
          state[s] = next
        }
        if keep { steps.append(periodSteps) }
      }
    }

    /// The row and its first and mixed second derivatives in the exposure probabilities.
    static func step(_ kernel: PhaseKernel, row: [Double], p: [Double]) -> Step {
      let k = kernel.channels.count
      let m = kernel.targets.count
      var d1 = [Double](repeating: 0, count: k * m)
      var d2 = [Double](repeating: 0, count: k * (k - 1) / 2 * m)
      if k > 0 {
        let f = kernel.channels.map { p[$0] }
        for pattern in 0..<kernel.patternCount {
          // Factors of the pattern probability and their derivatives (±1).
          var pair = 0
          for b in 0..<k {
            let sb: Double = (pattern >> b) & 1 == 1 ? 1 : -1
            var rest = 1.0
            for c in 0..<k where c != b { rest *= (pattern >> c) & 1 == 1 ? f[c] : 1 - f[c] }
            if rest != 0 {
              for t in 0..<m { d1[b * m + t] += sb * rest * kernel.rows[pattern * m + t] }
            }
            for b2 in (b + 1)..<k {
              let s2: Double = (pattern >> b2) & 1 == 1 ? 1 : -1
              var others = 1.0
              for c in 0..<k where c != b && c != b2 { others *= (pattern >> c) & 1 == 1 ? f[c] : 1 - f[c] }
              if others != 0 {
                for t in 0..<m { d2[pair * m + t] += sb * s2 * others * kernel.rows[pattern * m + t] }
              }
              pair += 1
            }
          }
        }
      }
      return Step(channels: kernel.channels, targets: kernel.targets, row: row, d1: d1, d2: d2)
    }

    /// First and second derivative of the value along `direction`.
    func directional(_ direction: Direction) -> (Double, Double) {
      let scenario = objective.scenario
      let n = scenario.phaseCount
      let cc = scenario.channelCount
      let segmentCount = scenario.segments.count
      let w = objective.weights
      let horizon = scenario.horizon
      guard direction.first < horizon, case .paid(_, let lambda, let reach) = scenario.channels[direction.channel].kind
      else { return (0, 0) }
      var dx = [[Double]](repeating: [Double](repeating: 0, count: n), count: segmentCount)
      var ddx = dx
      var da = 0.0
      var d1 = 0.0
      var d2 = 0.0
      var dp = [Double](repeating: 0, count: cc)
      var ddp = [Double](repeating: 0, count: cc)
      var row1 = [Double](repeating: 0, count: n)
      var row2 = [Double](repeating: 0, count: n)
      for t in direction.first..<horizon {
        // Exposure jets.
        let v = t - direction.first < direction.rate.count ? direction.rate[t - direction.first] : 0
        da = v + lambda * da
        let a = adstock[t][direction.channel]
        let (h1, h2) = Self.reachDerivatives(reach, a)
        dp[direction.channel] = h1 * da
        ddp[direction.channel] = h2 * da * da
        let total = counts[t].reduce(0, +)
        var dTotal = 0.0
        var ddTotal = 0.0
        var dCounts = [Double](repeating: 0, count: n)
        var ddCounts = [Double](repeating: 0, count: n)
        for s in 0..<segmentCount {
          for i in 0..<n {
            dCounts[i] += dx[s][i]
            ddCounts[i] += ddx[s][i]
          }
        }
        for i in 0..<n {
          dTotal += dCounts[i]
          ddTotal += ddCounts[i]
        }
        for (c, channel) in scenario.channels.enumerated() {
          guard case .organic(let driver, let rate) = channel.kind else { continue }
          guard total > 0 else {
            dp[c] = 0
            ddp[c] = 0
            continue
          }
          let nd = counts[t][driver]
          let u = nd / total
          let du = dCounts[driver] / total - nd * dTotal / (total * total)
          let ddu =
            ddCounts[driver] / total - 2 * dCounts[driver] * dTotal / (total * total) - nd * ddTotal / (total * total)
            + 2 * nd * dTotal * dTotal / (total * total * total)
          let e = Foundation.exp(-rate * u)
          dp[c] = rate * e * du
          ddp[c] = rate * e * (ddu - rate * du * du)
        }
        // State and value jets.
        let periodSteps = steps[t]
        for s in 0..<segmentCount {
          var nx = [Double](repeating: 0, count: n)
          var nxx = [Double](repeating: 0, count: n)
          let xs = x[t][s]
          for i in 0..<n {
            let step = periodSteps[s * n + i]
            let m = step.targets.count
            let k = step.channels.count
            for j in 0..<m {
              row1[j] = 0
              row2[j] = 0
            }
            var pair = 0
            for b in 0..<k {
              let c = step.channels[b]
              let g1 = dp[c]
              let g2 = ddp[c]
              if g1 != 0 || g2 != 0 {
                for j in 0..<m {
                  row1[j] += g1 * step.d1[b * m + j]
                  row2[j] += g2 * step.d1[b * m + j]
                }
              }
              for b2 in (b + 1)..<k {
                let cross = 2 * g1 * dp[step.channels[b2]]
                if cross != 0 { for j in 0..<m { row2[j] += cross * step.d2[pair * m + j] } }
                pair += 1
              }
            }
            let x0 = xs[i]
            let x1 = dx[s][i]
            let x2 = ddx[s][i]
            for (q, j) in step.targets.enumerated() {
              let r = step.row[q]
              let e1 = x1 * r + x0 * row1[q]
              let e2 = x2 * r + 2 * x1 * row1[q] + x0 * row2[q]
              nx[j] += e1
              nxx[j] += e2
              if q > 0 {
                d1 += w[j] * e1
                d2 += w[j] * e2
              }
            }
          }
          dx[s] = nx
          ddx[s] = nxx
        }
      }
      return (d1, d2)
    }

    /// `h'(a)` and `h''(a)` of the Hill reach (at `a = 0`: the right derivatives for
    /// `σ = 1`, 0 for `σ > 1`, and a large finite slope for `σ < 1`, whose slope is infinite).
    static func reachDerivatives(_ reach: HillReach, _ a: Double) -> (Double, Double) {
      let sigma = reach.shape
      guard a > 0 else {
        if sigma == 1 { return (reach.max / reach.half, -2 * reach.max / (reach.half * reach.half)) }
        if sigma > 1 { return (0, 0) }
        return (reach.max / reach.half * 1e6, 0)
      }
      let q = Foundation.pow(reach.half / a, sigma)
      guard q.isFinite else { return (0, 0) }
      let onePlus = 1 + q
      let h1 = reach.max * sigma * q / (a * onePlus * onePlus)
      let h2 = reach.max * sigma * q / (a * a * onePlus * onePlus) * (2 * sigma * q / onePlus - sigma - 1)
      return (h1, h2)
    }
  }
}
