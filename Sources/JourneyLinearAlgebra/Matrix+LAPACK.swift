import COpenBLAS
import Foundation

/// A numerical failure reported by a LAPACK-backed operation.
///
/// Every nonzero LAPACK `info` is turned into one of these cases and thrown; nothing in
/// this module asserts on a numerical outcome. Shape mismatches, by contrast, are
/// programmer errors and stop with a `precondition` failure.
public enum LinearAlgebraError: Error, Equatable, Sendable, CustomStringConvertible {
  /// LU factorization met an exactly zero pivot: `U[pivot, pivot] == 0` (0-based).
  ///
  /// The matrix is singular, so the system has no unique solution and there is no
  /// inverse. ``AbsorbingChain`` also uses this case, with `pivot` set to the index of a
  /// transient state that cannot reach any absorbing state.
  case singular(pivot: Int)
  /// Cholesky factorization failed: the leading `minor × minor` submatrix is not positive
  /// definite (`minor` is 1-based, the order of that submatrix, as LAPACK reports it).
  case notPositiveDefinite(minor: Int)
  /// An input contained NaN or ±infinity, or the result overflowed to a non-finite value.
  case nonFinite
  /// LAPACK rejected argument number `position` (1-based, LAPACK's numbering).
  ///
  /// This indicates a defect in this module's wrappers rather than bad data; it is thrown
  /// rather than trapped so that a caller can report it.
  case invalidArgument(position: Int)

  /// A one-line explanation for error messages.
  public var description: String {
    switch self {
    case .singular(let pivot):
      return "matrix is singular (zero pivot at index \(pivot))"
    case .notPositiveDefinite(let minor):
      return "matrix is not positive definite (leading minor of order \(minor))"
    case .nonFinite:
      return "matrix or vector contains a non-finite value (NaN or infinity)"
    case .invalidArgument(let position):
      return "LAPACK rejected argument \(position)"
    }
  }
}

/// Maps a LAPACK `info` code to an error.
///
/// - Parameters:
///   - info: The code returned by LAPACK.
///   - positive: The error to build from a positive `info`.
/// - Throws: ``LinearAlgebraError/invalidArgument(position:)`` for negative `info`, the
///   result of `positive` for positive `info`.
@inline(__always)
private func check(_ info: Int32, positive: (Int) -> LinearAlgebraError) throws(LinearAlgebraError) {
  if info < 0 { throw .invalidArgument(position: Int(-info)) }
  if info > 0 { throw positive(Int(info)) }
}

private let lowerTriangle = CChar(UInt8(ascii: "L"))

extension Matrix {
  /// Solves `A X = B` by LU factorization with partial pivoting (LAPACK `dgesv`).
  ///
  /// `self` is `A`; neither `A` nor `b` is modified.
  ///
  /// - Parameter b: The right-hand sides, an `n × k` matrix for square `n × n` `A`.
  /// - Returns: The `n × k` solution `X`.
  /// - Throws: ``LinearAlgebraError/nonFinite`` if `A` or `b` holds NaN or infinity, or
  ///   the solution overflows; ``LinearAlgebraError/singular(pivot:)`` if `A` is exactly
  ///   singular.
  /// - Complexity: O(n³ + n² k).
  public func solve(_ b: Matrix) throws(LinearAlgebraError) -> Matrix {
    precondition(isSquare, "solve requires a square matrix, got \(rows)×\(cols)")
    precondition(b.rows == rows, "solve: A is \(rows)×\(cols) but B has \(b.rows) rows")
    guard isFinite, b.isFinite else { throw .nonFinite }
    let n = rows
    guard n > 0, b.cols > 0 else { return Matrix(rows: n, cols: b.cols) }
    var lu = storage
    var x = b
    var pivots = [Int32](repeating: 0, count: n)
    let info = lu.withUnsafeMutableBufferPointer { pa in
      pivots.withUnsafeMutableBufferPointer { pp in
        x.storage.withUnsafeMutableBufferPointer { pb in
          BLAS.call { journey_dgesv(
            blasInt(n), blasInt(b.cols), pa.baseAddress, leadingDimension(n), pp.baseAddress,
            pb.baseAddress, leadingDimension(n)) }
        }
      }
    }
    try check(info) { .singular(pivot: $0 - 1) }
    guard x.isFinite else { throw .nonFinite }
    return x
  }

  /// Solves `A x = b` for a single right-hand side by LU factorization (LAPACK `dgesv`).
  ///
  /// - Parameter b: The right-hand side, of length `n` for square `n × n` `A`.
  /// - Returns: The solution `x`.
  /// - Throws: ``LinearAlgebraError/nonFinite`` or ``LinearAlgebraError/singular(pivot:)``
  ///   as for ``solve(_:)-(Matrix)``.
  /// - Complexity: O(n³).
  public func solve(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
    try solve(Matrix(column: b)).storage
  }

