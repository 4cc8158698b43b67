import Foundation
import Testing

@testable import JourneySimulation

@Suite struct LogFactorialTests {
  @Test func agreesWithLgammaEverywhere() {
    var x = 0.0
    while x < 1e13 {
      let exact: Double = Foundation.lgamma(x + 1)
      #expect(abs(logFactorial(x) - exact) <= 4e-16 * max(1, abs(exact)), "x = \(x)")
      x = x < 300 ? x + 1 : (x * 1.37).rounded()
    }
  }

  @Test func binomialMomentsAtLargeN() {
    var rng = SplitMix64(seed: 3, stream: 4)
    let n = 10_000_000
    let p = 0.013
    let draws = (0..<20_000).map { _ in Double(binomial(n, p, using: &rng)) }
    let mean = draws.reduce(0, +) / Double(draws.count)
    let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count - 1)
    let np = Double(n) * p
    let v = np * (1 - p)
    #expect(abs(mean - np) < 4 * (v / Double(draws.count)).squareRoot())
    #expect(abs(variance / v - 1) < 4 * (2 / Double(draws.count)).squareRoot())
  }
}
