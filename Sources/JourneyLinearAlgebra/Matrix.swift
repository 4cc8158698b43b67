/// A dense matrix of `Double` values stored in column-major order.
///
/// Element `(i, j)` (row `i`, column `j`, both 0-based) lives at
/// `storage[i + j * rows]`, which is the layout BLAS and LAPACK expect with a leading
/// dimension of `rows`. Use ``init(rows:cols:rowMajor:)`` to write a matrix as a row-major
/// literal in source code; it is transposed into column-major storage on construction.
///
/// Shape mismatches and out-of-range indices are programmer errors and stop the program
/// with a `precondition` failure. Numerical failures (singular or non-positive-definite
/// matrices, non-finite input) are reported by the throwing LAPACK wrappers as
/// ``LinearAlgebraError``.
public struct Matrix: Sendable, Equatable {
  /// The number of rows.
  public let rows: Int
  /// The number of columns.
  public let cols: Int
  /// The elements in column-major order: element `(i, j)` is `storage[i + j * rows]`.
  public internal(set) var storage: [Double]

  /// Creates a matrix with every element set to the same value.
  ///
  /// - Parameters:
  ///   - rows: The number of rows, at least 0.
  ///   - cols: The number of columns, at least 0.
  ///   - value: The value of every element.
  /// - Complexity: O(rows · cols).
  public init(rows: Int, cols: Int, repeating value: Double = 0) {
    precondition(rows >= 0 && cols >= 0, "Matrix dimensions must be non-negative")
    self.rows = rows
    self.cols = cols
    self.storage = [Double](repeating: value, count: rows * cols)
  }

  /// Creates a matrix from elements listed row by row.
  ///
  /// This is the convenient form for literals in source code:
  /// `Matrix(rows: 2, cols: 3, rowMajor: [1, 2, 3, 4, 5, 6])` is
  /// `[[1, 2, 3], [4, 5, 6]]`. The elements are rearranged into column-major storage.
  ///
  /// - Parameters:
  ///   - rows: The number of rows, at least 0.
  ///   - cols: The number of columns, at least 0.
  ///   - rowMajor: `rows · cols` elements; element `(i, j)` is `rowMajor[i * cols + j]`.
  /// - Complexity: O(rows · cols).
  public init(rows: Int, cols: Int, rowMajor: [Double]) {
    precondition(rows >= 0 && cols >= 0, "Matrix dimensions must be non-negative")
    precondition(
      rowMajor.count == rows * cols,
      "Expected \(rows * cols) elements for a \(rows)×\(cols) matrix, got \(rowMajor.count)")
    self.rows = rows
    self.cols = cols
    var s = [Double](repeating: 0, count: rows * cols)
    for i in 0..<rows {
      for j in 0..<cols {
        s[i + j * rows] = rowMajor[i * cols + j]
      }
    }
    self.storage = s
  }

  /// Creates a matrix that adopts column-major storage as is.
  ///
  /// - Parameters:
  ///   - rows: The number of rows, at least 0.
  ///   - cols: The number of columns, at least 0.
  ///   - columnMajor: `rows · cols` elements; element `(i, j)` is `columnMajor[i + j * rows]`.
  /// - Complexity: O(1) beyond the array copy-on-write.
  public init(rows: Int, cols: Int, columnMajor: [Double]) {
    precondition(rows >= 0 && cols >= 0, "Matrix dimensions must be non-negative")
    precondition(
      columnMajor.count == rows * cols,
      "Expected \(rows * cols) elements for a \(rows)×\(cols) matrix, got \(columnMajor.count)")
    self.rows = rows
    self.cols = cols
    self.storage = columnMajor
  }

  /// Creates a square diagonal matrix.
  ///
  /// - Parameter diagonal: The diagonal elements; the matrix is `diagonal.count` square.
  /// - Complexity: O(n²) for `n = diagonal.count`.
  public init(diagonal: [Double]) {
    let n = diagonal.count
    self.init(rows: n, cols: n)
    for i in 0..<n {
      storage[i + i * n] = diagonal[i]
    }
  }

  /// Creates a single-column matrix (an `n × 1` column vector).
  ///
  /// - Parameter column: The elements of the column.
  /// - Complexity: O(n).
  public init(column: [Double]) {
    self.init(rows: column.count, cols: 1, columnMajor: column)
  }

