import JourneyLinearAlgebra
import JourneySimulation
import Testing

@Suite struct AbsorbingChainTests {
  /// Grinstead & Snell, Introduction to Probability, Example 11.13 (Drunkard's Walk):
  /// states 0…4, corners 0 and 4 absorbing, otherwise a step of ±1 with probability 1/2.
  static let drunkard = Matrix(
    rows: 5, cols: 5,
    rowMajor: [
      1, 0, 0, 0, 0,
      0.5, 0, 0.5, 0, 0,
      0, 0.5, 0, 0.5, 0,
      0, 0, 0.5, 0, 0.5,
      0, 0, 0, 0, 1,
    ])

  @Test func drunkardsWalk() throws {
    let chain = try AbsorbingChain(transitions: Self.drunkard, absorbing: [4, 0])
    #expect(chain.transient == [1, 2, 3])
    #expect(chain.absorbing == [0, 4])
    let n = Matrix(rows: 3, cols: 3, rowMajor: [1.5, 1, 0.5, 1, 2, 1, 0.5, 1, 1.5])
    #expect(chain.fundamental.maxAbsDifference(n) < 1e-9)
    #expect(maxAbsDifference(chain.expectedSteps, [3, 4, 3]) < 1e-9)
    let b = Matrix(rows: 3, cols: 2, rowMajor: [0.75, 0.25, 0.5, 0.5, 0.25, 0.75])
    #expect(chain.absorptionProbabilities.maxAbsDifference(b) < 1e-9)
    // (2N − I) t = [[2, 2, 1], [2, 3, 2], [1, 2, 2]] [3, 4, 3] = [17, 24, 17]; minus
    // t∘t = [9, 16, 9] gives [8, 8, 8]. Independent check: from state 1 the walk is absorbed
    // after T = 1 + 2G steps and from state 2 after T = 2 + 2G, with G geometric on
    // {0, 1, …} with success probability 1/2 (Var G = 2), so Var T = 4 · 2 = 8 for all three.
    #expect(maxAbsDifference(chain.stepVariance, [8, 8, 8]) < 1e-9)
  }

  /// A purchase funnel with the absorbing states interleaved among the transient ones:
  /// 0 aware, 1 purchased (absorbing), 2 considering, 3 churned (absorbing).
  ///
  /// aware: stay 1/2, → considering 1/4, → churned 1/4.
  /// considering: stay 1/2, → purchased 1/4, → churned 1/4.
  /// I − Q = [[1/2, −1/4], [0, 1/2]], so N = [[2, 1], [0, 2]], t = [3, 2],
  /// R = [[0, 1/4], [1/4, 1/4]] and B = N R = [[1/4, 3/4], [1/2, 1/2]].
  /// Variance: (2N − I) t = [[3, 2], [0, 3]] [3, 2] = [13, 6]; minus t∘t = [9, 4] gives [4, 2].
  /// Check: from "considering" the time to absorption is geometric with success 1/2,
  /// mean 1/p = 2 and variance (1 − p)/p² = 2.
  @Test func interleavedFunnel() throws {
    let p = Matrix(
      rows: 4, cols: 4,
      rowMajor: [
        0.5, 0, 0.25, 0.25,
        0, 1, 0, 0,
        0, 0.25, 0.5, 0.25,
        0, 0, 0, 1,
      ])
    let chain = try AbsorbingChain(transitions: p, absorbing: Set([1, 3]))
    #expect(chain.transient == [0, 2])
    #expect(chain.absorbing == [1, 3])
    #expect(chain.fundamental.maxAbsDifference(Matrix(rows: 2, cols: 2, rowMajor: [2, 1, 0, 2])) < 1e-12)
    #expect(maxAbsDifference(chain.expectedSteps, [3, 2]) < 1e-12)
    #expect(
      chain.absorptionProbabilities.maxAbsDifference(
        Matrix(rows: 2, cols: 2, rowMajor: [0.25, 0.75, 0.5, 0.5])) < 1e-12)
    #expect(maxAbsDifference(chain.stepVariance, [4, 2]) < 1e-12)
  }

  @Test func absorptionProbabilitiesSumToOne() throws {
    // Random chain: 6 transient states with a guaranteed exit, 3 absorbing states.
    var rng = SplitMix64(state: 42)
    let n = 9
    var p = Matrix(rows: n, cols: n)
    for i in 0..<n {
      if i >= 6 {
        p[i, i] = 1
        continue
      }
      var row = (0..<n).map { _ in Double.random(in: 0...1, using: &rng) }
      row[6] += 0.1
      let sum = row.reduce(0, +)
      for j in 0..<n { p[i, j] = row[j] / sum }
    }
    let chain = try AbsorbingChain(transitions: p, absorbing: [6, 7, 8])
    let rowSums = chain.absorptionProbabilities.multiply([1, 1, 1])
    #expect(maxAbsDifference(rowSums, [Double](repeating: 1, count: 6)) < 1e-12)
    #expect(chain.stepVariance.allSatisfy { $0 >= 0 })
    // t satisfies t = 1 + Q t.
    let q = p.selecting(rows: chain.transient, columns: chain.transient)
    var rhs = q.multiply(chain.expectedSteps)
    for i in rhs.indices { rhs[i] += 1 }
    #expect(maxAbsDifference(rhs, chain.expectedSteps) < 1e-12)
  }

  @Test func closedTransientLoopIsSingular() {
    // 0 ⇄ 1 forever; 2 leaves for the absorbing state 3 half the time.
    let p = Matrix(
      rows: 4, cols: 4,
      rowMajor: [
        0, 1, 0, 0,
        1, 0, 0, 0,
        0, 0, 0.5, 0.5,
        0, 0, 0, 1,
      ])
    #expect(throws: LinearAlgebraError.singular(pivot: 0)) {
      try AbsorbingChain(transitions: p, absorbing: [3])
    }
  }

  @Test func closedLoopWithInexactProbabilitiesIsSingular() {
    // States 1, 2, 3 only lead to each other with probabilities that are not exact in
    // binary; state 0 can enter the loop but also reach the absorbing state 4.
    let third = 1.0 / 3
    let p = Matrix(
      rows: 5, cols: 5,
      rowMajor: [
        0.1, 0.3, 0, 0, 0.6,
        0, 0.1, 0.7, 0.2, 0,
        0, third, third, third, 0,
        0, 0.45, 0.1, 0.45, 0,
        0, 0, 0, 0, 1,
      ])
    #expect(throws: LinearAlgebraError.singular(pivot: 1)) {
      try AbsorbingChain(transitions: p, absorbing: [4])
    }
  }

  @Test func noAbsorbingStateIsSingular() {
    let p = Matrix(rows: 2, cols: 2, rowMajor: [0.5, 0.5, 0.5, 0.5])
    #expect(throws: LinearAlgebraError.singular(pivot: 0)) {
      try AbsorbingChain(transitions: p, absorbing: [])
    }
  }

  @Test func onlyAbsorbingStates() throws {
    let chain = try AbsorbingChain(transitions: .identity(2), absorbing: [0, 1])
    #expect(chain.transient.isEmpty)
    #expect(chain.fundamental.rows == 0)
    #expect(chain.absorptionProbabilities.rows == 0 && chain.absorptionProbabilities.cols == 2)
    #expect(chain.expectedSteps.isEmpty)
    #expect(chain.stepVariance.isEmpty)
  }

  @Test func nonFiniteThrows() {
    var p = Self.drunkard
    p[2, 1] = .nan
    #expect(throws: LinearAlgebraError.nonFinite) {
      try AbsorbingChain(transitions: p, absorbing: [0, 4])
    }
  }
}
