import Foundation
import JourneyModel

/// The part of a cohort-engine run that does not depend on its random draws, computed once
/// and shared by every replicate of a forecast.
///
/// The cohort engine moves each (segment, phase) cell with the exposure-averaged row
/// `Σ_e Pr(e | p(t)) · P(i→· | e)`. Paid exposures `p_c(t)` follow from the spend plan,
/// adstock and reach curve alone, and the rows `P(i→· | e)` from the parameters and the odds
/// multiplier; only organic exposures depend on the customers drawn so far. The cache keeps,
/// for every period:
///
/// - the paid channels' exposure probabilities;
/// - for a cell without organic channels among its channels, the averaged row itself and the
///   conditional probabilities of its sequential binomials;
/// - for a cell with organic channels, `Π_b Pr(e_b)` over the channels before the first
///   organic one (bit order), for every pattern of those channels; a replicate multiplies
///   in the remaining channels' factors and sums the rows as the engine does.
///
/// Every figure is computed with the same floating-point operations in the same order as
/// ``Simulator/run(_:engine:seed:threads:journeyLog:progress:start:)`` with the cohort
/// engine, so ``run(seed:skip:workspace:into:)`` returns the same bits for the same seed.
///
/// ```swift
/// if let cache = CohortKernelCache(scenario) {
///   let workspace = CohortWorkspace()  // one per thread
///   var figures = CohortFigures(periods: scenario.horizon, phases: scenario.phaseCount)
///   for seed: UInt64 in 1...100 { cache.run(seed: seed, workspace: workspace, into: &figures) }
/// }
/// ```
///
/// - Complexity: building costs what one cohort run spends on kernels and averaging,
///   O(T · S · n · 2^k · m); a run then costs O(T · S · n · m) plus, for cells with organic
///   channels, O(2^k · (k₀ + m)) with `k₀` the channels from the first organic one on.
public struct CohortKernelCache: Sendable {
  /// The largest cache, in 8-byte values, that ``init(_:start:limit:)`` builds.
  public static let defaultLimit = 1 << 22

  let storage: Storage
  /// Periods of a run.
  public var periods: Int { storage.periods }
  /// Phases of the scenario.
  public var phaseCount: Int { storage.n }

  /// Caches `scenario`'s run from `start`; `nil` when the cache would hold more than
  /// `limit` values (run the cohort engine itself then).
  public init?(_ scenario: Scenario, start: StartState? = nil, limit: Int = CohortKernelCache.defaultLimit) {
    guard let storage = Storage(scenario, start: start, limit: limit) else { return nil }
    self.storage = storage
  }

  /// Runs the cohort engine with `seed` and writes the conversions and revenue of periods
  /// `skip ..< periods` and the final customers per phase to `figures`.
  ///
  /// - Parameters:
  ///   - seed: the cohort engine's seed.
  ///   - skip: leading periods not reported (a history start's warm-up).
  ///   - workspace: scratch buffers, reused between runs on one thread.
  ///   - figures: receives `periods − skip` conversions and revenues and `phaseCount`
  ///     final counts.
  public func run(seed: UInt64, skip: Int = 0, workspace: CohortWorkspace, into figures: inout CohortFigures) {
    precondition(figures.conversions.count == periods - skip && figures.finalCounts.count == phaseCount)
    figures.conversions.withUnsafeMutableBufferPointer { conversions in
      figures.revenue.withUnsafeMutableBufferPointer { revenue in
        figures.finalCounts.withUnsafeMutableBufferPointer { finals in
          storage.run(
            seed: seed, skip: skip, workspace: workspace, conversions: conversions, revenue: revenue,
            finalCounts: finals)
        }
      }
    }
  }

  /// The averaged row the cache gives cell `(segment, phase)` of period `t` under the
  /// exposures `p` (paid entries are the cache's own; organic ones are read from `p`).
  func averagedRow(period t: Int, segment s: Int, phase i: Int, exposure p: [Double]) -> [Double] {
    let workspace = CohortWorkspace()
    workspace.reserve(storage)
    let cell = s * storage.n + i
    let m = storage.targetCount[cell]
    var exposure = p
    for c in 0..<storage.channelCount where storage.isPaid[c] { exposure[c] = storage.paidExposure[t * storage.channelCount + c] }
    exposure.withUnsafeBufferPointer { pb in
      storage.averagedRow(period: t, cell: cell, exposure: pb.baseAddress!, into: workspace.row)
    }
    return (0..<m).map { workspace.row[$0] }
  }
}

