import JourneyModel

/// The cohort engine: exact multinomial counts per (segment, phase).
///
/// Each period the customers of a (segment, phase) cell move independently given the
/// exposure probabilities, so their counts over the targets are one multinomial with the
/// exposure-averaged row `Σ_e Pr(e | p(t)) · P(i→· | e)`, drawn by sequential conditional
/// binomials. The cost depends on the number of cells and patterns, not on the population
/// size.
enum CohortEngine {
  /// - Complexity: O(T · S · n · (2^k · m + m)) for `T` periods, `S` segments, `n` phases,
  ///   `k` effect channels and `m` targets out of a phase (the averaged row, then one
  ///   binomial per target, each O(1) expected); independent of the population size.
  static func run(_ scenario: Scenario, seed: UInt64, start: StartState? = nil) -> SimulationResult {
    let n = scenario.phaseCount
    let segments = scenario.segments
    let sCount = segments.count
    let pop = scenario.population
    var rng = SplitMix64(seed: seed, stream: StreamID.cohortInitial)
    var result = SimulationResult(
      scenario: scenario.name, engine: .cohort, seed: seed,
      phases: scenario.phases.map(\.name), channels: scenario.channels.map(\.name))

    // counts[s * n + i]
    var counts = [Int](repeating: 0, count: sCount * n)
    let initialCells = cellProbabilities(segments: segments, phases: pop.initial)
    let arrivalCells = cellProbabilities(segments: segments, phases: pop.arrivalPhases)
    // When the initial shares are whole numbers of customers (as for explicit starting
    // counts), each phase keeps exactly its count and only the split over segments is
    // random; otherwise the population is split over (segment, phase) cells at once.
    let phaseCounts = pop.initial.map { Double(pop.size) * $0 }
    if let start {
      // A start state fixes every (segment, phase) count.
      for (s, row) in start.counts(for: scenario).enumerated() {
        for i in 0..<n { counts[s * n + i] = Int(Swift.max(0, row[i]).rounded()) }
      }
    } else if phaseCounts.allSatisfy({ abs($0 - $0.rounded()) <= 1e-6 }) && sCount > 0 {
      let shares = segments.map(\.share)
      var bySegment = [Int](repeating: 0, count: sCount)
      for i in 0..<n where phaseCounts[i].rounded() > 0 {
        for s in 0..<sCount { bySegment[s] = 0 }
        split(Int(phaseCounts[i].rounded()), shares, into: &bySegment, using: &rng)
        for s in 0..<sCount { counts[s * n + i] += bySegment[s] }
      }
    } else {
      split(pop.size, initialCells, into: &counts, using: &rng)
    }

    let t0 = start?.period ?? 0
    var exposureState = ExposureState(channels: scenario.channels, adstock: start?.adstock)
    var next = [Int](repeating: 0, count: sCount * n)
    var row: [Double] = []
    var targetCounts: [Int] = []
    var cachedKernels: PeriodKernels?
    var cachedMultiplier = Double.nan
    for t in 0..<scenario.horizon {
      let start = phaseTotals(counts, sCount, n)
      let spend = scenario.spend(at: t0 + t)
      let p = exposureState.advance(spend: spend, phaseCounts: start)
      // The kernels' rows, targets and channels (all this engine reads; exposures enter
      // through `p` below) depend on the period only through the odds multiplier, so they
      // are rebuilt only when it changes.
      let multiplier = scenario.oddsMultiplier(at: t0 + t)
      if cachedKernels == nil || multiplier != cachedMultiplier {
        cachedKernels = PeriodKernels(scenario: scenario, exposure: p, period: t0 + t)
        cachedMultiplier = multiplier
      }
      guard let kernels = cachedKernels else { preconditionFailure("kernels are built above") }
      for cell in 0..<next.count { next[cell] = 0 }
      var entries = [Double](repeating: 0, count: n)
      for s in 0..<sCount {
        for i in 0..<n {
          let c = counts[s * n + i]
          if c == 0 { continue }
          // Every (period, segment, phase) cell draws from its own stream, so runs whose
          // inputs differ (budget plans compared with common random numbers) stay coupled
          // cell by cell instead of drifting apart after the first different draw.
          var rng = SplitMix64(seed: seed, stream: StreamID.cohortCell(period: t, segment: s, phase: i))
          let kernel = kernels.kernels[s * n + i]
          let m = kernel.targetCount
          if m == 1 {
            next[s * n + i] += c
            continue
          }
          // Customers move independently given the exposure probabilities, so the counts
          // over targets are one multinomial with the exposure-averaged row
          // Σ_e Pr(e | p) · P(i→· | e), exactly (the exposure patterns are not reported).
          averagedRow(kernel, exposure: p, into: &row)
          if targetCounts.count < m { targetCounts = [Int](repeating: 0, count: m) }
          for k in 0..<m { targetCounts[k] = 0 }
          row.withUnsafeBufferPointer { rb in
            targetCounts.withUnsafeMutableBufferPointer { tc in
              multinomial(c, UnsafeBufferPointer(rebasing: rb[0..<m]), into: tc, using: &rng)
            }
          }
          for k in 0..<m {
            let j = kernel.targets[k]
            next[s * n + j] += targetCounts[k]
            if k > 0 { entries[j] += Double(targetCounts[k]) }
          }
        }
      }
      swap(&counts, &next)
      var arrivalRng = SplitMix64(seed: seed, stream: StreamID.cohortArrivals(period: t))
      split(pop.arrivals, arrivalCells, into: &counts, using: &arrivalRng)
      result.record(start: start, entries: entries, spend: spend, exposure: p, phases: scenario.phases)
    }
    result.phaseCounts.append(phaseTotals(counts, sCount, n))
    result.startPeriod = t0
    result.segments = segments.map(\.name)
    result.finalSegmentCounts = (0..<sCount).map { s in (0..<n).map { Double(counts[s * n + $0]) } }
    result.finalAdstock = exposureState.adstock
    return result
  }

