import JourneyModel

/// The expected engine: the exact mean recursion `x(t+1) = x(t) · P̄(t) + arrivals` per
/// segment, with `P̄(t) = Σ_e Pr(e | p(t)) · P(e)`. Organic channels use the expected
/// driver counts (mean field), which is exact without organic channels.
enum ExpectedEngine {
  /// - Complexity: O(T · S · n · (2^k · m + n)) for `T` periods, `S` segments, `n` phases,
  ///   `k` effect channels and `m` targets out of a phase (the mean matrix, then one
  ///   matrix–vector product per segment); independent of the population size.
  static func run(_ scenario: Scenario, seed: UInt64, start: StartState? = nil) -> SimulationResult {
    let n = scenario.phaseCount
    let segments = scenario.segments
    let pop = scenario.population
    var result = SimulationResult(
      scenario: scenario.name, engine: .expected, seed: seed,
      phases: scenario.phases.map(\.name), channels: scenario.channels.map(\.name))
    var x: [[Double]] =
      start?.counts(for: scenario)
      ?? segments.map { segment in
        (0..<n).map { Double(pop.size) * segment.share * pop.initial[$0] }
      }
    let t0 = start?.period ?? 0
    var exposureState = ExposureState(channels: scenario.channels, adstock: start?.adstock)
    for t in 0..<scenario.horizon {
      let counts = sumRows(x, n)
      let spend = scenario.spend(at: t0 + t)
      let p = exposureState.advance(spend: spend, phaseCounts: counts)
      let kernels = PeriodKernels(scenario: scenario, exposure: p, period: t0 + t)
      var entries = [Double](repeating: 0, count: n)
      for s in segments.indices {
        let pbar = meanTransitionMatrix(kernels, segment: s, n: n)
        let next = step(x[s], pbar, n)
        for j in 0..<n { entries[j] += next[j] - x[s][j] * pbar[j * n + j] }
        x[s] = next
        let arrivals = Double(pop.arrivals) * segments[s].share
        for j in 0..<n { x[s][j] += arrivals * pop.arrivalPhases[j] }
      }
      result.record(start: counts, entries: entries, spend: spend, exposure: p, phases: scenario.phases)
    }
    result.phaseCounts.append(sumRows(x, n))
    result.startPeriod = t0
    result.segments = segments.map(\.name)
    result.finalSegmentCounts = x
    result.finalAdstock = exposureState.adstock
    return result
  }

  /// `x·P̄` for row-major `P̄` (n×n): `next[j] = Σᵢ x[i]·P̄[i][j]`, summed over `i` in
  /// order.
  ///
  /// A plain loop, not BLAS `dgemv`: OpenBLAS chooses its kernel for the CPU it runs on,
  /// and its kernels add the terms in different orders (the Skylake-X and Cooper Lake
  /// `dgemv_t` give results that differ in the last bit), so the expected engine's
  /// figures, which `journey check` compares exactly, would depend on the machine. With
  /// at most 64 phases the loop costs no more than the call.
  static func step(_ x: [Double], _ pbar: [Double], _ n: Int) -> [Double] {
    var next = [Double](repeating: 0, count: n)
    for i in 0..<n where x[i] != 0 {
      let xi = x[i]
      for j in 0..<n { next[j] += xi * pbar[i * n + j] }
    }
    return next
  }

  static func sumRows(_ x: [[Double]], _ n: Int) -> [Double] {
    var total = [Double](repeating: 0, count: n)
    for row in x { for j in 0..<n { total[j] += row[j] } }
    return total
  }

  /// `P̄` of one segment, row-major n×n.
  static func meanTransitionMatrix(_ kernels: PeriodKernels, segment s: Int, n: Int) -> [Double] {
    var pbar = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      let kernel = kernels.kernels[s * n + i]
      let row = kernel.marginalRow()
      for (k, j) in kernel.targets.enumerated() { pbar[i * n + j] += row[k] }
    }
    return pbar
  }
}