  /// Returns the inverse by LU factorization (LAPACK `dgetrf` followed by `dgetri`).
  ///
  /// Prefer ``solve(_:)-(Matrix)`` when the inverse is only needed to multiply by
  /// something; it is cheaper and more accurate.
  ///
  /// - Returns: `A⁻¹`.
  /// - Throws: ``LinearAlgebraError/nonFinite`` if `A` holds NaN or infinity or the
  ///   inverse overflows; ``LinearAlgebraError/singular(pivot:)`` if `A` is exactly
  ///   singular.
  /// - Complexity: O(n³).
  public func inverse() throws(LinearAlgebraError) -> Matrix {
    precondition(isSquare, "inverse requires a square matrix, got \(rows)×\(cols)")
    guard isFinite else { throw .nonFinite }
    let n = rows
    guard n > 0 else { return self }
    var result = self
    var pivots = [Int32](repeating: 0, count: n)
    let lda = leadingDimension(n)
    let factorInfo = result.storage.withUnsafeMutableBufferPointer { pa in
      pivots.withUnsafeMutableBufferPointer { pp in
        BLAS.call { journey_dgetrf(blasInt(n), blasInt(n), pa.baseAddress, lda, pp.baseAddress) }
      }
    }
    try check(factorInfo) { .singular(pivot: $0 - 1) }

    // Workspace query (lwork = -1) returns the optimal size in work[0].
    var query = [0.0]
    let queryInfo = result.storage.withUnsafeMutableBufferPointer { pa in
      query.withUnsafeMutableBufferPointer { pw in
        BLAS.call { journey_dgetri(blasInt(n), pa.baseAddress, lda, pivots, pw.baseAddress, -1) }
      }
    }
    try check(queryInfo) { .singular(pivot: $0 - 1) }
    let optimal = query[0].isFinite ? Int(Swift.min(query[0], Double(Int32.max))) : n
    let lwork = Swift.max(n, optimal)
    var work = [Double](repeating: 0, count: lwork)
    let inverseInfo = result.storage.withUnsafeMutableBufferPointer { pa in
      work.withUnsafeMutableBufferPointer { pw in
        BLAS.call { journey_dgetri(blasInt(n), pa.baseAddress, lda, pivots, pw.baseAddress, blasInt(lwork)) }
      }
    }
    try check(inverseInfo) { .singular(pivot: $0 - 1) }
    guard result.isFinite else { throw .nonFinite }
    return result
  }

  /// Returns the Cholesky factorization `A = L Lᵀ` of this symmetric positive-definite
  /// matrix.
  ///
  /// Only the lower triangle (with the diagonal) of `A` is read.
  ///
  /// - Returns: The factorization.
  /// - Throws: As ``Cholesky/init(_:)``.
  /// - Complexity: O(n³).
  public func cholesky() throws(LinearAlgebraError) -> Cholesky {
    try Cholesky(self)
  }

  /// Solves `A X = B` for symmetric positive-definite `A` by Cholesky factorization
  /// (LAPACK `dposv`).
  ///
  /// Only the lower triangle (with the diagonal) of `A` is read. To solve several systems
  /// with the same `A`, factor once with ``cholesky()`` and use ``Cholesky/solve(_:)-(Matrix)``.
  ///
  /// - Parameter b: The right-hand sides, an `n × k` matrix for `n × n` `A`.
  /// - Returns: The `n × k` solution `X`.
  /// - Throws: ``LinearAlgebraError/nonFinite`` if `A` or `b` holds NaN or infinity, or
  ///   the solution overflows; ``LinearAlgebraError/notPositiveDefinite(minor:)`` if `A`
  ///   is not positive definite.
  /// - Complexity: O(n³ + n² k).
  public func choleskySolve(_ b: Matrix) throws(LinearAlgebraError) -> Matrix {
    precondition(isSquare, "choleskySolve requires a square matrix, got \(rows)×\(cols)")
    precondition(b.rows == rows, "choleskySolve: A is \(rows)×\(cols) but B has \(b.rows) rows")
    guard isFinite, b.isFinite else { throw .nonFinite }
    let n = rows
    guard n > 0, b.cols > 0 else { return Matrix(rows: n, cols: b.cols) }
    var factor = storage
    var x = b
    let info = factor.withUnsafeMutableBufferPointer { pa in
      x.storage.withUnsafeMutableBufferPointer { pb in
        BLAS.call { journey_dposv(
          lowerTriangle, blasInt(n), blasInt(b.cols), pa.baseAddress, leadingDimension(n),
          pb.baseAddress, leadingDimension(n)) }
      }
    }
    try check(info) { .notPositiveDefinite(minor: $0) }
    guard x.isFinite else { throw .nonFinite }
    return x
  }
}

/// The Cholesky factorization `A = L Lᵀ` of a symmetric positive-definite matrix
/// (LAPACK `dpotrf`).
///
/// ``lower`` is the lower-triangular factor `L` with positive diagonal and its strict
/// upper triangle set to zero, so it can be used directly: if `z` is a vector of
/// independent standard normal draws, `μ + L z` is a draw from the multivariate normal
/// distribution `N(μ, A)`.
public struct Cholesky: Sendable, Equatable {
  /// The lower-triangular factor `L` with `L Lᵀ = A`; the strict upper triangle is zero.
  public let lower: Matrix

