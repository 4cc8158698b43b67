import Foundation
import JourneyAttribution
import Testing

/// A path table from `(path, conversions, nulls, value)` with channels named in the paths.
func table(_ channels: [String], _ rows: [(String, Double, Double, Double)]) -> PathTable {
  var t = PathTable(channels: channels)
  for (path, c, n, v) in rows {
    let steps = path.split(separator: ">").map { name in
      channels.firstIndex(of: name.trimmingCharacters(in: .whitespaces))!
    }
    t.append(steps, conversions: c, nulls: n, value: v)
  }
  return t
}

/// An independent reference: transition weights built with string states, then the
/// absorbed conversion mass by iterating the distribution until it settles.
func powerIterationConversion(
  _ rows: [(String, Double, Double, Double)], order: Int, removing removed: String? = nil
) -> Double {
  var weights: [String: [String: Double]] = [:]
  for (path, c, n, _) in rows where c + n > 0 {
    var touches: [String] = []
    for name in path.split(separator: ">").map({ $0.trimmingCharacters(in: .whitespaces) })
    where touches.last != name {
      touches.append(name)
    }
    var from = "(start)"
    for i in touches.indices {
      let to = touches[max(0, i - order + 1)...i].joined(separator: ",")
      weights[from, default: [:]][to, default: 0] += c + n
      from = to
    }
    weights[from, default: [:]]["(conversion)", default: 0] += c
    weights[from, default: [:]]["(null)", default: 0] += n
  }
  func isRemoved(_ state: String) -> Bool {
    guard let removed else { return false }
    return state.split(separator: ",").contains { String($0) == removed }
  }
  var mass: [String: Double] = ["(start)": 1]
  var converted = 0.0
  for _ in 0..<20_000 {
    var next: [String: Double] = [:]
    for (state, m) in mass where m > 0 {
      guard let out = weights[state] else { continue }
      let total = out.values.reduce(0, +)
      for (to, w) in out {
        let p = m * w / total
        if to == "(conversion)" {
          converted += p
        } else if to != "(null)" && !isRemoved(to) {
          next[to, default: 0] += p
        }
      }
    }
    mass = next
    if mass.values.reduce(0, +) < 1e-16 { break }
  }
  return converted
}

@Suite struct MarkovAttributionTests {
  @Test func removalEffectsMatchTheClosedForm() throws {
    // start→a 3, start→b 2; a→conv 1, a→null 1, a→b 1; b→conv 1, b→null 2.
    // x_b = 1/3, x_a = 1/3 + x_b/3 = 4/9, P = 3/5·4/9 + 2/5·1/3 = 2/5.
    // Without a: P = 2/5·1/3 = 2/15, RE_a = 2/3. Without b: x_a = 1/3, P = 1/5, RE_b = 1/2.
    let t = table(["a", "b"], [("a", 1, 1, 10), ("a > b", 1, 0, 30), ("b", 0, 2, 0)])
    let r = try PathAttribution.run(t)
    #expect(abs(r.conversionProbability - 2.0 / 5) < 1e-12)
    #expect(abs(r.removalEffects[0] - 2.0 / 3) < 1e-9)
    #expect(abs(r.removalEffects[1] - 1.0 / 2) < 1e-9)
    // attribution = 2 · RE / (2/3 + 1/2).
    #expect(abs(r.markov[0] - 8.0 / 7) < 1e-9)
    #expect(abs(r.markov[1] - 6.0 / 7) < 1e-9)
    #expect(r.firstTouch == [2, 0])
    #expect(r.lastTouch == [1, 1])
    #expect(r.linear == [1.5, 0.5])
    // Value: conversion value per path from a is 10/3 (a→conv 10 of weight 3), from b 30/3.
    // E = 3/5 (10/3 + x_b'/3) with x_b' = 10, + 2/5 · 10 = 3/5 · 20/3 + 4 = 8.
    // Without a: 4, RE = 1/2; without b: 3/5 · 10/3 = 2, RE = 3/4.
    #expect(abs(r.expectedValue - 8) < 1e-9)
    #expect(abs(r.removalEffectsValue[0] - 0.5) < 1e-9)
    #expect(abs(r.removalEffectsValue[1] - 0.75) < 1e-9)
    #expect(abs(r.markovValue[0] - 40 * 0.5 / 1.25) < 1e-9)
  }

