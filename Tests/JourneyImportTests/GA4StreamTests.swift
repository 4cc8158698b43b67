import Foundation
import JourneyFormats
import _JourneyTestSupport
import Testing

@testable import JourneyImport

/// The NDJSON reader reads block by block: lines across blocks, a byte order mark, CRLF,
/// blank lines, bytes already read (standard input), gzip, and lines too long to hold.
struct GA4StreamTests {
  /// About 3.5 MiB of events with lines from 40 bytes to 12 KB, a byte order mark, some
  /// CRLF line ends and blank lines, no newline after the last line.
  static let export: (bytes: [UInt8], customers: [String], lines: [Int]) = {
    var text = "\u{FEFF}"
    var customers: [String] = []
    var lines: [Int] = []
    for i in 0..<600 {
      let pad = String(repeating: "x", count: (i * 7_919) % 12_000)
      text += "{\"event_timestamp\":\"\(1_709_648_400_000_000 + i)\",\"event_name\":\"page_view\",\"user_pseudo_id\":\"u\(i)\",\"pad\":\"\(pad)\"}"
      customers.append("u\(i)")
      lines.append(lines.count + 1 + i / 50)
      if i == 599 { break }
      text += i % 3 == 0 ? "\r\n" : "\n"
      if i % 50 == 49 { text += " \t\n" }
    }
    return (Array(text.utf8), customers, lines)
  }()

  func rows(_ input: TableInput, head: [UInt8] = []) throws -> [GA4Reader.Row] {
    var rows: [GA4Reader.Row] = []
    _ = try GA4Reader().read(input, head: head, file: "e.ndjson") { rows.append($0) }
    return rows
  }

  @Test func linesAcrossBlocks() throws {
    let export = Self.export
    #expect(export.bytes.count > 3 << 20)
    let rows = try rows(TableInput(bytes: export.bytes, name: "e.ndjson"))
    #expect(rows.map(\.customer) == export.customers)
    #expect(rows.map(\.line) == export.lines)
    // Bytes already read come first: split inside the byte order mark, a line, a block.
    for split in [1, 2, 3, 1_000, 1 << 20, export.bytes.count] {
      let again = try self.rows(
        TableInput(bytes: Array(export.bytes[split...]), name: "e.ndjson"), head: Array(export.bytes[..<split]))
      #expect(again == rows, "split at \(split)")
    }
  }

  @Test func gzipReadsAsPlain() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ga4-stream-\(getpid()).ndjson").path
    #expect(FileManager.default.createFile(atPath: path, contents: Data(Self.export.bytes)))
    defer { unlink(path + ".gz") }
    #expect(try ChildProcess.run(["/usr/bin/gzip", "-f", path]).status == 0)
    let input = try TableInput(path: path + ".gz")
    #expect(input.isCompressed)
    #expect(try rows(input) == rows(TableInput(bytes: Self.export.bytes, name: "e.ndjson")))
  }

  /// A line longer than ``GA4Reader/maxLineBytes`` is an error naming its line and length
  /// (without a final CR), wherever it is; one CR past the limit is not counted.
  @Test(arguments: [("\n", 5), ("\r\n", 5), ("", 5), ("\r\n", 0)])
  func overlongLine(end: String, extra: Int) {
    let good = "{\"event_timestamp\":1,\"event_name\":\"x\",\"user_pseudo_id\":\"1\"}\n"
    let long = String(repeating: "y", count: GA4Reader.maxLineBytes + extra)
    let bytes = Array((good + "\n" + long + end + (end.isEmpty ? "" : good)).utf8)
    do {
      _ = try rows(TableInput(bytes: bytes, name: "e.ndjson"))
      Issue.record("accepted")
    } catch let error as GA4Reader.ReadError {
      #expect(error.line == 3)
      if extra > 0 {
        #expect(error.message == "line of \(GA4Reader.maxLineBytes + extra) bytes; expected at most \(GA4Reader.maxLineBytes) bytes per event")
      } else {
        #expect(error.message.contains("newline-delimited JSON"), "\(error)")
      }
    } catch {
      Issue.record("\(error)")
    }
  }
}
