import COpenBLAS

/// Converts a dimension or stride to the 32-bit integer that OpenBLAS's CBLAS and LAPACK
/// interfaces take.
///
/// Dimensions beyond `Int32.max` (over two billion rows) cannot be passed to a 32-bit
/// BLAS at all; that is a programmer error and stops with a clear message rather than a
/// bare integer-overflow trap.
///
/// - Parameter value: A non-negative dimension, stride or count.
/// - Returns: `value` as `Int32`.
/// - Complexity: O(1).
@inline(__always)
func blasInt(_ value: Int) -> Int32 {
  guard let converted = Int32(exactly: value) else {
    preconditionFailure("Dimension \(value) exceeds the 32-bit BLAS/LAPACK index range")
  }
  return converted
}

/// The leading dimension BLAS and LAPACK require for a column-major matrix with `rows`
/// rows: `max(1, rows)`, so that empty matrices pass argument checks.
@inline(__always)
func leadingDimension(_ rows: Int) -> Int32 {
  blasInt(Swift.max(1, rows))
}

extension Matrix {
  /// General matrix–matrix product accumulated into an existing matrix:
  /// `C ← α op(A) op(B) + β C` (BLAS `dgemm`).
  ///
  /// `op(X)` is `X` or `Xᵀ` according to the transpose flags. With `beta == 0` the previous
  /// contents of `c` are not read (so they may be anything, including NaN).
  ///
  /// - Parameters:
  ///   - a: The left factor `A`; `op(A)` is `m × k`.
  ///   - b: The right factor `B`; `op(B)` is `k × n`.
  ///   - transposeA: Whether to use `Aᵀ` instead of `A`.
  ///   - transposeB: Whether to use `Bᵀ` instead of `B`.
  ///   - alpha: The scale of the product.
  ///   - beta: The scale of the previous contents of `c`.
  ///   - c: The `m × n` accumulator, overwritten with the result.
  /// - Complexity: O(m · n · k).
  public static func gemm(
    _ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false,
    alpha: Double = 1, beta: Double = 0, into c: inout Matrix
  ) {
    let m = transposeA ? a.cols : a.rows
    let k = transposeA ? a.rows : a.cols
    let kb = transposeB ? b.cols : b.rows
    let n = transposeB ? b.rows : b.cols
    precondition(
      k == kb,
      "gemm inner dimensions differ: op(A) is \(m)×\(k), op(B) is \(kb)×\(n)")
    precondition(
      c.rows == m && c.cols == n,
      "gemm result must be \(m)×\(n), got \(c.rows)×\(c.cols)")
    guard m > 0, n > 0 else { return }
    let lda = leadingDimension(a.rows)
    let ldb = leadingDimension(b.rows)
    let ldc = leadingDimension(c.rows)
    a.storage.withUnsafeBufferPointer { pa in
      b.storage.withUnsafeBufferPointer { pb in
        c.storage.withUnsafeMutableBufferPointer { pc in
          BLAS.call { cblas_dgemm(
            CblasColMajor, transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasInt(m), blasInt(n), blasInt(k), alpha, pa.baseAddress, lda,
            pb.baseAddress, ldb, beta, pc.baseAddress, ldc) }
        }
      }
    }
  }

  /// General matrix–matrix product: `α op(A) op(B)` (BLAS `dgemm`).
  ///
  /// - Parameters:
  ///   - a: The left factor `A`; `op(A)` is `m × k`.
  ///   - b: The right factor `B`; `op(B)` is `k × n`.
  ///   - transposeA: Whether to use `Aᵀ` instead of `A`.
  ///   - transposeB: Whether to use `Bᵀ` instead of `B`.
  ///   - alpha: The scale of the product.
  /// - Returns: The `m × n` product.
  /// - Complexity: O(m · n · k).
  public static func gemm(
    _ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false,
    alpha: Double = 1
  ) -> Matrix {
    var c = Matrix(
      rows: transposeA ? a.cols : a.rows, cols: transposeB ? b.rows : b.cols)
    gemm(a, b, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: 0, into: &c)
    return c
  }

  /// Matrix product `A B` (BLAS `dgemm`).
  ///
  /// - Parameters:
  ///   - lhs: An `m × k` matrix.
  ///   - rhs: A `k × n` matrix.
  /// - Returns: The `m × n` product.
  /// - Complexity: O(m · n · k).
  public static func * (lhs: Matrix, rhs: Matrix) -> Matrix {
    gemm(lhs, rhs)
  }

