/// Customer paths: sequences of channels met, each with its conversions, non-converting
/// customers ("nulls") and conversion value.
///
/// Paths live in one flat array of channel indices (`steps[offsets[p]..<offsets[p + 1]]`
/// is path `p`); rows may repeat a sequence until ``aggregated()`` merges them. Every
/// method of ``PathAttribution`` works on rows, aggregated or not, with the same result.
public struct PathTable: Sendable, Equatable {
  /// The most distinct channels a path table holds (channel indices are bytes).
  public static let maxChannels = 250
  /// The most touches in one path.
  public static let maxPathLength = 10_000

  public var channels: [String]
  public private(set) var steps: [UInt8] = []
  public private(set) var offsets: [Int] = [0]
  public private(set) var conversions: [Double] = []
  public private(set) var nulls: [Double] = []
  public private(set) var values: [Double] = []

  public init(channels: [String]) {
    precondition(channels.count <= Self.maxChannels, "at most \(Self.maxChannels) channels")
    self.channels = channels
  }

  /// Number of path rows.
  public var count: Int { conversions.count }

  public var totalConversions: Double { conversions.reduce(0, +) }
  public var totalNulls: Double { nulls.reduce(0, +) }
  public var totalValue: Double { values.reduce(0, +) }

  /// The channel indices of row `p`.
  public func path(_ p: Int) -> ArraySlice<UInt8> { steps[offsets[p]..<offsets[p + 1]] }

  /// Adds a path row.
  ///
  /// - Precondition: every index is below `channels.count`, the path is not empty, the
  ///   counts and value are finite and non-negative.
  public mutating func append(
    _ path: some Sequence<Int>, conversions c: Double, nulls n: Double, value v: Double = 0
  ) {
    let start = steps.count
    for channel in path {
      precondition(channel >= 0 && channel < channels.count, "channel index out of range")
      steps.append(UInt8(truncatingIfNeeded: channel))
    }
    precondition(steps.count > start, "a path needs at least one touch")
    offsets.append(steps.count)
    conversions.append(c)
    nulls.append(n)
    values.append(v)
  }

  /// Adds a row given as bytes (channel indices), without checks; for readers.
  mutating func appendUnchecked(
    _ path: ArraySlice<UInt8>, conversions c: Double, nulls n: Double, value v: Double
  ) {
    steps.append(contentsOf: path)
    offsets.append(steps.count)
    conversions.append(c)
    nulls.append(n)
    values.append(v)
  }

  /// Rows with the same channel sequence merged (counts and values added), in order of
  /// first appearance.
  ///
  /// - Complexity: O(total touches) expected.
  public func aggregated() -> PathTable {
    var out = PathTable(channels: channels)
    var index: [ArraySlice<UInt8>: Int] = [:]
    index.reserveCapacity(count)
    for p in 0..<count {
      let key = path(p)
      if let row = index[key] {
        out.conversions[row] += conversions[p]
        out.nulls[row] += nulls[p]
        out.values[row] += values[p]
      } else {
        index[key] = out.count
        out.appendUnchecked(key, conversions: conversions[p], nulls: nulls[p], value: values[p])
      }
    }
    return out
  }

  /// The same rows with new counts and values (for bootstrap replicates).
  func reweighted(conversions c: [Double], nulls n: [Double], values v: [Double]) -> PathTable {
    var out = self
    out.conversions = c
    out.nulls = n
    out.values = v
    return out
  }
}
