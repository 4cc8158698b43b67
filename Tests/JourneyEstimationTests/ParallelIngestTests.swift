import Foundation
import JourneyFormats
import JourneyModel
import JourneySimulation
import Testing
import _JourneyTestSupport

@testable import JourneyEstimation

/// The journey log read in parallel chunks gives exactly the one-thread summary, and the
/// same fit bit for bit, whatever the number of chunks and wherever the cuts fall.
struct ParallelIngestTests {
  /// Writes `bytes` to a temporary file for the duration of `body`.
  func withFile<T>(_ bytes: [UInt8], _ body: (String) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("parallel-\(getpid())-\(UUID().uuidString).csv").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
  }

  /// Every field of the summary the fit and the reports use.
  func expectSame(_ a: JourneyLogSummary, _ b: JourneyLogSummary, _ note: Comment = "") {
    #expect(a.vocabulary == b.vocabulary, note)
    #expect(a.training == b.training, note)
    #expect(a.holdout == b.holdout, note)
    #expect(a.rows == b.rows, note)
    #expect(a.customers == b.customers, note)
    #expect(a.firstPeriod == b.firstPeriod && a.lastPeriod == b.lastPeriod, note)
    #expect(a.initialPhases == b.initialPhases && a.arrivalPhases == b.arrivalPhases, note)
    #expect(a.endCounts == b.endCounts && a.endSegmentCounts == b.endSegmentCounts, note)
    #expect(a.channelRows == b.channelRows, note)
    #expect(a.exposure == b.exposure, note)
    #expect(a.segments == b.segments && a.segmentCustomers == b.segmentCustomers, note)
    #expect(a.segmentTraining == b.segmentTraining && a.segmentHoldout == b.segmentHoldout, note)
  }

