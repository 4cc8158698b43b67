import JourneyLinearAlgebra
import JourneyModel

/// Absorbing-chain figures of a scenario under a steady budget.
///
/// The steady budget spends each channel's mean spend per period over the horizon, so
/// adstock settles at `s̄ / (1 − λ)`; organic channels keep their mean exposure along the
/// expected engine's run, and seasonality its mean multiplier. With that constant
/// mean transition matrix `P̄` (per segment):
///
/// - **probability of ever converting** from phase `i`: the absorption probability into the
///   conversion phases of the chain in which conversion phases are made absorbing,
///   `B = (I − Q)⁻¹ R`;
/// - **expected periods to conversion**, given that it happens: `(N b)_i / b_i` with
///   `N = (I − Q)⁻¹` and `b` the conversion probabilities;
/// - **expected periods to absorption** in the scenario's own absorbing phases, `N·1`
///   (Kemeny & Snell, *Finite Markov Chains*, ch. 3).
public struct ChainAnalytics: Sendable, Equatable {
  public struct SegmentFigures: Sendable, Equatable {
    public var segment: String
    /// Per phase; 1 for conversion phases, 0 for phases that cannot convert.
    public var conversionProbability: [Double]
    /// Per phase, `nil` where conversion is impossible; 0 for conversion phases.
    public var periodsToConversion: [Double?]
    /// Per phase, `nil` for absorbing phases or when no absorbing phase is reachable.
    public var periodsToAbsorption: [Double?]
  }

  public var phases: [String]
  public var segments: [SegmentFigures]
  /// The steady exposure probabilities used, per channel.
  public var steadyExposure: [Double]

  /// - Throws: ``LinearAlgebraError`` only for numerically broken matrices.
  public init(scenario: Scenario) throws {
    let n = scenario.phaseCount
    phases = scenario.phases.map(\.name)
    let horizon = Swift.max(scenario.horizon, 1)
    let mean = ExpectedEngine.run(scenario, seed: scenario.seed)
    var p = [Double](repeating: 0, count: scenario.channelCount)
    for (c, channel) in scenario.channels.enumerated() {
      switch channel.kind {
      case .paid(let plan, let lambda, let reach):
        var total = 0.0
        for t in 0..<horizon { total += plan.spend(at: t) }
        p[c] = reach.probability(adstock: total / Double(horizon) / (1 - lambda))
      case .organic:
        p[c] = mean.exposure.reduce(0) { $0 + $1[c] } / Double(mean.exposure.count)
      }
    }
    steadyExposure = p
    var steady = scenario
    if let seasonality = scenario.seasonality, !seasonality.isEmpty {
      steady.seasonality = [seasonality.reduce(0, +) / Double(seasonality.count)]
    }
    let kernels = PeriodKernels(scenario: steady, exposure: p, period: 0)
    let conversion = Set(scenario.phases.indices.filter { scenario.phases[$0].isConversion })
    var figures: [SegmentFigures] = []
    for (s, segment) in scenario.segments.enumerated() {
      let pbar = ExpectedEngine.meanTransitionMatrix(kernels, segment: s, n: n)
      let matrix = Matrix(rows: n, cols: n, rowMajor: pbar)
      let absorbing = (0..<n).filter { pbar[$0 * n + $0] >= 1 - 1e-15 }

      var probability = [Double](repeating: 0, count: n)
      var toConversion = [Double?](repeating: nil, count: n)
      for i in conversion {
        probability[i] = 1
        toConversion[i] = 0
      }
      if !conversion.isEmpty {
        let stopping = Set(absorbing).union(conversion)
        // Transient phases that cannot reach a stopping phase never convert; leave them out.
        let reach = Self.canReach(stopping, pbar, n)
        let kept = (0..<n).filter { reach[$0] || stopping.contains($0) }
        let sub = matrix.selecting(rows: kept, columns: kept)
        let chain = try AbsorbingChain(
          transitions: sub, absorbing: kept.indices.filter { stopping.contains(kept[$0]) })
        var b = [Double](repeating: 0, count: chain.transient.count)
        for (column, local) in chain.absorbing.enumerated() where conversion.contains(kept[local]) {
          for r in b.indices { b[r] += chain.absorptionProbabilities[r, column] }
        }
        let nb = chain.fundamental.multiply(b)
        for (r, local) in chain.transient.enumerated() {
          let i = kept[local]
          probability[i] = b[r]
          toConversion[i] = b[r] > 1e-300 ? nb[r] / b[r] : nil
        }
      }

      var toAbsorption = [Double?](repeating: nil, count: n)
      if !absorbing.isEmpty, let chain = try? AbsorbingChain(transitions: matrix, absorbing: absorbing) {
        for (r, i) in chain.transient.enumerated() { toAbsorption[i] = chain.expectedSteps[r] }
      }
      figures.append(SegmentFigures(
        segment: segment.name, conversionProbability: probability,
        periodsToConversion: toConversion, periodsToAbsorption: toAbsorption))
    }
    segments = figures
  }

  /// `reach[i]`: phase `i` can reach one of `targets` with positive probability.
  static func canReach(_ targets: Set<Int>, _ p: [Double], _ n: Int) -> [Bool] {
    var reach = [Bool](repeating: false, count: n)
    for t in targets { reach[t] = true }
    var changed = true
    while changed {
      changed = false
      for i in 0..<n where !reach[i] {
        if (0..<n).contains(where: { reach[$0] && p[i * n + $0] > 0 }) {
          reach[i] = true
          changed = true
        }
      }
    }
    for t in targets { reach[t] = false }
    return reach
  }
}
