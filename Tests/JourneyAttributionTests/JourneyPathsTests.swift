import Foundation
import JourneyAttribution
import JourneyModel
import JourneySimulation
import Testing

final class MemoryLog: JourneyLogSink {
  var bytes: [UInt8] = []
  func write(_ chunk: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: chunk) }
}

func parseLog(_ text: String, scenario: Scenario) throws(InputError) -> JourneyPaths {
  try JourneyPaths.parse(Array(text.utf8), file: "log.csv", scenario: scenario)
}

@Suite struct JourneyPathsTests {
  @Test func pathsEndAtTheFirstConversion() throws {
    let s = try tinyScenario()
    let log = """
      customer_id,period,phase,channels
      1,0,unaware,tv
      2,0,unaware,
      3,0,unaware,
      1,1,aware,search;tv
      2,1,aware,search
      3,1,unaware,
      1,2,purchased,tv
      2,2,aware,
      3,2,purchased,
      1,3,loyal,email
      2,3,aware,display

      """
    let p = try parseLog(log.replacingOccurrences(of: "email", with: "referral"), scenario: s)
    #expect(p.customers == 3)
    #expect(p.untouchedConversions == 1)
    #expect(p.untouchedNulls == 0)
    #expect(p.table.count == 2)
    #expect(Array(p.table.path(0)) == [1, 0, 1])  // tv, search, tv; converted
    #expect(p.table.conversions == [1, 0])
    #expect(p.table.values == [50, 0])
    #expect(Array(p.table.path(1)) == [0, 2])  // search, display; null
  }

  @Test func collectorAgreesWithTheLogReader() throws {
    let s = try tinyScenario(size: 3_000, horizon: 12)
    let log = MemoryLog()
    let collector = JourneyPathCollector(scenario: s)
    _ = try Simulator.run(s, engine: .individual, seed: 4, threads: 2, journeyLog: log)
    _ = try Simulator.run(s, engine: .individual, seed: 4, threads: 2, journeyLog: collector)
    let a = collector.finish()
    let b = try JourneyPaths.parse(log.bytes, file: "log", scenario: s)
    #expect(a.table == b.table)
    #expect(a.customers == b.customers)
    #expect(a.untouchedConversions == b.untouchedConversions)
    #expect(a.table.count > 100)
  }

