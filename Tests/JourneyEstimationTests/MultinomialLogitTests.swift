import Foundation
import JourneyLinearAlgebra
import JourneyFormats
import JourneyModel
import Testing

@testable import JourneyEstimation

struct MultinomialLogitTests {
  /// One origin `a`, targets `b` and `c`, one binary channel `x`: the saturated model has
  /// the closed-form MLE α_j = log(n₀ⱼ/n₀₀), β_j = log(n₁ⱼ/n₁₀) − α_j, with
  /// SE(α_j)² = 1/n₀ⱼ + 1/n₀₀ and SE(β_j)² = 1/n₀ⱼ + 1/n₀₀ + 1/n₁ⱼ + 1/n₁₀.
  @Test func newtonMatchesTheClosedFormOfA2x3Table() throws {
    let table: [[Double]] = [[40, 10, 5], [20, 20, 10]]  // rows: x = 0, 1; columns: stay, b, c
    let logit = MultinomialLogit(
      design: Matrix(rows: 2, cols: 2, rowMajor: [1, 0, 1, 1]),
      counts: Matrix(rows: 2, cols: 3, rowMajor: table.flatMap { $0 }))
    let fit = logit.fit()
    #expect(fit.converged)
    #expect(fit.maxGradient < 1e-8)
    let cov = try #require(fit.covariance)
    for j in 1...2 {
      let alpha = log(table[0][j] / table[0][0])
      let beta = log(table[1][j] / table[1][0]) - alpha
      let seAlpha = (1 / table[0][j] + 1 / table[0][0]).squareRoot()
      let seBeta = (1 / table[0][j] + 1 / table[0][0] + 1 / table[1][j] + 1 / table[1][0]).squareRoot()
      let k = (j - 1) * 2
      #expect(abs(fit.theta[k] - alpha) < 1e-10)
      #expect(abs(fit.theta[k + 1] - beta) < 1e-10)
      #expect(abs(cov[k, k].squareRoot() - seAlpha) < 1e-10)
      #expect(abs(cov[k + 1, k + 1].squareRoot() - seBeta) < 1e-10)
    }
    var ll = 0.0
    for row in table {
      let n = row.reduce(0, +)
      for y in row { ll += y * log(y / n) }
    }
    #expect(abs(fit.logLikelihood - ll) < 1e-9)
  }

  /// The same table as a journey log, through the reader and ``TransitionFit``.
  @Test func fitFromALogReportsProbabilitiesAndEffects() throws {
    let table: [[Int]] = [[40, 10, 5], [20, 20, 10]]
    let names = ["a", "b", "c"]
    var text = "customer_id,period,phase,channels\n"
    var id = 0
    for (x, row) in table.enumerated() {
      for (j, n) in row.enumerated() {
        for _ in 0..<n {
          text += "\(id),0,a,\(x == 1 ? "x" : "")\n\(id),1,\(names[j]),\n"
          id += 1
        }
      }
    }
    let summary = try JourneyLogReader.read(bytes: Array(text.utf8), file: "t.csv", vocabulary: .inferred)
    let fit = try TransitionFit.fit(summary, model: nil, file: "t.csv")
    let pb = try #require(fit.parameters.first { $0.kind == .baseline && $0.target == "b" })
    #expect(abs(pb.estimate - 10.0 / 55) < 1e-10)
    // Delta method for a multinomial proportion: SE = √(p(1−p)/n).
    let se: Double = try #require(pb.standardError)
    let expected: Double = (10.0 / 55 * 45 / 55 / 55).squareRoot()
    #expect(abs(se - expected) < 1e-10)
    let bx = try #require(fit.parameters.first { $0.kind == .effect && $0.target == "c" && $0.channel == "x" })
    #expect(abs(bx.estimate - (log(10.0 / 20) - log(5.0 / 40))) < 1e-10)
    #expect(fit.parameterCount == 4)
    #expect(fit.warnings.contains { $0.contains("fewer than 30") } == false)
    #expect(fit.warnings.contains { $0.contains("never stayed") } == false)
  }

  @Test func separationAndConstantChannelsAreWarnedAbout() throws {
    // b only ever happens with x; y is met in every row from a.
    var text = "customer_id,period,phase,channels\n"
    var id = 0
    for (x, target, n) in [(0, "a", 30), (1, "a", 30), (1, "b", 30)] {
      for _ in 0..<n {
        text += "\(id),0,a,\(x == 1 ? "x;y" : "y")\n\(id),1,\(target),\n"
        id += 1
      }
    }
    let summary = try JourneyLogReader.read(bytes: Array(text.utf8), file: "t.csv", vocabulary: .inferred)
    let fit = try TransitionFit.fit(summary, model: nil, file: "t.csv")
    #expect(fit.warnings.contains { $0.contains("channel y met in every one of 90 transitions") })
    #expect(fit.warnings.contains { $0.contains("quasi-separation") })
    #expect(fit.parameters.allSatisfy { $0.estimate.isFinite })
  }

  @Test func ridgeShrinksEffectsButNotIntercepts() throws {
    let logit = MultinomialLogit(
      design: Matrix(rows: 2, cols: 2, rowMajor: [1, 0, 1, 1]),
      counts: Matrix(rows: 2, cols: 2, rowMajor: [40, 10, 20, 20]))
    let plain = logit.fit()
    let shrunk = MultinomialLogit(design: logit.design, counts: logit.counts, ridge: 50).fit()
    #expect(shrunk.converged)
    #expect(abs(shrunk.theta[1]) < abs(plain.theta[1]))
  }

  /// Agreement with an independent implementation: `Data/reference_fit.py` (numpy +
  /// scipy.optimize BFGS on the per-transition log-likelihood, SEs from the analytic
  /// Hessian) on `Data/small.csv`.
  @Test func agreesWithTheScipyReference() throws {
    let reference: [(String, String, String, Double, Double)] = [
      ("a", "b", "", -1.432445789263, 0.123670769514),
      ("a", "b", "x", 0.502097696237, 0.166465867895),
      ("a", "b", "y", 0.032409389176, 0.179160528194),
      ("a", "c", "", -2.607099092888, 0.197718384422),
      ("a", "c", "x", 0.685363348462, 0.239289437949),
      ("a", "c", "y", 0.596736896252, 0.242345060612),
      ("b", "c", "", -0.861359947695, 0.149172481248),
      ("b", "c", "x", 0.600713115160, 0.208158496268),
      ("b", "c", "y", -0.429256840770, 0.239395358385),
    ]
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Data/small.csv").path
    let summary = try JourneyLogReader.read(path: path, vocabulary: .inferred)
    let fit = try TransitionFit.fit(summary, model: nil, file: path)
    #expect(abs(fit.logLikelihood - -984.271462849284) < 1e-6)
    for (origin, target, channel, estimate, se) in reference {
      let o = try #require(fit.origins.first { $0.origin == origin })
      let name = channel.isEmpty ? "alpha[\(target)]" : "beta[\(target),\(channel)]"
      let k = try #require(o.parameters.firstIndex(of: name))
      #expect(abs(o.estimates[k] - estimate) < 1e-6, "\(origin) \(name)")
      let s = o.covariance[k][k].squareRoot()
      #expect(abs(s - se) / se < 1e-4, "\(origin) \(name) se")
    }
  }
}
