import Foundation
import Yams

/// Composes a YAML (or JSON) document into a `Node` tree without stopping at the first
/// duplicate key.
///
/// Yams rejects a mapping with a duplicate key and gives up on the whole document. To keep
/// reporting every other problem, when the first composition fails on a duplicate key,
/// one pass of ``DuplicateKeyScanner`` finds every repeated key of every mapping, renames
/// each repetition in the text to private-use characters (one for each character, so every
/// line and column stays where it was), and the document is composed a second time. A
/// walk of the tree then checks each renamed key against the keys before it in its mapping
/// and reports it as a duplicate with its line, column and YAML path; the ``NodeReader``
/// skips the renamed keys.
///
/// Whatever the number of duplicates, the text is composed at most twice and scanned at
/// most once (``NodeReader/Passes``). When the scan does not account for every duplicate
/// (a construct it does not follow, such as a complex `?` key), the error Yams reported
/// first is returned instead.
///
/// - Complexity: O(n) in the length of the text.
enum TolerantComposer {
  enum Outcome {
    case document(Node)
    case empty
    case failed(InputError)
  }

  static func compose(_ text: String, reader: NodeReader) -> Outcome {
    let first: YamlError
    do {
      reader.passes.composed += 1
      guard let root = try Yams.compose(yaml: text) else { return .empty }
      return .document(root)
    } catch let error as YamlError {
      first = error
    } catch {
      return .failed(InputError(.syntax, file: reader.file, "the document could not be read"))
    }
    guard case .duplicatedKeysInMapping = first else { return .failed(syntaxError(first, file: reader.file)) }

    reader.passes.scanned += 1
    var scanner = DuplicateKeyScanner(text)
    scanner.run()
    guard !scanner.duplicates.isEmpty, let patched = scanner.renamed() else {
      return .failed(syntaxError(first, file: reader.file))
    }
    let root: Node
    do {
      reader.passes.composed += 1
      guard let node = try Yams.compose(yaml: patched) else { return .empty }
      root = node
    } catch let error as YamlError {
      if case .duplicatedKeysInMapping = error { return .failed(syntaxError(first, file: reader.file)) }
      return .failed(syntaxError(error, file: reader.file))
    } catch {
      return .failed(InputError(.syntax, file: reader.file, "the document could not be read"))
    }
    var renamed: [NodeReader.Position: String] = [:]
    for d in scanner.duplicates { renamed[NodeReader.Position(line: d.line, column: d.column)] = d.key }
    var walk = DuplicateWalk(renamed: renamed, reader: reader)
    walk.visit(root, "")
    guard walk.found.count == renamed.count else { return .failed(syntaxError(first, file: reader.file)) }
    reader.renamedDuplicates = walk.found
    for error in walk.errors { reader.error(error) }
    return .document(root)
  }

  /// Turns a Yams error into an ``InputError`` of kind `.syntax` with its position.
  static func syntaxError(_ error: YamlError, file: String) -> InputError {
    switch error {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      var message = problem
      if let context {
        message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
      }
      return InputError(.syntax, file: file, line: mark.line, column: mark.column, message)
    case .reader(let problem, let offset, _, let yaml):
      if let offset {
        let prefix = yaml.utf8.prefix(offset)
        var line = 1
        var column = 1
        for byte in prefix {
          if byte == UInt8(ascii: "\n") {
            line += 1
            column = 1
          } else if byte & 0xC0 != 0x80 {
            column += 1
          }
        }
        return InputError(.syntax, file: file, line: line, column: column, problem)
      }
      return InputError(.syntax, file: file, problem)
    case .duplicatedKeysInMapping(let keys, let context):
      let list = keys.prefix(5).map { InputError.echo($0) }.joined(separator: ", ")
      return InputError(
        .duplicate, file: file, line: context.mark.line, column: context.mark.column,
        "duplicate key \(list) in a mapping")
    default:
      return InputError(.syntax, file: file, "the document could not be read")
    }
  }
}