  /// Two chunks of the file at `path` (`size` bytes) cut at every byte give `reference`.
  func expectEveryCut(
    _ path: String, _ size: Int, _ vocabulary: Vocabulary, holdout: Double, reference: JourneyLogSummary
  ) throws {
    for cut in 1..<size {
      let many = try #require(
        JourneyLogReader.readInChunks(path: path, vocabulary: vocabulary, holdoutFraction: holdout, cuts: [0, cut, Int.max]),
        "cut at \(cut)")
      expectSame(reference, many, "cut at \(cut)")
    }
  }

  /// Cuts splitting `size` bytes into `chunks` equal parts.
  func cuts(_ size: Int, _ chunks: Int) -> [Int] {
    [0] + (1..<chunks).map { $0 * size / chunks } + [Int.max]
  }

  @Test(arguments: [(false, 0.0), (true, 0.0), (true, 0.25)])
  func shippedLogAnyThreadCount(inferred: Bool, holdout: Double) throws {
    let path = RepositoryFiles.root.appendingPathComponent("scenarios/history/word-of-mouth-journeys.csv").path
    let model = try RepositoryFiles.scenario("word-of-mouth.yaml")
    let vocabulary = inferred ? Vocabulary.inferred : Vocabulary(model: model)
    let one = try JourneyLogReader.read(path: path, vocabulary: vocabulary, holdoutFraction: holdout, threads: 1)
    let size = try #require(JourneyLogReader.fileSize(path))
    let fitOne = try TransitionFit.fit(one, model: inferred ? nil : model, file: path)
    for threads in [1, 2, 3, 7] {
      let many = try #require(
        JourneyLogReader.readInChunks(path: path, vocabulary: vocabulary, holdoutFraction: holdout, cuts: cuts(size, threads)))
      expectSame(one, many, "\(threads) threads")
      let fitMany = try TransitionFit.fit(many, model: inferred ? nil : model, file: path)
      #expect(fitOne.parameters.map(\.estimate) == fitMany.parameters.map(\.estimate), "\(threads) threads")
      #expect(fitOne.parameters.map(\.standardError) == fitMany.parameters.map(\.standardError))
      #expect(fitOne.logLikelihood == fitMany.logLikelihood)
    }
  }

  @Test func segmentedSimulatedLog() throws {
    let scenario = try RepositoryFiles.scenario("b2c.yaml", size: 3_000)
    let log = MemoryLog()
    _ = try Simulator.run(scenario, engine: .individual, seed: 7, threads: 1, journeyLog: log)
    for vocabulary in [Vocabulary(model: scenario), .inferred] {
      let one = try JourneyLogReader.read(bytes: log.bytes, file: "log.csv", vocabulary: vocabulary, holdoutFraction: 0.2)
      try withFile(log.bytes) { path in
        for threads in [2, 3, 7] {
          let many = try #require(
            JourneyLogReader.readInChunks(
              path: path, vocabulary: vocabulary, holdoutFraction: 0.2, cuts: cuts(log.bytes.count, threads)))
          expectSame(one, many, "\(threads) threads")
        }
      }
    }
  }

  /// Quoted ids holding line feeds and quotes, CRLF line endings, blank lines, a byte order
  /// mark, customer-major and period-major rows: cut at every byte, the chunks still merge
  /// into the one-thread summary.
  @Test func cutsInsideQuotedFieldsAndCRLFPairs() throws {
    var text = "\u{FEFF}customer_id,period,phase,channels\r\n"
    for t in 0..<4 {
      for c in 0..<6 {
        let id = c % 2 == 0 ? "\"c\n,\(c)\"\"\r\n\"" : "id\(c)"
        let phase = ["a", "b", "\"c\"", "d"][(c + t) % 4]
        let channels = ["", "x", "\"x;y\"", "y"][(c * t) % 4]
        text += "\(id),\(t),\(phase),\(channels)\r\n"
        if c == 3 && t == 1 { text += "\r\n  \r\n" }
      }
    }
    text += "tail,0,a,x"  // no final line ending
    let bytes = Array(text.utf8)
    for vocabulary in [Vocabulary(phases: ["a", "b", "c", "d"], channels: ["x", "y"]), .inferred] {
      let one = try JourneyLogReader.read(bytes: bytes, file: "log.csv", vocabulary: vocabulary)
      #expect(one.customers == 7)
      try withFile(bytes) { path in
        try expectEveryCut(path, bytes.count, vocabulary, holdout: 0, reference: one)
        for cut in stride(from: 1, to: bytes.count - 40, by: 7) {
          let many = try #require(
            JourneyLogReader.readInChunks(
              path: path, vocabulary: vocabulary, holdoutFraction: 0, cuts: [0, cut, cut + 13, cut + 40, Int.max]))
          expectSame(one, many, "cuts at \(cut)")
        }
      }
    }
  }

  /// A row that breaks the rules in a later chunk, or across chunks: the chunked reading
  /// gives up and the one-thread reading reports the error with its line, as before.
  @Test func errorsFallBackToTheOneThreadReading() throws {
    var text = "customer_id,period,phase,channels\n"
    for t in 0..<3 { for c in 0..<50 { text += "\(c),\(t),a,x\n" } }
    text += "7,5,a,x\n"  // period 5 after period 2
    let bytes = Array(text.utf8)
    let vocabulary = Vocabulary(phases: ["a"], channels: ["x"])
    try withFile(bytes) { path in
      #expect(JourneyLogReader.readInChunks(path: path, vocabulary: vocabulary, holdoutFraction: 0, cuts: cuts(bytes.count, 3)) == nil)
      let e = #expect(throws: InputErrors.self) {
        _ = try JourneyLogReader.read(path: path, vocabulary: vocabulary, threads: 3)
      }
      #expect(e?.errors.map(\.line) == [152])
      #expect(e?.errors.first?.description.contains("period 5 follows period 2 (line 109)") == true)
    }
  }

  /// Ids held by their first 8 bytes alone (up to 8 bytes, none zero) and ids held whole
  /// (9 bytes and more, a zero byte, quoted ids that look alike), customers arriving in
  /// later periods and customers met only in later chunks: every cut gives the one-thread
  /// summary, and the ids keep their numbers.
  @Test func idFormsAndArrivalsAcrossChunks() throws {
    let ids = ["1", "12345678", "123456789", "a", "ab", "\"ab\u{0}\"", "\"a\u{0}b\"", "abcdefghijklmnop", "\"\"\"q\"", "x y"]
    var text = "customer_id,period,phase,channels\n"
    for t in 0..<5 {
      for (c, id) in ids.enumerated() where c <= t + 5 {
        text += "\(id),\(t + (c == 9 ? 10 : 0)),\(["a", "b", "c"][(c + t) % 3]),\(["", "x", "x;y"][(c * t) % 3])\n"
      }
    }
    let bytes = Array(text.utf8)
    for vocabulary in [Vocabulary(phases: ["a", "b", "c"], channels: ["x", "y"]), .inferred] {
      let one = try JourneyLogReader.read(bytes: bytes, file: "log.csv", vocabulary: vocabulary)
      #expect(one.customers == 10)
      #expect(one.initialPhases.reduce(0, +) == 6 && one.arrivalPhases.reduce(0, +) == 4)
      let reference = try JourneyLogReader.read(bytes: bytes, file: "log.csv", vocabulary: vocabulary, holdoutFraction: 0.5)
      try withFile(bytes) { path in try expectEveryCut(path, bytes.count, vocabulary, holdout: 0.5, reference: reference) }
    }
  }
}

