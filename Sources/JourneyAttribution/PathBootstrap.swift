import Foundation
import JourneyForecast
import JourneyModel
import JourneySimulation

extension PathAttribution {
  /// 95% bootstrap intervals of the Markov attribution per channel.
  public struct BootstrapIntervals: Sendable, Equatable {
    public var replicates: Int
    public var seed: UInt64
    /// `[c]`: (2.5%, 97.5%) percentiles of the attributed conversions and value.
    public var markov: [(lower: Double, upper: Double)]
    public var markovValue: [(lower: Double, upper: Double)]

    public static func == (a: Self, b: Self) -> Bool {
      a.replicates == b.replicates && a.seed == b.seed
        && a.markov.map(\.lower) == b.markov.map(\.lower)
        && a.markov.map(\.upper) == b.markov.map(\.upper)
        && a.markovValue.map(\.lower) == b.markovValue.map(\.lower)
        && a.markovValue.map(\.upper) == b.markovValue.map(\.upper)
    }
  }

  /// Bootstrap over paths: replicate `r` redraws the `N = round(Σ (c + n))` customers of
  /// the table as a multinomial over its (row, converted) and (row, null) cells, with its
  /// own stream `SplitMix64(seed: seed, stream: r)`, and re-runs the Markov attribution.
  /// Replicates run in parallel and are collected by index, so the thread count never
  /// changes the intervals.
  ///
  /// Aggregate the table first (``PathTable/aggregated()``): the work per replicate is
  /// linear in the rows and touches. `progress`, when given, is called with the number of
  /// replicates done, 1 to `replicates` in order, from the worker threads.
  public static func bootstrap(
    _ table: PathTable, options: Options = Options(), replicates: Int, seed: UInt64,
    threads: Int = ProcessInfo.processInfo.activeProcessorCount, file: String = "paths",
    progress: (@Sendable (Int) -> Void)? = nil
  ) throws(InputError) -> BootstrapIntervals {
    precondition(replicates >= 1, "at least one replicate")
    let rows = table.count
    var cells = [Double](repeating: 0, count: 2 * rows)
    for p in 0..<rows {
      cells[2 * p] = table.conversions[p]
      cells[2 * p + 1] = table.nulls[p]
    }
    let total = cells.reduce(0, +)
    let n = Int(total.rounded())
    let scale = n > 0 ? total / Double(n) : 0
    let probabilities = cells.map { total > 0 ? $0 / total : 0 }
    let valuePerConversion = (0..<rows).map {
      table.conversions[$0] > 0 ? table.values[$0] / table.conversions[$0] : 0
    }
    let m = table.channels.count
    struct Store {
      var markov: [[Double]]
      var value: [[Double]]
      var error: InputError?
      var done = 0
    }
    let store = Locked(
      Store(markov: .init(repeating: [], count: replicates), value: .init(repeating: [], count: replicates)))
    Parallel.strided(replicates, workers: threads) { r in
      var rng = SplitMix64(seed: seed, stream: StreamID.attributionBootstrap(r))
      var counts = [Int](repeating: 0, count: 2 * rows)
      probabilities.withUnsafeBufferPointer { p in
        counts.withUnsafeMutableBufferPointer { c in multinomial(n, p, into: c, using: &rng) }
      }
      var conv = [Double](repeating: 0, count: rows)
      var null = conv
      var value = conv
      for p in 0..<rows {
        conv[p] = Double(counts[2 * p]) * scale
        null[p] = Double(counts[2 * p + 1]) * scale
        value[p] = conv[p] * valuePerConversion[p]
      }
      do {
        let result = try run(
          table.reweighted(conversions: conv, nulls: null, values: value), options: options, file: file)
        store.withLock {
          $0.markov[r] = result.markov
          $0.value[r] = result.markovValue
          $0.done += 1
          progress?($0.done)
        }
      } catch {
        let failure = error as? InputError ?? InputError(.notAllowed, file: file, "\(error)")
        store.withLock { $0.error = $0.error ?? failure }
      }
    }
    let done = store.withLock { $0 }
    if let error = done.error { throw error }
    func interval(_ x: [[Double]], _ c: Int) -> (lower: Double, upper: Double) {
      let sorted = x.map { $0[c] }.sorted()
      return (Interval.quantile(sorted, 0.025), Interval.quantile(sorted, 0.975))
    }
    return BootstrapIntervals(
      replicates: replicates, seed: seed, markov: (0..<m).map { interval(done.markov, $0) },
      markovValue: (0..<m).map { interval(done.value, $0) })
  }
}
