import Foundation
import Yams

/// Walks a composed YAML tree and collects every problem it finds, each with the line and
/// column of the offending node and its YAML path.
///
/// The typed readers (``number(_:_:)``, ``integer(_:_:)``, …) return `nil` after recording
/// an error, so callers can carry on and report further problems in the same file.
final class NodeReader {
  struct Position: Hashable {
    var line: Int
    var column: Int
  }

  struct Entry {
    let key: String
    let keyNode: Node
    let value: Node
    let path: String
  }

  /// The entries of a mapping with a fixed set of keys.
  struct Fields {
    let node: Node
    let path: String
    var entries: [String: Entry]

    subscript(key: String) -> Node? { entries[key]?.value }
    func path(_ key: String) -> String { NodeReader.join(path, key) }
    func contains(_ key: String) -> Bool { entries[key] != nil }
  }

  /// How often the text of the document was gone through: composed by Yams, and scanned
  /// for duplicate keys. At most 2 and 1, whatever the number of duplicates.
  struct Passes: Equatable {
    var composed = 0
    var scanned = 0
  }

  let file: String
  private(set) var errors: [InputError] = []
  /// Positions of the keys that were renamed in the text to get past the parser's
  /// duplicate-key check; ``TolerantComposer`` has reported them already.
  var renamedDuplicates: Set<Position> = []
  var passes = Passes()

  init(file: String) {
    self.file = file
  }

  /// `path.key`; a key that is long or holds control characters appears in its bounded
  /// ``InputError/echo(_:)`` form.
  static func join(_ path: String, _ key: String) -> String {
    let shown = bounded(key)
    return path.isEmpty ? shown : path + "." + shown
  }

