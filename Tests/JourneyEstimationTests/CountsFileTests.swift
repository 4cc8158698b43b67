import Foundation
import JourneyEstimation
import JourneyFormats
import JourneyModel
import JourneySimulation
import Testing
import _JourneyTestSupport

/// Collects a journey log in memory.
final class CountsLogBytes: JourneyLogSink {
  var bytes: [UInt8] = []
  func write(_ buffer: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: buffer) }
}

@Suite struct HoldoutSplitTests {
  /// RFC 1321's test suite.
  @Test func md5TestVectors() {
    let vectors = [
      ("", "d41d8cd98f00b204e9800998ecf8427e"),
      ("a", "0cc175b9c0f1b6a831c399e269772661"),
      ("abc", "900150983cd24fb0d6963f7d28e17f72"),
      ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
      ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
      ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
      (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
      // Lengths about the block edges (the padding takes one block or two), as Python's
      // hashlib gives them.
      (String(repeating: "a", count: 55), "ef1772b6dff9a122358552954ad0df65"),
      (String(repeating: "a", count: 56), "3b0c8ac703f828b04c6c197006d17218"),
      (String(repeating: "a", count: 63), "b06521f39153d618550606be297466d5"),
      (String(repeating: "a", count: 64), "014842d480b571495a4a0363793f7367"),
      (String(repeating: "a", count: 119), "8a7bd0732ed6a28ce75f6dabc90e1613"),
      (String(repeating: "a", count: 120), "5f61c0ccad4cac44c75ff505e1f1e537"),
      (String(repeating: "a", count: 128), "e510683b3f5ffe4093d021808bc6ff70"),
    ]
    for (text, hex) in vectors {
      #expect(HoldoutSplit.md5Hex(Array(text.utf8)) == hex, "\(text)")
    }
  }

  /// The numeric test and the SQL's text comparison of hex prefixes agree, and the share
  /// held out is the fraction within binomial error.
  @Test func numericAndTextSplitsAgree() {
    for fraction in [0.0, 0.05, 0.2, 0.5, 0.999] {
      let threshold = HoldoutSplit.thresholdHex(fraction)
      var held = 0
      let n = 20_000
      for i in 0..<n {
        let id = Array("c\(i)".utf8)
        let numeric = HoldoutSplit.isHeldOut(id, fraction: fraction)
        let text = fraction > 0 && String(HoldoutSplit.md5Hex(id).prefix(8)) < threshold
        #expect(numeric == text, "c\(i) at \(fraction)")
        if numeric { held += 1 }
      }
      let se = (fraction * (1 - fraction) / Double(n)).squareRoot()
      #expect(abs(Double(held) / Double(n) - fraction) <= 4 * se + 1e-12, "\(fraction): \(held)")
    }
    #expect(HoldoutSplit.thresholdHex(0.5) == "80000000")
    #expect(HoldoutSplit.thresholdHex(0) == "00000000")
  }
}

@Suite struct CountsFileTests {
  /// A segmented, seasonal history with a hold-out: the summary read back from its counts
  /// file equals the journey log's, and so do the fits.
  @Test func countsReproduceTheJourneyLogSummaryAndFit() throws {
    var model = try RepositoryFiles.scenario("b2c.yaml", size: 4_000)
    model.seasonality = [1.3, 1.2, 1.0, 0.8, 0.7, 0.8, 1.0, 1.1, 1.25, 1.3, 1.1, 0.9]
    model.horizon = 30
    let log = CountsLogBytes()
    _ = try Simulator.run(model, engine: .individual, seed: 7, threads: 2, journeyLog: log)
    let vocabulary = Vocabulary(model: model)
    #expect(vocabulary.seasonLength == 12)
    let direct = try JourneyLogReader.read(bytes: log.bytes, file: "journeys.csv", vocabulary: vocabulary, holdoutFraction: 0.2)
    #expect(direct.segments.count == 2)
    #expect(direct.holdout.transitions > 0)
    let text = CountsFile(summary: direct, file: "counts.csv").csv()
    let counts = try CountsFile.parse(bytes: Array(text.utf8), file: "counts.csv")
    let back = try JourneyLogSummary(counts: counts, vocabulary: vocabulary)
    #expect(back.training == direct.training)
    #expect(back.holdout == direct.holdout)
    #expect(back.segments == direct.segments)
    #expect(back.segmentTraining == direct.segmentTraining)
    #expect(back.segmentHoldout == direct.segmentHoldout)
    #expect(back.segmentCustomers == direct.segmentCustomers)
    #expect(back.rows == direct.rows)
    #expect(back.customers == direct.customers)
    #expect(back.firstPeriod == direct.firstPeriod && back.lastPeriod == direct.lastPeriod)
    #expect(back.initialPhases == direct.initialPhases)
    #expect(back.arrivalPhases == direct.arrivalPhases)
    #expect(back.endCounts == direct.endCounts)
    #expect(back.endSegmentCounts == direct.endSegmentCounts)
    #expect(back.channelRows == direct.channelRows)
    #expect(back.exposure == direct.exposure)
    let a = try TransitionFit.fit(direct, model: model, file: "journeys.csv")
    let b = try TransitionFit.fit(back, model: model, file: "counts.csv")
    #expect(a.logLikelihood == b.logLikelihood)
    #expect(a.parameters.map(\.estimate) == b.parameters.map(\.estimate))
    #expect(a.parameters.map(\.standardError) == b.parameters.map(\.standardError))
    #expect(a.holdoutLogLoss == b.holdoutLogLoss)
  }

