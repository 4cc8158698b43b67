/// Every random stream index of JourneyKit, in one list.
///
/// A stream is ``SplitMix64/init(seed:stream:)`` with a run seed and one of these indices.
/// Purposes that draw with the same seed own disjoint ranges, so they never draw the same
/// numbers: the engines' ranges are disjoint from each other and from the reference's
/// (a reference draws its replicate seeds with the seed of its main run); the forecast's
/// indices are used with a budget's seed only, whose runs use derived seeds. The test
/// `StreamIDTests` checks the ranges at their limits.
///
/// | purpose | index | range |
/// | --- | --- | --- |
/// | individual engine, chunk `k`'s moves | `k` | `[0, 2^16)` |
/// | individual engine, chunk `k`'s journey-log channels | `k + 2^62` | `[2^62, 2^62 + 2^16)` |
/// | cohort engine, initial split | `0xC0_4087` | one index |
/// | cohort engine, arrivals of period `t` | `0xC1·2^56 + t` | `t < 2^24` |
/// | cohort engine, cell `(t, s, i)` | `0xC2·2^56 + t·2^24 + s·2^12 + i` | `s, i < 2^12` |
/// | forecast, replicate `r`'s cohort seed | `2r` | `r < 2^31` |
/// | forecast, replicate `r`'s parameter draw | `2r + 1` | `r < 2^31` |
/// | reference, replicate `r`'s seed | `0x5EED_0000 + r` | `r < 2^24` |
/// | attribution, Shapley permutation `p` | `p` | `p < 2^40` |
/// | attribution, parameter draw `d` | `2^40 + d` | `d < 2^40` |
/// | attribution, bootstrap replicate `r` | `r` | `r < 2^40` |
///
/// The forecast and reference indices derive the seeds of further runs (whose own streams
/// use the same table with the derived seed). The values are part of the results: changing
/// one changes every figure drawn from it.
public enum StreamID {
  /// The individual engine's moves of customer chunk `k`.
  @inlinable
  public static func individualMoves(chunk k: Int) -> UInt64 { UInt64(k) }

  /// The individual engine's journey-log draws (channels outside the joint table) of chunk `k`.
  @inlinable
  public static func individualLog(chunk k: Int) -> UInt64 { UInt64(k) | (1 << 62) }

  /// The cohort engine's split of the initial population over (segment, phase) cells.
  public static let cohortInitial: UInt64 = 0xC0_4087

  /// The cohort engine's split of the arrivals at the end of period `t`.
  @inlinable
  public static func cohortArrivals(period t: Int) -> UInt64 { 0xC1 << 56 | UInt64(t) }

  /// The cohort engine's moves of one (period, segment, phase) cell.
  @inlinable
  public static func cohortCell(period t: Int, segment s: Int, phase i: Int) -> UInt64 {
    0xC2 << 56 | UInt64(t) << 24 | UInt64(s & 0xFFF) << 12 | UInt64(i & 0xFFF)
  }

  /// The stream whose first number is the cohort seed of forecast replicate `r`.
  @inlinable
  public static func forecastReplicate(_ r: Int) -> UInt64 { 2 * UInt64(r) }

  /// The parameter draw of forecast replicate `r` (with a fit's covariance).
  @inlinable
  public static func forecastParameters(_ r: Int) -> UInt64 { 2 * UInt64(r) + 1 }

  /// The stream whose first number is the seed of reference replicate `r`.
  @inlinable
  public static func referenceReplicate(_ r: Int) -> UInt64 { 0x5EED_0000 + UInt64(r) }

  /// The attribution's Shapley permutation `p` (with `--sample`).
  @inlinable
  public static func attributionPermutation(_ p: Int) -> UInt64 { UInt64(p) }

  /// The attribution's parameter draw `d` (intervals with a fit).
  @inlinable
  public static func attributionParameters(_ d: Int) -> UInt64 { 1 << 40 | UInt64(d) }

  /// The attribution's bootstrap replicate `r` of the path table.
  @inlinable
  public static func attributionBootstrap(_ r: Int) -> UInt64 { UInt64(r) }
}
