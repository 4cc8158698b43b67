import Foundation
import JourneyModel
import Testing

@testable import JourneyEstimation

struct JourneyLogReaderTests {
  let vocabulary = Vocabulary(phases: ["a", "b", "c"], channels: ["x", "y"])

  func read(_ text: String, _ vocabulary: Vocabulary? = nil) throws -> JourneyLogSummary {
    try JourneyLogReader.read(bytes: Array(text.utf8), file: "log.csv", vocabulary: vocabulary ?? self.vocabulary)
  }

  func firstError(_ text: String, _ vocabulary: Vocabulary? = nil) -> String? {
    do {
      _ = try read(text, vocabulary)
      return nil
    } catch let e as InputErrors {
      return e.errors.first?.description
    } catch {
      return "\(error)"
    }
  }

  @Test func countsTransitionsPeriodMajor() throws {
    let s = try read("customer_id,period,phase,channels\n1,0,a,x\n2,0,a,\n1,1,b,x;y\n2,1,a,y\n1,2,c,\n2,2,b,\n")
    #expect(s.rows == 6)
    #expect(s.customers == 2)
    #expect(s.training.transitions == 4)
    #expect(s.training.counts[.init(origin: 0, target: 1, pattern: 1)] == 1)
    #expect(s.training.counts[.init(origin: 1, target: 2, pattern: 3)] == 1)
    #expect(s.training.counts[.init(origin: 0, target: 0, pattern: 0)] == 1)
    #expect(s.training.counts[.init(origin: 0, target: 1, pattern: 2)] == 1)
  }

  @Test func customerMajorOrderGivesTheSameCounts() throws {
    let a = try read("customer_id,period,phase,channels\n1,0,a,x\n2,0,a,\n1,1,b,x;y\n2,1,a,y\n1,2,c,\n2,2,b,\n")
    let b = try read("customer_id,period,phase,channels\n1,0,a,x\n1,1,b,x;y\n1,2,c,\n2,0,a,\n2,1,a,y\n2,2,b,\n")
    #expect(a.training == b.training)
  }

  @Test func crlfQuotedFieldsExtraColumnsAndColumnOrder() throws {
    let text = "region,channels,phase,customer_id,period\r\n"
      + "\"north, east\",\"x;y\",a,\"c-1\",0\r\n"
      + "south,\"\",\"a\",c-2,0\r\n"
      + "\"say \"\"hi\"\"\",y,b,c-1,1\r\n"
      + "south,x,a,c-2,1\r\n"
    let s = try read(text)
    #expect(s.rows == 4)
    #expect(s.training.counts[.init(origin: 0, target: 1, pattern: 3)] == 1)
    #expect(s.training.counts[.init(origin: 0, target: 0, pattern: 0)] == 1)
  }

  @Test func blockBoundariesDoNotMatter() throws {
    // The same log read from a file in small blocks and from memory.
    var text = "customer_id,period,phase,channels\r\n"
    for t in 0..<30 { for c in 0..<20 { text += "\(c),\(t),\(t % 3 == 0 ? "a" : "b"),\"\(c % 2 == 0 ? "x" : "x;y")\"\r\n" } }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("journey-blocks-\(getpid()).csv").path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let fromFile = try JourneyLogReader.read(path: path, vocabulary: vocabulary)
    let fromMemory = try read(text)
    #expect(fromFile.training == fromMemory.training)
    #expect(fromFile.training.transitions == 29 * 20)
  }

  @Test func infersVocabularyInFirstSeenOrder() throws {
    let s = try read("customer_id,period,phase,channels\n1,0,new,tv\n1,1,old,search;tv\n", .inferred)
    #expect(s.vocabulary.phases == ["new", "old"])
    #expect(s.vocabulary.channels == ["tv", "search"])
  }

  @Test func holdoutSplitsByCustomer() throws {
    var text = "customer_id,period,phase,channels\n"
    for c in 0..<1000 { text += "\(c),0,a,\n\(c),1,b,\n" }
    let s = try JourneyLogReader.read(bytes: Array(text.utf8), file: "log.csv", vocabulary: vocabulary, holdoutFraction: 0.2)
    #expect(s.training.transitions + s.holdout.transitions == 1000)
    #expect(abs(s.holdout.transitions - 200) < 50)
  }