  /// Returns the `n × n` identity matrix.
  ///
  /// - Parameter n: The order of the matrix, at least 0.
  /// - Returns: A matrix with ones on the diagonal and zeros elsewhere.
  /// - Complexity: O(n²).
  public static func identity(_ n: Int) -> Matrix {
    Matrix(diagonal: [Double](repeating: 1, count: n))
  }

  /// Whether the matrix is square (`rows == cols`).
  public var isSquare: Bool { rows == cols }

  /// Whether every element is finite (neither NaN nor ±infinity).
  ///
  /// - Complexity: O(rows · cols).
  public var isFinite: Bool { storage.allSatisfy(\.isFinite) }

  /// Accesses the element in row `i` and column `j`.
  ///
  /// - Parameters:
  ///   - i: The 0-based row index, in `0..<rows`.
  ///   - j: The 0-based column index, in `0..<cols`.
  /// - Complexity: O(1).
  public subscript(_ i: Int, _ j: Int) -> Double {
    get {
      precondition(i >= 0 && i < rows && j >= 0 && j < cols, "Index (\(i), \(j)) out of range")
      return storage[i + j * rows]
    }
    set {
      precondition(i >= 0 && i < rows && j >= 0 && j < cols, "Index (\(i), \(j)) out of range")
      storage[i + j * rows] = newValue
    }
  }

  /// Returns one column as an array.
  ///
  /// - Parameter j: The 0-based column index, in `0..<cols`.
  /// - Returns: The `rows` elements of column `j`, top to bottom.
  /// - Complexity: O(rows).
  public func column(_ j: Int) -> [Double] {
    precondition(j >= 0 && j < cols, "Column \(j) out of range")
    return Array(storage[(j * rows)..<((j + 1) * rows)])
  }

  /// Returns one row as an array.
  ///
  /// - Parameter i: The 0-based row index, in `0..<rows`.
  /// - Returns: The `cols` elements of row `i`, left to right.
  /// - Complexity: O(cols).
  public func row(_ i: Int) -> [Double] {
    precondition(i >= 0 && i < rows, "Row \(i) out of range")
    return (0..<cols).map { storage[i + $0 * rows] }
  }

  /// The main diagonal, `(0, 0), (1, 1), …` up to `min(rows, cols)` elements.
  ///
  /// - Complexity: O(min(rows, cols)).
  public var diagonal: [Double] {
    (0..<min(rows, cols)).map { storage[$0 + $0 * rows] }
  }

  /// Returns the submatrix made of the given rows and columns, in the order given.
  ///
  /// Indices may repeat and need not be sorted; the result has `rowIndices.count` rows and
  /// `columnIndices.count` columns with element `(a, b)` equal to
  /// `self[rowIndices[a], columnIndices[b]]`.
  ///
  /// - Parameters:
  ///   - rowIndices: 0-based row indices, each in `0..<rows`.
  ///   - columnIndices: 0-based column indices, each in `0..<cols`.
  /// - Returns: The selected submatrix.
  /// - Complexity: O(rowIndices.count · columnIndices.count).
  public func selecting(rows rowIndices: [Int], columns columnIndices: [Int]) -> Matrix {
    var result = Matrix(rows: rowIndices.count, cols: columnIndices.count)
    for (b, j) in columnIndices.enumerated() {
      precondition(j >= 0 && j < cols, "Column \(j) out of range")
      for (a, i) in rowIndices.enumerated() {
        precondition(i >= 0 && i < rows, "Row \(i) out of range")
        result.storage[a + b * result.rows] = storage[i + j * rows]
      }
    }
    return result
  }

  /// Returns the transpose, the `cols × rows` matrix with element `(j, i)` equal to
  /// `self[i, j]`.
  ///
  /// - Returns: The transposed matrix.
  /// - Complexity: O(rows · cols).
  public func transposed() -> Matrix {
    var result = Matrix(rows: cols, cols: rows)
    for j in 0..<cols {
      for i in 0..<rows {
        result.storage[j + i * cols] = storage[i + j * rows]
      }
    }
    return result
  }

