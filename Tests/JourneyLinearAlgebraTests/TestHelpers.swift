import JourneyLinearAlgebra
import JourneySimulation

/// Largest absolute elementwise difference between two vectors of the same length.
func maxAbsDifference(_ x: [Double], _ y: [Double]) -> Double {
  precondition(x.count == y.count)
  return zip(x, y).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// A matrix with independent uniform entries in `-1...1`.
func randomMatrix(rows: Int, cols: Int, using rng: inout SplitMix64) -> Matrix {
  Matrix(
    rows: rows, cols: cols,
    columnMajor: (0..<(rows * cols)).map { _ in Double.random(in: -1...1, using: &rng) })
}
