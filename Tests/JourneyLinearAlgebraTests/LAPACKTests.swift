import Foundation
import JourneyLinearAlgebra
import JourneySimulation
import Testing

@Suite struct LUTests {
  @Test func solveNeedingPivoting() throws {
    // A[0, 0] = 0 forces a row interchange; x = [1, 2, 3].
    let a = Matrix(rows: 3, cols: 3, rowMajor: [0, 2, 1, 1, 1, 1, 2, 1, 0])
    let x = try a.solve([7, 6, 4])
    #expect(maxAbsDifference(x, [1, 2, 3]) < 1e-14)
    // The second right-hand side is column 1 of A, so its solution is e₁ = [0, 1, 0].
    let xs = try a.solve(Matrix(rows: 3, cols: 2, rowMajor: [7, 2, 6, 1, 4, 1]))
    #expect(xs.maxAbsDifference(Matrix(rows: 3, cols: 2, rowMajor: [1, 0, 2, 1, 3, 0])) < 1e-14)
  }

  @Test func solveTwoByTwo() throws {
    let a = Matrix(rows: 2, cols: 2, rowMajor: [2, 1, 1, 3])
    let x = try a.solve([3, 5])
    #expect(maxAbsDifference(x, [0.8, 1.4]) < 1e-15)
  }

  @Test func inverseKnown() throws {
    let a = Matrix(rows: 2, cols: 2, rowMajor: [4, 7, 2, 6])
    let inv = try a.inverse()
    #expect(inv.maxAbsDifference(Matrix(rows: 2, cols: 2, rowMajor: [0.6, -0.7, -0.2, 0.4])) < 1e-15)
  }

  @Test func randomWellConditionedFiftyByFifty() throws {
    var rng = SplitMix64(state: 20_240_917)
    let n = 50
    // Strictly diagonally dominant, hence well conditioned.
    let a = randomMatrix(rows: n, cols: n, using: &rng) + Double(n) * .identity(n)
    let b = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
    let x = try a.solve(b)
    var residual = a.multiply(x)
    BLAS.axpy(-1, b, &residual)
    #expect(BLAS.norm2(residual) < 1e-12)

    let inv = try a.inverse()
    #expect((a * inv).maxAbsDifference(.identity(n)) < 1e-12)
    #expect((inv * a).maxAbsDifference(.identity(n)) < 1e-12)
  }

  @Test func singularThrows() {
    let a = Matrix(rows: 2, cols: 2, rowMajor: [1, 2, 2, 4])
    #expect(throws: LinearAlgebraError.singular(pivot: 1)) { try a.solve([1, 2]) }
    #expect(throws: LinearAlgebraError.singular(pivot: 1)) { try a.inverse() }
    let zeroColumn = Matrix(rows: 3, cols: 3, rowMajor: [0, 1, 2, 0, 3, 4, 0, 5, 7])
    #expect(throws: LinearAlgebraError.singular(pivot: 0)) { try zeroColumn.solve([1, 2, 3]) }
  }

  @Test func nonFiniteThrows() {
    var a = Matrix.identity(3)
    a[1, 2] = .nan
    #expect(throws: LinearAlgebraError.nonFinite) { try a.solve([1, 2, 3]) }
    #expect(throws: LinearAlgebraError.nonFinite) { try a.inverse() }
    #expect(throws: LinearAlgebraError.nonFinite) {
      try Matrix.identity(2).solve([1, .infinity])
    }
  }

  @Test func errorDescriptions() {
    #expect(LinearAlgebraError.singular(pivot: 2).description.contains("singular"))
    #expect(LinearAlgebraError.notPositiveDefinite(minor: 3).description.contains("order 3"))
    #expect(LinearAlgebraError.nonFinite.description.contains("non-finite"))
  }
}