/// Walks the composed tree once (each collection once, however often aliases repeat it),
/// checks that every renamed key repeats an earlier key of its mapping and reports it.
private struct DuplicateWalk {
  let renamed: [NodeReader.Position: String]
  let reader: NodeReader
  var found: Set<NodeReader.Position> = []
  var errors: [InputError] = []
  var visited: Set<NodeReader.Position> = []

  init(renamed: [NodeReader.Position: String], reader: NodeReader) {
    self.renamed = renamed
    self.reader = reader
  }

  mutating func visit(_ node: Node, _ path: String) {
    switch node {
    case .mapping(let mapping):
      if let mark = node.mark, !visited.insert(NodeReader.Position(line: mark.line, column: mark.column)).inserted {
        return
      }
      var firstLine: [String: Int] = [:]
      for (keyNode, value) in mapping {
        guard case .scalar(let scalar) = keyNode else {
          visit(value, path)
          continue
        }
        var key = scalar.string
        if let mark = keyNode.mark {
          let position = NodeReader.Position(line: mark.line, column: mark.column)
          if let original = renamed[position] {
            key = original
            if let line = firstLine[original] {
              found.insert(position)
              errors.append(
                InputError(
                  .duplicate, file: reader.file, line: mark.line, column: mark.column,
                  path: NodeReader.join(path, original),
                  "duplicate key \(InputError.echo(original)) (first at line \(line))"))
            }
            visit(value, NodeReader.join(path, original))
            continue
          }
        }
        if firstLine[key] == nil { firstLine[key] = keyNode.mark?.line ?? 0 }
        visit(value, NodeReader.join(path, key))
      }
    case .sequence(let sequence):
      if let mark = node.mark, !visited.insert(NodeReader.Position(line: mark.line, column: mark.column)).inserted {
        return
      }
      for (i, item) in sequence.enumerated() { visit(item, NodeReader.index(path, i)) }
    default:
      break
    }
  }
}

/// One pass over a YAML or JSON text that finds the repeated keys of every mapping.
///
/// It follows the structure that decides which mapping a key belongs to: block mappings
/// and sequences by indentation, flow collections by brackets, and skips what cannot hold
/// keys (comments, quoted and plain scalars, block scalars `|` and `>`). A simple key is a
/// scalar followed on the same line by `:`, as in libyaml. Keys are compared by their text
/// (quotes removed, common escapes decoded).
///
/// - Complexity: O(n) in the length of the text.
struct DuplicateKeyScanner {
  struct Duplicate {
    /// Byte range of the characters to rename (inside the quotes of a quoted key).
    var start: Int
    var end: Int
    /// Position of the key node (its anchor or tag when it has one).
    var line: Int
    var column: Int
    var key: String
    /// How many keys of the same length this mapping had renamed before.
    var ordinal: Int
  }

  private final class Mapping {
    var keys: [String: Int] = [:]
    var renamedByLength: [Int: Int] = [:]
  }

  private struct Block {
    var indent: Int
    var mapping: Mapping?
  }

  private struct Key {
    var start: Int
    var end: Int
    var line: Int
    var column: Int
    var text: String
  }

  private let bytes: [UInt8]
  private var i = 0
  private var line = 1
  private var column = 1
  private var blocks: [Block] = []
  /// Open flow collections; `nil` for a sequence.
  private var flows: [Mapping?] = []
  private var pendingKey: Key?
  private var property: (line: Int, column: Int)?
  private var continuation: Int?
  private(set) var duplicates: [Duplicate] = []

  init(_ text: String) {
    bytes = Array(text.utf8)
  }

  // MARK: Characters

  private static let newline = UInt8(ascii: "\n")
  private static let space = UInt8(ascii: " ")
  private static let tab = UInt8(ascii: "\t")
  private static let cr = UInt8(ascii: "\r")