  /// Random logs (ids of 1 to 20 bytes, many sharing their first 8; rows of customers
  /// interleaved at random or period by period; paths across many blocks and past the
  /// length limit; conversions freeing blocks that later customers reuse) against a
  /// direct reading of the rules. In the `decorated` logs a row is written in one of the
  /// forms the tokenizer reads alike (CR LF, spaces around fields, quotes, a fifth column,
  /// formula guards), so that rows the plain-row decoder takes and rows it leaves to the
  /// tokenizer alternate.
  @Test func randomLogsMatchTheRules() throws {
    let s = try tinyScenario()
    let channels = s.channels.map(\.name)
    let phases = s.phases.map(\.name)
    for (seed, periodMajor, decorated) in [(1 as UInt64, false, false), (2, true, false), (3, false, true), (4, true, true)] {
      var rng = PathSpeedPathsTests.SplitMix(seed)
      // Each customer's rows: (period, phase, channels).
      var rows: [(id: String, rows: [(Int, Int, [Int])])] = []
      for c in 0..<2_000 {
        let id: String
        switch rng.below(4) {
        case 0: id = "\(c + 1)"
        case 1: id = "customer-\(c)"
        case 2: id = "-c\(c)"  // written with a formula guard when decorated
        default: id = "c\(c)-" + String(repeating: "x", count: rng.below(14))
        }
        let long = c == 700
        let count = long ? 2_600 : 1 + rng.below(30)
        var period = rng.below(5)
        var list: [(Int, Int, [Int])] = []
        for _ in 0..<count {
          let phase = long ? 1 : [0, 0, 1, 1, 2, 3, 4][rng.below(7)]
          let touches = long ? 4 : rng.below(4)
          list.append((period, phase, (0..<touches).map { _ in rng.below(channels.count) }))
          period += 1
        }
        rows.append((id, list))
      }
      // The log: customers' rows interleaved at random, or sorted by period.
      var order: [(Int, Int)] = []
      if periodMajor {
        order = rows.indices.flatMap { c in rows[c].rows.indices.map { (c, $0) } }
        order.sort { rows[$0.0].rows[$0.1].0 < rows[$1.0].rows[$1.1].0 }
      } else {
        var next = [Int](repeating: 0, count: rows.count)
        var open = Array(rows.indices)
        while !open.isEmpty {
          let pick = rng.below(open.count)
          let c = open[pick]
          order.append((c, next[c]))
          next[c] += 1
          if next[c] == rows[c].rows.count { open.swapAt(pick, open.count - 1); open.removeLast() }
        }
      }
      var text = "customer_id,period,phase,channels\(decorated ? ",segment" : "")\n"
      for (c, r) in order {
        let (period, phase, touches) = rows[c].rows[r]
        var fields = [rows[c].id, "\(period)", phases[phase], touches.map { channels[$0] }.joined(separator: " ; ")]
        var end = "\n"
        if decorated {
          switch rng.below(6) {
          case 0: end = "\r\n"
          case 1:
            let j = [0, 2, 3][rng.below(3)]  // (a period with spaces stops the plain decoder anyway)
            fields[j] = " \(fields[j]) "
          case 2: fields = fields.map { "\"\($0)\"" }
          case 3: if fields[0].hasPrefix("-") { fields[0] = "'" + fields[0] }  // the reader strips it
          case 4: fields.append("gold")
          default: break
          }
          if fields.count == 4 { fields.append("") }
        }
        text += fields.joined(separator: ",") + end
      }
      // The rules, read directly.
      var expected = PathTable(channels: channels)
      var state: [Int: (phase: Int, path: [Int], done: Bool)] = [:]
      var seen: [Int] = []
      var untouchedConversions = 0
      for (c, r) in order {
        let (_, phase, touches) = rows[c].rows[r]
        if var st = state[c] {
          if st.done { continue }
          if s.phases[phase].isConversion && st.phase != phase {
            st.done = true
            if st.path.isEmpty { untouchedConversions += 1 } else { expected.append(st.path, conversions: 1, nulls: 0, value: s.phases[phase].value) }
            st.path = []
            state[c] = st
            continue
          }
          st.phase = phase
          st.path += touches.prefix(PathTable.maxPathLength - st.path.count)
          state[c] = st
        } else {
          seen.append(c)
          state[c] = (phase, Array(touches.prefix(PathTable.maxPathLength)), false)
        }
      }
      var untouchedNulls = 0
      for c in seen where !state[c]!.done {
        if state[c]!.path.isEmpty { untouchedNulls += 1 } else { expected.append(state[c]!.path, conversions: 0, nulls: 1, value: 0) }
      }
      let p = try parseLog(text, scenario: s)
      #expect(p.customers == rows.count)
      #expect(p.untouchedConversions == untouchedConversions)
      #expect(p.untouchedNulls == untouchedNulls)
      #expect(p.table.count == expected.count, "seed \(seed)")
      let differing = (0..<min(p.table.count, expected.count)).first { r in
        p.table.path(r) != expected.path(r) || p.table.conversions[r] != expected.conversions[r]
          || p.table.nulls[r] != expected.nulls[r] || p.table.values[r] != expected.values[r]
      }
      #expect(differing == nil, "seed \(seed): the first row that differs")
      #expect((0..<p.table.count).contains { p.table.path($0).count == PathTable.maxPathLength })
    }
  }

  /// A bad row among plain ones is reported by the tokenizer's reading, with its line and
  /// column, whichever row before it the plain-row decoder took.
  @Test func errorsAmongPlainRowsNameTheirLineAndColumn() throws {
    let s = try tinyScenario()
    let head = "customer_id,period,phase,channels\n1,0,unaware,tv\n2,0,unaware,\n"
    let cases: [(String, Int, Int, String)] = [
      ("1,1,aware,radio\n", 4, 11, "unknown channel 'radio'"),
      ("1,1,awake,tv\n", 4, 5, "unknown phase 'awake'"),
      ("1,x,aware,tv\n", 4, 3, "'x' is not a period"),
      ("1,100000,aware,tv\n", 4, 3, "period 100000 is out of range; expected a whole number from 0 to 99999"),
      ("3,20240105,aware,tv\n", 4, 3, "period 20240105 is out of range"),
      ("2,1,aware,\n1,0,aware,\n", 5, 3, "period 0 of customer '1' does not follow period 0"),
    ]
    for (rows, line, column, fragment) in cases {
      do {
        _ = try parseLog(head + rows, scenario: s)
        Issue.record("accepted \(rows)")
      } catch {
        #expect(error.line == line, "\(rows): \(error)")
        #expect(error.column == column, "\(rows): \(error)")
        #expect(error.message.contains(fragment), "\(rows): \(error)")
      }
    }
  }

  @Test func periodsMustIncrease() {
    #expect(throws: InputError.self) {
      _ = try parseLog(
        "customer_id,period,phase,channels\n1,1,unaware,\n1,1,aware,\n",
        scenario: try tinyScenario())
    }
  }
}

extension PathSpeedPathsTests.SplitMix {
  mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
