import Foundation
import JourneyLinearAlgebra
import Testing

@Suite struct BLASTests {
  /// [[1, 2, 3], [4, 5, 6]]
  let a = Matrix(rows: 2, cols: 3, rowMajor: [1, 2, 3, 4, 5, 6])
  /// [[7, 8], [9, 10], [11, 12]]
  let b = Matrix(rows: 3, cols: 2, rowMajor: [7, 8, 9, 10, 11, 12])

  @Test func gemmPlain() {
    let expected = Matrix(rows: 2, cols: 2, rowMajor: [58, 64, 139, 154])
    #expect(Matrix.gemm(a, b) == expected)
    #expect(a * b == expected)
  }

  @Test func gemmTransposeA() {
    let d = Matrix(rows: 2, cols: 2, rowMajor: [1, 0, 2, 1])
    // Aᵀ D = [[1, 4], [2, 5], [3, 6]] · [[1, 0], [2, 1]]
    let expected = Matrix(rows: 3, cols: 2, rowMajor: [9, 4, 12, 5, 15, 6])
    #expect(Matrix.gemm(a, d, transposeA: true) == expected)
  }

  @Test func gemmTransposeB() {
    let e = Matrix(rows: 2, cols: 3, rowMajor: [1, 0, 1, 0, 1, 0])
    // A Eᵀ
    let expected = Matrix(rows: 2, cols: 2, rowMajor: [4, 2, 10, 5])
    #expect(Matrix.gemm(a, e, transposeB: true) == expected)
  }

  @Test func gemmTransposeBoth() {
    // Aᵀ Bᵀ = (B A)ᵀ, 3 × 3.
    let expected = Matrix(rows: 3, cols: 3, rowMajor: [39, 49, 59, 54, 68, 82, 69, 87, 105])
    #expect(Matrix.gemm(a, b, transposeA: true, transposeB: true) == expected)
  }

  @Test func gemmAccumulates() {
    var c = Matrix(rows: 2, cols: 2, repeating: 1)
    Matrix.gemm(a, b, alpha: 2, beta: 3, into: &c)
    #expect(c == Matrix(rows: 2, cols: 2, rowMajor: [119, 131, 281, 311]))
  }

  @Test func gemmIgnoresOldContentsWhenBetaIsZero() {
    var c = Matrix(rows: 2, cols: 2, repeating: .nan)
    Matrix.gemm(a, b, into: &c)
    #expect(c == Matrix(rows: 2, cols: 2, rowMajor: [58, 64, 139, 154]))
  }

  @Test func gemv() {
    #expect(a.multiply([1, 0, -1]) == [-2, -2])
    #expect(a * [1, 0, -1] == [-2, -2])
    #expect(a.multiply([1, 2], transpose: true) == [9, 12, 15])
    var y = [10.0, 20.0]
    Matrix.gemv(a, [1, 0, -1], alpha: 2, beta: 1, into: &y)
    #expect(y == [6, 16])
    var z = [1.0, 1.0, 1.0]
    Matrix.gemv(a, [1, 2], transpose: true, alpha: -1, beta: 2, into: &z)
    #expect(z == [-7, -10, -13])
  }

  @Test func syrkTransposeGivesColumnGram() {
    let expected = Matrix(rows: 3, cols: 3, rowMajor: [17, 22, 27, 22, 29, 36, 27, 36, 45])
    #expect(Matrix.syrk(a, transpose: true) == expected)
    #expect(Matrix.gemm(a, a, transposeA: true) == expected)
  }

  @Test func syrkNoTransposeGivesRowGram() {
    #expect(Matrix.syrk(a, transpose: false) == Matrix(rows: 2, cols: 2, rowMajor: [14, 32, 32, 77]))
  }

  @Test func syrkAccumulatesAndFillsBothTriangles() {
    var c = Matrix(rows: 2, cols: 2, rowMajor: [1, 2, 2, 3])
    Matrix.syrk(a, transpose: false, alpha: 1, beta: 2, into: &c)
    #expect(c == Matrix(rows: 2, cols: 2, rowMajor: [16, 36, 36, 83]))
    let scaled = Matrix.syrk(b, transpose: true, alpha: 0.5)
    // BᵀB = [[251, 278], [278, 308]]
    #expect(scaled == Matrix(rows: 2, cols: 2, rowMajor: [125.5, 139, 139, 154]))
  }

  @Test func levelOneHelpers() {
    #expect(BLAS.dot([1, 2, 3], [4, 5, 6]) == 32)
    #expect(BLAS.dot([], []) == 0)
    var y = [1.0, 1.0, 1.0]
    BLAS.axpy(2, [1, 2, 3], &y)
    #expect(y == [3, 5, 7])
    #expect(BLAS.norm2([3, 4]) == 5)
  }
}

@Suite struct BLASThreadTests {
  /// Ending OpenBLAS's idle workers (what the `journey` tool does first) keeps the thread
  /// count, and threaded products still run and stay exact afterwards: OpenBLAS starts
  /// the workers again. Small integer entries make every order of summation exact.
  @Test func releasedWorkersComeBack() {
    let n = 256
    let x = (0..<(n * n)).map { Double(($0 * 7 + 3) % 11) - 5 }
    let y = (0..<(n * n)).map { Double(($0 * 5 + 1) % 13) - 6 }
    let a = Matrix(rows: n, cols: n, rowMajor: x)
    let b = Matrix(rows: n, cols: n, rowMajor: y)
    var product = [Double](repeating: 0, count: n * n)
    x.withUnsafeBufferPointer { x in
      y.withUnsafeBufferPointer { y in
        product.withUnsafeMutableBufferPointer { p in
          for i in 0..<n {
            for k in 0..<n {
              let xik = x[i * n + k]
              for j in 0..<n { p[i * n + j] += xik * y[k * n + j] }
            }
          }
        }
      }
    }
    let expected = Matrix(rows: n, cols: n, rowMajor: product)
    let threads = BLAS.threads
    for _ in 0..<3 {
      BLAS.releaseIdleThreads()
      #expect(BLAS.threads == threads)
      #expect(a * b == expected)
    }
  }

  /// Threaded products on one thread while another ends OpenBLAS's workers and switches it
  /// to one thread and back (``BLAS/serially(_:)``, as concurrent fits do): every product
  /// stays exact, and the test ends. Without the lock between BLAS calls and those changes,
  /// OpenBLAS computed wrong products and hung.
  @Test(.timeLimit(.minutes(1))) func threadChangesWaitForCallsOnOtherThreads() async {
    let n = 192
    let x = (0..<(n * n)).map { Double(($0 * 7 + 3) % 11) - 5 }
    let y = (0..<(n * n)).map { Double(($0 * 5 + 1) % 13) - 6 }
    let a = Matrix(rows: n, cols: n, rowMajor: x)
    let b = Matrix(rows: n, cols: n, rowMajor: y)
    let expected = BLAS.serially { a * b }
    let threads = BLAS.threads
    let wrong = await withTaskGroup(of: Int.self) { group in
      group.addTask {
        var wrong = 0
        for _ in 0..<300 where a * b != expected { wrong += 1 }
        return wrong
      }
      group.addTask {
        for k in 0..<300 {
          if k % 3 == 0 { BLAS.releaseIdleThreads() } else { BLAS.serially { _ = sched_yield() } }
        }
        return 0
      }
      return await group.reduce(0, +)
    }
    #expect(wrong == 0)
    #expect(BLAS.threads == threads)
  }
}
