/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast 64-bit generator whose streams
/// are cheap to derive from `(seed, index)` pairs.
///
/// Every Monte Carlo stream in JourneyKit is one `SplitMix64` seeded by
/// ``SplitMix64/init(seed:stream:)`` (the individual engine's moves stream seeds the
/// chunk's ``Xoshiro256x8`` lanes with its first numbers); parallel chunks own their
/// streams, so the thread count never changes a result.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  public var state: UInt64

  public init(state: UInt64) { self.state = state }

  /// A stream derived from a run seed and a stream index (chunk, replicate, purpose).
  ///
  /// Both inputs go through the SplitMix64 finaliser, so nearby seeds and indices give
  /// unrelated streams.
  public init(seed: UInt64, stream: UInt64) {
    state = SplitMix64.mix(SplitMix64.mix(seed) &+ SplitMix64.mix(stream &+ 0x632B_E59B_D9B4_E019))
  }

  /// The SplitMix64 output function (a bijective 64-bit mixer).
  @inlinable
  public static func mix(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z &>> 31)
  }

  @inlinable
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z &>> 31)
  }

  /// A uniform double in [0, 1) with 53 random bits.
  @inlinable
  public mutating func uniform() -> Double {
    Double(next() &>> 11) * 0x1.0p-53
  }
}