  /// General matrix–vector product accumulated into an existing vector:
  /// `y ← α op(A) x + β y` (BLAS `dgemv`).
  ///
  /// With `beta == 0` the previous contents of `y` are not read.
  ///
  /// - Parameters:
  ///   - a: The matrix `A`; `op(A)` is `m × n`.
  ///   - x: A vector of length `n`.
  ///   - transpose: Whether to use `Aᵀ` instead of `A`.
  ///   - alpha: The scale of the product.
  ///   - beta: The scale of the previous contents of `y`.
  ///   - y: A vector of length `m`, overwritten with the result.
  /// - Complexity: O(m · n).
  public static func gemv(
    _ a: Matrix, _ x: [Double], transpose: Bool = false, alpha: Double = 1,
    beta: Double = 0, into y: inout [Double]
  ) {
    let m = transpose ? a.cols : a.rows
    let n = transpose ? a.rows : a.cols
    precondition(x.count == n, "gemv: op(A) is \(m)×\(n) but x has \(x.count) elements")
    precondition(y.count == m, "gemv: op(A) is \(m)×\(n) but y has \(y.count) elements")
    guard m > 0 else { return }
    if n == 0 {
      // BLAS returns early without scaling y when op(A) has no columns; apply β y here.
      for i in y.indices { y[i] = beta == 0 ? 0 : beta * y[i] }
      return
    }
    a.storage.withUnsafeBufferPointer { pa in
      x.withUnsafeBufferPointer { px in
        y.withUnsafeMutableBufferPointer { py in
          // cblas_dgemv takes the dimensions of A itself, not of op(A).
          BLAS.call { cblas_dgemv(
            CblasColMajor, transpose ? CblasTrans : CblasNoTrans,
            blasInt(a.rows), blasInt(a.cols), alpha, pa.baseAddress,
            leadingDimension(a.rows), px.baseAddress, 1, beta, py.baseAddress, 1) }
        }
      }
    }
  }

  /// Matrix–vector product `op(A) x` (BLAS `dgemv`).
  ///
  /// - Parameters:
  ///   - x: A vector whose length is `cols` (or `rows` when `transpose` is `true`).
  ///   - transpose: Whether to multiply by `Aᵀ` instead of `A`.
  /// - Returns: `A x` (length `rows`) or `Aᵀ x` (length `cols`).
  /// - Complexity: O(rows · cols).
  public func multiply(_ x: [Double], transpose: Bool = false) -> [Double] {
    var y = [Double](repeating: 0, count: transpose ? cols : rows)
    Matrix.gemv(self, x, transpose: transpose, into: &y)
    return y
  }

  /// Matrix–vector product `A x` (BLAS `dgemv`).
  ///
  /// - Parameters:
  ///   - lhs: An `m × n` matrix.
  ///   - rhs: A vector of length `n`.
  /// - Returns: The product, of length `m`.
  /// - Complexity: O(m · n).
  public static func * (lhs: Matrix, rhs: [Double]) -> [Double] {
    lhs.multiply(rhs)
  }

  /// Symmetric rank-k update accumulated into an existing matrix:
  /// `C ← α AᵀA + β C` when `transpose` is `true`, `C ← α A Aᵀ + β C` otherwise
  /// (BLAS `dsyrk`).
  ///
  /// BLAS computes only one triangle; this wrapper computes the upper triangle and copies
  /// it into the lower one, so `c` is a full symmetric matrix on return. Only the upper
  /// triangle (including the diagonal) of the previous contents of `c` is read, and only
  /// when `beta != 0`.
  ///
  /// - Parameters:
  ///   - a: The matrix `A`, `k × n` when `transpose` is `true` and `n × k` otherwise.
  ///   - transpose: `true` for the Gram matrix of the columns (`AᵀA`), `false` for the
  ///     Gram matrix of the rows (`A Aᵀ`).
  ///   - alpha: The scale of the product.
  ///   - beta: The scale of the previous contents of `c`.
  ///   - c: The `n × n` accumulator, overwritten with the full symmetric result.
  /// - Complexity: O(n² · k).
  public static func syrk(
    _ a: Matrix, transpose: Bool, alpha: Double = 1, beta: Double = 0, into c: inout Matrix
  ) {
    let n = transpose ? a.cols : a.rows
    let k = transpose ? a.rows : a.cols
    precondition(
      c.rows == n && c.cols == n, "syrk result must be \(n)×\(n), got \(c.rows)×\(c.cols)")
    guard n > 0 else { return }
    a.storage.withUnsafeBufferPointer { pa in
      c.storage.withUnsafeMutableBufferPointer { pc in
        BLAS.call { cblas_dsyrk(
          CblasColMajor, CblasUpper, transpose ? CblasTrans : CblasNoTrans,
          blasInt(n), blasInt(k), alpha, pa.baseAddress, leadingDimension(a.rows), beta,
          pc.baseAddress, leadingDimension(n)) }
      }
    }
    c.mirrorUpperToLower()
  }