/// Later chunks seeded with the customers of the file's start (the first chunk's first
/// bytes): whatever the seed, the chunks merge into the one-thread summary, and the row
/// kernel counts a seeded customer's first row as the general reader does.
struct SeededChunkTests {
  /// A period-major log of 400 customers over 12 periods, with customers arriving in later
  /// periods, ids of 1 to 12 bytes, held-out customers.
  func log() throws -> (bytes: [UInt8], scenario: Scenario) {
    let scenario = try RepositoryFiles.scenario("word-of-mouth.yaml", size: 400)
    let log = MemoryLog()
    _ = try Simulator.run(scenario, engine: .individual, seed: 11, threads: 1, journeyLog: log)
    var text = String(decoding: log.bytes, as: UTF8.self)
    // Longer ids for every third customer (held whole, not by their first 8 bytes).
    text = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { i, line in
      guard i > 0, let comma = line.firstIndex(of: ","), let n = Int(line[..<comma]), n % 3 == 0 else { return String(line) }
      return "customer-\(n)" + line[comma...]
    }.joined(separator: "\n")
    return (Array(text.utf8), scenario)
  }

  @Test(arguments: [0.0, 0.3])
  func everySeedGivesTheOneThreadSummary(holdout: Double) throws {
    let (bytes, scenario) = try log()
    let parallel = ParallelIngestTests()
    try parallel.withFile(bytes) { path in
      for vocabulary in [Vocabulary(model: scenario), .inferred] {
        let one = try JourneyLogReader.read(bytes: bytes, file: path, vocabulary: vocabulary, holdoutFraction: holdout, fused: false)
        #expect(one.arrivalPhases.reduce(0, +) > 0)
        for kernel in RowKernel.available {
          for threads in [2, 3] {
            let cuts = parallel.cuts(bytes.count, threads)
            for seed in [0, 1, 40, 3_000, cuts[1] / 2, Int.max] {
              let many = try #require(
                JourneyLogReader.readInChunks(
                  path: path, vocabulary: vocabulary, holdoutFraction: holdout, cuts: cuts, seed: seed, kernel: kernel),
                "\(kernel), \(threads) chunks, seed \(seed)")
              parallel.expectSame(one, many, "\(kernel), \(threads) chunks, seed \(seed)")
            }
          }
        }
      }
    }
  }

  /// A reading that starts from seeded customers, with the row kernel (each instance)
  /// and with the general reader alone: the same first states, tallies and counts.
  @Test func kernelCountsFirstRowsOfSeededCustomers() throws {
    let (bytes, scenario) = try log()
    let parallel = ParallelIngestTests()
    try parallel.withFile(bytes) { path in
      // (Names as met: the scenario's own names come with its seasons, which the dense
      // counts and so the kernel leave to the general reader.)
      let vocabulary = Vocabulary.inferred
      #expect(Vocabulary(model: scenario).seasonLength > 0)
      func reading(fused: Bool, kernel: RowKernel) throws -> JourneyLogRows {
        var rows = JourneyLogRows(file: path, vocabulary: vocabulary, holdoutFraction: 0.3, fused: fused, kernel: kernel)
        rows.accumulator.customers.keepsLines = false
        return rows
      }
      func read(_ rows: inout JourneyLogRows, _ range: Range<Int>) throws -> (start: Int, end: Int) {
        try CSVReader.forEachRecord(
          path: path, what: "journey log", range: range, alignStart: false,
          fast: { (b, p, limit, line) throws(InputErrors) in try rows.fusedRecords(b, from: p, upTo: limit, line: &line) },
          { (csv, b) throws(InputErrors) in try rows.record(csv, b) })
      }
      // The start: the header and the first 12,000 bytes (about two periods), so that the
      // rest starts with seeded customers in its earliest period.
      var start = try reading(fused: false, kernel: .baseline)
      let head = try read(&start, 0..<12_000)
      let seeded = start.accumulator.customers.seed()
      #expect(seeded.seeded == start.accumulator.customers.count && seeded.count == seeded.seeded)
      #expect(seeded.seeded > 100)
      // The rest, from the seeded customers, with the header already read.
      var results: [JourneyLogRows] = []
      for (fused, kernel) in [(false, RowKernel.baseline)] + RowKernel.available.map({ (true, $0) }) {
        var rows = try reading(fused: fused, kernel: kernel)
        _ = try read(&rows, 0..<1)
        rows.accumulator.customers = seeded
        _ = try read(&rows, head.end..<bytes.count)
        #expect(rows.errors.isEmpty)
        results.append(rows)
      }
      let reference = results[0].accumulator
      #expect(reference.customerCount > seeded.seeded)  // customers arriving later
      #expect(reference.earliestFirst > 0 && reference.earliestPhases.reduce(0, +) > 100)
      for r in results.dropFirst() {
        let a = r.accumulator
        // (A reading whose kernel adds customers keeps a first state for every record
        // allocated, 0 past its customers.)
        #expect(a.customerCount == reference.customerCount)
        #expect(a.customers.firstStates.prefix(a.customerCount) == reference.customers.firstStates.prefix(reference.customerCount))
        #expect(a.customers.firstStates.dropFirst(a.customerCount).allSatisfy { $0 == 0 })
        #expect(a.firstPhases.reversed().drop(while: { $0 == 0 }).reversed() == reference.firstPhases.reversed().drop(while: { $0 == 0 }).reversed())
        #expect(a.earliestFirst == reference.earliestFirst)
        #expect(a.earliestPhases.reversed().drop(while: { $0 == 0 }).reversed() == reference.earliestPhases.reversed().drop(while: { $0 == 0 }).reversed())
        ParallelIngestTests().expectSame(reference.finish(), a.finish())
      }
    }
  }
}

