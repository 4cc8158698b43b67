import Foundation
import JourneyModel
import Testing

@testable import JourneyFormats

/// The structural scan (64-byte masks) against the byte-by-byte reader, and any way of
/// cutting the input into blocks against reading it whole.
struct CSVScannerTests {
  /// Records of `bytes` as (line, fields), fed to one tokenizer `block` bytes at a time the
  /// way ``CSVReader`` does (an incomplete record is moved to the front and completed).
  static func records(
    _ bytes: [UInt8], block: Int, masks: Bool = true, separator: UInt8 = CSV.separator,
    limits: CSVTokenizer.Limits = .standard
  ) throws -> [String] {
    let tokenizer = CSVTokenizer(file: "t.csv", limits: limits, separator: separator)
    tokenizer.usesMasks = masks
    var out: [String] = []
    var buffer: [UInt8] = []
    var offset = 0
    while true {
      let take = Swift.min(block, bytes.count - offset)
      buffer += bytes[offset..<(offset + take)]
      offset += take
      let final = offset == bytes.count
      var position = 0
      try buffer.withUnsafeMutableBufferPointer { b in
        while let end = try tokenizer.next(b, from: position, final: final) {
          let fields = tokenizer.isMalformed ? ["<malformed>"] : tokenizer.texts(in: b)
          out.append("\(tokenizer.line):" + fields.map { "[\($0)]" }.joined())
          position = end
        }
      }
      buffer.removeFirst(position)
      if final { return out }
    }
  }

  static let cases: [String] = [
    "a,\"b,c\",\"x\"\"y\"\n\"multi\nline\",2,\n",
    "h1,h2\r\n1,2\r\n3,4\n5,\"6\"\r\n7,8",
    "\u{FEFF}\"customer_id\",period\n1,0\n",
    "\u{FEFF}a,b\r\n",
    "a,,c\n\n  \n,,\n\"\"\n\r\n\r\n,\n",
    "  a b ,\t\" c \" ,x\"y\n",
    "h\n\"1\n2\n3\"\nnext\n",
    "h,i\n\"ab\"c,d\nok,1\n",
    "lone\rcr,x\r\ny \r\n\"q\"\r\n",
    String(repeating: "0123456789abcdef,", count: 9) + "end\n" + String(repeating: "x", count: 130) + "\n",
    String(repeating: "1,22,333\n", count: 40) + "\"quoted\n" + String(repeating: "z", count: 70) + "\",4\n"
      + String(repeating: "5,66\r\n", count: 30),
    "",
    "\n\n\n",
    "only",
  ]

  @Test(arguments: cases.indices)
  func anyBlockSizeGivesTheSameRecords(index: Int) throws {
    let bytes = Array(Self.cases[index].utf8)
    let reference = try Self.records(bytes, block: Swift.max(1, bytes.count), masks: false)
    for block in [1, 2, 3, 7, 16, 63, 64, 65, 127, 4_096] {
      #expect(try Self.records(bytes, block: block) == reference, "block \(block)")
      #expect(try Self.records(bytes, block: block, masks: false) == reference, "block \(block), byte by byte")
    }
  }

  @Test func tabAndSemicolonSeparators() throws {
    let tabbed = Array("a\tb c\t\n x \t\"y\ty\"\n".utf8)
    let reference = try Self.records(tabbed, block: tabbed.count, masks: false, separator: 9)
    #expect(reference == ["1:[a][b c][]", "2:[x][y\ty]"])
    for block in [1, 5, 64] { #expect(try Self.records(tabbed, block: block, separator: 9) == reference) }
    let semi = Array("a;b,c;d\n".utf8)
    #expect(try Self.records(semi, block: 3, separator: 59) == ["1:[a][b,c][d]"])
  }

  /// Random tables of short fields, quotes, CRLF and blank lines: the masks agree with the
  /// byte-by-byte reader for every block size.
  @Test func randomTablesAgreeWithTheByteReader() throws {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func random(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }
    let pieces = ["a", "bc", "12345", " ", "\t", ",", ",", ",", "\n", "\r\n", "\"", "\"\"", "x;y", "\r", String(repeating: "w", count: 70)]
    for _ in 0..<60 {
      var text = ""
      for _ in 0..<random(120) { text += pieces[random(pieces.count)] }
      let bytes = Array(text.utf8)
      let reference: [String]
      do {
        reference = try Self.records(bytes, block: Swift.max(1, bytes.count), masks: false)
      } catch {
        for block in [1, 64] { #expect(throws: InputError.self) { _ = try Self.records(bytes, block: block) } }
        continue
      }
      for block in [1, 9, 64, 1_000] { #expect(try Self.records(bytes, block: block) == reference, "\(text.debugDescription)") }
    }
  }

  @Test func limitsGiveTheSameMessagesOnBothPaths() {
    let limits = CSVTokenizer.Limits(fieldBytes: 8, recordBytes: 64, fields: 4)
    let inputs = [
      "a,b\n1," + String(repeating: "9", count: 500) + "\n",
      "a,b,c,d,e\n",
      "a\n" + String(repeating: "1234567,", count: 3) + String(repeating: " ", count: 100) + "z\n",
    ]
    for text in inputs {
      for block in [1, 64, 10_000] {
        var messages: [String] = []
        for masks in [false, true] {
          do {
            _ = try Self.records(Array(text.utf8), block: block, masks: masks, limits: limits)
            messages.append("no error")
          } catch {
            messages.append("\(error)")
          }
        }
        #expect(messages[0] == messages[1])
        #expect(messages[0] != "no error")
      }
    }
  }
}
