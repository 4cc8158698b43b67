/// xoshiro256++ (Blackman & Vigna 2019) in eight independent lanes, for the individual
/// engine's buffered draws.
///
/// A state block is ``words`` `UInt64`s: the four state words of lane `l` at `l`, `8 + l`,
/// `16 + l` and `24 + l` (one 512-bit row per state word), then the rotation amounts.
/// ``fill(_:_:count:)`` writes number `8·i + l` from lane `l`'s `i`-th output, so a buffer
/// is the same whatever the code that fills it.
///
/// ```swift
/// var g = SplitMix64(seed: 42, stream: 0)
/// let block = UnsafeMutablePointer<UInt64>.allocate(capacity: Xoshiro256x8.words)
/// Xoshiro256x8.seed(block, from: &g)
/// Xoshiro256x8.fill(block, buffer, count: 512)
/// ```
enum Xoshiro256x8 {
  /// The lanes of one block.
  static let lanes = 8
  /// `UInt64`s of one state block: 32 state words, four rotation amounts, padding to 64 bytes.
  static let words = 40

  /// Seeds the eight lanes with 32 consecutive outputs of `g` (lane by lane, state word by
  /// state word), the seeding that xoshiro's authors recommend.
  static func seed(_ state: UnsafeMutablePointer<UInt64>, from g: inout SplitMix64) {
    for l in 0..<lanes {
      for w in 0..<4 { state[8 * w + l] = g.next() }
    }
    // The rotation amounts live in the block, not in the code: as constants, LLVM matches
    // the shift pairs as rotations and, without AVX-512's vprolq, splits those into
    // scalar `rol`s; read from memory they stay vector shift pairs.
    state[32] = 23
    state[33] = 41
    state[34] = 45
    state[35] = 19
    for w in 36..<words { state[w] = 0 }
  }

  /// Writes the next `count` numbers (a multiple of ``lanes``) to `out`: number `8·i + l` is
  /// lane `l`'s `i`-th output.
  ///
  /// Optimised builds run the eight lanes as `SIMD8<UInt64>` vectors; debug builds (where
  /// Swift's generic SIMD operations are about ten times slower than scalar code) run
  /// ``fillLaneByLane(_:_:count:)``, which gives the same numbers.
  ///
  /// - Complexity: O(`count`).
  @inline(__always)
  static func fill(_ state: UnsafeMutablePointer<UInt64>, _ out: UnsafeMutablePointer<UInt64>, count: Int) {
    #if DEBUG
      fillLaneByLane(state, out, count: count)
    #else
      fillVector(state, out, count: count)
    #endif
  }

  /// ``fill(_:_:count:)`` with `SIMD8<UInt64>` lanes.
  static func fillVector(_ state: UnsafeMutablePointer<UInt64>, _ out: UnsafeMutablePointer<UInt64>, count: Int) {
    precondition(count % lanes == 0, "fill counts are multiples of 8")
    let raw = UnsafeMutableRawPointer(state)
    var s0 = raw.loadUnaligned(fromByteOffset: 0, as: SIMD8<UInt64>.self)
    var s1 = raw.loadUnaligned(fromByteOffset: 64, as: SIMD8<UInt64>.self)
    var s2 = raw.loadUnaligned(fromByteOffset: 128, as: SIMD8<UInt64>.self)
    var s3 = raw.loadUnaligned(fromByteOffset: 192, as: SIMD8<UInt64>.self)
    let r23 = state[32]
    let r41 = state[33]
    let r45 = state[34]
    let r19 = state[35]
    let o = UnsafeMutableRawPointer(out)
    var i = 0
    while i < count {
      let a = s0 &+ s3
      let result = ((a &<< r23) | (a &>> r41)) &+ s0
      let t = s1 &<< 17
      s2 ^= s0
      s3 ^= s1
      s1 ^= s2
      s0 ^= s3
      s2 ^= t
      s3 = (s3 &<< r45) | (s3 &>> r19)
      o.storeBytes(of: result, toByteOffset: 8 * i, as: SIMD8<UInt64>.self)
      i += lanes
    }
    raw.storeBytes(of: s0, toByteOffset: 0, as: SIMD8<UInt64>.self)
    raw.storeBytes(of: s1, toByteOffset: 64, as: SIMD8<UInt64>.self)
    raw.storeBytes(of: s2, toByteOffset: 128, as: SIMD8<UInt64>.self)
    raw.storeBytes(of: s3, toByteOffset: 192, as: SIMD8<UInt64>.self)
  }

  /// ``fill(_:_:count:)`` one lane at a time, in scalar code.
  static func fillLaneByLane(_ state: UnsafeMutablePointer<UInt64>, _ out: UnsafeMutablePointer<UInt64>, count: Int) {
    precondition(count % lanes == 0, "fill counts are multiples of 8")
    var i = 0
    while i < count {
      for l in 0..<lanes {
        let s0 = state[l]
        let s1 = state[8 + l]
        let s2 = state[16 + l]
        let s3 = state[24 + l]
        let a = s0 &+ s3
        out[i + l] = ((a &<< 23) | (a &>> 41)) &+ s0
        let n2 = s2 ^ s0
        let n3 = s3 ^ s1
        state[l] = s0 ^ n3
        state[8 + l] = s1 ^ n2
        state[16 + l] = n2 ^ (s1 &<< 17)
        state[24 + l] = (n3 &<< 45) | (n3 &>> 19)
      }
      i += lanes
    }
  }
}
