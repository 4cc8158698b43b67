/// Transition counts `n[origin][pattern][target]`: the sufficient statistics of the
/// multinomial logit when the covariates are the channel exposures of a period.
///
/// `pattern` is a bit mask over the vocabulary's channels (bit `c` set when channel `c`
/// was met in the origin period).
public struct TransitionCounts: Sendable, Equatable {
  public struct Key: Hashable, Sendable {
    public var origin: Int32
    public var target: Int32
    public var pattern: UInt64
  }

  public internal(set) var counts: [Key: Int] = [:]
  public internal(set) var transitions = 0

  /// Bit position of the season index in a pattern (see ``Vocabulary/seasonLength``).
  public static let seasonShift = 56
  /// The channel bits of a pattern, without the season.
  public static let channelMask: UInt64 = (1 << UInt64(seasonShift)) - 1

  /// The season index stored in a pattern.
  public static func season(of pattern: UInt64) -> Int { Int(pattern >> UInt64(seasonShift)) }

  public init() {}

  public mutating func add(origin: Int, pattern: UInt64, target: Int, count: Int = 1) {
    counts[Key(origin: Int32(origin), target: Int32(target), pattern: pattern), default: 0] += count
    transitions += count
  }

  /// Every transition out of `origin`: (pattern, target, count), in a stable order.
  public func rows(from origin: Int) -> [(pattern: UInt64, target: Int, count: Int)] {
    counts.compactMap { key, n in
      key.origin == origin ? (key.pattern, Int(key.target), n) : nil
    }.sorted { ($0.pattern, $0.target) < ($1.pattern, $1.target) }
  }

  /// The number of transitions out of each phase.
  public func originTotals(phaseCount: Int) -> [Int] {
    var totals = [Int](repeating: 0, count: phaseCount)
    for (key, n) in counts { totals[Int(key.origin)] += n }
    return totals
  }
}
