import Foundation

/// Draws from the binomial distribution `Bin(n, p)` in time independent of `n`.
///
/// For a small mean (`n·min(p,1−p) < 10`) inversion by sequential search; otherwise the
/// transformed-rejection sampler BTRS of Hörmann, "The generation of binomial random
/// variates", J. Statist. Comput. Simul. 46 (1993), whose expected cost is bounded for any
/// `n`. Both are exact up to floating-point rounding.
///
/// - Complexity: O(n·p) for the inversion branch (bounded by ~10 draws on average),
///   O(1) expected otherwise.
@inlinable
public func binomial<G: RandomNumberGenerator>(_ n: Int, _ p: Double, using rng: inout G) -> Int {
  if n <= 0 || !(p > 0) { return 0 }
  if p >= 1 { return n }
  if p > 0.5 { return n - binomial(n, 1 - p, using: &rng) }
  let mean = Double(n) * p
  if mean < 10 { return binomialInversion(n, p, using: &rng) }
  return binomialBTRS(n, p, using: &rng)
}

@usableFromInline
func uniform01<G: RandomNumberGenerator>(_ rng: inout G) -> Double {
  Double(rng.next() &>> 11) * 0x1.0p-53
}

@usableFromInline
func binomialInversion<G: RandomNumberGenerator>(_ n: Int, _ p: Double, using rng: inout G) -> Int {
  let q = 1 - p
  let s = p / q
  let a = Double(n + 1) * s
  var r = Foundation.exp(Double(n) * Foundation.log1p(-p))
  var u = uniform01(&rng)
  var x = 0
  while u > r {
    u -= r
    x += 1
    if x > n { return n }
    r *= a / Double(x) - s
    if r <= 0 { break }  // rounding left a remainder past the tail
  }
  return x
}

@usableFromInline
func binomialBTRS<G: RandomNumberGenerator>(_ n: Int, _ p: Double, using rng: inout G) -> Int {
  let nd = Double(n)
  let q = 1 - p
  let spq = (nd * p * q).squareRoot()
  let b = 1.15 + 2.53 * spq
  let a = -0.0873 + 0.0248 * b + 0.01 * p
  let c = nd * p + 0.5
  let vr = 0.92 - 4.2 / b
  let alpha = (2.83 + 5.1 / b) * spq
  // The constants of the exact acceptance test cost a log and two lgammas; most draws are
  // accepted by the squeeze, so they are computed on first use (same values either way).
  var lpq = 0.0
  var m = 0.0
  var h = Double.nan
  while true {
    let u = uniform01(&rng) - 0.5
    var v = uniform01(&rng)
    let us = 0.5 - Swift.abs(u)
    // k = ⌊x⌋, kept only in [0, n]: 0 ≤ x < n + 1, where ⌊x⌋ is the truncation (no libm call).
    let x = (2 * a / us + b) * u + c
    if !(x >= 0 && x < nd + 1) { continue }
    let k = Double(Int(x))
    if us >= 0.07 && v <= vr { return Int(k) }
    if v <= 0 { continue }
    v = Foundation.log(v * alpha / (a / (us * us) + b))
    if h.isNaN {
      lpq = Foundation.log(p / q)
      m = Foundation.floor((nd + 1) * p)
      h = logFactorial(m) + logFactorial(nd - m)
    }
    if v <= h - logFactorial(k) - logFactorial(nd - k) + (k - m) * lpq {
      return Int(k)
    }
  }
}

/// `log(x!)` for a whole number `x ≥ 0`: a table of `lgamma` below 256, above it the
/// Stirling series of `lgamma(x + 1)` to the `y⁻⁷` term (error below 1e-24 there), which
/// costs one `log` instead of an `lgamma`.
@usableFromInline
func logFactorial(_ x: Double) -> Double {
  if x < 256 { return logFactorialTable[Int(x)] }
  let y = x + 1
  let r = 1 / y
  let r2 = r * r
  let series = r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 / 1680)))
  return (y - 0.5) * Foundation.log(y) - y + 0.918_938_533_204_672_742 + series
}

@usableFromInline
let logFactorialTable: [Double] = (0..<256).map { Foundation.lgamma(Double($0) + 1) }

/// Splits `n` into multinomial counts over `probabilities` (which sum to 1) by sequential
/// conditional binomials, adding them to `counts`.
@inlinable
public func multinomial<G: RandomNumberGenerator>(
  _ n: Int, _ probabilities: UnsafeBufferPointer<Double>, into counts: UnsafeMutableBufferPointer<Int>,
  using rng: inout G
) {
  var remaining = n
  var mass = 1.0
  var last = probabilities.count - 1
  while last > 0 && !(probabilities[last] > 0) { last -= 1 }
  for k in 0...last {
    if remaining == 0 { return }
    if k == last {
      counts[k] += remaining
      return
    }
    let pk = probabilities[k]
    let x = mass > 0 ? binomial(remaining, Swift.min(1, pk / mass), using: &rng) : 0
    counts[k] += x
    remaining -= x
    mass -= pk
  }
}