/// What a forecast keeps of one cohort run: conversions and revenue per reported period,
/// customers per phase after the last.
public struct CohortFigures: Sendable {
  public var conversions: [Double]
  public var revenue: [Double]
  public var finalCounts: [Double]

  public init(periods: Int, phases: Int) {
    conversions = [Double](repeating: 0, count: periods)
    revenue = [Double](repeating: 0, count: periods)
    finalCounts = [Double](repeating: 0, count: phases)
  }
}

/// Scratch buffers of ``CohortKernelCache/run(seed:skip:workspace:into:)``: one per thread,
/// reused by every run on it, so runs allocate nothing.
public final class CohortWorkspace {
  var capacity = (cells: 0, phases: 0, channels: 0, targets: 0, segments: 0)
  var counts = UnsafeMutablePointer<Int>.allocate(capacity: 1)
  var next = UnsafeMutablePointer<Int>.allocate(capacity: 1)
  var entries = UnsafeMutablePointer<Double>.allocate(capacity: 1)
  var totals = UnsafeMutablePointer<Double>.allocate(capacity: 1)
  var exposure = UnsafeMutablePointer<Double>.allocate(capacity: 1)
  var row = UnsafeMutablePointer<Double>.allocate(capacity: 1)
  var targetCounts = UnsafeMutablePointer<Int>.allocate(capacity: 1)
  var bySegment = UnsafeMutablePointer<Int>.allocate(capacity: 1)

  public init() {}

  deinit { release() }

  private func release() {
    counts.deallocate()
    next.deallocate()
    entries.deallocate()
    totals.deallocate()
    exposure.deallocate()
    row.deallocate()
    targetCounts.deallocate()
    bySegment.deallocate()
  }

  /// Grows the buffers to what runs of `storage` need (no-op when they are large enough).
  func reserve(_ storage: CohortKernelCache.Storage) {
    let cells = storage.sCount * storage.n
    if cells <= capacity.cells && storage.n <= capacity.phases && storage.channelCount <= capacity.channels
      && storage.maxTargets <= capacity.targets && storage.sCount <= capacity.segments
    {
      return
    }
    release()
    capacity = (
      Swift.max(cells, capacity.cells, 1), Swift.max(storage.n, capacity.phases, 1),
      Swift.max(storage.channelCount, capacity.channels, 1), Swift.max(storage.maxTargets, capacity.targets, 1),
      Swift.max(storage.sCount, capacity.segments, 1)
    )
    counts = .allocate(capacity: capacity.cells)
    next = .allocate(capacity: capacity.cells)
    entries = .allocate(capacity: capacity.phases)
    totals = .allocate(capacity: capacity.phases)
    exposure = .allocate(capacity: capacity.channels)
    row = .allocate(capacity: capacity.targets)
    targetCounts = .allocate(capacity: capacity.targets)
    bySegment = .allocate(capacity: capacity.segments)
  }
}

extension CohortKernelCache {
  /// How the initial customers are drawn (the three cases of the cohort engine).
  enum Initial {
    /// A start state's counts per cell.
    case fixed([Int])
    /// Whole customers per phase, split over segments by their normalised shares.
    case bySegment(phaseCounts: [Int], shares: [Double])
    /// The population split over cells by their normalised probabilities.
    case cells(Int, [Double])
  }

  /// The cache's buffers; immutable once built.
  final class Storage: @unchecked Sendable {
    let n: Int
    let sCount: Int
    let channelCount: Int
    let periods: Int
    let maxTargets: Int
    let initial: Initial
    let arrivals: Int
    /// Normalised arrival probabilities per cell.
    let arrivalCells: UnsafeMutableBufferPointer<Double>
    /// `(phase, value)` of the conversion phases, in phase order.
    let conversionPhases: [(Int, Double)]
    let isPaid: [Bool]
    /// `(channel, driver, rate)` of the organic channels.
    let organic: [(Int, Int, Double)]

