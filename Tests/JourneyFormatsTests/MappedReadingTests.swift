import Foundation
import JourneyModel
import Testing

@testable import JourneyFormats

/// Files are read through windows mapped into memory (``CSVReader/forEachWindow(fd:path:what:size:from:block:limits:_:)``):
/// records across windows, quoted fields holding line feeds and doubled quotes (unescaped
/// in place, in a private copy of the page), chunks of a file read by byte ranges; the
/// records equal those of the bytes read whole, and the file is left as it was.
struct MappedReadingTests {
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

  @Test(arguments: [UInt64(1), 2, 3])
  func windowsGiveTheRecordsOfTheWholeBytes(seed: UInt64) throws {
    let bytes = Self.table(rows: 6_000, seed: seed)
    // Small limits make small windows (twice the record limit plus a page): dozens of them.
    let limits = CSVTokenizer.Limits(fieldBytes: 256, recordBytes: 512, fields: 8)
    var reference: [String] = []
    try CSVReader.forEachRecord(bytes: bytes, file: "t.csv", limits: limits) { csv, b in
      reference.append(Self.describe(csv, b))
    }
    #expect(reference.count == 6_001)
    let path = NSTemporaryDirectory() + "mapped-\(getpid())-\(seed).csv"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }

    var streamed: [String] = []
    var progress: [Int] = []
    try CSVReader.forEachRecord(
      path: path, limits: limits, progress: { progress.append($0) }, block: 1_024, fast: { _, from, _, _ in from }
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
          path: path, limits: limits, range: range, alignStart: k > 0, block: 1_024, fast: { _, from, _, _ in from }
        ) { csv, b in chunk.append(Self.describe(csv, b)) }
        if bounds.start != previousEnd {
          chunk = []
          bounds = try CSVReader.forEachRecord(
            path: path, limits: limits, range: previousEnd..<range.upperBound, alignStart: false, block: 1_024,
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
    // The quotes were unescaped in private pages: the file is unchanged.
    #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
  }

  /// An empty file, and a file without a final line feed, read through the mapped path.
  @Test func emptyAndUnterminatedFiles() throws {
    let path = NSTemporaryDirectory() + "mapped-edge-\(getpid()).csv"
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
}
