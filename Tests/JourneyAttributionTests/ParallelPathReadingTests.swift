import Foundation
import JourneyModel
import JourneySimulation
import Testing
import _JourneyTestSupport

@testable import JourneyAttribution

/// A path file read in parallel chunks gives exactly the one-thread table (rows, their
/// order, channels in order of first appearance), wherever the cuts fall; any problem sends
/// the reader back to one thread, which reports it with its line.
struct ParallelPathReadingTests {
  /// Writes `bytes` to a file in a new temporary directory for the duration of `body`.
  func withFile<T>(_ bytes: [UInt8], _ body: (String) throws -> T) throws -> T {
    let folder = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/paths.csv"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return try body(path)
  }

  /// Cuts splitting `size` bytes into `chunks` equal parts.
  func cuts(_ size: Int, _ chunks: Int) -> [Int] {
    [0] + (1..<chunks).map { $0 * size / chunks } + [Int.max]
  }

  /// Quoted channel names holding separators, line feeds and doubled quotes, CRLF line
  /// endings, a byte order mark, channels first met late in the file, no final line ending:
  /// cut at every byte, the chunks join into the one-thread table.
  @Test func cutsAtEveryByte() throws {
    var text = "\u{FEFF}path,total_conversions,total_null,total_conversion_value\r\n"
    let names = ["search", "so,cial", "tv\n\"spot\"", "email", "display"]
    for row in 0..<24 {
      let touches = (0...(row % 4)).map { names[(row * 3 + $0 * (row % 3 + 1)) % (row < 12 ? 3 : 5)] }
      let path = touches.joined(separator: " > ")
      let field = path.contains(where: { ",\"\n".contains($0) }) ? "\"" + path.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : path
      text += "\(field),\(row % 3),\(row % 5),\(Double(row) * 2.5)\r\n"
    }
    text += "display > search,1,0,7.25"
    let bytes = Array(text.utf8)
    for vocabulary in [nil, names] {
      let one = try PathTable.parsePaths(bytes, file: "paths.csv", vocabulary: vocabulary)
      #expect(one.count == 25)
      try withFile(bytes) { path in
        for cut in 1..<bytes.count {
          let many = PathTable.readInChunks(
            path: path, file: path, columns: PathColumns(), vocabulary: vocabulary, cuts: [0, cut, Int.max])
          #expect(many == one, "cut at \(cut)")
        }
        for chunks in [2, 3, 7] {
          let many = PathTable.readInChunks(
            path: path, file: path, columns: PathColumns(), vocabulary: vocabulary, cuts: cuts(bytes.count, chunks))
          #expect(many == one, "\(chunks) chunks")
        }
      }
    }
  }

  /// A file large enough to be read on several threads by ``PathTable/readPaths``: the same
  /// table, the same attribution, for 1, 2, 3 and 8 threads.
  @Test func largeFileAnyThreadCount() throws {
    var text = "path,total_conversions,total_null\n"
    var generator = SplitMix64(state: 11)
    let names = ["search", "social", "display", "email", "tv", "referral", "affiliate"]
    while text.utf8.count < PathTable.parallelBytes + 300_000 {
      let length = 1 + Int(generator.next() % 7)
      let path = (0..<length).map { _ in names[Int(generator.next() % 7)] }.joined(separator: " > ")
      text += "\(path),\(generator.next() % 3),\(generator.next() % 40)\n"
    }
    let bytes = Array(text.utf8)
    try withFile(bytes) { path in
      let one = try PathTable.readPaths(path: path, threads: 1)
      let expected = try PathAttribution.run(one.aggregated())
      for threads in [2, 3, 8] {
        let many = try PathTable.readPaths(path: path, threads: threads)
        #expect(many == one, "\(threads) threads")
        #expect(try PathAttribution.run(many.aggregated()) == expected, "\(threads) threads")
      }
    }
  }

  /// A bad row in the second half, and channels that exceed the limit only when the chunks
  /// are put together: the chunked reading gives up and ``PathTable/readPaths`` reports what
  /// the one-thread reading reports, with the same line.
  @Test func problemsAreReportedAsOnOneThread() throws {
    var text = "path,total_conversions\n"
    var row = 0
    while text.utf8.count < PathTable.parallelBytes + 200_000 {
      text += "search > email,\(row % 4)\n"
      row += 1
    }
    let bad = text + "search > > email,1\n" + String(repeating: "email,1\n", count: 1_000)
    let many = (0..<260).map { "c\($0),1\n" }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { $0 + "\n" }
    let quarter = lines.count / 4
    let split = lines[..<quarter].joined() + many[..<130].joined() + lines[quarter...].joined() + many[130...].joined()
    for (body, expected) in [(bad, "malformed path"), (split, "more than 250 distinct channels")] {
      let bytes = Array(body.utf8)
      try withFile(bytes) { path in
        #expect(
          PathTable.readInChunks(path: path, file: path, columns: PathColumns(), vocabulary: nil, cuts: cuts(bytes.count, 2))
            == nil)
        var messages: [String] = []
        for threads in [1, 2] {
          do {
            _ = try PathTable.readPaths(path: path, threads: threads)
            Issue.record("\(threads) threads: no error")
          } catch {
            messages.append("\(error)")
          }
        }
        #expect(messages.count == 2 && messages[0] == messages[1], "\(messages)")
        #expect(messages.first?.contains(expected) == true, "\(messages)")
      }
    }
  }
}