    /// `[t · channelCount + c]`: paid exposure (0 for organic channels).
    let paidExposure: UnsafeMutableBufferPointer<Double>
    /// Per cell: targets at `targetStart[cell] ..< + targetCount[cell]` of `targets`.
    let targetStart: [Int]
    let targetCount: [Int]
    let targets: UnsafeMutableBufferPointer<Int>
    /// Per cell: the kernel's channels at `channelStart[cell] ..< + channelCountOf[cell]`.
    let channelStart: [Int]
    let kernelChannels: UnsafeMutableBufferPointer<Int>
    let kernelChannelCount: [Int]
    /// Per cell: the first bit whose channel is organic (the kernel's channel count when none).
    let firstOrganic: [Int]
    /// Per cell: where its rows start within a kernel set.
    let rowStart: [Int]
    let rowStride: Int
    /// `[set · rowStride + rowStart[cell] + pattern · m + k]`.
    let rows: UnsafeMutableBufferPointer<Double>
    /// `[t]`: the kernel set of period `t`.
    let kernelSet: [Int]
    /// Per cell: where its entry starts within a period's table.
    let tableStart: [Int]
    let tableStride: Int
    /// `[t · tableStride + tableStart[cell] ...]`: without organic channels
    /// `[last, conditional probabilities (m), averaged row (m)]`; with them the prefix
    /// products over `2^firstOrganic` patterns.
    let table: UnsafeMutableBufferPointer<Double>