  static func cellProbabilities(segments: [Segment], phases: [Double]) -> [Double] {
    segments.flatMap { segment in phases.map { segment.share * $0 } }
  }

  static func split(_ total: Int, _ probabilities: [Double], into counts: inout [Int], using rng: inout SplitMix64) {
    guard total > 0 else { return }
    let sum = probabilities.reduce(0, +)
    let normalised = probabilities.map { $0 / sum }
    normalised.withUnsafeBufferPointer { pb in
      counts.withUnsafeMutableBufferPointer { cb in multinomial(total, pb, into: cb, using: &rng) }
    }
  }

  static func phaseTotals(_ counts: [Int], _ sCount: Int, _ n: Int) -> [Double] {
    var totals = [Double](repeating: 0, count: n)
    for s in 0..<sCount { for i in 0..<n { totals[i] += Double(counts[s * n + i]) } }
    return totals
  }

  /// The row over `kernel.targets` averaged over exposure patterns,
  /// `Σ_e Pr(e | p) · rows[e]`, with `Pr(e | p) = Π_b (e_b ? p_b : 1 − p_b)` over the
  /// kernel's channels (bit `b` of a pattern is `kernel.channels[b]`).
  static func averagedRow(_ kernel: PhaseKernel, exposure p: [Double], into row: inout [Double]) {
    let m = kernel.targetCount
    if row.count < m { row = [Double](repeating: 0, count: m) }
    for k in 0..<m { row[k] = 0 }
    let channels = kernel.channels
    kernel.rows.withUnsafeBufferPointer { rows in
      for pattern in 0..<kernel.patternCount {
        var pp = 1.0
        for b in 0..<channels.count {
          let pc = p[channels[b]]
          pp *= (pattern >> b) & 1 == 1 ? pc : 1 - pc
        }
        if pp == 0 { continue }
        for k in 0..<m { row[k] += pp * rows[pattern * m + k] }
      }
    }
  }
}
