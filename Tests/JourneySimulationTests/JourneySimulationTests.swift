import JourneySimulation
import Testing

@Suite struct BinomialTests {
  /// Sample mean and variance of Bin(n, p) against n·p and n·p·(1−p): the mean within
  /// 4 standard errors, the variance within 10% (20,000 draws).
  @Test(arguments: [(5, 0.3), (40, 0.1), (1_000, 0.5), (100_000, 0.02), (1_000_000_000, 0.37), (30, 0.95)])
  func momentsMatch(n: Int, p: Double) {
    var rng = SplitMix64(seed: 11, stream: UInt64(n))
    let draws = 20_000
    var sum = 0.0
    var sumSq = 0.0
    for _ in 0..<draws {
      let x = Double(binomial(n, p, using: &rng))
      #expect(x >= 0 && x <= Double(n))
      sum += x
      sumSq += x * x
    }
    let mean = sum / Double(draws)
    let variance = sumSq / Double(draws) - mean * mean
    let trueVariance = Double(n) * p * (1 - p)
    #expect(abs(mean - Double(n) * p) <= 4 * (trueVariance / Double(draws)).squareRoot())
    #expect(abs(variance / trueVariance - 1) < 0.1)
  }

  @Test func edges() {
    var rng = SplitMix64(seed: 1, stream: 0)
    #expect(binomial(0, 0.5, using: &rng) == 0)
    #expect(binomial(10, 0, using: &rng) == 0)
    #expect(binomial(10, 1, using: &rng) == 10)
  }

  @Test func multinomialConservesCount() {
    var rng = SplitMix64(seed: 3, stream: 0)
    let probabilities = [0.2, 0.0, 0.5, 0.3, 0.0]
    var counts = [Int](repeating: 0, count: 5)
    probabilities.withUnsafeBufferPointer { pb in
      counts.withUnsafeMutableBufferPointer { cb in multinomial(1_000_000, pb, into: cb, using: &rng) }
    }
    #expect(counts.reduce(0, +) == 1_000_000)
    #expect(counts[1] == 0 && counts[4] == 0)
    #expect(abs(Double(counts[2]) - 500_000) < 4 * 500.0)
  }
}

@Suite struct SplitMix64Tests {
  /// Reference outputs of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c).
  @Test func matchesReferenceSequence() {
    var g = SplitMix64(state: 1_234_567)
    #expect(g.next() == 6_457_827_717_110_365_317)
    #expect(g.next() == 3_203_168_211_198_807_973)
  }
}