  @Test func missingColumn() {
    #expect(firstError("customer_id,period,channels\n1,0,x\n")
      == "log.csv:1: phase: missing column 'phase'; expected a header with customer_id, period, phase and channels (found: customer_id, period, channels)")
  }

  @Test func badPeriod() {
    #expect(firstError("customer_id,period,phase,channels\n1,0,a,\n1,one,a,\n")
      == "log.csv:3: period: 'one' is not a period; expected a whole number from 0 to 99999 (the period counted from the start of the history, not a date)")
  }

  /// Periods are 0 to 99,999: a date written as a period is an error naming the line.
  @Test func periodOutOfRange() {
    for (bad, line) in [("20240105", 2), ("100000", 2), ("000000000100000", 2)] {
      #expect(firstError("customer_id,period,phase,channels\n1,\(bad),a,\n")?.hasPrefix("log.csv:\(line): period:") == true)
    }
    #expect(firstError("customer_id,period,phase,channels\n1,20240105,a,\n")
      == "log.csv:2: period: period 20240105 is out of range; expected a whole number from 0 to 99999 (the period counted from the start of the history, not a date)")
    // The last period is read; its next one is not.
    #expect(firstError("customer_id,period,phase,channels\n1,99998,a,\n1,99999,b,\n") == nil)
    #expect(firstError("customer_id,period,phase,channels\n1,99999,a,\n1,100000,b,\n")
      == "log.csv:3: period: period 100000 is out of range; expected a whole number from 0 to 99999 (the period counted from the start of the history, not a date)")
  }

  /// The accumulator refuses a period out of range and counts nothing of it.
  @Test func accumulatorRefusesPeriodsOutOfRange() {
    var acc = TransitionAccumulator(vocabulary: vocabulary)
    let k = acc.customer(id: "1")
    #expect(acc.observe(customer: k, period: -1, phase: 0, pattern: 0) == .periodOutOfRange)
    #expect(acc.observe(customer: k, period: TransitionAccumulator.periodLimit, phase: 0, pattern: 0) == .periodOutOfRange)
    #expect(acc.observe(customer: k, period: TransitionAccumulator.periodLimit - 1, phase: 0, pattern: 1) == .counted)
    let s = acc.finish()
    #expect(s.rows == 1 && s.firstPeriod == 99_999 && s.lastPeriod == 99_999)
    #expect(s.exposure == ExposureCounts(periods: [99_999], customers: [1], exposed: [[1, 0]], phases: [[1, 0, 0]]))
  }

  /// The exposure counts hold the periods with rows only: two customers 99,998 periods
  /// apart give four periods, not 100,000 (their size grows with the periods met).
  @Test func exposureCountsHoldThePeriodsMet() throws {
    let s = try read("customer_id,period,phase,channels\n1,0,a,x\n1,1,b,\n2,99998,a,y\n2,99999,c,x;y\n3,99999,a,\n")
    #expect(s.firstPeriod == 0 && s.lastPeriod == 99_999)
    #expect(s.exposure.periods == [0, 1, 99_998, 99_999])
    #expect(s.exposure.customers == [1, 1, 1, 2])
    #expect(s.exposure.exposed == [[1, 0], [0, 0], [0, 1], [1, 1]])
    #expect(s.exposure.phases == [[1, 0, 0], [0, 1, 0], [1, 0, 0], [1, 0, 1]])
    #expect(s.channelRows == [2, 2])
    #expect(s.endCounts == [1, 0, 1])
    // Periods without rows are left out however the counts are made.
    #expect(ExposureCounts(periods: [3, 4, 5], customers: [2, 0, 1], exposed: [[1], [0], [1]]).periods == [3, 5])
  }

  @Test func unknownPhase() {
    #expect(firstError("customer_id,period,phase,channels\n1,0,a,\n1,1,trial,\n")
      == "log.csv:3: phase: unknown phase 'trial'; expected one of: a, b, c")
  }

  @Test func unknownChannel() {
    #expect(firstError("customer_id,period,phase,channels\n1,0,a,x;tv\n")
      == "log.csv:2: channels: unknown channel 'tv'; expected a ';'-separated list of: x, y")
  }

  @Test func duplicateRow() {
    #expect(firstError("customer_id,period,phase,channels\n1,0,a,\n2,0,a,\n1,0,a,\n")
      == "log.csv:4: period: customer '1' has period 0 twice (also on line 2); expected one row per customer and period")
  }

  @Test func gapInPeriods() {
    #expect(firstError("customer_id,period,phase,channels\n7,0,a,\n7,2,a,\n")
      == "log.csv:3: period: customer '7': period 2 follows period 0 (line 2); expected period 1: each customer's periods must increase by exactly 1")
  }

  @Test func periodsGoingBack() {
    #expect(firstError("customer_id,period,phase,channels\nk,3,a,\nk,4,a,\nk,1,a,\n")
      == "log.csv:4: period: customer 'k': period 1 follows period 4 (line 3); expected period 5: each customer's periods must increase by exactly 1")
  }

  /// Names are kept as text: a phase, channel or segment met for the first time whose
  /// bytes are not UTF-8 is reported (two such names of different bytes would read alike,
  /// and did become two phases of the same name).
  @Test func namesThatAreNotUTF8() throws {
    func errors(_ rows: [[UInt8]], header: String = "customer_id,period,phase,channels") -> [String] {
      let bytes = Array((header + "\n").utf8) + rows.flatMap { $0 + [10] }
      do {
        _ = try JourneyLogReader.read(bytes: bytes, file: "log.csv", vocabulary: .inferred)
        return []
      } catch {
        return error.errors.map(\.description)
      }
    }
    let row = { (id: String, phase: [UInt8], channels: [UInt8]) in Array("\(id),0,".utf8) + phase + [44] + channels }
    #expect(
      errors([row("1", [0x61, 0xFF], []), row("2", [0x61, 0xFE], [])]) == [
        "log.csv:2: phase: phase 'a\\u{fffd}' is not valid UTF-8 text; expected a name in UTF-8",
        "log.csv:3: phase: phase 'a\\u{fffd}' is not valid UTF-8 text; expected a name in UTF-8",
      ])
    #expect(
      errors([row("1", Array("a".utf8), [0x78, 0xC3]), row("2", Array("é".utf8), Array("x;é".utf8))]) == [
        "log.csv:2: channels: channel 'x\\u{fffd}' is not valid UTF-8 text; expected a name in UTF-8"
      ])
    #expect(
      errors([Array("1,0,a,,".utf8) + [0xED, 0xA0, 0x80]], header: "customer_id,period,phase,channels,segment") == [
        "log.csv:2: segment: segment '\\u{fffd}\\u{fffd}\\u{fffd}' is not valid UTF-8 text; expected a name in UTF-8"
      ])
    // Ids are bytes, not names: any bytes are fine.
    let ids = try JourneyLogReader.read(
      bytes: Array("customer_id,period,phase,channels\n".utf8) + [0xFF, 0x2C, 0x30, 0x2C, 0x61, 0x2C, 10], file: "log.csv",
      vocabulary: .inferred)
    #expect(ids.customers == 1 && ids.vocabulary.phases == ["a"])
  }

  @Test func emptyFile() {
    #expect(firstError("")
      == "log.csv: the journey log is empty; expected a header row customer_id,period,phase,channels and one row per customer and period")
  }

  @Test func headerOnly() {
    #expect(firstError("customer_id,period,phase,channels\r\n")
      == "log.csv:1: the journey log has a header but no rows; expected one row per customer and period")
  }

  @Test func collectsSeveralErrorsWithKinds() throws {
    let e = #expect(throws: InputErrors.self) {
      _ = try read("customer_id,period,phase,channels\n1,x,a,\n2,0,zz,\n3,0,a,q\n")
    }
    #expect(e?.errors.map(\.kind) == [.type, .unknownName, .unknownName])
    #expect(e?.errors.map(\.line) == [2, 3, 4])
  }
}