  /// A user's text as messages show it: as written when it is short and printable,
  /// otherwise in the bounded, quoted ``InputError/echo(_:)`` form.
  static func bounded(_ s: String) -> String {
    guard s.utf8.count <= InputError.echoLimit else { return InputError.echo(s) }
    for scalar in s.unicodeScalars where scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{FFFD}" {
      return InputError.echo(s)
    }
    return s
  }

  /// Names for a list in a message (`a, b, c`), each bounded like ``bounded(_:)``.
  static func names(_ list: [String]) -> String {
    list.map(bounded).joined(separator: ", ")
  }

  func error(_ error: InputError) {
    errors.append(error)
  }

  static func index(_ path: String, _ i: Int) -> String { path + "[\(i)]" }

  func error(_ kind: InputError.Kind, at node: Node?, _ path: String, _ message: String) {
    errors.append(
      InputError(kind, file: file, line: node?.mark?.line, column: node?.mark?.column, path: path, message))
  }

  /// A short description of a node for messages: `'abc'`, `a mapping`, `a list`, `nothing`.
  func describe(_ node: Node) -> String {
    switch node {
    case .scalar(let s):
      if node.tagName == .null { return s.string.isEmpty ? "nothing" : "\(InputError.echo(s.string)) (null)" }
      return InputError.echo(s.string)
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .alias: return "an alias"
    }
  }

  /// An error when a document is not a mapping: what it is instead (text, a list), never
  /// its content, so that pointing a model or fit path at an unrelated file (a password
  /// file, a binary) does not print it.
  func notAMapping(_ root: Node, what: String, keys: String) -> InputError? {
    let found: String
    switch root {
    case .mapping: return nil
    case .sequence: found = "a list"
    case .scalar: found = "text"
    case .alias: found = "an alias"
    }
    return InputError(
      .type, file: file, line: root.mark?.line, column: root.mark?.column,
      "the file is not \(what): expected a mapping with \(keys), found \(found)")
  }

  /// The text of a scalar as written (bounded), for messages.
  func text(_ node: Node) -> String {
    if case .scalar(let s) = node { return Self.bounded(s.string) }
    return describe(node)
  }

  // MARK: Mappings

  /// The entries of a mapping node in file order, reporting duplicate keys, non-scalar keys
  /// and (when `known` is given) unknown keys; those entries are left out.
  func entries(_ node: Node, _ path: String, known: [String]? = nil, expected: String = "a mapping") -> [Entry]? {
    guard case .mapping(let mapping) = node else {
      error(.type, at: node, path, "expected \(expected), found \(describe(node))")
      return nil
    }
    var seen: [String: Int] = [:]
    var result: [Entry] = []
    for (keyNode, value) in mapping {
      guard case .scalar(let scalar) = keyNode else {
        error(.type, at: keyNode, path, "expected a key name, found \(describe(keyNode))")
        continue
      }
      let key = scalar.string
      if let mark = keyNode.mark, renamedDuplicates.contains(Position(line: mark.line, column: mark.column)) {
        continue
      }
      let keyPath = Self.join(path, key)
      if let firstLine = seen[key] {
        error(.duplicate, at: keyNode, keyPath, "duplicate key \(InputError.echo(key)) (first at line \(firstLine))")
        continue
      }
      seen[key] = keyNode.mark?.line ?? 0
      if let known, !known.contains(key) {
        error(
          .unknownName, at: keyNode, keyPath,
          "unknown key \(InputError.echo(key)); expected one of: \(known.joined(separator: ", "))")
        continue
      }
      result.append(Entry(key: key, keyNode: keyNode, value: value, path: keyPath))
    }
    return result
  }

  /// A mapping with a fixed set of keys; reports unknown and missing required keys.
  func fields(_ node: Node, _ path: String, known: [String], required: [String] = [], expected: String = "a mapping")
    -> Fields?
  {
    guard let list = entries(node, path, known: known, expected: expected) else { return nil }
    var fields = Fields(node: node, path: path, entries: [:])
    for entry in list { fields.entries[entry.key] = entry }
    for key in required where fields.entries[key] == nil {
      error(.missing, at: node, path, "missing required key \(InputError.echo(key))")
    }
    return fields
  }

  /// The elements of a list node.
  func list(_ node: Node, _ path: String, expected: String = "a list") -> [Node]? {
    guard case .sequence(let sequence) = node else {
      error(.type, at: node, path, "expected \(expected), found \(describe(node))")
      return nil
    }
    return Array(sequence)
  }

  // MARK: Scalars

  /// A finite number (an integer or a float).
  func number(_ node: Node, _ path: String, what: String = "a number") -> Double? {
    guard case .scalar(let scalar) = node else {
      error(.type, at: node, path, "expected \(what), found \(describe(node))")
      return nil
    }
    var value: Double?
    switch node.tagName {
    case .int:
      if let i = Int.construct(from: scalar) {
        value = Double(i)
      } else {
        value = Double(scalar.string.replacingOccurrences(of: "_", with: ""))
      }
    case .float:
      value = Double.construct(from: scalar)
    default:
      value = nil
    }
    guard let value else {
      error(.type, at: node, path, "expected \(what), found \(describe(node))")
      return nil
    }
    guard value.isFinite else {
      error(.range, at: node, path, "expected a finite number, found \(InputError.echo(scalar.string))")
      return nil
    }
    return value
  }

  /// A whole number that fits `Int`. Floats with an integral value (`1e6`) are accepted.
  func integer(_ node: Node, _ path: String) -> Int? {
    guard case .scalar(let scalar) = node else {
      error(.type, at: node, path, "expected a whole number, found \(describe(node))")
      return nil
    }
    switch node.tagName {
    case .int:
      if let i = Int.construct(from: scalar) { return i }
      error(.range, at: node, path, "integer \(Self.bounded(scalar.string)) is too large")
      return nil
    case .float:
      guard let d = Double.construct(from: scalar), d.isFinite else {
        error(.range, at: node, path, "expected a finite number, found \(InputError.echo(scalar.string))")
        return nil
      }
      guard d == d.rounded(), abs(d) < 9.0e15 else {
        error(.type, at: node, path, "expected a whole number, found \(InputError.echo(scalar.string))")
        return nil
      }
      return Int(d)
    default:
      error(.type, at: node, path, "expected a whole number, found \(describe(node))")
      return nil
    }
  }

  /// A whole number ≥ 0 that fits `UInt64`.
  func unsigned(_ node: Node, _ path: String) -> UInt64? {
    if case .scalar(let scalar) = node, node.tagName == .int, Int.construct(from: scalar) == nil,
      let u = UInt.construct(from: scalar)
    {
      return UInt64(u)
    }
    guard let i = integer(node, path) else { return nil }
    guard i >= 0 else {
      error(.range, at: node, path, "\(i) is negative; expected a whole number ≥ 0")
      return nil
    }
    return UInt64(i)
  }

  func bool(_ node: Node, _ path: String) -> Bool? {
    if case .scalar(let scalar) = node, node.tagName == .bool, let b = Bool.construct(from: scalar) {
      return b
    }
    error(.type, at: node, path, "expected true or false, found \(describe(node))")
    return nil
  }

  /// A non-empty name.
  func name(_ node: Node, _ path: String, what: String = "a name") -> String? {
    guard case .scalar(let scalar) = node, node.tagName != .null else {
      error(.type, at: node, path, "expected \(what), found \(describe(node))")
      return nil
    }
    let s = scalar.string
    guard !s.trimmingCharacters(in: .whitespaces).isEmpty else {
      error(.type, at: node, path, "expected \(what), found an empty string")
      return nil
    }
    return s
  }

  // MARK: Ranges

  /// A number in `[lower, upper]` (bounds optional, each open or closed), reported with
  /// `expected` when outside; above `limit` (one of ``Limits``) it is reported as above the
  /// limit.
  func number(
    _ node: Node, _ path: String, what: String, min: Double? = nil, minOpen: Bool = false,
    max: Double? = nil, maxOpen: Bool = false, expected: String, limit: Double? = nil, type: String = "a number"
  ) -> Double? {
    guard let v = number(node, path, what: type) else { return nil }
    if let limit, v > limit {
      error(.range, at: node, path, "\(what) \(text(node)) is above the limit of \(Self.format(limit))")
      return nil
    }
    var ok = true
    if let min { ok = ok && (minOpen ? v > min : v >= min) }
    if let max { ok = ok && (maxOpen ? v < max : v <= max) }
    guard ok else {
      error(.range, at: node, path, "\(what) \(text(node)) \(expected)")
      return nil
    }
    return v
  }

  func integer(_ node: Node, _ path: String, what: String, min: Int, max: Int? = nil) -> Int? {
    guard let v = integer(node, path) else { return nil }
    if v < min {
      error(.range, at: node, path, "\(what) \(text(node)) is below \(min); expected a whole number ≥ \(min)")
      return nil
    }
    if let max, v > max {
      error(.limit, at: node, path, "\(what) \(text(node)) is above the limit of \(max)")
      return nil
    }
    return v
  }
}

