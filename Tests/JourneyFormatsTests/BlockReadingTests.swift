import Foundation
import JourneyModel
import Testing

@testable import JourneyFormats

/// Files are read into a block that grows while a record does not fit (``ReadBlock``):
/// records across blocks, records longer than the first block, quoted fields holding line
/// feeds and doubled quotes (unescaped in place in the block), chunks of a file read by
/// byte ranges; the records equal those of the bytes read whole, and the file is left as
/// it was.
struct BlockReadingTests {
  /// A table of `rows` random records: plain, quoted with separators, line feeds and
  /// doubled quotes, CRLF line ends.
  static func table(rows: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    var text = "id,name,note\n"
    for k in 0..<rows {
      let name: String
      switch next() % 6 {
      case 0: name = "\"quoted, with a comma\""
      case 1: name = "\"two\nlines\""
      case 2: name = "\"a \"\"quote\"\" inside\""
      default: name = "name\(next() % 1_000)"
      }
      let note = String(repeating: "x", count: Int(next() % 40))
      text += "\(k),\(name),\(note)" + (next() % 7 == 0 ? "\r\n" : "\n")
    }
    return Array(text.utf8)
  }

  static func describe(_ csv: CSVTokenizer, _ b: UnsafeMutableBufferPointer<UInt8>) -> String {
    "\(csv.line):" + csv.texts(in: b).joined(separator: "|")
  }

  @Test(arguments: [(UInt64(1), 1_024), (2, 1_024), (3, 1_024), (4, 16), (5, 40)])
  func blocksGiveTheRecordsOfTheWholeBytes(seed: UInt64, block: Int) throws {
    let bytes = Self.table(rows: 6_000, seed: seed)
    // Small limits and blocks: hundreds of blocks; blocks of 16 and 40 bytes are shorter
    // than most records, which make them grow (up to twice the record limit).
    let limits = CSVTokenizer.Limits(fieldBytes: 256, recordBytes: 512, fields: 8)
    var reference: [String] = []
    try CSVReader.forEachRecord(bytes: bytes, file: "t.csv", limits: limits) { csv, b in
      reference.append(Self.describe(csv, b))
    }
    #expect(reference.count == 6_001)
    let path = NSTemporaryDirectory() + "blocks-\(getpid())-\(seed).csv"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }

    var streamed: [String] = []
    var progress: [Int] = []
    try CSVReader.forEachRecord(
      path: path, limits: limits, progress: { progress.append($0) }, block: block, fast: { _, from, _, _ in from }
    ) { csv, b in streamed.append(Self.describe(csv, b)) }
    #expect(streamed == reference)
    #expect(progress.last == bytes.count)
    #expect(progress == progress.sorted() && progress.count > 20)

