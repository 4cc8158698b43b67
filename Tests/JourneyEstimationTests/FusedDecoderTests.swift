import Foundation
import JourneyModel
import JourneySimulation
import Testing
import _JourneyTestSupport

@testable import JourneyEstimation

/// The journey-log reader's fused decoder gives exactly what the tokenizer path gives (every
/// count of the summary, the fit bit for bit, the same errors with the same lines), and
/// hands every row it does not take to that path.
struct FusedDecoderTests {
  let parallel = ParallelIngestTests()

  /// Reads `bytes` with and without the fused decoder, in memory, on one thread from a file
  /// and in 2, 3 and 7 chunks; expects the same summary or the same errors.
  func expectSameReadings(_ bytes: [UInt8], _ vocabulary: Vocabulary, holdout: Double = 0, _ note: Comment = "") throws {
    func reading(_ body: () throws -> JourneyLogSummary) -> Result<JourneyLogSummary, InputErrors> {
      do { return .success(try body()) } catch let e as InputErrors { return .failure(e) } catch { return .failure(InputErrors([])) }
    }
    let general = reading {
      try JourneyLogReader.read(bytes: bytes, file: "log.csv", vocabulary: vocabulary, holdoutFraction: holdout, fused: false)
    }
    let fused = reading {
      try JourneyLogReader.read(
        bytes: bytes, file: "log.csv", vocabulary: vocabulary, holdoutFraction: holdout, fused: true, kernel: .baseline)
    }
    switch (general, fused) {
    case (.success(let a), .success(let b)):
      parallel.expectSame(a, b, note)
      // Every other instance of the row kernel this CPU runs (AVX-512) reads the same.
      for kernel in RowKernel.available where kernel != .baseline {
        let other = try JourneyLogReader.read(
          bytes: bytes, file: "log.csv", vocabulary: vocabulary, holdoutFraction: holdout, fused: true, kernel: kernel)
        parallel.expectSame(a, other, "\(note) \(kernel)")
      }
      try parallel.withFile(bytes) { path in
        for threads in [1, 2, 3, 7] {
          let file = try JourneyLogReader.read(path: path, vocabulary: vocabulary, holdoutFraction: holdout, threads: threads)
          parallel.expectSame(a, file, "\(note) \(threads) threads")
          if threads > 1 {
            let chunks = try #require(
              JourneyLogReader.readInChunks(
                path: path, vocabulary: vocabulary, holdoutFraction: holdout, cuts: parallel.cuts(bytes.count, threads)))
            parallel.expectSame(a, chunks, "\(note) \(threads) chunks")
          }
        }
      }
    case (.failure(let a), .failure(let b)):
      #expect(a.errors.map(\.description) == b.errors.map(\.description), note)
      #expect(!a.errors.isEmpty, note)
      for kernel in RowKernel.available where kernel != .baseline {
        guard case .failure(let c) = reading({
          try JourneyLogReader.read(
            bytes: bytes, file: "log.csv", vocabulary: vocabulary, holdoutFraction: holdout, fused: true, kernel: kernel)
        }) else {
          Issue.record("the \(kernel) row kernel read what the baseline one rejects \(note)")
          continue
        }
        #expect(a.errors.map(\.description) == c.errors.map(\.description), "\(note) \(kernel)")
      }
    default:
      Issue.record("one reading failed, the other did not: \(general) / \(fused) \(note)")
    }
  }

  @Test(arguments: [false, true])
  func shippedLogWithAndWithoutFusedDecoder(inferred: Bool) throws {
    let path = RepositoryFiles.root.appendingPathComponent("scenarios/history/word-of-mouth-journeys.csv").path
    let model = try RepositoryFiles.scenario("word-of-mouth.yaml")
    let vocabulary = inferred ? Vocabulary.inferred : Vocabulary(model: model)
    let general = try JourneyLogReader.read(path: path, vocabulary: vocabulary, holdoutFraction: 0.25, threads: 1, fused: false)
    let fitGeneral = try TransitionFit.fit(general, model: inferred ? nil : model, file: path)
    for threads in [1, 2, 3, 7] {
      let fused = try JourneyLogReader.read(path: path, vocabulary: vocabulary, holdoutFraction: 0.25, threads: threads, fused: true)
      parallel.expectSame(general, fused, "\(threads) threads")
      let fit = try TransitionFit.fit(fused, model: inferred ? nil : model, file: path)
      #expect(fit.parameters.map(\.estimate) == fitGeneral.parameters.map(\.estimate))
      #expect(fit.parameters.map(\.standardError) == fitGeneral.parameters.map(\.standardError))
      #expect(fit.logLikelihood == fitGeneral.logLikelihood)
    }
  }

  @Test(arguments: ["b2c.yaml", "word-of-mouth.yaml", "bench.yaml"])
  func simulatedLogs(scenario name: String) throws {
    let scenario = try RepositoryFiles.scenario(name, size: 2_000)
    let log = MemoryLog()
    _ = try Simulator.run(scenario, engine: .individual, seed: 11, threads: 1, journeyLog: log)
    for vocabulary in [Vocabulary(model: scenario), .inferred] {
      try expectSameReadings(log.bytes, vocabulary, holdout: 0.2, "\(name)")
      let general = try JourneyLogReader.read(bytes: log.bytes, file: "log.csv", vocabulary: vocabulary, holdoutFraction: 0, fused: false)
      let fused = try JourneyLogReader.read(bytes: log.bytes, file: "log.csv", vocabulary: vocabulary, holdoutFraction: 0, fused: true)
      let model = vocabulary.isInferred ? nil : scenario
      let a = try TransitionFit.fit(general, model: model, file: "log.csv")
      let b = try TransitionFit.fit(fused, model: model, file: "log.csv")
      #expect(a.parameters.map(\.estimate) == b.parameters.map(\.estimate), "\(name)")
      #expect(a.logLikelihood == b.logLikelihood, "\(name)")
    }
  }

  /// A period-major log whose rows are written in every way the fused decoder leaves to
  /// the tokenizer (quotes, spaces and tabs to trim, CRLF, formula guards, empty and
  /// repeated channel separators, ids longer than a fused row, extra columns, blank lines),
  /// mixed at random with plain rows; the readings agree for any mix and thread count.
  @Test(arguments: [1, 2, 3, 4, 5])
  func everyFallbackMixedWithPlainRows(seed: UInt64) throws {
    var rng = SplitMix64(seed: seed, stream: 0)
    let phases = ["unaware", "aware", "considering-long-name", "x"]
    let channels = ["tv", "search", "a-channel-name-longer-than-16", "e"]
    let segmented = seed % 2 == 0
    let extra = seed % 3 == 0
    var text = seed == 1 ? "\u{FEFF}" : ""
    text += segmented ? "segment,channels,customer_id,phase,period" : "customer_id,period,phase,channels"
    text += extra ? ",note\n" : "\n"
    let customers = 60
    let longID = String(repeating: "L", count: 300)
    for t in 0..<12 {
      for c in 0..<customers {
        func decorate(_ field: String, _ quotable: Bool = true) -> String {
          switch rng.next() % 16 {
          case 0 where quotable: return "\"\(field)\""
          case 1: return " \(field)"
          case 2: return "\(field)\t"
          default: return field
          }
        }
        var id = c == 7 ? longID : c == 8 ? "'=id8" : "c\(c)"
        if c == 9 { id = "\"id, with \"\"quotes\"\"\"" } else { id = decorate(id) }
        let phase = decorate(phases[Int((UInt64(c * 7 + t) &* 2_654_435_761 >> 3) % UInt64(phases.count))])
        var pattern: [String] = []
        for (k, name) in channels.enumerated() where (c + t + k) % 3 == 0 { pattern.append(name) }
        var list = pattern.joined(separator: rng.next() % 8 == 0 ? ";;" : ";")
        if rng.next() % 10 == 0 { list += ";" }
        if rng.next() % 12 == 0 { list = "'" + list }
        let channelsField = rng.next() % 9 == 0 ? "\"\(list)\"" : decorate(list, false)
        let period = rng.next() % 20 == 0 ? " \(t)" : "\(t)"
        let segment = decorate(c % 3 == 0 ? "north" : "south")
        var row = segmented ? "\(segment),\(channelsField),\(id),\(phase),\(period)" : "\(id),\(period),\(phase),\(channelsField)"
        if extra { row += rng.next() % 4 == 0 ? ",\"a\nb\"" : ",note \(t)" }
        row += rng.next() % 10 == 0 ? "\r\n" : "\n"
        if rng.next() % 50 == 0 { row += "\n  \n" }
        text += row
      }
    }
    let bytes = Array(text.utf8)
    try expectSameReadings(bytes, .inferred, holdout: 0.3, "seed \(seed)")
    try expectSameReadings(bytes, Vocabulary(phases: phases.reversed(), channels: channels), "seed \(seed) fixed")
  }

  /// Rows that break the rules among plain rows: the same messages on the same lines.
  @Test(arguments: [
    ("c5,3,a,x", "period twice"), ("c5,5,a,x", "gap"), ("c5,1,a,x", "going back"), ("c5,4,zz,x", "unknown phase"),
    ("c5,4,a,x;q", "unknown channel"), (",4,a,x", "empty id"), ("c5,4,,x", "empty phase"), ("c5,4x,a,x", "bad period"),
    ("c5,1234567890123,a,x", "13-digit period"), ("c5,100000,a,x", "period out of range"),
    ("c5,123456789012,a,x", "12-digit period"), ("c5,4,a", "missing field"), ("c5,4,a,x\"y", "quote in a field"),
    ("c5,4,a,x,y", "extra field"), ("c5,4,a,x;y,", "extra empty field"), ("c5,4,a,x y", "space in a channel"),
    ("c5,4,a\t,x", "tab after the phase"), ("c\"5,4,a,x", "quote in the id"), ("c 5,4,a,x", "space in the id"),
    ("c5,4,a,x\r", "carriage return"),
    // Right after a row the kernel hands over (a new customer), with nothing to compare
    // the period's bytes with yet.
    ("new,3,a,x\nc5,\u{0},a,x", "NUL period after a new customer"),
    ("new,3,a,x\nc5,\u{0}\u{0},a,x", "NUL period of two bytes after a new customer"),
  ])
  func errorsAmongPlainRows(bad: String, note: String) throws {
    var text = "customer_id,period,phase,channels\n"
    for t in 0..<6 {
      for c in 0..<40 { text += "c\(c),\(t),\(["a", "b", "c"][(c + t) % 3]),\(["", "x", "x;y", "y"][(c * t) % 4])\n" }
      if t == 3 { text += bad + "\n" }
    }
    let vocabulary = Vocabulary(phases: ["a", "b", "c"], channels: ["x", "y"])
    try expectSameReadings(Array(text.utf8), vocabulary, "\(note)")
    try expectSameReadings(Array(text.utf8), .inferred, "\(note)")
  }

  /// Ids that only a quoted field holds as they are (a space, a tab, a quote, a carriage
  /// return) first read quoted, then written plain with the same bytes: the row kernel
  /// never matches them, and every reading agrees with the general reader's, errors too.
  @Test(arguments: [" ", "\t", "\"", "\r", "\u{1}"])
  func specialIdsQuotedThenPlain(byte: String) throws {
    let special = ["a\(byte)b", "\(byte)lead", "trail\(byte)", "long-id-\(byte)-past-eight-bytes"]
    for plainFrom in [1, 3] {
      var text = "customer_id,period,phase,channels\n"
      for t in 0..<5 {
        for c in 0..<30 { text += "c\(c),\(t),\(["a", "b"][(c + t) % 2]),\(["", "x", "x;y"][(c * t) % 3])\n" }
        for id in special {
          let field = t < plainFrom ? "\"\(id.replacingOccurrences(of: "\"", with: "\"\""))\"" : id
          text += "\(field),\(t),a,x\n"
        }
      }
      let vocabulary = Vocabulary(phases: ["a", "b"], channels: ["x", "y"])
      try expectSameReadings(Array(text.utf8), vocabulary, "byte \(byte.unicodeScalars.first!.value) plain from \(plainFrom)")
      try expectSameReadings(Array(text.utf8), .inferred, holdout: 0.5, "byte \(byte.unicodeScalars.first!.value) inferred")
    }
  }

  /// Periods far apart (past the per-period table: 40 channels make its rows 72 entries
  /// wide, so it spans at most 58,254 periods) and a log written newest period first.
  /// Runs of blank lines longer than twice the record limit (3 MB of line feeds, in the
  /// middle of the log and at its end) are read as the whole bytes are: in memory, from a
  /// file on one thread and in chunks, with the lines after them counted right.
  @Test func blankLinesLongerThanAReadBlock() throws {
    let shipped = try String(contentsOfFile: RepositoryFiles.root.appendingPathComponent("scenarios/history/word-of-mouth-journeys.csv").path, encoding: .utf8)
    var lines = shipped.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let blank = String(repeating: "\n", count: 3_000_000)
    lines.insert(blank, at: lines.count / 2)
    var text = lines.joined(separator: "\n")
    text += blank + "bad,row\n"
    try expectSameReadings(Array(text.utf8), .inferred, "3 MB of blank lines, then a bad row")
    text.removeLast("bad,row\n".utf8.count)
    try expectSameReadings(Array(text.utf8), .inferred, "3 MB of blank lines")
  }

  @Test func farPeriodsAndDescendingPeriods() throws {
    var text = "customer_id,period,phase,channels\n"
    for c in 0..<40 {
      for t in 0..<4 { text += "c\(c),\(t + (c % 2 == 0 ? 0 : 60_000)),\(["a", "b"][(c + t) % 2]),x\(c)\n" }
    }
    try expectSameReadings(Array(text.utf8), .inferred, "far periods")
    var descending = "customer_id,period,phase,channels\n"
    for t in (0..<40).reversed() { for c in 0..<20 { descending += "c\(c)_\(t),\(t),a,\(t % 2 == 0 ? "x" : "")\n" } }
    try expectSameReadings(Array(descending.utf8), .inferred, "descending")
  }

  /// The last period a log may have, 99,999, and one past it among rows the row kernel
  /// counts: the per-period table, grown by doubling, never reaches past the last period,
  /// so every reading rejects period 100,000 with the same message.
  @Test func lastPeriodAmongKernelRows() throws {
    var text = "customer_id,period,phase,channels\n"
    for t in 99_980...99_999 {
      for c in 0..<40 { text += "c\(c),\(t),\(["a", "b", "c"][(c + t) % 3]),\(["", "x", "x;y", "y"][(c * t) % 4])\n" }
    }
    let vocabulary = Vocabulary(phases: ["a", "b", "c"], channels: ["x", "y"])
    try expectSameReadings(Array(text.utf8), vocabulary, "up to the last period")
    let good = try JourneyLogReader.read(bytes: Array(text.utf8), file: "log.csv", vocabulary: vocabulary)
    #expect(good.lastPeriod == 99_999 && good.exposure.periods == Array(99_980...99_999))
    for c in 0..<40 { text += "c\(c),100000,a,x\n" }
    try expectSameReadings(Array(text.utf8), vocabulary, "one period past the last")
    #expect(throws: InputErrors.self) { try JourneyLogReader.read(bytes: Array(text.utf8), file: "log.csv", vocabulary: vocabulary) }
  }

  /// The last period of a log whose latest periods only the row kernel counts: written
  /// customer by customer, periods 3, 5, 6 and 7 fall inside the per-period table as it
  /// grew for periods 1, 2 and 4, so no row of theirs goes through the general reader
  /// (newcomers fill the file's last bytes, which it reads).
  @Test func lastPeriodOfKernelRows() throws {
    for last in 3...7 {
      var text = "customer_id,period,phase,channels\n"
      for c in 0..<50 { for t in 0...last { text += "c\(c),\(t),\(["a", "b"][(c + t) % 2]),x\n" } }
      // Newcomers in period 0 at the end: the last bytes, which the general reader takes.
      for c in 0..<40 { text += "new\(c),0,a,x\n" }
      let bytes = Array(text.utf8)
      for kernel in RowKernel.available {
        let summary = try JourneyLogReader.read(
          bytes: bytes, file: "log.csv", vocabulary: .inferred, holdoutFraction: 0, fused: true, kernel: kernel)
        #expect(summary.firstPeriod == 0 && summary.lastPeriod == last, "\(kernel), periods 0...\(last)")
        #expect(summary.exposure.customers == [90] + Array(repeating: 50, count: last), "\(kernel)")
      }
      try expectSameReadings(bytes, .inferred, "periods 0...\(last)")
    }
  }

  /// Tails that share the slot the row kernel looks at first are all kept in its tail
  /// cache, and so are 1,200 tails in its 4,096 slots: each tail is decoded once, however
  /// the rows alternate between them (a cache that kept a tail in its slot or the next one
  /// decoded some again on every alternation).
  @Test func tailsSharingSlotsAreEachDecodedOnce() throws {
    let phases = ["a", "b", "c", "d"]
    let channels = (0..<16).map { "c\($0)" }
    // Tails of one to three channels (2,784), grouped by their first slot.
    let all = phases.flatMap { phase in
      (1..<(1 << 16)).filter { $0.nonzeroBitCount <= 3 }.map { set in
        "\(phase),\((0..<16).filter { set >> $0 & 1 == 1 }.map { channels[$0] }.joined(separator: ";"))"
      }
    }
    #expect(all.count == 2_784)
    let vocabulary = Vocabulary(phases: phases, channels: channels)
    for kernel in RowKernel.available {
      // (Each instance of the kernel hashes tails its own way.)
      let bySlot = Dictionary(grouping: all) { TailCache.slots(Array($0.utf8), kernel: kernel).first }
      let crowded = try #require(bySlot.values.filter { $0.count >= 3 }.min { $0[0] < $1[0] })
      for tails in [Array(crowded.prefix(3)), Array(all.prefix(1_200))] {
        // Every customer's rows take the tails in turn, period by period.
        var text = "customer_id,period,phase,channels\n"
        let periods = tails.count == 3 ? 40 : 3
        for t in 0..<periods { for c in 0..<Swift.max(30, tails.count) { text += "u\(c),\(t),\(tails[(c + t) % tails.count])\n" } }
        let bytes = Array(text.utf8)
        let rows = try JourneyLogReader.rows(
          bytes: bytes, file: "log.csv", vocabulary: vocabulary, holdoutFraction: 0, fused: true, kernel: kernel)
        #expect(rows.tailMisses == tails.count, "\(kernel): \(rows.tailMisses) decodings of \(tails.count) tails")
        try expectSameReadings(bytes, vocabulary, "\(kernel), \(tails.count) tails")
      }
    }
  }

  /// The row kernel finds customers off its guess in the reader's index and adds new ones
  /// there itself, in a log written period by period and in one whose rows of a period
  /// come in another order each period: only rows whose customer needs a new page of
  /// records or a bigger index go back to the reader, and the reading is the general
  /// reader's, with and without hold-out (the kernel splits the customers it adds by the
  /// MD5 digest of their ids, as the reader does).
  @Test(arguments: [false, true])
  func kernelAddsAndFindsCustomers(shuffled: Bool) throws {
    var rng = SplitMix64(seed: shuffled ? 11 : 12, stream: 0)
    let customers = 20_000
    var text = "customer_id,period,phase,channels\n"
    for t in 0..<4 {
      var order = Array(0..<customers)
      if shuffled && t > 0 { order.shuffle(using: &rng) }
      for c in order { text += "id\(c),\(t),\(["a", "b", "c"][(c + t) % 3]),\(["", "x", "x;y"][(c * 7 + t) % 3])\n" }
    }
    let bytes = Array(text.utf8)
    let vocabulary = Vocabulary(phases: ["a", "b", "c"], channels: ["x", "y"])
    for kernel in RowKernel.available {
      let rows = try JourneyLogReader.rows(
        bytes: bytes, file: "log.csv", vocabulary: vocabulary, holdoutFraction: 0, fused: true, kernel: kernel)
      // A page of 4,096 records each (the first one grows from 16), an index doubling
      // from 16 slots to 65,536, the first row of each later period.
      #expect(rows.handedBack <= 30, "\(kernel): \(rows.handedBack) rows handed back")
      #expect(rows.accumulator.customerCount == customers)
      // With hold-out the kernel splits the customers it adds as the reader does (the id's
      // MD5 digest), so as few rows go back.
      let held = try JourneyLogReader.rows(
        bytes: bytes, file: "log.csv", vocabulary: vocabulary, holdoutFraction: 0.3, fused: true, kernel: kernel)
      #expect(held.handedBack <= 30, "\(kernel): \(held.handedBack) rows handed back with hold-out")
      let heldOut = (0..<customers).filter { JourneyLogReader.isHeldOut(Array("id\($0)".utf8), fraction: 0.3) }.count
      #expect(held.accumulator.customerCount == customers)
      #expect((0..<customers).filter { held.accumulator.customers.records.at($0).pointee.heldOut }.count == heldOut)
      #expect(abs(Double(heldOut) / Double(customers) - 0.3) < 0.02)
    }
    try expectSameReadings(bytes, vocabulary, shuffled ? "shuffled" : "period by period")
    try expectSameReadings(bytes, vocabulary, holdout: 0.3, shuffled ? "shuffled, hold-out" : "period by period, hold-out")
  }

  /// The row kernel's edges among plain rows: ids of 1 to 40 bytes (whole ids past 8
  /// bytes, UTF-8), periods of 1 to 12 digits with leading zeros, tails of 47 to 49 bytes,
  /// rows of 63 to 65 bytes, more distinct tails than the tail cache holds, held-out
  /// customers, written period by period and customer by customer.
  @Test(arguments: [false, true])
  func rowKernelEdges(customerMajor: Bool) throws {
    var rng = SplitMix64(seed: customerMajor ? 7 : 8, stream: 0)
    let phases = ["a", "phase-of-twenty-bytes", "p3"]
    // 16 channels: up to 3 · 2^16 tails, far more than the cache's slots.
    let channels = (0..<16).map { k in k % 5 == 0 ? "channel-\(k)-with-a-long-name" : "c\(k)" }
    let ids = (0..<120).map { c -> String in
      switch c % 8 {
      case 0: return String(Array("ABCDEFGHIJKLMNO")[c / 8])  // one byte
      case 1: return "id\(c)-7b".prefix(7).description
      case 2: return String(format: "%08d", c)
      case 3: return String(format: "%09d", c)
      case 4: return "customer-\(c)-sixteen".prefix(16).description
      case 5: return "ünïcödé-\(c)"
      case 6: return String(repeating: "x", count: 30) + "\(c)"
      default: return "c\(c)"
      }
    }
    let distinct = Set(ids)
    #expect(distinct.count == ids.count)
    var rows: [(id: String, t: Int)] = []
    if customerMajor {
      for id in ids { for t in 0..<14 { rows.append((id, t)) } }
    } else {
      for t in 0..<14 { for id in ids { rows.append((id, t)) } }
    }
    var text = "customer_id,period,phase,channels\n"
    for (id, t) in rows {
      let phase = phases[Int(rng.next() % UInt64(phases.count))]
      var list: [String] = []
      let kind = rng.next() % 4
      for (k, name) in channels.enumerated() where kind == 0 ? k < 3 : rng.next() % (kind == 1 ? 2 : 6) == 0 {
        list.append(name)
      }
      // Periods: plain, with leading zeros (up to 12 digits), or up to the last period
      // 99,999 in 8 and 9 digits.
      let period: String
      switch id.utf8.count % 4 {
      case 0: period = "\(t)"
      case 1: period = String(repeating: "0", count: 5 + (t % 6)) + "\(t)"
      case 2: period = "000\(99_986 + t)"
      default: period = "0000\(99_986 + t)"
      }
      text += "\(id),\(period),\(phase),\(list.joined(separator: ";"))\n"
    }
    let bytes = Array(text.utf8)
    try expectSameReadings(bytes, .inferred, holdout: 0.3, "customer-major \(customerMajor)")
    try expectSameReadings(bytes, Vocabulary(phases: phases, channels: channels), "customer-major \(customerMajor) fixed")
  }
}