extension NodeReader {
  /// A limit in messages: whole numbers below 10¹⁵ in full, others as `1e+15`.
  static func format(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
    return String(format: "%g", x)
  }

  /// A list of spend flights `{from, to, scale ≥ 0}` within periods `0..<horizon`.
  func flights(_ node: Node, _ path: String, horizon: Int?) -> [SpendPlan.Flight]? {
    guard let items = list(node, path, expected: "a list of flights {from, to, scale}") else { return nil }
    guard items.count <= Limits.maxFlights else {
      error(.limit, at: node, path, "\(items.count) flights; at most \(Limits.maxFlights) are allowed")
      return nil
    }
    var flights: [SpendPlan.Flight] = []
    for (k, item) in items.enumerated() {
      let p = NodeReader.index(path, k)
      guard let f = fields(item, p, known: ["from", "to", "scale"], required: ["from", "to", "scale"]) else {
        continue
      }
      let from = f["from"].flatMap { integer($0, f.path("from")) }
      let to = f["to"].flatMap { integer($0, f.path("to")) }
      let scale = f["scale"].flatMap {
        number(
          $0, f.path("scale"), what: "scale", min: 0, expected: "is negative; expected a number ≥ 0",
          limit: Limits.maxFactor)
      }
      guard let from, let to, let scale else { continue }
      let last = (horizon ?? Int.max) - 1
      if from < 0 || to < from || to > last {
        let periods = horizon.map { "0…\($0 - 1)" } ?? "0 or later"
        error(
          .range, at: item, p,
          "flight from \(from) to \(to) is outside the periods \(periods); expected 0 ≤ from ≤ to < horizon")
        continue
      }
      flights.append(SpendPlan.Flight(from: from, to: to, scale: scale))
    }
    return flights.count == items.count ? flights : nil
  }
}

extension Node {
  /// The resolved tag of the node (`tag:yaml.org,2002:int`, …).
  var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }
}