  /// Symmetric rank-k product: `α AᵀA` when `transpose` is `true`, `α A Aᵀ` otherwise
  /// (BLAS `dsyrk`), with both triangles filled.
  ///
  /// - Parameters:
  ///   - a: The matrix `A`.
  ///   - transpose: `true` for `AᵀA` (`cols × cols`), `false` for `A Aᵀ` (`rows × rows`).
  ///   - alpha: The scale of the product.
  /// - Returns: The symmetric product.
  /// - Complexity: O(n² · k) with `n` the order of the result and `k` the other dimension.
  public static func syrk(_ a: Matrix, transpose: Bool, alpha: Double = 1) -> Matrix {
    let n = transpose ? a.cols : a.rows
    var c = Matrix(rows: n, cols: n)
    syrk(a, transpose: transpose, alpha: alpha, beta: 0, into: &c)
    return c
  }

  /// Copies the strict upper triangle into the strict lower triangle of a square matrix.
  mutating func mirrorUpperToLower() {
    precondition(isSquare, "Only square matrices can be symmetrized")
    let n = rows
    for j in 0..<n {
      for i in (j + 1)..<n {
        storage[i + j * n] = storage[j + i * n]
      }
    }
  }
}

/// Level-1 BLAS helpers on plain `[Double]` vectors.
public enum BLAS {
  /// The dot product `xᵀy` (BLAS `ddot`).
  ///
  /// - Parameters:
  ///   - x: A vector.
  ///   - y: A vector of the same length as `x`.
  /// - Returns: `Σ x[i] · y[i]`, or 0 for empty vectors.
  /// - Complexity: O(n).
  public static func dot(_ x: [Double], _ y: [Double]) -> Double {
    precondition(x.count == y.count, "dot: lengths differ (\(x.count) vs \(y.count))")
    guard !x.isEmpty else { return 0 }
    return x.withUnsafeBufferPointer { px in
      y.withUnsafeBufferPointer { py in
        BLAS.call { cblas_ddot(blasInt(x.count), px.baseAddress, 1, py.baseAddress, 1) }
      }
    }
  }

  /// Scaled vector addition in place: `y ← α x + y` (BLAS `daxpy`).
  ///
  /// - Parameters:
  ///   - alpha: The scale of `x`.
  ///   - x: A vector.
  ///   - y: A vector of the same length as `x`, overwritten with the result.
  /// - Complexity: O(n).
  public static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
    precondition(x.count == y.count, "axpy: lengths differ (\(x.count) vs \(y.count))")
    guard !x.isEmpty else { return }
    x.withUnsafeBufferPointer { px in
      y.withUnsafeMutableBufferPointer { py in
        BLAS.call { cblas_daxpy(blasInt(px.count), alpha, px.baseAddress, 1, py.baseAddress, 1) }
      }
    }
  }

  /// The Euclidean norm `‖x‖₂` (BLAS `dnrm2`, which avoids overflow in the squares).
  ///
  /// - Parameter x: A vector.
  /// - Returns: `sqrt(Σ x[i]²)`, or 0 for an empty vector.
  /// - Complexity: O(n).
  public static func norm2(_ x: [Double]) -> Double {
    guard !x.isEmpty else { return 0 }
    return x.withUnsafeBufferPointer { px in
      BLAS.call { cblas_dnrm2(blasInt(px.count), px.baseAddress, 1) }
    }
  }
}
