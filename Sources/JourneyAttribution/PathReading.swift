import Foundation
import JourneyModel

/// One CSV record: its 1-based line, its fields (unquoted) and each field's 1-based
/// column.
struct CSVRecord {
  var line: Int
  var fields: [String]
  var columns: [Int]
}

/// The record source the path readers are written against: calls `body` with every
/// non-blank record of `bytes`, in order.
///
/// RFC 4180: fields separated by commas, records by LF or CRLF, a field may be quoted with
/// `"`, a quote inside a quoted field is doubled, quoted fields may span lines.
///
/// - Throws: ``InputError`` naming `file`, line and column for an unterminated quote or
///   text after a closing quote; anything `body` throws.
func forEachCSVRecord(
  _ bytes: UnsafeBufferPointer<UInt8>, file: String, _ body: (CSVRecord) throws(InputError) -> Void
) throws(InputError) {
  let n = bytes.count
  var i = 0
  var line = 1
  // Skip a UTF-8 byte-order mark.
  if n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
  var lineStart = i
  let quote = UInt8(ascii: "\"")
  let comma = UInt8(ascii: ",")
  let lf = UInt8(ascii: "\n")
  let cr = UInt8(ascii: "\r")
  while i < n {
    let recordLine = line
    var fields: [String] = []
    var columns: [Int] = []
    var endOfRecord = false
    while !endOfRecord {
      let column = i - lineStart + 1
      columns.append(column)
      if i < n && bytes[i] == quote {
        var field: [UInt8] = []
        i += 1
        var closed = false
        while i < n {
          let c = bytes[i]
          if c == quote {
            if i + 1 < n && bytes[i + 1] == quote {
              field.append(quote)
              i += 2
              continue
            }
            i += 1
            closed = true
            break
          }
          if c == lf {
            line += 1
            lineStart = i + 1
          }
          field.append(c)
          i += 1
        }
        guard closed else {
          throw InputError(
            .syntax, file: file, line: recordLine, column: column,
            "unterminated quoted field; expected a closing '\"'")
        }
        fields.append(String(decoding: field, as: UTF8.self))
        if i < n && bytes[i] == cr { i += 1 }
        if i >= n || bytes[i] == lf {
          endOfRecord = true
        } else if bytes[i] != comma {
          throw InputError(
            .syntax, file: file, line: line, column: i - lineStart + 1,
            "text after a closing quote; expected ',' or the end of the line")
        }
        i += 1
      } else {
        let start = i
        while i < n && bytes[i] != comma && bytes[i] != lf { i += 1 }
        var end = i
        if end > start && bytes[end - 1] == cr { end -= 1 }
        fields.append(
          String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
        if i >= n || bytes[i] == lf { endOfRecord = true }
        i += 1
      }
    }
    if endOfRecord {
      line += 1
      lineStart = i
    }
    if fields.count == 1 && fields[0].isEmpty { continue }
    try body(CSVRecord(line: recordLine, fields: fields, columns: columns))
  }
}

/// Reads a whole file into memory, refusing files over `limit` bytes.
func readInput(_ path: String, what: String, limit: Int = 1 << 33) throws(InputError) -> [UInt8] {
  guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
    let size = (attributes[.size] as? NSNumber)?.intValue
  else { throw InputError(.io, file: path, "cannot read the \(what)") }
  guard size <= limit else {
    throw InputError(
      .limit, file: path, "the \(what) has \(size) bytes; the limit is \(limit) bytes")
  }
  guard let data = FileManager.default.contents(atPath: path) else {
    throw InputError(.io, file: path, "cannot read the \(what)")
  }
  guard !data.isEmpty else {
    throw InputError(
      .empty, file: path, "the \(what) is empty; expected a header row and one row per record")
  }
  return [UInt8](data)
}

/// Column names of a path file in ChannelAttribution's layout.
public struct PathColumns: Sendable, Equatable {
  public var path = "path"
  public var conversions = "total_conversions"
  /// Optional column; rows without it have no nulls.
  public var nulls = "total_null"
  /// Optional column.
  public var value = "total_conversion_value"
  public init() {}
}

extension PathTable {
  /// Reads a path file: `path` (channels separated by `>`, e.g. `search > email`),
  /// `total_conversions`, optional `total_null` and `total_conversion_value`.
  ///
  /// - Parameters:
  ///   - vocabulary: the known channels (e.g. a scenario's); `nil` learns the channels
  ///     from the file in order of first appearance.
  /// - Throws: ``InputError`` naming the file, line and column: a missing column, an
  ///   empty path or channel name, an unknown channel, a count that is not a finite
  ///   non-negative number, more than ``maxChannels`` channels or ``maxPathLength``
  ///   touches, an empty file.
  public static func readPaths(
    path file: String, columns: PathColumns = PathColumns(), vocabulary: [String]? = nil
  ) throws(InputError) -> PathTable {
    let bytes = try readInput(file, what: "path file")
    return try bytes.withUnsafeBufferPointer { buffer throws(InputError) in
      try parsePaths(buffer, file: file, columns: columns, vocabulary: vocabulary)
    }
  }

  /// ``readPaths(path:columns:vocabulary:)`` on bytes in memory.
  public static func parsePaths(
    _ bytes: UnsafeBufferPointer<UInt8>, file: String, columns: PathColumns = PathColumns(),
    vocabulary: [String]? = nil
  ) throws(InputError) -> PathTable {
    var table = PathTable(channels: vocabulary ?? [])
    var nameBytes = table.channels.map { Array($0.utf8) }
    var header: [String]? = nil
    var headerLine = 1
    var col = (path: 0, conv: 0, null: -1, value: -1)
    var buffer: [UInt8] = []
    try forEachCSVRecord(bytes, file: file) { (record: CSVRecord) throws(InputError) in
      guard let names = header else {
        let names = record.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        header = names
        headerLine = record.line
        func find(_ name: String, required: Bool) throws(InputError) -> Int {
          if let k = names.firstIndex(of: name) { return k }
          guard !required else {
            throw InputError(
              .missing, file: file, line: record.line, path: name,
              "missing column \(InputError.echo(name)); the header has \(names.map { InputError.echo($0) }.joined(separator: ", "))"
            )
          }
          return -1
        }
        col = (
          try find(columns.path, required: true), try find(columns.conversions, required: true),
          try find(columns.nulls, required: false), try find(columns.value, required: false)
        )
        return
      }
      guard record.fields.count == names.count else {
        throw InputError(
          .syntax, file: file, line: record.line,
          "\(record.fields.count) fields; expected \(names.count) as in the header")
      }
      func number(_ k: Int) throws(InputError) -> Double {
        guard k >= 0 else { return 0 }
        var text = record.fields[k]
        if text.first?.isWhitespace == true || text.last?.isWhitespace == true {
          text = text.trimmingCharacters(in: .whitespaces)
        }
        guard let x = Double(text), x.isFinite, x >= 0 else {
          throw InputError(
            .range, file: file, line: record.line, column: record.columns[k], path: names[k],
            "\(InputError.echo(text)) is not a count; expected a finite number ≥ 0")
        }
        return x
      }
      let conv = try number(col.conv)
      let null = try number(col.null)
      let value = try number(col.value)
      buffer.removeAll(keepingCapacity: true)
      let text = record.fields[col.path]
      let utf8 = Array(text.utf8)
      var start = 0
      while start <= utf8.count {
        var end = start
        while end < utf8.count && utf8[end] != UInt8(ascii: ">") { end += 1 }
        var lo = start
        var hi = end
        while lo < hi && (utf8[lo] == 32 || utf8[lo] == 9) { lo += 1 }
        while hi > lo && (utf8[hi - 1] == 32 || utf8[hi - 1] == 9) { hi -= 1 }
        guard lo < hi else {
          throw InputError(
            .syntax, file: file, line: record.line, column: record.columns[col.path],
            path: names[col.path],
            "malformed path \(InputError.echo(text)); expected channel names separated by ' > '")
        }
        let name = utf8[lo..<hi]
        if let k = nameBytes.firstIndex(where: { $0.count == name.count && $0.elementsEqual(name) })
        {
          buffer.append(UInt8(k))
        } else if vocabulary != nil {
          throw InputError(
            .unknownName, file: file, line: record.line, column: record.columns[col.path],
            path: names[col.path],
            "unknown channel \(InputError.echo(String(decoding: name, as: UTF8.self))); expected one of: \(table.channels.joined(separator: ", "))"
          )
        } else {
          guard table.channels.count < maxChannels else {
            throw InputError(
              .limit, file: file, line: record.line, column: record.columns[col.path],
              path: names[col.path],
              "more than \(maxChannels) distinct channels; the limit is \(maxChannels)")
          }
          buffer.append(UInt8(table.channels.count))
          nameBytes.append(Array(name))
          table.channels.append(String(decoding: name, as: UTF8.self))
        }
        guard buffer.count <= maxPathLength else {
          throw InputError(
            .limit, file: file, line: record.line, column: record.columns[col.path],
            path: names[col.path],
            "a path of more than \(maxPathLength) touches; the limit is \(maxPathLength)")
        }
        start = end + 1
      }
      table.appendUnchecked(buffer[...], conversions: conv, nulls: null, value: value)
    }
    guard header != nil else {
      throw InputError(
        .empty, file: file,
        "the path file is empty; expected a header row with '\(columns.path)' and '\(columns.conversions)'"
      )
    }
    guard table.count > 0 else {
      throw InputError(
        .empty, file: file, line: headerLine,
        "the path file has a header but no rows; expected one row per path")
    }
    return table
  }
}
