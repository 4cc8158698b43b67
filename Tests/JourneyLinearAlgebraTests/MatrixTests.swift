import JourneyLinearAlgebra
import Testing

@Suite struct MatrixTests {
  @Test func rowMajorLiteralIsStoredColumnMajor() {
    let a = Matrix(rows: 2, cols: 3, rowMajor: [1, 2, 3, 4, 5, 6])
    #expect(a.rows == 2 && a.cols == 3)
    #expect(a.storage == [1, 4, 2, 5, 3, 6])
    #expect(a[0, 2] == 3)
    #expect(a[1, 0] == 4)
    #expect(a.row(1) == [4, 5, 6])
    #expect(a.column(2) == [3, 6])
    #expect(a == Matrix(rows: 2, cols: 3, columnMajor: [1, 4, 2, 5, 3, 6]))
  }

  @Test func repeatingAndIdentity() {
    let z = Matrix(rows: 2, cols: 3, repeating: 7)
    #expect(z.storage == [Double](repeating: 7, count: 6))
    let i = Matrix.identity(3)
    #expect(i == Matrix(rows: 3, cols: 3, rowMajor: [1, 0, 0, 0, 1, 0, 0, 0, 1]))
    #expect(i.diagonal == [1, 1, 1])
    #expect(Matrix.identity(0).storage.isEmpty)
  }

  @Test func subscriptSetter() {
    var a = Matrix(rows: 2, cols: 2)
    a[0, 1] = 5
    a[1, 0] = -2
    #expect(a == Matrix(rows: 2, cols: 2, rowMajor: [0, 5, -2, 0]))
  }

  @Test func transposeOfNonSquare() {
    let a = Matrix(rows: 2, cols: 3, rowMajor: [1, 2, 3, 4, 5, 6])
    let t = a.transposed()
    #expect(t == Matrix(rows: 3, cols: 2, rowMajor: [1, 4, 2, 5, 3, 6]))
    #expect(t.transposed() == a)
  }

  @Test func elementwiseArithmetic() {
    let a = Matrix(rows: 2, cols: 2, rowMajor: [1, 2, 3, 4])
    let b = Matrix(rows: 2, cols: 2, rowMajor: [10, 20, 30, 40])
    #expect(a + b == Matrix(rows: 2, cols: 2, rowMajor: [11, 22, 33, 44]))
    #expect(b - a == Matrix(rows: 2, cols: 2, rowMajor: [9, 18, 27, 36]))
    #expect(2 * a == Matrix(rows: 2, cols: 2, rowMajor: [2, 4, 6, 8]))
    #expect(a * 0.5 == Matrix(rows: 2, cols: 2, rowMajor: [0.5, 1, 1.5, 2]))
    #expect(-a == Matrix(rows: 2, cols: 2, rowMajor: [-1, -2, -3, -4]))
    var c = a
    c += b
    c -= a
    #expect(c == b)
  }

  @Test func selectingRowsAndColumns() {
    let a = Matrix(rows: 3, cols: 3, rowMajor: [1, 2, 3, 4, 5, 6, 7, 8, 9])
    let s = a.selecting(rows: [2, 0], columns: [1, 2])
    #expect(s == Matrix(rows: 2, cols: 2, rowMajor: [8, 9, 2, 3]))
  }

  @Test func finiteness() {
    var a = Matrix.identity(2)
    #expect(a.isFinite)
    a[1, 0] = .nan
    #expect(!a.isFinite)
    a[1, 0] = -.infinity
    #expect(!a.isFinite)
  }
}