  /// Returns the largest absolute difference between corresponding elements.
  ///
  /// Useful for tolerance comparisons. Returns `.infinity` if either matrix holds a
  /// non-finite value where the other differs.
  ///
  /// - Parameter other: A matrix of the same shape.
  /// - Returns: `max |self[i, j] − other[i, j]|`, or 0 for empty matrices.
  /// - Complexity: O(rows · cols).
  public func maxAbsDifference(_ other: Matrix) -> Double {
    precondition(rows == other.rows && cols == other.cols, "Shape mismatch")
    var m = 0.0
    for k in storage.indices {
      let d = abs(storage[k] - other.storage[k])
      if d.isNaN { return .infinity }
      m = Swift.max(m, d)
    }
    return m
  }

  /// Adds two matrices of the same shape elementwise.
  ///
  /// - Parameters:
  ///   - lhs: The left operand.
  ///   - rhs: The right operand, with the same shape as `lhs`.
  /// - Returns: The elementwise sum.
  /// - Complexity: O(rows · cols).
  public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
    precondition(
      lhs.rows == rhs.rows && lhs.cols == rhs.cols,
      "Shape mismatch: \(lhs.rows)×\(lhs.cols) + \(rhs.rows)×\(rhs.cols)")
    var result = lhs
    for k in result.storage.indices {
      result.storage[k] += rhs.storage[k]
    }
    return result
  }

  /// Subtracts two matrices of the same shape elementwise.
  ///
  /// - Parameters:
  ///   - lhs: The left operand.
  ///   - rhs: The right operand, with the same shape as `lhs`.
  /// - Returns: The elementwise difference `lhs − rhs`.
  /// - Complexity: O(rows · cols).
  public static func - (lhs: Matrix, rhs: Matrix) -> Matrix {
    precondition(
      lhs.rows == rhs.rows && lhs.cols == rhs.cols,
      "Shape mismatch: \(lhs.rows)×\(lhs.cols) − \(rhs.rows)×\(rhs.cols)")
    var result = lhs
    for k in result.storage.indices {
      result.storage[k] -= rhs.storage[k]
    }
    return result
  }

  /// Negates every element.
  ///
  /// - Parameter operand: The matrix to negate.
  /// - Returns: The matrix with every element negated.
  /// - Complexity: O(rows · cols).
  public static prefix func - (operand: Matrix) -> Matrix {
    Matrix(rows: operand.rows, cols: operand.cols, columnMajor: operand.storage.map { -$0 })
  }

  /// Multiplies every element by a scalar.
  ///
  /// - Parameters:
  ///   - scalar: The factor.
  ///   - matrix: The matrix to scale.
  /// - Returns: The scaled matrix.
  /// - Complexity: O(rows · cols).
  public static func * (scalar: Double, matrix: Matrix) -> Matrix {
    Matrix(rows: matrix.rows, cols: matrix.cols, columnMajor: matrix.storage.map { scalar * $0 })
  }

  /// Multiplies every element by a scalar.
  ///
  /// - Parameters:
  ///   - matrix: The matrix to scale.
  ///   - scalar: The factor.
  /// - Returns: The scaled matrix.
  /// - Complexity: O(rows · cols).
  public static func * (matrix: Matrix, scalar: Double) -> Matrix {
    scalar * matrix
  }

  /// Adds a matrix of the same shape in place.
  ///
  /// - Parameters:
  ///   - lhs: The matrix to update.
  ///   - rhs: The matrix to add, with the same shape as `lhs`.
  /// - Complexity: O(rows · cols).
  public static func += (lhs: inout Matrix, rhs: Matrix) {
    lhs = lhs + rhs
  }

  /// Subtracts a matrix of the same shape in place.
  ///
  /// - Parameters:
  ///   - lhs: The matrix to update.
  ///   - rhs: The matrix to subtract, with the same shape as `lhs`.
  /// - Complexity: O(rows · cols).
  public static func -= (lhs: inout Matrix, rhs: Matrix) {
    lhs = lhs - rhs
  }
}

extension Matrix: CustomStringConvertible {
  /// A row-by-row rendering such as `[[1.0, 2.0], [3.0, 4.0]]`, for diagnostics.
  public var description: String {
    "[" + (0..<rows).map { "[" + row($0).map { "\($0)" }.joined(separator: ", ") + "]" }
      .joined(separator: ", ") + "]"
  }
}
