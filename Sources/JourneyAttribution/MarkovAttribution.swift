import Foundation
import JourneyFormats
import JourneyLinearAlgebra
import JourneyModel

/// Path-based attribution: first touch, last touch, linear, and the Markov-chain removal
/// effects that ChannelAttribution estimates, computed exactly.
///
/// The chain has the states start, one state per (last `order` channels) seen, conversion
/// and null. Every path row with `c` conversions and `n` nulls adds weight `c + n` to
/// start → s₁ → … → s_L, `c` to s_L → conversion and `n` to s_L → null; transition
/// probabilities are the weights over each state's outgoing total. With `Q` the transient
/// part and `R` the transient → conversion column,
///
///     P(conv) = [(I − Q)⁻¹ R]_start,
///
/// one LU solve (LAPACK `dgesv`). Removing channel k sends every transition into a state
/// that contains k to null, i.e. drops those states from the system:
/// `RE_k = 1 − P_k(conv) / P(conv)`, and
/// `attribution_k = total conversions · RE_k / Σ_j RE_j`. Conversion value works the same
/// with `R` replaced by the value per transition into conversion, so that the solve gives
/// the expected value per path.
///
/// Consecutive repeats of a channel are collapsed into one touch (as ChannelAttribution
/// does) unless ``Options/collapseRepeats`` is false; the heuristics use the same touches.
public enum PathAttribution {
  /// The most transient states of a chain (the dense system is states²).
  public static let maxStates = 3_000
  /// The highest Markov order.
  public static let maxOrder = 4

  public struct Options: Sendable, Equatable {
    public var order = 1
    public var collapseRepeats = true
    public init(order: Int = 1, collapseRepeats: Bool = true) {
      self.order = order
      self.collapseRepeats = collapseRepeats
    }
  }

  /// The chain's transition weights, for inspection.
  public struct Chain: Sendable, Equatable {
    /// Channel tuples of the transient states; state 0 is start (empty tuple).
    public var states: [[Int]]
    /// `(from, to, weight)`; `to` is a state index, or `states.count` (conversion) or
    /// `states.count + 1` (null).
    public var edges: [(from: Int, to: Int, weight: Double)]

    public static func == (a: Chain, b: Chain) -> Bool {
      a.states == b.states && a.edges.map(\.from) == b.edges.map(\.from)
        && a.edges.map(\.to) == b.edges.map(\.to)
        && a.edges.map(\.weight) == b.edges.map(\.weight)
    }
  }

  public struct Result: Sendable, Equatable {
    public var channels: [String]
    public var order: Int
    public var collapseRepeats: Bool
    public var conversions: Double
    public var nulls: Double
    public var value: Double
    public var firstTouch: [Double]
    public var lastTouch: [Double]
    public var linear: [Double]
    public var firstTouchValue: [Double]
    public var lastTouchValue: [Double]
    public var linearValue: [Double]
    /// P(conv) from start, and the expected value per path.
    public var conversionProbability: Double
    public var expectedValue: Double
    public var removalEffects: [Double]
    public var removalEffectsValue: [Double]
    public var markov: [Double]
    public var markovValue: [Double]
    public var chain: Chain
  }

  /// Attributes the conversions (and value) of `table`.
  ///
  /// - Throws: ``InputError`` (kind `limit`) naming `file` when the chain has more than
  ///   ``maxStates`` states.
  /// - Complexity: O(total touches) to aggregate, plus one dense LU solve of the states
  ///   per channel.
  public static func run(_ table: PathTable, options: Options = Options(), file: String = "paths")
    throws(InputError)
    -> Result
  {
    try run(table, options: options, file: file, integerCounts: true)
  }

