/// The largest inputs the scenario and budget parsers accept.
///
/// Every count is checked against its limit before anything is sized by it, so an
/// oversized file fails with one `.limit` error instead of allocating tables for it
/// (30,000 phases would need a 30,000 × 30,000 transition table per segment). Every number
/// that feeds a product or an exponential is bounded too, so NaN and infinities cannot
/// appear downstream.
///
/// ```swift
/// if items.count > Limits.maxPhases { /* report, do not read the items */ }
/// ```
public enum Limits {
  // MARK: Scenario counts

  /// Phases in a scenario: 64. Transition tables are `phases² × channels` per segment.
  public static let maxPhases = 64
  /// Channels in a scenario: 64.
  public static let maxChannels = 64
  /// Channels with a non-zero effect on the transitions out of one phase: 12 (the
  /// engines enumerate the 2¹² exposure patterns).
  public static let maxRelevantChannels = 12
  /// Segments in a scenario: 256 (the individual engine stores a customer's segment
  /// index, 0…255, in a `UInt8`; each segment holds its own `phases² × channels` table).
  public static let maxSegments = 256
  /// Periods of a horizon, of a budget forecast and of a pulse's `on`/`off`: 100,000.
  public static let maxHorizon = 100_000
  /// Entries of a `seasonality` list: 100,000 (one per period of the longest horizon).
  public static let maxSeasonality = 100_000
  /// Entries of a per-period spend list (`spend: [...]` or `values:`): 100,000.
  public static let maxSpendValues = 100_000
  /// Flights in one list (a channel's `flights`, a plan's flights for one channel): 1,000.
  public static let maxFlights = 1_000
  /// Customers: `population.size`, arrivals per period and starting counts: 10¹².
  /// With the longest horizon the total stays below 10¹⁷, far inside `Int`.
  public static let maxCustomers = 1_000_000_000_000

  // MARK: Scenario numbers

  /// Spend in one period, as written and after every multiplier (scale, flights and a
  /// budget plan's changes): 10¹⁵.
  public static let maxSpend = 1e15
  /// A multiplier (a spend `scale`, a flight's `scale`, a plan's `scale` or `total`, a
  /// seasonality multiplier, an organic `rate`): 10⁶.
  public static let maxFactor = 1e6
  /// The value of a conversion phase: 10¹⁵.
  public static let maxValue = 1e15
  /// The magnitude of a log-odds lift `β`: 50. With at most ``maxRelevantChannels``
  /// channels the summed lift stays below 600, so `exp` of it is finite.
  public static let maxLift = 50.0
  /// A reach curve's half-saturation adstock: 10¹⁸.
  public static let maxHalfSaturation = 1e18
  /// A reach curve's shape: 100.
  public static let maxShape = 100.0

  // MARK: Budget scenarios

  /// Plans in a budget scenario: 1,000.
  public static let maxPlans = 1_000
  /// Shifts in one plan: 1,000.
  public static let maxShifts = 1_000
  /// Monte Carlo replicates of a forecast: 100,000.
  public static let maxReplicates = 100_000
  /// Replicates × plans × periods of a budget forecast: 10⁸. A forecast keeps each
  /// replicate's conversions and revenue per plan and period (16 bytes a figure).
  public static let maxForecastFigures = 100_000_000
}