  /// The order `n` of the factored `n × n` matrix.
  public var order: Int { lower.rows }

  /// Factors a symmetric positive-definite matrix (LAPACK `dpotrf`, lower triangle).
  ///
  /// Only the lower triangle (with the diagonal) of `a` is read; symmetry is assumed, not
  /// checked.
  ///
  /// - Parameter a: A square symmetric positive-definite matrix.
  /// - Throws: ``LinearAlgebraError/nonFinite`` if `a` holds NaN or infinity;
  ///   ``LinearAlgebraError/notPositiveDefinite(minor:)`` if it is not positive definite.
  /// - Complexity: O(n³).
  public init(_ a: Matrix) throws(LinearAlgebraError) {
    precondition(a.isSquare, "Cholesky requires a square matrix, got \(a.rows)×\(a.cols)")
    guard a.isFinite else { throw .nonFinite }
    let n = a.rows
    var l = a
    if n > 0 {
      let info = l.storage.withUnsafeMutableBufferPointer { pa in
        BLAS.call { journey_dpotrf(lowerTriangle, blasInt(n), pa.baseAddress, leadingDimension(n)) }
      }
      try check(info) { .notPositiveDefinite(minor: $0) }
    }
    // dpotrf leaves the strict upper triangle as it was; clear it so L is usable as is.
    for j in 0..<n {
      for i in 0..<j {
        l.storage[i + j * n] = 0
      }
    }
    lower = l
  }

  /// Solves `A X = B` using the factorization (LAPACK `dpotrs`).
  ///
  /// - Parameter b: The right-hand sides, an `n × k` matrix.
  /// - Returns: The `n × k` solution `X`.
  /// - Throws: ``LinearAlgebraError/nonFinite`` if `b` holds NaN or infinity, or the
  ///   solution overflows.
  /// - Complexity: O(n² k).
  public func solve(_ b: Matrix) throws(LinearAlgebraError) -> Matrix {
    let n = order
    precondition(b.rows == n, "Cholesky.solve: A is \(n)×\(n) but B has \(b.rows) rows")
    guard b.isFinite else { throw .nonFinite }
    guard n > 0, b.cols > 0 else { return Matrix(rows: n, cols: b.cols) }
    var x = b
    let info = lower.storage.withUnsafeBufferPointer { pa in
      x.storage.withUnsafeMutableBufferPointer { pb in
        BLAS.call { journey_dpotrs(
          lowerTriangle, blasInt(n), blasInt(b.cols), pa.baseAddress, leadingDimension(n),
          pb.baseAddress, leadingDimension(n)) }
      }
    }
    try check(info) { .notPositiveDefinite(minor: $0) }
    guard x.isFinite else { throw .nonFinite }
    return x
  }

  /// Solves `A x = b` for a single right-hand side using the factorization
  /// (LAPACK `dpotrs`).
  ///
  /// - Parameter b: The right-hand side, of length `n`.
  /// - Returns: The solution `x`.
  /// - Throws: ``LinearAlgebraError/nonFinite`` as for ``solve(_:)-(Matrix)``.
  /// - Complexity: O(n²).
  public func solve(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
    try solve(Matrix(column: b)).storage
  }

  /// Returns `A⁻¹` from the factorization (LAPACK `dpotri`), with both triangles filled.
  ///
  /// - Returns: The symmetric inverse.
  /// - Throws: ``LinearAlgebraError/nonFinite`` if the inverse overflows;
  ///   ``LinearAlgebraError/singular(pivot:)`` if a diagonal element of `L` is zero
  ///   (which a successful factorization rules out).
  /// - Complexity: O(n³).
  public func inverse() throws(LinearAlgebraError) -> Matrix {
    let n = order
    var result = lower
    guard n > 0 else { return result }
    let info = result.storage.withUnsafeMutableBufferPointer { pa in
      BLAS.call { journey_dpotri(lowerTriangle, blasInt(n), pa.baseAddress, leadingDimension(n)) }
    }
    try check(info) { .singular(pivot: $0 - 1) }
    // dpotri writes the lower triangle only; copy it into the upper one.
    for j in 0..<n {
      for i in (j + 1)..<n {
        result.storage[j + i * n] = result.storage[i + j * n]
      }
    }
    guard result.isFinite else { throw .nonFinite }
    return result
  }

  /// The natural logarithm of `det A`, computed as `2 Σ log L[i, i]`.
  ///
  /// Working on the log scale avoids the overflow and underflow of the determinant itself,
  /// which is what the multivariate normal log-density needs. It is 0 for a 0 × 0 matrix.
  ///
  /// - Complexity: O(n).
  public var logDeterminant: Double {
    2 * lower.diagonal.reduce(0) { $0 + log($1) }
  }
}