    init?(_ scenario: Scenario, start: StartState?, limit: Int) {
      let n = scenario.phaseCount
      let segments = scenario.segments
      let sCount = segments.count
      let cCount = scenario.channelCount
      let horizon = scenario.horizon
      let cells = sCount * n
      let pop = scenario.population
      self.n = n
      self.sCount = sCount
      channelCount = cCount
      periods = horizon
      isPaid = scenario.channels.map(\.isPaid)
      organic = scenario.channels.enumerated().compactMap { c, channel in
        if case .organic(let driver, let rate) = channel.kind { return (c, driver, rate) }
        return nil
      }
      conversionPhases = scenario.phases.enumerated().compactMap { i, phase in
        phase.isConversion ? (i, phase.value) : nil
      }

      // The shape of every cell's kernel (the same in every period).
      var targetStart: [Int] = []
      var targetCount: [Int] = []
      var targetList: [Int] = []
      var channelStart: [Int] = []
      var channelList: [Int] = []
      var kernelChannelCount: [Int] = []
      var firstOrganic: [Int] = []
      var rowStart: [Int] = []
      var tableStart: [Int] = []
      var rowStride = 0
      var tableStride = 0
      for segment in segments {
        let parameters = segment.parameters
        for i in 0..<n {
          let channels = parameters.relevantChannels(of: i)
          let targets = [i] + parameters.targets(of: i)
          let m = targets.count
          targetStart.append(targetList.count)
          targetCount.append(m)
          targetList += targets
          channelStart.append(channelList.count)
          channelList += channels
          kernelChannelCount.append(channels.count)
          let first = channels.firstIndex { !scenario.channels[$0].isPaid } ?? channels.count
          firstOrganic.append(first)
          rowStart.append(rowStride)
          rowStride += (1 << channels.count) * m
          tableStart.append(tableStride)
          if m > 1 { tableStride += first == channels.count ? 1 + 2 * m : 1 << first }
        }
      }

      // Kernel sets: rebuilt whenever the odds multiplier changes, as the engine does.
      let t0 = start?.period ?? 0
      var setOfPeriod = [Int](repeating: 0, count: horizon)
      var setCount = 0
      var last = Double.nan
      for t in 0..<horizon {
        let multiplier = scenario.oddsMultiplier(at: t0 + t)
        if t == 0 || multiplier != last {
          setCount += 1
          last = multiplier
        }
        setOfPeriod[t] = setCount - 1
      }
      let (size, overflow) = setCount.multipliedReportingOverflow(by: rowStride)
      let (tableSize, overflow2) = horizon.multipliedReportingOverflow(by: tableStride)
      guard !overflow, !overflow2, size + tableSize + horizon * cCount <= limit else { return nil }

      self.targetStart = targetStart
      self.targetCount = targetCount
      self.channelStart = channelStart
      self.kernelChannelCount = kernelChannelCount
      self.firstOrganic = firstOrganic
      self.rowStart = rowStart
      self.rowStride = rowStride
      self.tableStart = tableStart
      self.tableStride = tableStride
      kernelSet = setOfPeriod
      maxTargets = targetCount.max() ?? 1
      targets = .allocate(capacity: Swift.max(1, targetList.count))
      _ = targets.initialize(from: targetList)
      kernelChannels = .allocate(capacity: Swift.max(1, channelList.count))
      _ = kernelChannels.initialize(from: channelList)
      rows = .allocate(capacity: Swift.max(1, size))
      table = .allocate(capacity: Swift.max(1, tableSize))
      paidExposure = .allocate(capacity: Swift.max(1, horizon * cCount))
      arrivalCells = .allocate(capacity: Swift.max(1, cells))
      rows.initialize(repeating: 0)
      table.initialize(repeating: 0)
      paidExposure.initialize(repeating: 0)
      arrivalCells.initialize(repeating: 0)

      // The draws' inputs, normalised as the engine's `split` does.
      func normalised(_ probabilities: [Double]) -> [Double] {
        let sum = probabilities.reduce(0, +)
        return probabilities.map { $0 / sum }
      }
      arrivals = pop.arrivals
      if pop.arrivals > 0 {
        let cellsOfArrivals = normalised(CohortEngine.cellProbabilities(segments: segments, phases: pop.arrivalPhases))
        for k in 0..<cells { arrivalCells[k] = cellsOfArrivals[k] }
      }
      let phaseCounts = pop.initial.map { Double(pop.size) * $0 }
      if let start {
        var counts = [Int](repeating: 0, count: cells)
        for (s, row) in start.counts(for: scenario).enumerated() {
          for i in 0..<n { counts[s * n + i] = Int(Swift.max(0, row[i]).rounded()) }
        }
        initial = .fixed(counts)
      } else if phaseCounts.allSatisfy({ abs($0 - $0.rounded()) <= 1e-6 }) && sCount > 0 {
        initial = .bySegment(
          phaseCounts: phaseCounts.map { $0.rounded() > 0 ? Int($0.rounded()) : 0 },
          shares: normalised(segments.map(\.share)))
      } else {
        initial = .cells(pop.size, pop.size > 0 ? normalised(CohortEngine.cellProbabilities(segments: segments, phases: pop.initial)) : [])
      }

      // Paid exposures: the engine's adstock recursion (organic entries are replaced in a run).
      var exposureState = ExposureState(channels: scenario.channels, adstock: start?.adstock)
      let noCustomers = [Double](repeating: 0, count: n)
      var built = -1
      for t in 0..<horizon {
        let p = exposureState.advance(spend: scenario.spend(at: t0 + t), phaseCounts: noCustomers)
        for c in 0..<cCount where isPaid[c] { paidExposure[t * cCount + c] = p[c] }
        if setOfPeriod[t] != built {
          built = setOfPeriod[t]
          let kernels = PeriodKernels(scenario: scenario, exposure: p, period: t0 + t)
          for cell in 0..<cells {
            let kernelRows = kernels.kernels[cell].rows
            for k in kernelRows.indices { rows[built * rowStride + rowStart[cell] + k] = kernelRows[k] }
          }
        }
        for cell in 0..<cells where targetCount[cell] > 1 {
          fillTable(period: t, cell: cell)
        }
      }
    }

    deinit {
      arrivalCells.deallocate()
      paidExposure.deallocate()
      targets.deallocate()
      kernelChannels.deallocate()
      rows.deallocate()
      table.deallocate()
    }

