import Foundation
import JourneyModel
import Testing

@testable import JourneyAttribution

/// The fast paths of reading, aggregating and counting give the same bits as the plain ones.
@Suite struct PathSpeedPathsTests {
  /// Random paths over `channels` channels, with repeats; weights whole or not.
  static func table(seed: UInt64, rows: Int, channels: Int, whole: Bool) -> PathTable {
    var rng = SplitMix(seed)
    var t = PathTable(channels: (0..<channels).map { "c\($0)" })
    for _ in 0..<rows {
      let length = 1 + Int(rng.next() % 12)
      let path = (0..<length).map { _ in Int(rng.next() % UInt64(channels)) }
      let c = Double(rng.next() % 3)
      let n = Double(rng.next() % 4)
      let v = whole ? c * 80 : c * 79.25 + 0.1
      t.append(path, conversions: whole ? c : c + 0.5, nulls: n, value: v)
    }
    return t
  }

  struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// Aggregation by a dictionary of sequences, the reference for the hash table.
  static func referenceAggregate(_ t: PathTable) -> PathTable {
    var out = PathTable(channels: t.channels)
    var index: [[UInt8]: Int] = [:]
    var rows: [(path: [UInt8], c: Double, n: Double, v: Double)] = []
    for p in 0..<t.count {
      let key = Array(t.path(p))
      if let r = index[key] {
        rows[r].c += t.conversions[p]
        rows[r].n += t.nulls[p]
        rows[r].v += t.values[p]
      } else {
        index[key] = rows.count
        rows.append((key, t.conversions[p], t.nulls[p], t.values[p]))
      }
    }
    for r in rows { out.append(r.path.map(Int.init), conversions: r.c, nulls: r.n, value: r.v) }
    return out
  }

  @Test(arguments: [1, 2, 3, 4])
  func aggregationMatchesADictionaryOfSequences(seed: UInt64) {
    let t = Self.table(seed: seed, rows: 3_000, channels: 3 + Int(seed), whole: seed % 2 == 0)
    let a = t.aggregated()
    #expect(a == Self.referenceAggregate(t))
    #expect(a.count < t.count)
    #expect(a.aggregated() == a)
  }

  @Test func aggregationOfNothingIsEmpty() {
    let t = PathTable(channels: ["a"])
    #expect(t.aggregated().count == 0)
  }

  @Test(arguments: [true, false])
  func wholeWeightsCountAsIntegersWithTheSameBits(collapse: Bool) throws {
    for seed: UInt64 in 1...4 {
      let t = Self.table(seed: seed, rows: 2_000, channels: 5, whole: true)
      let options = PathAttribution.Options(order: 1, collapseRepeats: collapse)
      let integer = try PathAttribution.run(t, options: options, file: "t", integerCounts: true)
      let floating = try PathAttribution.run(t, options: options, file: "t", integerCounts: false)
      #expect(integer == floating)
      #expect(integer.chain.edges.map(\.weight.bitPattern) == floating.chain.edges.map(\.weight.bitPattern))
      #expect(integer.markov.map(\.bitPattern) == floating.markov.map(\.bitPattern))
    }
  }

  @Test func fractionalWeightsTakeTheFloatingPointPath() throws {
    let t = Self.table(seed: 9, rows: 1_000, channels: 4, whole: false)
    let a = try PathAttribution.run(t, options: .init(), file: "t", integerCounts: true)
    let b = try PathAttribution.run(t, options: .init(), file: "t", integerCounts: false)
    #expect(a.markov.map(\.bitPattern) == b.markov.map(\.bitPattern))
    #expect(abs(a.markov.reduce(0, +) - a.conversions) < 1e-9 * a.conversions)
  }

  /// Names of every length around the eight-byte word, with spaces and tabs around and
  /// inside, ending right at the end of the bytes (no word can be read there).
  @Test func namesOfAnyLengthAreFoundNearTheEndOfTheBytes() throws {
    let names = ["a", "tv", "web", "mail", "radio", "search", "display", "podcasts", "affiliate", "paid social", "x\ty"]
    var text = "path,total_conversions\n"
    var expected: [[Int]] = []
    for (i, _) in names.enumerated() {
      let path = [i, (i + 3) % names.count, (i + 7) % names.count]
      expected.append(path)
      text += path.map { names[$0] }.joined(separator: i % 2 == 0 ? " > " : "\t>  ") + ",\(i)\n"
    }
    for k in names.indices {
      // The path is the last field: the last name ends at the very last byte.
      let tail = "total_conversions,path\n1,\(names[k]) > \(names[(k + 1) % names.count])"
      let t = try PathTable.parsePaths(Array(tail.utf8), file: "p.csv")
      #expect(t.channels == [names[k], names[(k + 1) % names.count]])
      let u = try PathTable.parsePaths(Array((text + "\(names[k]) > \(names[k]),1").utf8), file: "p.csv")
      #expect(u.count == names.count + 1)
      #expect(Set(u.channels) == Set(names) && u.channels.count == names.count)
      #expect(u.path(names.count).map { u.channels[Int($0)] } == [names[k], names[k]])
      for (p, path) in expected.enumerated() {
        #expect(u.path(p).map { u.channels[Int($0)] } == path.map { names[$0] })
      }
    }
    let t = try PathTable.parsePaths(Array(text.utf8), file: "p.csv", vocabulary: names)
    for (p, path) in expected.enumerated() { #expect(Array(t.path(p)) == path.map(UInt8.init)) }
  }

  @Test func namesSharingTheirFirstEightBytesStayApart() throws {
    let t = try PathTable.parsePaths(
      Array("path,total_conversions\nchannel-1 > channel-2 > channel- > channel-1,1\n".utf8), file: "p.csv")
    #expect(t.channels == ["channel-1", "channel-2", "channel-"])
    #expect(Array(t.path(0)) == [0, 1, 2, 0])
  }
}