struct CustomerMemoryTests {
  let vocabulary = Vocabulary(phases: ["a", "b"], channels: ["x"])

  /// Two customers with huge numeric ids: the table holds two customers, not a slot per id value.
  @Test func hugeNumericIdsCostNoMoreThanSmallOnes() throws {
    let huge = try JourneyLogReader.read(
      bytes: Array("customer_id,period,phase,channels\n10000000,0,a,\n268435455,0,a,\n10000000,1,b,\n".utf8), file: "log.csv",
      vocabulary: vocabulary)
    let small = try JourneyLogReader.read(
      bytes: Array("customer_id,period,phase,channels\n1,0,a,\n2,0,a,\n1,1,b,\n".utf8), file: "log.csv", vocabulary: vocabulary)
    #expect(huge.customers == 2)
    #expect(huge.training == small.training)
    #expect(huge.customerTableBytes < 4_096)
    #expect(huge.customerTableBytes <= small.customerTableBytes + 64)
  }

  /// Memory grows with the number of distinct customers: 20,000 customers with ids spread
  /// over 2·10¹⁵ take well under 100 bytes each.
  @Test func tableGrowsWithDistinctCustomers() throws {
    var text = "customer_id,period,phase,channels\n"
    for t in 0..<2 { for c in 0..<20_000 { text += "\(c * 100_000_000_007),\(t),\(t == 0 ? "a" : "b"),x\n" } }
    let s = try JourneyLogReader.read(bytes: Array(text.utf8), file: "log.csv", vocabulary: vocabulary)
    #expect(s.customers == 20_000)
    #expect(s.training.transitions == 20_000)
    #expect(s.customerTableBytes < 20_000 * 150)
  }

