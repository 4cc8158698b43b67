import Foundation
import JourneyModel

/// A strict JSON syntax check that remembers where every value is.
///
/// Foundation's decoders say neither where malformed JSON breaks nor that a key appears
/// twice (they keep one of the two silently). The scanner reads the bytes once, reports
/// the first syntax error or duplicate key with its line and column, and records the
/// position of every value by its path (`plans[0].totals.spend`), so that decoding errors
/// can point at a line too.
///
/// - Complexity: O(n) in the length of the text; nesting is limited to ``maxDepth``.
struct JSONScanner {
  /// Deepest nesting of objects and lists accepted (Foundation's decoder stops at 512 too).
  static let maxDepth = 512

  struct Problem: Error {
    var kind: InputError.Kind
    var line: Int
    var column: Int
    var path: String
    var message: String
  }

  /// Where a value starts, 1-based; columns count bytes.
  struct Position: Equatable {
    var line: Int
    var column: Int
  }

  /// The position of every value by path; the root is `""`.
  private(set) var positions: [String: Position] = [:]
  /// Every object key, by the path of its value, with where the key starts, in file order.
  private(set) var keyPaths: [(path: String, key: String, position: Position)] = []
  private(set) var rootIsObject = false

  private let bytes: [UInt8]
  private var i = 0
  private var line = 1
  private var lineStart = 0

  init(_ data: Data) { bytes = [UInt8](data) }

  /// Scans the whole text.
  ///
  /// - Throws: ``Problem`` at the first syntax error or duplicate key.
  mutating func scan() throws(Problem) {
    skipSpace()
    rootIsObject = i < bytes.count && bytes[i] == UInt8(ascii: "{")
    try value(path: "", depth: 0)
    skipSpace()
    if i < bytes.count { throw problem("unexpected \(describe()) after the end of the JSON value", path: "") }
  }

  private var position: Position { Position(line: line, column: i - lineStart + 1) }

  private func problem(_ message: String, path: String, kind: InputError.Kind = .syntax) -> Problem {
    Problem(kind: kind, line: line, column: i - lineStart + 1, path: path, message: message)
  }

  private func describe() -> String {
    guard i < bytes.count else { return "end of the file" }
    let b = bytes[i]
    if b >= 0x21 && b < 0x7F { return "'\(Character(UnicodeScalar(b)))'" }
    return String(format: "byte 0x%02X", b)
  }

  private mutating func skipSpace() {
    while i < bytes.count {
      switch bytes[i] {
      case 0x20, 0x09, 0x0D: i += 1
      case 0x0A:
        i += 1
        line += 1
        lineStart = i
      default: return
      }
    }
  }

  private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

  private mutating func value(path: String, depth: Int) throws(Problem) {
    skipSpace()
    guard i < bytes.count else { throw problem("unexpected end of the file; expected a value", path: path) }
    positions[path] = position
    switch bytes[i] {
    case UInt8(ascii: "{"):
      guard depth < Self.maxDepth else { throw problem("nested deeper than \(Self.maxDepth) levels", path: path) }
      try object(path: path, depth: depth + 1)
    case UInt8(ascii: "["):
      guard depth < Self.maxDepth else { throw problem("nested deeper than \(Self.maxDepth) levels", path: path) }
      try list(path: path, depth: depth + 1)
    case UInt8(ascii: "\""): _ = try string(path: path)
    case UInt8(ascii: "t"): try literal("true", path: path)
    case UInt8(ascii: "f"): try literal("false", path: path)
    case UInt8(ascii: "n"): try literal("null", path: path)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number(path: path)
    default: throw problem("unexpected \(describe()); expected a value", path: path)
    }
  }

  private mutating func literal(_ word: String, path: String) throws(Problem) {
    for b in word.utf8 {
      guard i < bytes.count, bytes[i] == b else { throw problem("unexpected \(describe()); expected '\(word)'", path: path) }
      i += 1
    }
  }

  private mutating func digits() -> Int {
    let start = i
    while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
    return i - start
  }