@Suite struct CholeskyTests {
  /// A classic SPD example with an exact integer factor L = [[2, 0, 0], [6, 1, 0], [-8, 5, 3]].
  let a = Matrix(rows: 3, cols: 3, rowMajor: [4, 12, -16, 12, 37, -43, -16, -43, 98])
  let expectedL = Matrix(rows: 3, cols: 3, rowMajor: [2, 0, 0, 6, 1, 0, -8, 5, 3])

  @Test func factorIsExactAndLowerTriangular() throws {
    let chol = try a.cholesky()
    #expect(chol.order == 3)
    #expect(chol.lower == expectedL)
    #expect(Matrix.gemm(chol.lower, chol.lower, transposeB: true) == a)
  }

  @Test func upperTriangleOfInputIsIgnored() throws {
    var lowerOnly = a
    lowerOnly[0, 1] = 999
    lowerOnly[0, 2] = .zero
    #expect(try Cholesky(lowerOnly).lower == expectedL)
  }

  @Test func solve() throws {
    let chol = try Cholesky(a)
    // x = [1, 2, 3]
    let b: [Double] = [-20, -43, 192]
    #expect(maxAbsDifference(try chol.solve(b), [1, 2, 3]) < 1e-12)
    let viaPosv = try a.choleskySolve(Matrix(column: b))
    #expect(maxAbsDifference(viaPosv.storage, [1, 2, 3]) < 1e-12)
    // The second right-hand side is column 0 of A, so its solution is e₀.
    let two = try chol.solve(Matrix(rows: 3, cols: 2, rowMajor: [-20, 4, -43, 12, 192, -16]))
    #expect(two.maxAbsDifference(Matrix(rows: 3, cols: 2, rowMajor: [1, 1, 2, 0, 3, 0])) < 1e-12)
  }

  @Test func inverseFillsBothTrianglesAndInverts() throws {
    let inv = try Cholesky(a).inverse()
    #expect(inv == inv.transposed())
    #expect((a * inv).maxAbsDifference(.identity(3)) < 1e-12)
    #expect(inv.maxAbsDifference(try a.inverse()) < 1e-12)
  }

  @Test func logDeterminant() throws {
    // det A = (2 · 1 · 3)² = 36.
    #expect(abs(try Cholesky(a).logDeterminant - log(36.0)) < 1e-14)
    #expect(abs(try Cholesky(Matrix(diagonal: [1e-200, 1e-200])).logDeterminant - (-400 * log(10.0))) < 1e-9)
  }

  @Test func randomSPD() throws {
    var rng = SplitMix64(state: 7)
    let g = randomMatrix(rows: 60, cols: 40, using: &rng)
    let spd = Matrix.syrk(g, transpose: true) + .identity(40)
    let chol = try Cholesky(spd)
    #expect(Matrix.gemm(chol.lower, chol.lower, transposeB: true).maxAbsDifference(spd) < 1e-12)
    #expect((spd * (try chol.inverse())).maxAbsDifference(.identity(40)) < 1e-12)
  }

  @Test func notPositiveDefiniteThrows() {
    let indefinite = Matrix(rows: 2, cols: 2, rowMajor: [1, 2, 2, 1])
    #expect(throws: LinearAlgebraError.notPositiveDefinite(minor: 2)) { try Cholesky(indefinite) }
    #expect(throws: LinearAlgebraError.notPositiveDefinite(minor: 2)) {
      try indefinite.choleskySolve(Matrix(column: [1, 1]))
    }
    let negative = Matrix(diagonal: [-1, 1])
    #expect(throws: LinearAlgebraError.notPositiveDefinite(minor: 1)) { try negative.cholesky() }
  }

  @Test func nonFiniteThrows() throws {
    var bad = a
    bad[2, 1] = .nan
    #expect(throws: LinearAlgebraError.nonFinite) { try Cholesky(bad) }
    #expect(throws: LinearAlgebraError.nonFinite) { try bad.choleskySolve(.identity(3)) }
    let chol = try Cholesky(a)
    #expect(throws: LinearAlgebraError.nonFinite) { try chol.solve([1, .nan, 0]) }
  }
}