  @Test func accumulatorCountsStatesFromAnySource() {
    var acc = TransitionAccumulator(vocabulary: vocabulary)
    let k = acc.customer(id: "c-17")
    #expect(acc.observe(customer: k, period: 4, phase: 0, pattern: 1) == .counted)
    #expect(acc.observe(customer: k, period: 5, phase: 1, pattern: 0, line: 9) == .counted)
    #expect(acc.observe(customer: k, period: 5, phase: 1, pattern: 0) == .repeatedPeriod(line: 9))
    #expect(acc.observe(customer: k, period: 8, phase: 1, pattern: 0) == .notConsecutive(previous: 5, line: 9))
    #expect(acc.customer(id: "c-17") == k)
    #expect(acc.customerCount == 1)
    let s = acc.finish()
    #expect(s.training.counts == [.init(origin: 0, target: 1, pattern: 1): 1])
    #expect(s.firstPeriod == 4)
  }

  @Test func formulaGuardsWrittenByTheSimulatorAreUndone() throws {
    let v = Vocabulary(phases: ["=a", "b"], channels: ["-x", "y"])
    let s = try JourneyLogReader.read(
      bytes: Array("customer_id,period,phase,channels\n1,0,'=a,'-x;y\n1,1,b,\n".utf8), file: "log.csv", vocabulary: v)
    #expect(s.training.counts == [.init(origin: 0, target: 1, pattern: 3): 1])
    let inferred = try JourneyLogReader.read(
      bytes: Array("customer_id,period,phase,channels\n1,0,'=a,'-x;y\n".utf8), file: "log.csv", vocabulary: .inferred)
    #expect(inferred.vocabulary.phases == ["=a"])
    #expect(inferred.vocabulary.channels == ["-x", "y"])
  }

  @Test func unterminatedQuoteAndOverlongFieldStopWithTheLine() {
    func error(_ text: String) -> String? {
      do {
        _ = try JourneyLogReader.read(bytes: Array(text.utf8), file: "log.csv", vocabulary: vocabulary)
        return nil
      } catch {
        return error.errors.last?.description
      }
    }
    #expect(error("customer_id,period,phase,channels\n1,0,a,\n1,1,\"b,\n")
      == "log.csv:3: unterminated quoted field; expected a closing '\"'")
    let long = error("customer_id,period,phase,channels\n1,0,\(String(repeating: "z", count: 100_000)),\n") ?? ""
    #expect(long.hasPrefix("log.csv:2: field 3: a field of 100000 bytes"))
    #expect(long.count < 300)
  }
}
