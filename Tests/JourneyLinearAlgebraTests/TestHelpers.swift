import JourneyLinearAlgebra

/// Largest absolute elementwise difference between two vectors of the same length.
func maxAbsDifference(_ x: [Double], _ y: [Double]) -> Double {
  precondition(x.count == y.count)
  return zip(x, y).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// SplitMix64: a small deterministic generator so random tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// A matrix with independent uniform entries in `-1...1`.
func randomMatrix(rows: Int, cols: Int, using rng: inout SplitMix64) -> Matrix {
  Matrix(
    rows: rows, cols: cols,
    columnMajor: (0..<(rows * cols)).map { _ in Double.random(in: -1...1, using: &rng) })
}
