import Foundation
import JourneyModel

/// A small CSV reader for the side inputs (raw exports, spend): the whole file in memory,
/// records split quote-aware, fields unescaped and trimmed, a header naming the columns.
struct CSVRecords {
  let file: String
  /// Header names, trimmed, BOM removed.
  var header: [String] = []
  /// (1-based line, fields) per data record; blank lines skipped.
  var records: [(line: Int, fields: [String])] = []

  /// Reads and splits `file`.
  /// - Throws: ``InputErrors`` when the file cannot be read, is empty, or has a bad quote.
  init(path: String, what: String, expected: String) throws(InputErrors) {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw InputErrors([InputError(.io, file: path, "cannot read the \(what)")])
    }
    try self.init(bytes: [UInt8](data), file: path, what: what, expected: expected)
  }

  init(bytes: [UInt8], file: String, what: String, expected: String) throws(InputErrors) {
    self.file = file
    var line = 1
    var i = 0
    let n = bytes.count
    var rows: [(Int, [String])] = []
    while i < n {
      let startLine = line
      var fields: [String] = []
      var field: [UInt8] = []
      var quoted = false
      var wasQuoted = false
      while i < n {
        let c = bytes[i]
        if quoted {
          if c == UInt8(ascii: "\"") {
            if i + 1 < n && bytes[i + 1] == UInt8(ascii: "\"") {
              field.append(c)
              i += 1
            } else {
              quoted = false
            }
          } else {
            if c == UInt8(ascii: "\n") { line += 1 }
            field.append(c)
          }
        } else if c == UInt8(ascii: "\"") && field.allSatisfy({ $0 == 32 }) {
          quoted = true
          wasQuoted = true
          field.removeAll()
        } else if c == UInt8(ascii: ",") {
          fields.append(Self.finish(field, wasQuoted))
          field.removeAll(keepingCapacity: true)
          wasQuoted = false
        } else if c == UInt8(ascii: "\n") {
          break
        } else {
          field.append(c)
        }
        i += 1
      }
      if quoted {
        throw InputErrors([InputError(.syntax, file: file, line: startLine, "unterminated quoted field; expected a closing '\"'")])
      }
      fields.append(Self.finish(field, wasQuoted))
      i += 1
      line += 1
      if fields.count == 1 && fields[0].isEmpty { continue }
      rows.append((startLine, fields))
    }
    guard let first = rows.first else {
      throw InputErrors([InputError(.empty, file: file, "the \(what) is empty; expected a header row \(expected) and one row per record")])
    }
    header = first.1
    if let h = header.first, h.hasPrefix("\u{FEFF}") { header[0] = String(h.dropFirst()) }
    records = Array(rows.dropFirst())
    if records.isEmpty {
      throw InputErrors([InputError(.empty, file: file, line: first.0, "the \(what) has a header but no rows; expected rows \(expected)")])
    }
  }

  static func finish(_ field: [UInt8], _ quoted: Bool) -> String {
    var s = String(decoding: field, as: UTF8.self)
    if s.hasSuffix("\r") { s.removeLast() }
    return quoted ? s : s.trimmingCharacters(in: .whitespaces)
  }

  /// The index of each required column.
  /// - Throws: `.missing` naming the column and what the header holds.
  func columns(_ names: [String], expected: String) throws(InputErrors) -> [Int] {
    var found: [Int] = []
    for name in names {
      guard let k = header.firstIndex(of: name) else {
        throw InputErrors([InputError(
          .missing, file: file, line: 1, path: name,
          "missing column '\(name)'; expected a header with \(expected) (found: \(header.joined(separator: ", ")))")])
      }
      found.append(k)
    }
    return found
  }
}
