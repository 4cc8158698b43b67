import JourneyModel
import JourneySimulation

extension BudgetOptimizer {
  /// The gain of an allocation over a reference plan under parameter uncertainty.
  public struct GainDraws: Sendable, Equatable {
    /// Per draw, `F(plan) − F(reference)` on the drawn model.
    public var gains: [Double]
    public var seed: UInt64
    /// Mean and 90% interval (5% and 95% quantiles) of the gain.
    public var interval: Interval { Interval(gains) }
    /// Share of draws in which the plan beats the reference.
    public var probabilityBetter: Double {
      gains.isEmpty ? 0 : Double(gains.filter { $0 > 0 }.count) / Double(gains.count)
    }
  }

  /// Evaluates `plan` and `reference` (`[c][t]` per paid channel) under `draws` parameter
  /// draws from a fit's covariance, as `journey forecast` draws them: draw `d` takes the
  /// transition logits, the reach curves, then the organic rates from the stream
  /// ``StreamID/forecastParameters(_:)`` `(d)` of `seed` (so it is the parameter draw of
  /// the forecast's replicate `d` with the same seed), and a drawn adstock `λ` recomputes a
  /// history start's adstock (``ParameterSampler/startState(_:channels:)``). Both plans
  /// run on the expected engine with the same draw (common random numbers).
  ///
  /// - Complexity: `2 · draws` expected-engine runs, in parallel over ``threads``; the
  ///   result does not depend on the thread count.
  public func gainDraws(
    plan: [[Double]], reference: [[Double]], sampler: ParameterSampler, draws: Int, seed: UInt64
  ) -> GainDraws {
    let gains = Locked([Double](repeating: 0, count: draws))
    let weights = function.weights
    Parallel.strided(draws, workers: threads) { d in
      var rng = SplitMix64(seed: seed, stream: StreamID.forecastParameters(d))
      var s = scenario
      s.segments = sampler.segments(for: scenario, theta: sampler.draw(using: &rng))
      let reach = sampler.drawReach(using: &rng)
      let organic = sampler.drawOrganic(using: &rng)
      var from = start
      if !reach.isEmpty {
        s.channels = sampler.channels(s.channels, reach: reach)
        if let state = from { from = sampler.startState(state, channels: s.channels) }
      }
      if !organic.isEmpty { s.channels = sampler.channels(s.channels, organic: organic) }
      let f = ExpectedObjective(scenario: s, start: from, weights: weights)
      let gain = f.value(spend: channelSpend(plan)) - f.value(spend: channelSpend(reference))
      gains.withLock { $0[d] = gain }
    }
    return GainDraws(gains: gains.withLock { $0 }, seed: seed)
  }
}