  private mutating func number(path: String) throws(Problem) {
    if bytes[i] == UInt8(ascii: "-") { i += 1 }
    guard i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 else {
      throw problem("unexpected \(describe()); expected a digit", path: path)
    }
    if bytes[i] == UInt8(ascii: "0") {
      i += 1
    } else {
      _ = digits()
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
      i += 1
      guard digits() > 0 else { throw problem("unexpected \(describe()); expected a digit after '.'", path: path) }
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
      i += 1
      if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
      guard digits() > 0 else { throw problem("unexpected \(describe()); expected an exponent", path: path) }
    }
  }

  private mutating func hex4(path: String) throws(Problem) -> UInt32 {
    var v: UInt32 = 0
    for _ in 0..<4 {
      guard i < bytes.count, let d = Int(String(UnicodeScalar(bytes[i])), radix: 16) else {
        throw problem("bad \\u escape; expected 4 hexadecimal digits", path: path)
      }
      v = v * 16 + UInt32(d)
      i += 1
    }
    return v
  }

  /// A string, unescaped (keys are compared by their characters, not their spelling).
  private mutating func string(path: String) throws(Problem) -> String {
    i += 1
    var out: [UInt8] = []
    while true {
      guard i < bytes.count else { throw problem("unterminated string", path: path) }
      let b = bytes[i]
      switch b {
      case UInt8(ascii: "\""):
        i += 1
        return String(decoding: out, as: UTF8.self)
      case UInt8(ascii: "\\"):
        i += 1
        guard i < bytes.count else { throw problem("unterminated string", path: path) }
        let e = bytes[i]
        i += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
          var v = try hex4(path: path)
          if v >= 0xD800 && v < 0xDC00, i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
            i += 2
            let low = try hex4(path: path)
            v = 0x10000 + ((v - 0xD800) << 10) + (low &- 0xDC00 & 0x3FF)
          }
          out += Array(String(UnicodeScalar(v).map(Character.init) ?? "\u{FFFD}").utf8)
        default:
          i -= 1
          throw problem("unknown escape '\\\(Character(UnicodeScalar(e)))' in a string", path: path)
        }
      case 0x00..<0x20:
        throw problem("control character in a string (write \\n, \\t or \\u00XX)", path: path)
      default:
        out.append(b)
        i += 1
      }
    }
  }

  private mutating func object(path: String, depth: Int) throws(Problem) {
    i += 1
    var seen: [String: Int] = [:]
    skipSpace()
    if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
      i += 1
      return
    }
    while true {
      skipSpace()
      guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
        throw problem("unexpected \(describe()); expected a key in double quotes", path: path)
      }
      let keyPosition = position
      let key = try string(path: path)
      let child = Self.join(path, key)
      if let first = seen[key] {
        throw Problem(
          kind: .duplicate, line: keyPosition.line, column: keyPosition.column, path: child,
          message: "duplicate key '\(key)' (first at line \(first))")
      }
      seen[key] = keyPosition.line
      keyPaths.append((child, key, keyPosition))
      skipSpace()
      guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else {
        throw problem("unexpected \(describe()); expected ':' after the key '\(key)'", path: child)
      }
      i += 1
      try value(path: child, depth: depth)
      skipSpace()
      guard i < bytes.count else { throw problem("unexpected end of the file; expected ',' or '}'", path: path) }
      if bytes[i] == UInt8(ascii: ",") {
        i += 1
        continue
      }
      guard bytes[i] == UInt8(ascii: "}") else { throw problem("unexpected \(describe()); expected ',' or '}'", path: path) }
      i += 1
      return
    }
  }

  private mutating func list(path: String, depth: Int) throws(Problem) {
    i += 1
    skipSpace()
    if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
      i += 1
      return
    }
    var k = 0
    while true {
      try value(path: path + "[\(k)]", depth: depth)
      k += 1
      skipSpace()
      guard i < bytes.count else { throw problem("unexpected end of the file; expected ',' or ']'", path: path) }
      if bytes[i] == UInt8(ascii: ",") {
        i += 1
        continue
      }
      guard bytes[i] == UInt8(ascii: "]") else { throw problem("unexpected \(describe()); expected ',' or ']'", path: path) }
      i += 1
      return
    }
  }
}