  private func byte(_ k: Int) -> UInt8? { k < bytes.count ? bytes[k] : nil }

  private func isBlank(_ b: UInt8?) -> Bool {
    guard let b else { return true }
    return b == Self.space || b == Self.tab || b == Self.cr || b == Self.newline
  }

  private func isFlowIndicator(_ b: UInt8?) -> Bool {
    guard let b else { return false }
    return b == UInt8(ascii: ",") || b == UInt8(ascii: "[") || b == UInt8(ascii: "]") || b == UInt8(ascii: "{")
      || b == UInt8(ascii: "}")
  }

  /// Moves to the next byte, keeping the line and the column (in characters) of `i`.
  private mutating func advance() {
    if bytes[i] == Self.newline {
      line += 1
      column = 1
    } else if i + 1 < bytes.count, bytes[i + 1] & 0xC0 != 0x80 {
      column += 1
    }
    i += 1
  }

  private mutating func skipToEndOfLine() {
    while i < bytes.count, bytes[i] != Self.newline { advance() }
  }

  // MARK: Structure

  private var currentIndent: Int { blocks.last?.indent ?? -1 }

  private mutating func blockEntry(indent: Int) {
    while let top = blocks.last, top.indent > indent { blocks.removeLast() }
    if let top = blocks.last, top.indent == indent, top.mapping == nil { return }
    blocks.append(Block(indent: indent, mapping: nil))
  }

  private mutating func register(_ key: Key) {
    let mapping: Mapping
    if !flows.isEmpty {
      guard let open = flows[flows.count - 1] else { return }  // a pair inside a flow sequence
      mapping = open
    } else {
      let indent = key.column - 1
      while let top = blocks.last, top.indent > indent || (top.indent == indent && top.mapping == nil) {
        blocks.removeLast()
      }
      if let top = blocks.last, top.indent == indent, let open = top.mapping {
        mapping = open
      } else {
        mapping = Mapping()
        blocks.append(Block(indent: indent, mapping: mapping))
      }
    }
    if mapping.keys[key.text] != nil {
      let length = characterCount(key.start, key.end)
      let ordinal = mapping.renamedByLength[length, default: 0]
      mapping.renamedByLength[length] = ordinal + 1
      duplicates.append(
        Duplicate(
          start: key.start, end: key.end, line: key.line, column: key.column, key: key.text, ordinal: ordinal))
    } else {
      mapping.keys[key.text] = key.line
    }
  }

  private func characterCount(_ start: Int, _ end: Int) -> Int {
    var n = 0
    for k in start..<end where bytes[k] & 0xC0 != 0x80 { n += 1 }
    return n
  }

  // MARK: The pass

  mutating func run() {
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
    var lineStart = true
    while i < bytes.count {
      if lineStart {
        lineStart = false
        if flows.isEmpty { startBlockLine() }
        continue
      }
      let b = bytes[i]
      switch b {
      case Self.newline:
        advance()
        pendingKey = nil
        property = nil
        lineStart = true
      case Self.space, Self.tab, Self.cr:
        advance()
      case UInt8(ascii: "#"):
        skipToEndOfLine()
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        pendingKey = nil
        property = nil
        flows.append(b == UInt8(ascii: "{") ? Mapping() : nil)
        advance()
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        pendingKey = nil
        if !flows.isEmpty { flows.removeLast() }
        advance()
      case UInt8(ascii: ","):
        pendingKey = nil
        property = nil
        advance()
      case UInt8(ascii: "-") where flows.isEmpty && isBlank(byte(i + 1)):
        pendingKey = nil
        property = nil
        blockEntry(indent: column - 1)
        advance()
      case UInt8(ascii: "?") where isBlank(byte(i + 1)):
        pendingKey = nil
        property = nil
        advance()
      case UInt8(ascii: ":") where !flows.isEmpty || isBlank(byte(i + 1)):
        if let key = pendingKey { register(key) }
        pendingKey = nil
        property = nil
        advance()
      case UInt8(ascii: "|") where flows.isEmpty, UInt8(ascii: ">") where flows.isEmpty:
        pendingKey = nil
        property = nil
        skipBlockScalar()
        lineStart = true
      case UInt8(ascii: "&"), UInt8(ascii: "!"):
        pendingKey = nil
        if property == nil { property = (line, column) }
        while i < bytes.count, !isBlank(bytes[i]), flows.isEmpty || !isFlowIndicator(bytes[i]) { advance() }
      case UInt8(ascii: "*"):
        pendingKey = nil
        property = nil
        while i < bytes.count, !isBlank(bytes[i]), flows.isEmpty || !isFlowIndicator(bytes[i]) { advance() }
      case UInt8(ascii: "'"), UInt8(ascii: "\""):
        quoted(b)
      default:
        plain()
      }
    }
  }