  @Test func badCountsNameLineAndColumn() {
    let header = "kind,segment,period,phase,channels,target,holdout,count,example\n"
    let cases: [(String, String)] = [
      ("kind,period\nmarket,0\n", "header lacks segment, phase, channels, target, holdout, count"),
      (header + "transitions,,,aware,,lost,0,3,\n", "counts.csv:2: kind: unknown kind 'transitions'"),
      (header + "market,,0,aware,,,,-4,\n", "counts.csv:2: count: '-4' is not a count"),
      (header + "market,,0,,,,,4,\n", "counts.csv:2: phase: a market row without a phase"),
      (header + "market,,,aware,,,,4,\n", "counts.csv:2: period: a market row without a period"),
      (header + "market,,100000,aware,,,,4,\n", "counts.csv:2: period: '100000' is not a period of a market row; expected a whole number from 0 to 99999"),
      (header + "exposure,,-1,,tv,,,4,\n", "counts.csv:2: period: '-1' is not a period of a exposure row"),
      (header + "transition,,,aware,,,0,4,\n", "counts.csv:2: target: a transition row without a target"),
      (header + "transition,,,aware,,lost,2,4,\n", "counts.csv:2: holdout: '2' is not a hold-out flag"),
    ]
    for (text, fragment) in cases {
      #expect(throws: InputErrors.self, "\(text)") { _ = try CountsFile.parse(bytes: Array(text.utf8), file: "counts.csv") }
      do {
        _ = try CountsFile.parse(bytes: Array(text.utf8), file: "counts.csv")
      } catch {
        #expect("\(error)".contains(fragment), "\(error)")
      }
    }
  }

  /// A history with periods far apart and none in between: the counts hold its periods
  /// with rows, the summary read back equals the journey log's.
  @Test func countsOfPeriodsFarApart() throws {
    let text = "customer_id,period,phase,channels\n1,0,a,x\n1,1,b,\n2,70000,a,y\n2,70001,a,x;y\n3,99999,b,\n"
    let vocabulary = Vocabulary(phases: ["a", "b"], channels: ["x", "y"])
    let direct = try JourneyLogReader.read(bytes: Array(text.utf8), file: "journeys.csv", vocabulary: vocabulary)
    #expect(direct.exposure.periods == [0, 1, 70_000, 70_001, 99_999])
    let csv = CountsFile(summary: direct, file: "counts.csv").csv()
    let back = try JourneyLogSummary(counts: CountsFile.parse(bytes: Array(csv.utf8), file: "counts.csv"), vocabulary: vocabulary)
    #expect(back.exposure == direct.exposure)
    #expect(back.channelRows == direct.channelRows)
    #expect(back.firstPeriod == 0 && back.lastPeriod == 99_999)
    #expect(back.endCounts == direct.endCounts)
  }

  @Test func countsAgainstTheWrongModelAreRefused() throws {
    let model = try RepositoryFiles.scenario("word-of-mouth.yaml")
    let vocabulary = Vocabulary(model: model)
    let header = "kind,segment,period,phase,channels,target,holdout,count,example\n"
    let phase = vocabulary.phases[0]
    let season = "season_length,,,,,,,\(vocabulary.seasonLength),\n"
    let cases: [(String, String)] = [
      (header + "season_length,,,,,,,7,\nmarket,,0,\(phase),,,,1,\n", "season length of 7"),
      (header + season + "transition,,,nowhere,,\(phase),0,1,\nmarket,,0,\(phase),,,,1,\n", "unknown phase 'nowhere'"),
      (header + season + "exposure,,0,,radio,,,1,\nmarket,,0,\(phase),,,,1,\n", "unknown channel 'radio'"),
      (header + season + "gap,,,,,,,3,c-9\nmarket,,0,\(phase),,,,1,\n", "3 rows of the history do not continue"),
      (header + season, "no market rows"),
    ]
    for (text, fragment) in cases {
      do {
        let counts = try CountsFile.parse(bytes: Array(text.utf8), file: "counts.csv")
        _ = try JourneyLogSummary(counts: counts, vocabulary: vocabulary)
        Issue.record("accepted \(text)")
      } catch {
        #expect("\(error)".contains(fragment), "\(error)")
      }
    }
  }
}