  @Test func loopsAndCollapsedRepeats() throws {
    // start→a 1, start→b 1; a→b 1/2, a→conv 1/2; b→a 1/2, b→null 1/2.
    // x_a = 2/3, x_b = 1/3, P = 1/2. Without a: 0, RE_a = 1. Without b: x_a = 1/2, P = 1/4, RE_b = 1/2.
    let rows: [(String, Double, Double, Double)] = [("a > a > b > a", 1, 0, 0), ("b > b", 0, 1, 0)]
    let r = try PathAttribution.run(table(["a", "b"], rows))
    #expect(abs(r.conversionProbability - 0.5) < 1e-12)
    #expect(abs(r.removalEffects[0] - 1) < 1e-9)
    #expect(abs(r.removalEffects[1] - 0.5) < 1e-9)
    // Keeping repeats adds self-loops: a→a 1, so from a: a 1/3, b 1/3, conv 1/3.
    let kept = try PathAttribution.run(
      table(["a", "b"], rows), options: .init(collapseRepeats: false))
    #expect(kept.chain.edges.contains { $0.from == 1 && $0.to == 1 && $0.weight == 1 })
    #expect(kept.linear[0] == 0.75)  // a a b a: three of four touches
  }

  static let example: [(String, Double, Double, Double)] = [
    ("search", 12, 30, 960), ("tv > search", 20, 25, 1600), ("tv > display > search", 9, 14, 700),
    ("display", 1, 40, 80), ("email > search > email", 15, 10, 1250), ("tv > email", 6, 20, 500),
    ("display > tv > display", 2, 18, 150), ("search > search > email", 11, 9, 900),
    ("tv", 3, 60, 240),
    ("email > display > email > search", 4, 3, 320),
  ]

  @Test(arguments: [1, 2, 3])
  func markovMatchesPowerIteration(order: Int) throws {
    let channels = ["search", "tv", "display", "email"]
    let r = try PathAttribution.run(table(channels, Self.example), options: .init(order: order))
    let p = powerIterationConversion(Self.example, order: order)
    #expect(abs(r.conversionProbability - p) < 1e-9)
    var re: [Double] = []
    for (c, name) in channels.enumerated() {
      let pk = powerIterationConversion(Self.example, order: order, removing: name)
      re.append(1 - pk / p)
      #expect(abs(r.removalEffects[c] - re[c]) < 1e-9)
    }
    let total = Self.example.reduce(0) { $0 + $1.1 }
    for c in channels.indices {
      #expect(abs(r.markov[c] - total * re[c] / re.reduce(0, +)) < 1e-9)
    }
    #expect(abs(r.markov.reduce(0, +) - total) < 1e-9)
  }

  @Test func aggregationDoesNotChangeTheResult() throws {
    let channels = ["search", "tv", "display", "email"]
    let doubled = Self.example + Self.example
    let a = try PathAttribution.run(table(channels, doubled).aggregated())
    let b = try PathAttribution.run(table(channels, Self.example))
    #expect(table(channels, doubled).aggregated().count == Self.example.count)
    for c in channels.indices { #expect(abs(a.removalEffects[c] - b.removalEffects[c]) < 1e-12) }
  }

  @Test func bootstrapIsDeterministicForAnyThreadCount() throws {
    let t = table(["search", "tv", "display", "email"], Self.example)
    let one = try PathAttribution.bootstrap(t, replicates: 40, seed: 9, threads: 1)
    let four = try PathAttribution.bootstrap(t, replicates: 40, seed: 9, threads: 4)
    #expect(one == four)
    let point = try PathAttribution.run(t)
    for c in 0..<4 {
      #expect(one.markov[c].lower <= point.markov[c] && point.markov[c] <= one.markov[c].upper)
    }
  }

  @Test func transitionsCSVListsEveryEdge() throws {
    let r = try PathAttribution.run(
      table(["a", "b"], [("a", 1, 1, 0), ("a > b", 1, 0, 0), ("b", 0, 2, 0)]))
    let csv = PathAttribution.transitionsCSV(r)
    #expect(csv.hasPrefix("from,to,weight,probability\n(start),a,3,0.6\n"))
    #expect(csv.contains("b,(null),2,"))
  }
}
