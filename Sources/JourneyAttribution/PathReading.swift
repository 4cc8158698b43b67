import Foundation
import JourneyFormats
import JourneyModel

/// Calls `body` with every record of a CSV file (`path`) or of `bytes`, through the shared
/// ``CSVTokenizer``: fields are byte ranges of the reader's buffer, no text per field.
///
/// - Throws: ``InputError`` naming `file` and the line: unreadable file, a field or record
///   over the tokenizer's limits, an unterminated quote, text after a closing quote (with
///   its column); anything `body` throws.
func forEachPathRecord(
  path: String?, bytes: [UInt8]?, file: String, what: String,
  _ body: (CSVTokenizer, UnsafeMutableBufferPointer<UInt8>) throws(InputError) -> Void
) throws(InputError) {
  func each(_ csv: CSVTokenizer, _ b: UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) {
    do throws(InputError) {
      if csv.isMalformed {
        throw InputError(.syntax, file: file, line: csv.line, CSVTokenizer.malformedMessage)
      }
      try body(csv, b)
    } catch {
      throw InputErrors([error])
    }
  }
  do throws(InputErrors) {
    if let bytes {
      try CSVReader.forEachRecord(bytes: bytes, file: file, each)
    } else {
      try CSVReader.forEachRecord(path: path ?? file, what: what, each)
    }
  } catch {
    throw error.errors.first ?? InputError(.io, file: file, "cannot read the \(what)")
  }
}

/// Byte-level helpers of the path readers.
enum PathFields {
  /// The 1-based column of field `k` of the record: where it starts (its opening quote for
  /// a quoted field) counted from the start of its line. Called on error paths only.
  static func column(_ csv: CSVTokenizer, _ k: Int, _ b: UnsafeMutableBufferPointer<UInt8>) -> Int {
    var at = csv.start(k)
    if at > 0 && b[at - 1] == CSV.quote { at -= 1 }
    var lineStart = at
    while lineStart > 0 && b[lineStart - 1] != 10 { lineStart -= 1 }
    if lineStart == 0 && b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF && at >= 3 {
      lineStart = 3
    }
    return at - lineStart + 1
  }

  /// The field's range without a formula guard written by ``JourneyFormats/CSV``.
  static func range(_ csv: CSVTokenizer, _ k: Int, _ b: UnsafeMutableBufferPointer<UInt8>) -> (Int, Int) {
    var lo = csv.start(k)
    let hi = csv.end(k)
    if lo < hi && b[lo] == CSV.formulaGuard {
      lo += CSV.formulaGuardLength(UnsafeBufferPointer(rebasing: b[lo..<hi]))
    }
    return (lo, hi)
  }