    /// Computes the table entry of `cell` in period `t` from the paid exposures.
    private func fillTable(period t: Int, cell: Int) {
      let m = targetCount[cell]
      let k = kernelChannelCount[cell]
      let first = firstOrganic[cell]
      let channels = kernelChannels.baseAddress! + channelStart[cell]
      let p = paidExposure.baseAddress! + t * channelCount
      let entry = table.baseAddress! + t * tableStride + tableStart[cell]
      if first < k {
        // Π over the bits before the first organic channel, in the engine's order.
        for pattern in 0..<(1 << first) {
          var pp = 1.0
          for b in 0..<first {
            let pc = p[channels[b]]
            pp *= (pattern >> b) & 1 == 1 ? pc : 1 - pc
          }
          entry[pattern] = pp
        }
        return
      }
      // No organic channel: the averaged row itself (CohortEngine.averagedRow).
      let row = entry + 1 + m
      let cellRows = rows.baseAddress! + kernelSet[t] * rowStride + rowStart[cell]
      for pattern in 0..<(1 << k) {
        var pp = 1.0
        for b in 0..<k {
          let pc = p[channels[b]]
          pp *= (pattern >> b) & 1 == 1 ? pc : 1 - pc
        }
        if pp == 0 { continue }
        for j in 0..<m { row[j] += pp * cellRows[pattern * m + j] }
      }
      // The sequential binomials' conditional probabilities (`multinomial`).
      var lastTarget = m - 1
      while lastTarget > 0 && !(row[lastTarget] > 0) { lastTarget -= 1 }
      entry[0] = Double(lastTarget)
      var mass = 1.0
      for j in 0..<lastTarget {
        let pj = row[j]
        entry[1 + j] = mass > 0 ? Swift.min(1, pj / mass) : 0
        mass -= pj
      }
    }

    /// The averaged row of a cell with organic channels under the exposures `p`.
    @inline(__always)
    func averagedRow(period t: Int, cell: Int, exposure p: UnsafePointer<Double>, into row: UnsafeMutablePointer<Double>) {
      let m = targetCount[cell]
      let k = kernelChannelCount[cell]
      let first = firstOrganic[cell]
      let entry = table.baseAddress! + t * tableStride + tableStart[cell]
      for j in 0..<m { row[j] = 0 }
      if first == k {
        for j in 0..<m { row[j] = entry[1 + m + j] }
        return
      }
      let channels = kernelChannels.baseAddress! + channelStart[cell]
      let cellRows = rows.baseAddress! + kernelSet[t] * rowStride + rowStart[cell]
      let low = (1 << first) - 1
      guard m <= 4 else {
        for pattern in 0..<(1 << k) {
          var pp = entry[pattern & low]
          for b in first..<k {
            let pc = p[channels[b]]
            pp *= (pattern >> b) & 1 == 1 ? pc : 1 - pc
          }
          if pp == 0 { continue }
          for j in 0..<m { row[j] += pp * cellRows[pattern * m + j] }
        }
        return
      }
      // Up to four targets: the sums in registers, in the same order (0 + x = x exactly).
      var r0 = 0.0
      var r1 = 0.0
      var r2 = 0.0
      var r3 = 0.0
      @inline(__always) func add(_ pp: Double, _ pattern: Int) {
        if pp == 0 { return }
        let r = cellRows + pattern &* m
        r0 += pp * r[0]
        if m > 1 { r1 += pp * r[1] }
        if m > 2 { r2 += pp * r[2] }
        if m > 3 { r3 += pp * r[3] }
      }
      if first == k - 1 {
        // One organic channel, the last bit: the patterns without it, then those with it.
        let pc = p[channels[first]]
        let off = 1 - pc
        let half = 1 << first
        for pattern in 0..<half { add(entry[pattern] * off, pattern) }
        for pattern in 0..<half { add(entry[pattern] * pc, pattern &+ half) }
      } else {
        for pattern in 0..<(1 << k) {
          var pp = entry[pattern & low]
          for b in first..<k {
            let pc = p[channels[b]]
            pp *= (pattern >> b) & 1 == 1 ? pc : 1 - pc
          }
          add(pp, pattern)
        }
      }
      row[0] = r0
      if m > 1 { row[1] = r1 }
      if m > 2 { row[2] = r2 }
      if m > 3 { row[3] = r3 }
    }