/// The customer table: ids held by their key or whole, numbered in first-seen order.
struct CustomerTableTests {
  /// A seeded table has the same customers under the same numbers, no states, the same
  /// flags, and adds new customers after them.
  @Test func seedKeepsNumbersAndDropsStates() {
    var a = TransitionAccumulator(vocabulary: Vocabulary(phases: ["p", "q"], channels: ["x"]), holdoutFraction: 0.5)
    let ids = (0..<10_000).map { $0 % 2 == 0 ? "c\($0)" : "a-longer-customer-id-\($0)" }
    for id in ids { _ = a.observe(customer: a.customer(id: id), period: 3, phase: 1, pattern: 1) }
    var seeded = a.customers.seed()
    #expect(seeded.count == ids.count && seeded.seeded == ids.count && seeded.keepsFirstStates && !seeded.keepsLines)
    #expect(seeded.firstStates == [UInt64](repeating: 0, count: ids.count))
    var heldOut = 0
    for (k, id) in ids.enumerated() {
      let r = seeded.records.at(k).pointee
      #expect(r.period == -1 && r.phase == 0 && r.pattern == 0)
      #expect(r.phaseAndFlag & CustomerRecord.flags == a.customers.records.at(k).pointee.phaseAndFlag & CustomerRecord.flags)
      if r.heldOut { heldOut += 1 }
      var text = id
      #expect(text.withUTF8 { seeded.find($0, holdoutFraction: 0.5) } == k)
    }
    #expect(heldOut > 4_000 && heldOut < 6_000)
    var text = "new"
    #expect(text.withUTF8 { seeded.find($0, holdoutFraction: 0.5) } == ids.count)
    // The original is untouched by the seed's changes.
    #expect(a.customers.count == ids.count && a.customers.records.at(0).pointee.period == 3)
  }

