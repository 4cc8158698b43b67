import Foundation

/// A touchpoint: a paid channel bought with a spend plan, or an organic channel driven by
/// the population itself (referral, word of mouth).
public struct Channel: Sendable, Equatable {
  public var name: String
  public var kind: Kind

  public enum Kind: Sendable, Equatable {
    case paid(spend: SpendPlan, adstock: Double, reach: HillReach)
    /// `p(t) = 1 − exp(−rate · n_driver(t) / N(t))`.
    case organic(driver: Int, rate: Double)
  }

  public init(name: String, kind: Kind) {
    self.name = name
    self.kind = kind
  }

  public var isPaid: Bool {
    if case .paid = kind { return true }
    return false
  }
}

/// Hill saturation curve: the probability that a customer meets a paid channel given its
/// adstock `a`, `p = max · a^shape / (a^shape + half^shape)`.
public struct HillReach: Sendable, Equatable {
  /// Maximum reach `m`, in (0, 1].
  public var max: Double
  /// Half-saturation adstock `K > 0`.
  public var half: Double
  /// Shape `σ > 0`.
  public var shape: Double

  public init(max: Double, half: Double, shape: Double) {
    self.max = max
    self.half = half
    self.shape = shape
  }

  /// The exposure probability for adstock `a ≥ 0`.
  @inlinable
  public func probability(adstock a: Double) -> Double {
    guard a > 0 else { return 0 }
    // a^σ / (a^σ + K^σ) = 1 / (1 + (K/a)^σ), stable for large and small a.
    return max / (1 + Foundation.pow(half / a, shape))
  }
}

/// Spend per period for one paid channel.
///
/// `spend(t) = scale(t) · base(t)`, where `base(t)` is ``perPeriod``[t] when given, else
/// ``base``, zero in the "off" periods of a pulsing pattern; `scale(t)` multiplies the
/// scales of every flight covering `t`. Periods are numbered from 0.
public struct SpendPlan: Sendable, Equatable {
  public var base: Double
  public var perPeriod: [Double]?
  public var flights: [Flight]
  public var pulse: Pulse?

  /// A multiplier on spend over the periods `from...to` (inclusive).
  public struct Flight: Sendable, Equatable {
    public var from: Int
    public var to: Int
    public var scale: Double
    public init(from: Int, to: Int, scale: Double) {
      self.from = from
      self.to = to
      self.scale = scale
    }
  }

  /// `on` periods with spend, then `off` periods without, repeating from period 0.
  public struct Pulse: Sendable, Equatable {
    public var on: Int
    public var off: Int
    public init(on: Int, off: Int) {
      self.on = on
      self.off = off
    }
  }

  public init(base: Double, perPeriod: [Double]? = nil, flights: [Flight] = [], pulse: Pulse? = nil) {
    self.base = base
    self.perPeriod = perPeriod
    self.flights = flights
    self.pulse = pulse
  }

  /// The spend in period `t` (0-based).
  public func spend(at t: Int) -> Double {
    var s: Double
    if let perPeriod {
      s = t < perPeriod.count ? perPeriod[t] : 0
    } else {
      s = base
    }
    if let pulse, pulse.on + pulse.off > 0, t % (pulse.on + pulse.off) >= pulse.on {
      s = 0
    }
    for flight in flights where flight.from <= t && t <= flight.to {
      s *= flight.scale
    }
    return s
  }
}