    func run(
      seed: UInt64, skip: Int, workspace ws: CohortWorkspace, conversions: UnsafeMutableBufferPointer<Double>,
      revenue: UnsafeMutableBufferPointer<Double>, finalCounts: UnsafeMutableBufferPointer<Double>
    ) {
      ws.reserve(self)
      let cells = sCount * n
      var counts = ws.counts
      var next = ws.next
      let entries = ws.entries
      let totals = ws.totals
      let p = ws.exposure
      let row = ws.row
      let targetCounts = ws.targetCounts
      for cell in 0..<cells { counts[cell] = 0 }

      var rng = SplitMix64(seed: seed, stream: StreamID.cohortInitial)
      switch initial {
      case .fixed(let fixed):
        for cell in 0..<cells { counts[cell] = fixed[cell] }
      case .bySegment(let phaseCounts, let shares):
        let bySegment = UnsafeMutableBufferPointer(start: ws.bySegment, count: sCount)
        shares.withUnsafeBufferPointer { sb in
          for i in 0..<n where phaseCounts[i] > 0 {
            for s in 0..<sCount { bySegment[s] = 0 }
            multinomial(phaseCounts[i], sb, into: bySegment, using: &rng)
            for s in 0..<sCount { counts[s * n + i] += bySegment[s] }
          }
        }
      case .cells(let size, let probabilities):
        if size > 0 {
          probabilities.withUnsafeBufferPointer { pb in
            multinomial(size, pb, into: UnsafeMutableBufferPointer(start: counts, count: cells), using: &rng)
          }
        }
      }

      let targets = self.targets.baseAddress!
      for t in 0..<periods {
        // Customers per phase at the start of the period, and the exposures.
        for i in 0..<n { totals[i] = 0 }
        for s in 0..<sCount { for i in 0..<n { totals[i] += Double(counts[s * n + i]) } }
        var total = 0.0
        for i in 0..<n { total += totals[i] }
        for c in 0..<channelCount { p[c] = paidExposure[t * channelCount + c] }
        for (c, driver, rate) in organic {
          p[c] = total > 0 ? -Foundation.expm1(-rate * totals[driver] / total) : 0
        }
        for cell in 0..<cells { next[cell] = 0 }
        for i in 0..<n { entries[i] = 0 }
        for s in 0..<sCount {
          for i in 0..<n {
            let cell = s * n + i
            let c = counts[cell]
            if c == 0 { continue }
            let m = targetCount[cell]
            if m == 1 {
              next[cell] += c
              continue
            }
            var rng = SplitMix64(seed: seed, stream: StreamID.cohortCell(period: t, segment: s, phase: i))
            for k in 0..<m { targetCounts[k] = 0 }
            if firstOrganic[cell] == kernelChannelCount[cell] {
              // The cached row: its sequential binomials directly.
              let entry = table.baseAddress! + t * tableStride + tableStart[cell]
              let lastTarget = Int(entry[0])
              var remaining = c
              for k in 0...lastTarget {
                if remaining == 0 { break }
                if k == lastTarget {
                  targetCounts[k] += remaining
                  break
                }
                let x = binomial(remaining, entry[1 + k], using: &rng)
                targetCounts[k] += x
                remaining -= x
              }
            } else {
              averagedRow(period: t, cell: cell, exposure: p, into: row)
              multinomial(
                c, UnsafeBufferPointer(start: row, count: m), into: UnsafeMutableBufferPointer(start: targetCounts, count: m),
                using: &rng)
            }
            let cellTargets = targets + targetStart[cell]
            for k in 0..<m {
              let j = cellTargets[k]
              next[s * n + j] += targetCounts[k]
              if k > 0 { entries[j] += Double(targetCounts[k]) }
            }
          }
        }
        swap(&counts, &next)
        if arrivals > 0 {
          var arrivalRng = SplitMix64(seed: seed, stream: StreamID.cohortArrivals(period: t))
          multinomial(
            arrivals, UnsafeBufferPointer(arrivalCells), into: UnsafeMutableBufferPointer(start: counts, count: cells),
            using: &arrivalRng)
        }
        if t >= skip {
          var conv = 0.0
          var rev = 0.0
          for (i, value) in conversionPhases {
            conv += entries[i]
            rev += entries[i] * value
          }
          conversions[t - skip] = conv
          revenue[t - skip] = rev
        }
      }
      for i in 0..<n { finalCounts[i] = 0 }
      for s in 0..<sCount { for i in 0..<n { finalCounts[i] += Double(counts[s * n + i]) } }
    }
  }
}
