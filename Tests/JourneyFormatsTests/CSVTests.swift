import Foundation
import JourneyFormats
import JourneyModel
import Testing

/// Records of `text` as (line, fields), through the shared tokenizer.
func tokenize(_ text: String, limits: CSVTokenizer.Limits = .standard) throws -> [(Int, [String])] {
  try tokenize(Array(text.utf8), limits: limits)
}

func tokenize(_ bytes: [UInt8], limits: CSVTokenizer.Limits = .standard) throws -> [(Int, [String])] {
  var out: [(Int, [String])] = []
  try CSVReader.forEachRecord(bytes: bytes, file: "t.csv", limits: limits) { (csv, b) throws(InputErrors) in
    out.append((csv.line, csv.isMalformed ? ["<malformed>"] : csv.texts(in: b)))
  }
  return out
}

struct CSVTokenizerTests {
  @Test func quotesSeparatorsNewlinesAndDoubledQuotes() throws {
    let r = try tokenize("a,\"b,c\",\"x\"\"y\"\n\"multi\nline\",2,\n")
    #expect(r.map(\.1) == [["a", "b,c", "x\"y"], ["multi\nline", "2", ""]])
    #expect(r.map(\.0) == [1, 2])
  }

  @Test func crlfAndLfAndNoFinalNewline() throws {
    let r = try tokenize("h1,h2\r\n1,2\r\n3,4\n5,\"6\"\r\n7,8")
    #expect(r.map(\.1) == [["h1", "h2"], ["1", "2"], ["3", "4"], ["5", "6"], ["7", "8"]])
  }

  @Test func byteOrderMarkBeforeAQuotedHeader() throws {
    let r = try tokenize([0xEF, 0xBB, 0xBF] + Array("\"customer_id\",period\n1,0\n".utf8))
    #expect(r.map(\.1) == [["customer_id", "period"], ["1", "0"]])
  }

  @Test func emptyFieldsAndBlankLines() throws {
    let r = try tokenize("a,,c\n\n  \n,,\n\"\"\n")
    #expect(r.map(\.1) == [["a", "", "c"], ["", "", ""], [""]])
    #expect(r.map(\.0) == [1, 4, 5])
  }

  @Test func trimmingRule() throws {
    // Unquoted fields are trimmed; quoted ones keep their content; a bare quote inside an
    // unquoted field is an ordinary character.
    let r = try tokenize("  a b ,\t\" c \" ,x\"y\n")
    #expect(r.map(\.1) == [["a b", " c ", "x\"y"]])
  }

  @Test func lineNumbersCountNewlinesInsideQuotes() throws {
    let r = try tokenize("h\n\"1\n2\n3\"\nnext\n")
    #expect(r.map(\.0) == [1, 2, 5])
  }

  @Test func textAfterAClosingQuoteMarksTheRecord() throws {
    let r = try tokenize("h,i\n\"ab\"c,d\nok,1\n")
    #expect(r.map(\.1) == [["h", "i"], ["<malformed>"], ["ok", "1"]])
  }

  @Test func unterminatedQuoteNamesTheLineWhereTheRecordStarts() {
    let e = #expect(throws: InputErrors.self) { _ = try tokenize("h,i\n1,2\n3,\"open\nmore\n") }
    #expect(e?.errors.first?.description == "t.csv:3: unterminated quoted field; expected a closing '\"'")
  }

  @Test func fieldAndRecordLimitsAreCheckedWithABoundedEcho() {
    let limits = CSVTokenizer.Limits(fieldBytes: 8, recordBytes: 64, fields: 4)
    let long = String(repeating: "9", count: 500)
    let e = #expect(throws: InputErrors.self) { _ = try tokenize("a,b\n1,\(long)\n", limits: limits) }
    let message = e?.errors.first?.description ?? ""
    #expect(message.hasPrefix("t.csv:2: field 2: a field of 500 bytes"))
    #expect(message.count < 200)
    let f = #expect(throws: InputErrors.self) { _ = try tokenize("a,b,c,d,e\n", limits: limits) }
    #expect(f?.errors.first?.kind == .limit)
    let g = #expect(throws: InputErrors.self) {
      _ = try tokenize("a\n1234567,1234567,1234567,1234567\n", limits: CSVTokenizer.Limits(fieldBytes: 8, recordBytes: 20, fields: 4))
    }
    #expect(g?.errors.first?.description.contains("record of") == true)
  }

  @Test func streamingAcrossBlockBoundariesMatchesMemory() throws {
    // A file larger than one block, with quoted fields and CRLF everywhere.
    var text = "id,name\r\n"
    var k = 0
    while text.utf8.count < CSVReader.blockSize + 100_000 {
      text += "\(k),\"n\"\"\(k)\nx, y\"\r\n"
      k += 1
    }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("csv-blocks-\(getpid()).csv").path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    var count = 0
    var bad: [Int] = []
    try CSVReader.forEachRecord(path: path) { (csv, b) throws(InputErrors) in
      if count > 0 && csv.text(1, in: b) != "n\"\(count - 1)\nx, y" { bad.append(csv.line) }
      if count > 0 && csv.line != 2 * count { bad.append(csv.line) }
      count += 1
    }
    #expect(count == k + 1)
    #expect(bad.isEmpty)
  }
}