  @Test func idsKeepTheirNumbersAndBytes() {
    let ids: [[UInt8]] = [
      [], [0], [0, 0], Array("a".utf8), [97, 0], [0, 97], Array("abcdefgh".utf8), [97, 98, 99, 100, 101, 102, 103, 0],
      Array("abcdefghi".utf8), Array("abcdefgh\u{0}".utf8), Array(repeating: 255, count: 300),
    ]
    var index = CustomerIndex()
    for (k, id) in ids.enumerated() {
      #expect(id.withUnsafeBufferPointer { index.number(of: $0) } == k, "\(id)")
    }
    // Again, and after the table has grown past its first page and index.
    for n in 0..<10_000 { _ = Array("c\(n)".utf8).withUnsafeBufferPointer { index.number(of: $0) } }
    for (k, id) in ids.enumerated() {
      #expect(id.withUnsafeBufferPointer { index.number(of: $0) } == k, "\(id)")
      #expect(Array(index.id(k)) == id)
    }
    #expect(index.count == ids.count + 10_000)
    #expect(Array(index.id(ids.count + 9_999)) == Array("c9999".utf8))
    // Ids of up to 8 bytes without a zero byte take no arena bytes.
    #expect(index.table.idBytes.count == 1 + 2 + 2 + 2 + 8 + 9 + 9 + 300)
  }

  /// Ids that share a slot's tag (the index keeps a few bits of each id's hash beside its
  /// number) are still told apart by their bytes: 300,000 ids, short and long, looked up
  /// again in a shuffled order, keep their numbers, and no id is added twice.
  @Test func manyIdsLookedUpOutOfOrder() {
    let ids = (0..<300_000).map { n in Array((n % 3 == 0 ? "customer-with-a-long-id-\(n)" : "\(n)").utf8) }
    var index = CustomerIndex()
    var wrong = 0
    for (k, id) in ids.enumerated() where id.withUnsafeBufferPointer({ index.number(of: $0) }) != k { wrong += 1 }
    #expect(wrong == 0)
    var rng = SplitMix64(seed: 3, stream: 0)
    var order = Array(ids.indices)
    for i in order.indices.reversed() { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
    for k in order where ids[k].withUnsafeBufferPointer({ index.number(of: $0) }) != k { wrong += 1 }
    #expect(wrong == 0)
    #expect(index.count == ids.count)
  }

  /// A copied accumulator is a value: observing through the copy leaves the original as it was.
  @Test func copiesAreIndependent() {
    var a = TransitionAccumulator(vocabulary: Vocabulary(phases: ["p", "q"], channels: ["x"]))
    let k = a.customer(id: "c")
    _ = a.observe(customer: k, period: 0, phase: 0, pattern: 1)
    var b = a
    _ = b.observe(customer: k, period: 1, phase: 1, pattern: 0)
    _ = b.observe(customer: b.customer(id: "d"), period: 1, phase: 0, pattern: 0)
    #expect(a.observe(customer: k, period: 1, phase: 0, pattern: 0) == .counted)
    #expect(a.customerCount == 1 && b.customerCount == 2)
    #expect(a.finish().training.transitions == 1 && b.finish().training.transitions == 1)
    #expect(a.finish().training.rows(from: 0).map(\.target) == [0])
    #expect(b.finish().training.rows(from: 0).map(\.target) == [1])
  }
}