  static func text(_ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self)
  }

  static func equals(_ name: [UInt8], _ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Bool {
    guard name.count == hi - lo else { return false }
    var k = 0
    while k < name.count {
      if name[k] != b[lo + k] { return false }
      k += 1
    }
    return true
  }

  /// A whole number of at most 15 digits read from the bytes, or any other number through
  /// `Double(_:)`; `nil` when the field is not a number.
  static func number(_ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Double? {
    if hi > lo && hi - lo <= 15 {
      var x = 0
      var k = lo
      while k < hi {
        let d = b[k] &- 48
        if d > 9 { break }
        x = x * 10 + Int(d)
        k += 1
      }
      if k == hi { return Double(x) }
    }
    return Double(text(b, lo, hi))
  }
}

/// Channel names found by their bytes: a small open-addressing hash table, so a touch
/// costs one hash and (usually) one comparison whatever the number of channels.
struct ChannelIndex {
  /// The names' bytes one after another; name `k` is `bytes[starts[k]..<starts[k + 1]]`.
  private var bytes: [UInt8] = []
  private var starts: [Int] = [0]
  private var slots = [Int32](repeating: -1, count: 1024)

  init(_ names: [String]) {
    for name in names where find(Array(name.utf8)) == nil { insert(Array(name.utf8)) }
  }

  var count: Int { starts.count - 1 }

  static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for c in bytes { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
    return Int(truncatingIfNeeded: (h ^ (h >> 29)) & 1023)
  }

  /// The index of the name `b[lo..<hi]`, or `nil`.
  func find(_ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Int? {
    var slot = Self.hash(UnsafeBufferPointer(rebasing: b[lo..<hi]))
    return bytes.withUnsafeBufferPointer { names in
      starts.withUnsafeBufferPointer { starts in
        slots.withUnsafeBufferPointer { slots in
          while true {
            let k = Int(slots[slot])
            if k < 0 { return nil }
            let s = starts[k]
            if starts[k + 1] - s == hi - lo {
              var i = 0
              while i < hi - lo && names[s + i] == b[lo + i] { i += 1 }
              if i == hi - lo { return k }
            }
            slot = (slot + 1) & 1023
          }
        }
      }
    }
  }

  func find(_ name: [UInt8]) -> Int? {
    var copy = name
    return copy.withUnsafeMutableBufferPointer { b in find(b, 0, b.count) }
  }

  /// Adds a name that ``find(_:)`` does not know; at most 250 names (the table stays at
  /// most a quarter full).
  mutating func insert(_ name: [UInt8]) {
    var slot = name.withUnsafeBufferPointer { Self.hash($0) }
    while slots[slot] >= 0 { slot = (slot + 1) & 1023 }
    slots[slot] = Int32(count)
    bytes.append(contentsOf: name)
    starts.append(bytes.count)
  }
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
    try parse(path: file, bytes: nil, file: file, columns: columns, vocabulary: vocabulary)
  }

  /// ``readPaths(path:columns:vocabulary:)`` on bytes in memory.
  public static func parsePaths(
    _ bytes: [UInt8], file: String, columns: PathColumns = PathColumns(),
    vocabulary: [String]? = nil
  ) throws(InputError) -> PathTable {
    try parse(path: nil, bytes: bytes, file: file, columns: columns, vocabulary: vocabulary)
  }

  static func parse(
    path: String?, bytes: [UInt8]?, file: String, columns: PathColumns, vocabulary: [String]?
  ) throws(InputError) -> PathTable {
    var table = PathTable(channels: vocabulary ?? [])
    var index = ChannelIndex(table.channels)
    var header: [String]? = nil
    var headerLine = 1
    var col = (path: 0, conv: 0, null: -1, value: -1)
    var buffer: [UInt8] = []
    try forEachPathRecord(path: path, bytes: bytes, file: file, what: "path file") {
      (csv: CSVTokenizer, b: UnsafeMutableBufferPointer<UInt8>) throws(InputError) in
      guard let names = header else {
        let names = csv.texts(in: b)
        header = names
        headerLine = csv.line
        func find(_ name: String, required: Bool) throws(InputError) -> Int {
          if let k = names.firstIndex(of: name) { return k }
          guard !required else {
            throw InputError(
              .missing, file: file, line: csv.line, path: name,
              "missing column \(InputError.echo(name)); the header has \(names.prefix(20).map { InputError.echo($0) }.joined(separator: ", "))"
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
      guard csv.fieldCount == names.count else {
        throw InputError(
          .syntax, file: file, line: csv.line,
          "\(csv.fieldCount) fields; expected \(names.count) as in the header")
      }
      func number(_ k: Int) throws(InputError) -> Double {
        guard k >= 0 else { return 0 }
        let lo = csv.start(k)
        let hi = csv.end(k)
        guard let x = PathFields.number(b, lo, hi), x.isFinite, x >= 0 else {
          throw InputError(
            .range, file: file, line: csv.line, column: PathFields.column(csv, k, b), path: names[k],
            "\(InputError.echo(PathFields.text(b, lo, hi))) is not a count; expected a finite number ≥ 0")
        }
        return x
      }
      let conv = try number(col.conv)
      let null = try number(col.null)
      let value = try number(col.value)
      buffer.removeAll(keepingCapacity: true)
      let (first, last) = PathFields.range(csv, col.path, b)
      var known = index
      var start = first
      while start <= last {
        var end = start
        while end < last && b[end] != UInt8(ascii: ">") { end += 1 }
        var lo = start
        var hi = end
        while lo < hi && (b[lo] == 32 || b[lo] == 9) { lo += 1 }
        while hi > lo && (b[hi - 1] == 32 || b[hi - 1] == 9) { hi -= 1 }
        guard lo < hi else {
          throw InputError(
            .syntax, file: file, line: csv.line, column: PathFields.column(csv, col.path, b),
            path: names[col.path],
            "malformed path \(InputError.echo(PathFields.text(b, first, last))); expected channel names separated by ' > '")
        }
        if let k = known.find(b, lo, hi) {
          buffer.append(UInt8(k))
        } else if vocabulary != nil {
          throw InputError(
            .unknownName, file: file, line: csv.line, column: PathFields.column(csv, col.path, b),
            path: names[col.path],
            "unknown channel \(InputError.echo(PathFields.text(b, lo, hi))); expected one of: \(table.channels.joined(separator: ", "))"
          )
        } else {
          guard table.channels.count < maxChannels else {
            throw InputError(
              .limit, file: file, line: csv.line, column: PathFields.column(csv, col.path, b),
              path: names[col.path],
              "more than \(maxChannels) distinct channels; the limit is \(maxChannels)")
          }
          buffer.append(UInt8(table.channels.count))
          index.insert(Array(UnsafeBufferPointer(rebasing: b[lo..<hi])))
          known = index
          table.channels.append(PathFields.text(b, lo, hi))
        }
        guard buffer.count <= maxPathLength else {
          throw InputError(
            .limit, file: file, line: csv.line, column: PathFields.column(csv, col.path, b),
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