  /// Indentation, blank lines, comments, continuation lines of a plain scalar and
  /// document markers at the start of a line in block context.
  private mutating func startBlockLine() {
    while true {
      var k = i
      while k < bytes.count, bytes[k] == Self.space { k += 1 }
      let indent = k - i
      let first = byte(k)
      let blank = first == nil || first == Self.newline || first == Self.cr || first == UInt8(ascii: "#")
        || (first == Self.tab && restIsBlank(from: k))
      if blank {
        skipToEndOfLine()
        guard i < bytes.count else { return }
        advance()
        continue
      }
      if let limit = continuation, indent > limit {
        skipToEndOfLine()
        guard i < bytes.count else { return }
        advance()
        continue
      }
      continuation = nil
      if indent == 0, let b = first {
        if b == UInt8(ascii: "%") {
          skipToEndOfLine()
          guard i < bytes.count else { return }
          advance()
          continue
        }
        if (bytes[k...].starts(with: "---".utf8) || bytes[k...].starts(with: "...".utf8)) && isBlank(byte(k + 3)) {
          blocks.removeAll()
          for _ in 0..<3 { advance() }
          return
        }
      }
      while i < k { advance() }
      return
    }
  }

  private func restIsBlank(from start: Int) -> Bool {
    var k = start
    while k < bytes.count, bytes[k] == Self.space || bytes[k] == Self.tab { k += 1 }
    return k == bytes.count || bytes[k] == Self.newline || bytes[k] == Self.cr || bytes[k] == UInt8(ascii: "#")
  }

  /// A block scalar: the rest of the header line, then every line that is blank or
  /// indented more than the collection holding it.
  private mutating func skipBlockScalar() {
    let parent = currentIndent
    skipToEndOfLine()
    while i < bytes.count {
      advance()  // the line break
      var k = i
      while k < bytes.count, bytes[k] == Self.space { k += 1 }
      let blank = k == bytes.count || bytes[k] == Self.newline || bytes[k] == Self.cr
      if !blank && k - i <= parent { return }
      skipToEndOfLine()
    }
  }

  private mutating func quoted(_ quote: UInt8) {
    let startLine = line
    let mark = property ?? (line, column)
    property = nil
    advance()
    let contentStart = i
    var escaped = false
    while i < bytes.count {
      let c = bytes[i]
      if quote == UInt8(ascii: "\"") && c == UInt8(ascii: "\\") {
        escaped = true
        advance()
        if i < bytes.count { advance() }
        continue
      }
      if c == quote {
        if quote == UInt8(ascii: "'"), byte(i + 1) == quote {
          advance()
          advance()
          continue
        }
        break
      }
      advance()
    }
    let contentEnd = i
    if i < bytes.count { advance() }
    guard line == startLine, contentEnd > contentStart else {
      pendingKey = nil
      return
    }
    let raw = String(decoding: bytes[contentStart..<contentEnd], as: UTF8.self)
    let text: String
    if quote == UInt8(ascii: "'") {
      text = raw.replacingOccurrences(of: "''", with: "'")
    } else if escaped {
      text = Self.unescape(raw)
    } else {
      text = raw
    }
    pendingKey = Key(start: contentStart, end: contentEnd, line: mark.line, column: mark.column, text: text)
  }