    // Byte ranges cut anywhere: each chunk starts at the previous one's end (or is read
    // again from there), and the chunks' records are the whole reading's.
    for parts in [2, 3, 7] {
      var records: [String] = []
      var previousEnd = 0
      for k in 0..<parts {
        let range = (k == 0 ? 0 : bytes.count * k / parts)..<(k == parts - 1 ? Int.max : bytes.count * (k + 1) / parts)
        var chunk: [String] = []
        var bounds = try CSVReader.forEachRecord(
          path: path, limits: limits, range: range, alignStart: k > 0, block: block, fast: { _, from, _, _ in from }
        ) { csv, b in chunk.append(Self.describe(csv, b)) }
        if bounds.start != previousEnd {
          chunk = []
          bounds = try CSVReader.forEachRecord(
            path: path, limits: limits, range: previousEnd..<range.upperBound, alignStart: false, block: block,
            fast: { _, from, _, _ in from }
          ) { csv, b in chunk.append(Self.describe(csv, b)) }
        }
        records += chunk
        previousEnd = bounds.end
      }
      #expect(previousEnd == bytes.count)
      // Lines count from 1 in a chunk after the first: compare the fields.
      func fields(_ record: String) -> String { String(record.drop(while: { $0 != ":" })) }
      #expect(records.map(fields) == reference.map(fields), "\(parts) parts")
    }
    // The quotes were unescaped in the block: the file is unchanged.
    #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
  }

  /// An empty file, and a file without a final line feed.
  @Test func emptyAndUnterminatedFiles() throws {
    let path = NSTemporaryDirectory() + "blocks-edge-\(getpid()).csv"
    defer { try? FileManager.default.removeItem(atPath: path) }
    for text in ["", "a,b", "a,b\n1,\"2\n3\"", "\u{FEFF}a\n1"] {
      try Data(text.utf8).write(to: URL(fileURLWithPath: path))
      var reference: [String] = []
      try CSVReader.forEachRecord(bytes: Array(text.utf8), file: path) { csv, b in reference.append(Self.describe(csv, b)) }
      var read: [String] = []
      try CSVReader.forEachRecord(path: path) { csv, b in read.append(Self.describe(csv, b)) }
      #expect(read == reference, "\(text.debugDescription)")
    }
  }

  /// The block doubles while a record does not fit, never past its maximum (twice the
  /// record limit), and keeps the bytes it holds.
  @Test func blockGrowsToItsMaximumAndNoFurther() throws {
    let limits = CSVTokenizer.Limits(fieldBytes: 64, recordBytes: 100, fields: 4)
    var block = ReadBlock(initial: 48, limits: limits)
    defer { block.deallocate() }
    #expect(block.capacity == 48 && block.maximum == 200)
    for k in 0..<48 { block.base[k] = UInt8(k) }
    try block.makeRoom(after: 47, file: "t.csv", line: 1, limits: limits)
    #expect(block.capacity == 48)
    try block.makeRoom(after: 48, file: "t.csv", line: 1, limits: limits)
    #expect(block.capacity == 96)
    #expect((0..<48).allSatisfy { block.base[$0] == UInt8($0) })
    try block.makeRoom(after: 96, file: "t.csv", line: 1, limits: limits)
    #expect(block.capacity == 192)
    try block.makeRoom(after: 192, file: "t.csv", line: 1, limits: limits)
    #expect(block.capacity == 200)
    #expect((0..<48).allSatisfy { block.base[$0] == UInt8($0) })
    #expect(throws: InputErrors.self) { try block.makeRoom(after: 200, file: "t.csv", line: 7, limits: limits) }
    do {
      try block.makeRoom(after: 200, file: "t.csv", line: 7, limits: limits)
    } catch {
      #expect(error.errors.first?.kind == .limit)
      #expect(error.description == "t.csv:7: a record of more than 200 bytes; expected at most 100 bytes per record")
    }
    #expect(block.capacity == 200)
    // A block asked for larger than twice the record limit is taken as asked.
    let large = ReadBlock(initial: 1_000, limits: limits)
    defer { large.deallocate() }
    #expect(large.capacity == 1_000 && large.maximum == 1_000)
  }

  /// A record longer than the limit, in a file with no line feed, is reported with its line
  /// after at most twice the limit's bytes, from the first block, from a range and from a
  /// table input.
  @Test func recordPastTheLimitStopsTheReading() throws {
    let limits = CSVTokenizer.Limits(fieldBytes: 1 << 20, recordBytes: 4_096, fields: 8)
    let path = NSTemporaryDirectory() + "blocks-long-\(getpid()).csv"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let text = "a,b\n1,2\n" + String(repeating: "x", count: 3_000_000)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    func message(_ read: () throws -> Void) -> String? {
      do {
        try read()
        return nil
      } catch let error as InputErrors {
        return error.errors.first.map { "\($0.kind):\($0.line ?? 0)" }
      } catch {
        return "\(error)"
      }
    }
    var records = 0
    #expect(message { try CSVReader.forEachRecord(path: path, limits: limits) { _, _ in records += 1 } } == "limit:3")
    #expect(records == 2)
    #expect(
      message {
        try CSVReader.forEachRecord(path: path, limits: limits, range: 0..<Int.max, alignStart: false) { _, _ in }
      } == "limit:3")
    #expect(
      message {
        try CSVReader.forEachRecord(input: try TableInput(path: path), limits: limits) { _, _ in }
      } == "limit:3")
  }

  /// Blank lines (empty, spaces and tabs, CRLF) are no record: however many come before an
  /// incomplete record, the block keeps only that record, so runs of blank lines far longer
  /// than twice the record limit are read, with the lines counted as when read whole. A
  /// byte order mark is looked for only where the input starts.
  @Test(arguments: [1, 7, 64])
  func blankLinesLongerThanTheBlockAreSkipped(block: Int) throws {
    let limits = CSVTokenizer.Limits(fieldBytes: 32, recordBytes: 32, fields: 4)
    let blank = String(repeating: "\n", count: 300) + String(repeating: " \t \r\n", count: 50)
    let texts = [
      "a,b\n1,2\n" + blank + "3,4\n" + blank + "5,\"6\n7\"\n" + blank,
      blank + "a,b\n1,2\n",
      blank + "\u{FEFF}a,b\n1,2",
      "\u{FEFF}a,b\n" + blank + "\"x\",y\n",
    ]
    let path = NSTemporaryDirectory() + "blocks-blank-\(getpid())-\(block).csv"
    defer { try? FileManager.default.removeItem(atPath: path) }
    for text in texts {
      let bytes = Array(text.utf8)
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      var whole: [String] = []
      try CSVReader.forEachRecord(bytes: bytes, file: path, limits: limits) { csv, b in whole.append(Self.describe(csv, b)) }
      var streamed: [String] = []
      try CSVReader.forEachRecord(path: path, limits: limits, block: block, fast: { _, from, _, _ in from }) { csv, b in
        streamed.append(Self.describe(csv, b))
      }
      var ranged: [String] = []
      try CSVReader.forEachRecord(
        path: path, limits: limits, range: 0..<Int.max, alignStart: false, block: block, fast: { _, from, _, _ in from }
      ) { csv, b in ranged.append(Self.describe(csv, b)) }
      #expect(whole.count >= 2)
      #expect(streamed == whole, "\(text.prefix(12).debugDescription)")
      #expect(ranged == whole, "\(text.prefix(12).debugDescription)")
    }
  }
}