  /// ``run(_:options:file:)``; `integerCounts: false` adds every order-1 transition weight
  /// in floating point even when the weights are whole (the tests compare the two).
  static func run(_ table: PathTable, options: Options, file: String, integerCounts: Bool)
    throws(InputError) -> Result
  {
    precondition(options.order >= 1 && options.order <= maxOrder, "order 1...\(maxOrder)")
    let m = table.channels.count
    let k = options.order
    var result = Result(
      channels: table.channels, order: k, collapseRepeats: options.collapseRepeats, conversions: 0,
      nulls: 0, value: 0,
      firstTouch: .init(repeating: 0, count: m), lastTouch: .init(repeating: 0, count: m),
      linear: .init(repeating: 0, count: m), firstTouchValue: .init(repeating: 0, count: m),
      lastTouchValue: .init(repeating: 0, count: m), linearValue: .init(repeating: 0, count: m),
      conversionProbability: 0, expectedValue: 0, removalEffects: .init(repeating: 0, count: m),
      removalEffectsValue: .init(repeating: 0, count: m), markov: .init(repeating: 0, count: m),
      markovValue: .init(repeating: 0, count: m), chain: Chain(states: [[]], edges: []))

    // States: 0 = start; order 1: state c + 1 is channel c; order > 1: keys of the last k
    // channels (index + 1 per byte), numbered as seen.
    var keyIndex: [UInt64: Int] = [:]
    var stateKeys: [UInt64] = [0]
    let stateCount0 = k == 1 ? m + 1 : 0
    // Edge weights: dense for order 1 ((m+1) × (m+3)), else keyed by from << 32 | to.
    let width = m + 3
    var dense = [Double](repeating: 0, count: k == 1 ? (m + 1) * width : 0)
    var sparse: [UInt64: Double] = [:]
    // Per state: weight into conversion, value into conversion, weight into null.
    var toConv = [Double](repeating: 0, count: k == 1 ? m + 1 : 1)
    var toValue = toConv
    var toNull = toConv
    let keyMask: UInt64 = k >= 8 ? ~0 : (1 << UInt64(8 * k)) - 1

    func state(for key: UInt64) throws(InputError) -> Int {
      if let s = keyIndex[key] { return s }
      guard stateKeys.count < maxStates else {
        throw InputError(
          .limit, file: file,
          "the order-\(k) chain has more than \(maxStates) states; the limit is \(maxStates) (use a lower --order)"
        )
      }
      let s = stateKeys.count
      keyIndex[key] = s
      stateKeys.append(key)
      toConv.append(0)
      toValue.append(0)
      toNull.append(0)
      return s
    }

    if k == 1 {
      // The hot loop: one pass over the touches, edges into a dense table; the
      // heuristics only for paths with conversions or value.
      var conversions = 0.0
      var nulls = 0.0
      var value = 0.0
      var firstTouch = result.firstTouch
      var lastTouch = result.lastTouch
      var linear = result.linear
      var firstValue = result.firstTouchValue
      var lastValue = result.lastTouchValue
      var linearValue = result.linearValue
      let collapse = options.collapseRepeats
      table.steps.withUnsafeBufferPointer { steps in
        table.offsets.withUnsafeBufferPointer { offsets in
          table.conversions.withUnsafeBufferPointer { conv in
            table.nulls.withUnsafeBufferPointer { null in
              table.values.withUnsafeBufferPointer { values in
                dense.withUnsafeMutableBufferPointer { counts in
                  toConv.withUnsafeMutableBufferPointer { toConv in
                    toValue.withUnsafeMutableBufferPointer { toValue in
                      toNull.withUnsafeMutableBufferPointer { toNull in
                        // Whole weights whose products with the path lengths stay below
                        // 2^53 are added as integers: every partial sum is exact either
                        // way, so the counts are the same bits, without a floating-point
                        // add on the critical path and without a branch per repeat.
                        var whole = integerCounts
                        var bound = 0.0
                        for p in 0..<conv.count {
                          let w = conv[p] + null[p]
                          if w != w.rounded(.towardZero) || w > 4.0e15 { whole = false }
                          bound += w * Double(offsets[p &+ 1] &- offsets[p])
                        }
                        if bound >= 9.0e15 { whole = false }
                        var integer = [UInt64](repeating: 0, count: whole ? counts.count : 0)
                        let linearSums = UnsafeMutableBufferPointer<Double>.allocate(capacity: m)
                        let linearValueSums = UnsafeMutableBufferPointer<Double>.allocate(capacity: m)
                        linearSums.initialize(repeating: 0)
                        linearValueSums.initialize(repeating: 0)
                        defer {
                          linearSums.deallocate()
                          linearValueSums.deallocate()
                        }
                        integer.withUnsafeMutableBufferPointer { integer in
                          for p in 0..<conv.count {
                            let c = conv[p]
                            let n = null[p]
                            let v = values[p]
                            let w = c + n
                            conversions += c
                            nulls += n
                            value += v
                            guard w > 0 else { continue }
                            let lo = offsets[p]
                            let hi = offsets[p &+ 1]
                            var from = 0
                            var length = 0
                            if whole, let stepBase = steps.baseAddress, let countBase = integer.baseAddress {
                              (from, length) = countTransitions(
                                stepBase + lo, hi &- lo, width: width, weight: UInt64(w), collapse: collapse,
                                into: countBase)
                            } else {
                              for i in lo..<hi {
                                let to = Int(steps[i]) &+ 1
                                if collapse && to == from { continue }
                                counts[from &* width &+ to] += w
                                from = to
                                length &+= 1
                              }
                            }
                            toConv[from] += c
                            toValue[from] += v
                            toNull[from] += n
                            guard c > 0 || v > 0 else { continue }
                            let first = Int(steps[lo])
                            firstTouch[first] += c
                            firstValue[first] += v
                            lastTouch[from &- 1] += c
                            lastValue[from &- 1] += v
                            let share = 1 / Double(length)
                            let credit = c * share
                            let creditValue = v * share
                            // A repeat adds +0, which leaves every sum (≥ +0) unchanged: no
                            // branch to mispredict.
                            if let stepBase = steps.baseAddress, let a = linearSums.baseAddress,
                              let b = linearValueSums.baseAddress
                            {
                              addLinear(stepBase + lo, hi &- lo, credit, creditValue, collapse: collapse, a, b)
                            }
                          }
                          if whole {
                            for cell in 0..<counts.count { counts[cell] = Double(integer[cell]) }
                          }
                        }
                        for t in 0..<m {
                          linear[t] = linearSums[t]
                          linearValue[t] = linearValueSums[t]
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
      result.conversions = conversions
      result.nulls = nulls
      result.value = value
      result.firstTouch = firstTouch
      result.lastTouch = lastTouch
      result.linear = linear
      result.firstTouchValue = firstValue
      result.lastTouchValue = lastValue
      result.linearValue = linearValue
    } else {
      var touches: [UInt8] = []
      touches.reserveCapacity(64)
      for p in 0..<table.count {
        let c = table.conversions[p]
        let n = table.nulls[p]
        let v = table.values[p]
        let w = c + n
        result.conversions += c
        result.nulls += n
        result.value += v
        guard w > 0 else { continue }
        touches.removeAll(keepingCapacity: true)
        var previous = -1
        for step in table.path(p) {
          if options.collapseRepeats && Int(step) == previous { continue }
          touches.append(step)
          previous = Int(step)
        }
        let first = Int(touches[0])
        let last = Int(touches[touches.count - 1])
        result.firstTouch[first] += c
        result.firstTouchValue[first] += v
        result.lastTouch[last] += c
        result.lastTouchValue[last] += v
        let share = 1 / Double(touches.count)
        for t in touches {
          result.linear[Int(t)] += c * share
          result.linearValue[Int(t)] += v * share
        }
        var from = 0
        var key: UInt64 = 0
        for t in touches {
          key = ((key << 8) | UInt64(t + 1)) & keyMask
          let to = try state(for: key)
          sparse[UInt64(from) << 32 | UInt64(to), default: 0] += w
          from = to
        }
        toConv[from] += c
        toValue[from] += v
        toNull[from] += n
      }
    }

    // States as channel tuples; edges listed.
    let s = k == 1 ? stateCount0 : stateKeys.count
    var states: [[Int]] = [[]]
    if k == 1 {
      states += (0..<m).map { [$0] }
    } else {
      for key in stateKeys.dropFirst() {
        var tuple: [Int] = []
        var x = key
        while x != 0 {
          tuple.append(Int(x & 0xFF) - 1)
          x >>= 8
        }
        states.append(tuple.reversed())
      }
    }
    var edges: [(from: Int, to: Int, weight: Double)] = []
    if k == 1 {
      for from in 0..<s {
        for to in 1..<s where dense[from * width + to] > 0 {
          edges.append((from, to, dense[from * width + to]))
        }
      }
    } else {
      for (key, weight) in sparse { edges.append((Int(key >> 32), Int(key & 0xFFFF_FFFF), weight)) }
      edges.sort { ($0.from, $0.to) < ($1.from, $1.to) }
    }
    var outgoing = [Double](repeating: 0, count: s)
    for e in edges { outgoing[e.from] += e.weight }
    for i in 0..<s { outgoing[i] += toConv[i] + toNull[i] }
    var chainEdges = edges
    for i in 0..<s {
      if toConv[i] > 0 { chainEdges.append((i, s, toConv[i])) }
      if toNull[i] > 0 { chainEdges.append((i, s + 1, toNull[i])) }
    }
    chainEdges.sort { ($0.from, $0.to) < ($1.from, $1.to) }
    result.chain = Chain(states: states, edges: chainEdges)

    // Which states contain each channel.
    var contains = [[Bool]](repeating: [Bool](repeating: false, count: s), count: m)
    for (i, tuple) in states.enumerated() { for c in tuple { contains[c][i] = true } }

    func solve(keeping keep: [Bool]) throws(InputError) -> (Double, Double) {
      let kept = (0..<s).filter { keep[$0] }
      var position = [Int](repeating: -1, count: s)
      for (a, i) in kept.enumerated() { position[i] = a }
      let t = kept.count
      var system = [Double](repeating: 0, count: t * t)
      var rhs = [Double](repeating: 0, count: t * 2)
      for a in 0..<t {
        system[a * t + a] = 1
        let i = kept[a]
        if outgoing[i] > 0 {
          rhs[a * 2] = toConv[i] / outgoing[i]
          rhs[a * 2 + 1] = toValue[i] / outgoing[i]
        }
      }
      for e in edges where keep[e.from] && keep[e.to] && outgoing[e.from] > 0 {
        system[position[e.from] * t + position[e.to]] -= e.weight / outgoing[e.from]
      }
      do {
        let x = try Matrix(rows: t, cols: t, rowMajor: system).solve(
          Matrix(rows: t, cols: 2, rowMajor: rhs))
        return (x[0, 0], x[0, 1])
      } catch {
        throw InputError(.notAllowed, file: file, "the path chain cannot be solved (\(error))")
      }
    }
    let all = [Bool](repeating: true, count: s)
    let (pConv, eValue) = try solve(keeping: all)
    result.conversionProbability = pConv
    result.expectedValue = eValue
    for c in 0..<m {
      guard contains[c].contains(true) else { continue }
      var keep = all
      for i in 0..<s where contains[c][i] { keep[i] = false }
      let (pc, vc) = try solve(keeping: keep)
      result.removalEffects[c] = pConv > 0 ? Swift.max(0, 1 - pc / pConv) : 0
      result.removalEffectsValue[c] = eValue > 0 ? Swift.max(0, 1 - vc / eValue) : 0
    }
    let sumRE = result.removalEffects.reduce(0, +)
    let sumREV = result.removalEffectsValue.reduce(0, +)
    for c in 0..<m {
      result.markov[c] = sumRE > 0 ? result.conversions * result.removalEffects[c] / sumRE : 0
      result.markovValue[c] = sumREV > 0 ? result.value * result.removalEffectsValue[c] / sumREV : 0
    }
    return result
  }

  /// Adds weight `weight` to every transition of one path (`count` channel indices at
  /// `steps`) into the order-1 table `counts` (row `from`, column `to`, `width` columns;
  /// state 0 is start, channel `c` is state `c + 1`); a collapsed repeat adds 0 to the
  /// diagonal, which stays 0, instead of a branch.
  ///
  /// - Returns: the last state and the number of touches counted.
  @inline(__always)
  static func countTransitions(
    _ steps: UnsafePointer<UInt8>, _ count: Int, width: Int, weight: UInt64, collapse: Bool,
    into counts: UnsafeMutablePointer<UInt64>
  ) -> (Int, Int) {
    var from = 0
    var length = 0
    var i = 0
    if collapse {
      while i < count {
        let to = Int(steps[i]) &+ 1
        let repeated = to == from
        counts[from &* width &+ to] &+= repeated ? 0 : weight
        length &+= repeated ? 0 : 1
        from = to
        i &+= 1
      }
    } else {
      while i < count {
        let to = Int(steps[i]) &+ 1
        counts[from &* width &+ to] &+= weight
        from = to
        i &+= 1
      }
      length = count
    }
    return (from, length)
  }

  /// Adds `credit` and `creditValue` to the linear sums of every touch of one path; a
  /// collapsed repeat adds +0, which leaves a sum (≥ +0) unchanged, instead of a branch.
  @inline(__always)
  static func addLinear(
    _ steps: UnsafePointer<UInt8>, _ count: Int, _ credit: Double, _ creditValue: Double,
    collapse: Bool, _ sums: UnsafeMutablePointer<Double>, _ valueSums: UnsafeMutablePointer<Double>
  ) {
    var previous = -1
    var i = 0
    while i < count {
      let t = Int(steps[i])
      let repeated = collapse && t == previous
      sums[t] += repeated ? 0 : credit
      valueSums[t] += repeated ? 0 : creditValue
      previous = t
      i &+= 1
    }
  }

  /// The chain's transitions as CSV: `from,to,weight,probability`, states named
  /// `(start)`, `a > b` (the last channels), `(conversion)`, `(null)`.
  public static func transitionsCSV(_ result: Result) -> String {
    let states = result.chain.states
    func name(_ i: Int) -> String {
      if i == 0 { return "(start)" }
      if i == states.count { return "(conversion)" }
      if i == states.count + 1 { return "(null)" }
      return states[i].map { result.channels[$0] }.joined(separator: " > ")
    }
    var outgoing = [Double](repeating: 0, count: states.count)
    for e in result.chain.edges { outgoing[e.from] += e.weight }
    let rows = result.chain.edges.map { e in
      [name(e.from), name(e.to), format(e.weight), format(e.weight / outgoing[e.from])]
    }
    return CSV.document(header: ["from", "to", "weight", "probability"], rows: rows)
  }
}

/// Shortest round-trip text of a finite number.
func format(_ x: Double) -> String {
  if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
  return "\(x)"
}