struct CSVWriterTests {
  @Test func oneQuotingRule() {
    #expect(CSV.field("plain") == "plain")
    #expect(CSV.field("a,b") == "\"a,b\"")
    #expect(CSV.field("x\"y") == "\"x\"\"y\"")
    #expect(CSV.field("two\nlines") == "\"two\nlines\"")
    #expect(CSV.field("cr\r") == "\"cr\r\"")
    #expect(CSV.field(" padded") == "\" padded\"")
    #expect(CSV.field("") == "")
    #expect(CSV.line(["a", "b c", "=1"]) == "a,b c,'=1\n")
    #expect(CSV.line(["a", "=1"], neutraliseFormulas: false) == "a,=1\n")
  }

  @Test(arguments: ["=SUM(A1:A9)", "+1+1", "-x", "@cmd", "\tx", "\rx", "'=x", "''@y"])
  func formulasAreNeutralisedReversibly(_ text: String) {
    let written = CSV.neutralised(text)
    #expect(written == "'" + text)
    #expect(CSV.unneutralised(written) == text)
  }

  @Test(arguments: ["-12.5", "+3", "1e-9", "-.5", "0", "plain", "'quoted", "'", "a=b", ""])
  func numbersAndOrdinaryTextStayAsTheyAre(_ text: String) {
    #expect(CSV.neutralised(text) == text)
    #expect(CSV.unneutralised(text) == text)
  }

  @Test func everythingWrittenReadsBack() throws {
    let names = ["a,b", "x\"y", "new\nline", " edge ", "=1+2", "-", "'", "\"", "plain", "", "tab\t", "-1.5"]
    let text = CSV.document(header: ["h1", "h2"], rows: names.map { [$0, "v"] })
    let back = try tokenize(text)
    #expect(back.count == names.count + 1)
    #expect(back.dropFirst().map { CSV.unneutralised($0.1[0]) } == names)
    #expect(back.dropFirst().allSatisfy { $0.1[1] == "v" })
  }
}

struct JourneyLogFormatTests {
  @Test func rowsOfOddNamesAreQuotedNeutralisedAndDecodable() throws {
    let format = try JourneyLogFormat(
      phases: ["a,b", "plain", "=x"], channels: ["tv", "x\"y", "-z"], segments: ["s 1", "new\nline"])
    var out = Array(format.header.utf8)
    format.appendRow(customer: 12, period: 3, phase: 0, channels: 0b011, segment: 1, to: &out)
    format.appendRow(customer: 7, period: 0, phase: 2, channels: 0b100, segment: 0, to: &out)
    format.appendRow(customer: 8, period: 10, phase: 1, channels: 0b001, segment: 0, to: &out)
    let text = String(decoding: out, as: UTF8.self)
    #expect(text == """
      customer_id,period,phase,channels,segment
      12,3,"a,b","tv;x""y","new
      line"
      7,0,'=x,'-z,s 1
      8,10,plain,tv,s 1

      """)
    let records = try tokenize(out)
    #expect(records[1].1 == ["12", "3", "a,b", "tv;x\"y", "new\nline"])
    #expect(records[2].1.map(CSV.unneutralised) == ["7", "0", "=x", "-z", "s 1"])
  }

  @Test func channelNamesTheListCannotHoldAreRejected() {
    let e = #expect(throws: InputError.self) {
      _ = try JourneyLogFormat(phases: ["a"], channels: ["a;b"], segments: nil, file: "s.yaml")
    }
    #expect(e?.description == "s.yaml: channels: channel 'a;b' contains ';', the separator of the journey log's channel list; rename it to write a journey log")
  }
}