  /// A plain scalar: up to `: `, ` #`, the end of the line or (in flow) an indicator.
  private mutating func plain() {
    let mark = property ?? (line, column)
    property = nil
    let start = i
    var end = i
    let inFlow = !flows.isEmpty
    while i < bytes.count {
      let c = bytes[i]
      if c == Self.newline { break }
      if c == UInt8(ascii: ":") {
        let next = byte(i + 1)
        if isBlank(next) || (inFlow && isFlowIndicator(next)) { break }
      }
      if inFlow && isFlowIndicator(c) { break }
      if c == Self.space || c == Self.tab || c == Self.cr {
        var k = i
        while k < bytes.count, bytes[k] == Self.space || bytes[k] == Self.tab || bytes[k] == Self.cr { k += 1 }
        if k == bytes.count || bytes[k] == Self.newline || bytes[k] == UInt8(ascii: "#") { break }
        while i < k { advance() }
        continue
      }
      advance()
      end = i
    }
    guard end > start else {
      // Not a scalar after all (a lone indicator): step over it.
      pendingKey = nil
      if i == start { advance() }
      return
    }
    let text = String(decoding: bytes[start..<end], as: UTF8.self)
    pendingKey = Key(start: start, end: end, line: mark.line, column: mark.column, text: text)
    if !inFlow {
      var k = i
      while k < bytes.count, bytes[k] == Self.space || bytes[k] == Self.tab || bytes[k] == Self.cr { k += 1 }
      if k == bytes.count || bytes[k] == Self.newline { continuation = currentIndent }
    }
  }

  /// The common escapes of a double-quoted scalar; others are kept as written.
  static func unescape(_ raw: String) -> String {
    var out = ""
    var it = raw.unicodeScalars.makeIterator()
    while let c = it.next() {
      guard c == "\\", let e = it.next() else {
        out.unicodeScalars.append(c)
        continue
      }
      switch e {
      case "n": out += "\n"
      case "t": out += "\t"
      case "r": out += "\r"
      case "0": out += "\0"
      case "\"", "\\", "/", " ": out.unicodeScalars.append(e)
      case "x", "u", "U":
        let digits = e == "x" ? 2 : e == "u" ? 4 : 8
        var hex = ""
        for _ in 0..<digits { if let h = it.next() { hex.unicodeScalars.append(h) } }
        if let v = UInt32(hex, radix: 16), let s = Unicode.Scalar(v) {
          out.unicodeScalars.append(s)
        } else {
          out += "\\\(e)\(hex)"
        }
      default:
        out.unicodeScalars.append("\\")
        out.unicodeScalars.append(e)
      }
    }
    return out
  }

  // MARK: Renaming

  /// Private-use characters (U+E000…U+F8FF) that spell a repetition's ordinal.
  private static let digitBase = 6400

  /// The text with every repeated key renamed to private-use characters, one for each of
  /// its characters; `nil` when a key is too short to be given a name of its own.
  func renamed() -> String? {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + duplicates.count * 8)
    var copied = 0
    for d in duplicates {
      let length = characterCount(d.start, d.end)
      var ordinal = d.ordinal
      var scalars: [Unicode.Scalar] = []
      for _ in 0..<length {
        scalars.append(Unicode.Scalar(UInt32(0xE000 + ordinal % Self.digitBase)) ?? "_")
        ordinal /= Self.digitBase
      }
      guard ordinal == 0 else { return nil }
      out += bytes[copied..<d.start]
      for s in scalars { out += Array(String(s).utf8) }
      copied = d.end
    }
    out += bytes[copied...]
    return String(decoding: out, as: UTF8.self)
  }
}
