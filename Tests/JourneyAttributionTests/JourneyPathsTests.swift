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

  @Test func periodsMustIncrease() {
    #expect(throws: InputError.self) {
      _ = try parseLog(
        "customer_id,period,phase,channels\n1,1,unaware,\n1,1,aware,\n",
        scenario: try tinyScenario())
    }
  }
}
