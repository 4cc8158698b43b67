import Foundation
import JourneyModel

/// A JSON result file: one `Codable` struct that both the command writing the file and
/// every reader use, so that a field added is a field read.
///
/// Every such file starts with `format` (its name, e.g. `journeykit-simulation`) and
/// `format_version`; readers check both before anything else. Keys are snake_case.
public protocol JSONFileFormat: Codable, Sendable {
  /// The value of `format`.
  static var formatName: String { get }
  /// The value of `format_version` this version of journey writes and reads.
  static var formatVersion: Int { get }
  /// The command that writes the file, for messages (`journey simulate`).
  static var producer: String { get }
  /// Whether keys the struct does not know are an error (otherwise they are ignored).
  static var rejectsUnknownKeys: Bool { get }
  /// The error for a file of another `format_version`.
  static func versionError(_ found: Int, file: String) -> InputError
  /// What a reader expects, ending messages about malformed files.
  static var expectedDescription: String { get }

  var format: String { get }
  var formatVersion: Int { get }
}

extension JSONFileFormat {
  public static var rejectsUnknownKeys: Bool { false }

  public static func versionError(_ found: Int, file: String) -> InputError {
    InputError(
      .range, file: file, path: "format_version",
      "unknown format_version \(found); this version of journey reads format_version \(formatVersion)")
  }

  /// What a reader expects, for messages.
  public static var expectedDescription: String {
    "a JSON object written by \(producer) (format '\(formatName)', format_version \(formatVersion))"
  }
}

/// The one encoder and decoder of every JSON result file.
///
/// Writing gives the same bytes for the same value: two-space pretty printing, keys sorted
/// after `format` and `format_version` (which come first), numbers in the shortest form
/// that reads back to the same `Double`, and a final newline. Reading checks the syntax
/// (reporting line and column), rejects duplicate keys, then checks `format` and
/// `format_version` before decoding the rest.
///
/// ```swift
/// let data = try JSONFile.encode(summary, file: "results/b2c/summary.json")
/// let again = try JSONFile.decode(SummaryFile.self, from: data, file: "results/b2c/summary.json")
/// ```
public enum JSONFile {
  // MARK: Writing

  /// The file's bytes.
  ///
  /// - Parameter file: The file being written, named in errors.
  /// - Throws: ``InputError`` (`.range`) naming the field when a number is infinite or not
  ///   a number (results of inputs too large for `Double`, such as a spend of 1e308):
  ///   nothing is written then.
  public static func encode<T: JSONFileFormat>(_ value: T, file: String) throws(InputError) -> Data {
    let data: Data
    do {
      data = try encoder().encode(value)
    } catch let EncodingError.invalidValue(bad, context) {
      let path = jsonPath(context.codingPath)
      throw InputError(
        .range, file: file, path: path.isEmpty ? nil : path,
        "the result \(bad) is not a finite number, so it cannot be written (are the inputs too large, e.g. a spend near 1e308?)")
    } catch {
      throw InputError(.type, file: file, "cannot encode the result: \(error)")
    }
    return compactEmpty(headerFirst(data)) + Data("\n".utf8)
  }

  /// Writes empty lists and objects as `[]` and `{}` (Foundation puts a blank line in
  /// them: `[`, a line feed, spaces, a line feed, spaces, `]`). A line feed never occurs
  /// inside a JSON string, so only structure matches. (On the bytes: a regular expression
  /// over the text took 1% of a fit's time.)
  static func compactEmpty(_ data: Data) -> Data {
    let bytes = [UInt8](data)
    let n = bytes.count
    var out: [UInt8] = []
    out.reserveCapacity(n)
    var i = 0
    while i < n {
      let b = bytes[i]
      if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") {
        let close = b == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}")
        var j = i + 1
        var feeds = 0
        while feeds < 2 && j < n && bytes[j] == 10 {
          feeds += 1
          j += 1
          while j < n && bytes[j] == 32 { j += 1 }
        }
        if feeds == 2 && j < n && bytes[j] == close {
          out.append(b)
          out.append(close)
          i = j + 1
          continue
        }
      }
      out.append(b)
      i += 1
    }
    return Data(out)
  }

  /// Encodes `value` and writes it atomically to `path` (nothing is written when encoding fails).
  public static func write<T: JSONFileFormat>(_ value: T, to path: String) throws {
    let data = try encode(value, file: path)
    try AtomicFile.write(data, to: path)
  }

  static func encoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return encoder
  }

  /// Moves the top-level `format` and `format_version` lines of pretty-printed, sorted
  /// output to the top. (On the bytes: splitting the text into strings took 1.5% of a
  /// fit's time.)
  static func headerFirst(_ data: Data) -> Data {
    let bytes = [UInt8](data)
    // The lines, as ranges of `bytes` (line feeds excluded).
    var lines: [Range<Int>] = []
    var start = 0
    for (k, b) in bytes.enumerated() where b == 10 {
      lines.append(start..<k)
      start = k + 1
    }
    lines.append(start..<bytes.count)
    func isLine(_ r: Range<Int>, _ text: String) -> Bool { bytes[r].elementsEqual(text.utf8) }
    guard lines.count > 2, isLine(lines[0], "{"), isLine(lines[lines.count - 1], "}") else { return data }
    /// A line without its trailing comma.
    func withoutComma(_ r: Range<Int>) -> Range<Int> {
      r.isEmpty || bytes[r.upperBound - 1] != UInt8(ascii: ",") ? r : r.lowerBound..<(r.upperBound - 1)
    }
    var header: [Range<Int>] = []
    for key in ["\"format\" : ", "\"format_version\" : "] {
      let prefix = Array(("  " + key).utf8)
      if let k = lines.firstIndex(where: { bytes[$0].starts(with: prefix) }) {
        header.append(withoutComma(lines.remove(at: k)))
      }
    }
    guard !header.isEmpty else { return data }
    var body = Array(lines[1..<(lines.count - 1)])
    if let last = body.last { body[body.count - 1] = withoutComma(last) }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + 2)
    out.append(contentsOf: "{\n".utf8)
    for (k, line) in header.enumerated() {
      out.append(contentsOf: bytes[line])
      if k < header.count - 1 || !body.isEmpty { out.append(UInt8(ascii: ",")) }
      out.append(10)
    }
    for line in body {
      out.append(contentsOf: bytes[line])
      out.append(10)
    }
    out.append(UInt8(ascii: "}"))
    return Data(out)
  }

  // MARK: Reading

  /// Reads and decodes one result file.
  ///
  /// - Throws: ``InputError`` naming `path`: `.io` when it cannot be read, otherwise as
  ///   ``decode(_:from:file:)``.
  public static func read<T: JSONFileFormat>(_ type: T.Type, path: String) throws(InputError) -> T {
    try decode(type, from: readData(path), file: path)
  }

  /// The bytes of a result file, or an ``InputError`` naming it: `.io` when it cannot be
  /// read, `.limit` past ``WholeFile/maxResultBytes``.
  public static func readData(_ path: String) throws(InputError) -> Data {
    try WholeFile.read(path, limit: WholeFile.maxResultBytes, what: "result file")
  }

  /// The `format` and `format_version` of a JSON object, without checking them; `nil`
  /// when the bytes are not a JSON object.
  public static func header(of data: Data) -> (format: String?, version: Int?)? {
    var scanner = JSONScanner(data)
    guard (try? scanner.scan()) != nil, scanner.rootIsObject,
      let header = try? JSONDecoder().decode(FormatHeader.self, from: data)
    else { return nil }
    return (header.format, header.formatVersion)
  }

  /// Decodes one result file's bytes.
  ///
  /// The checks, in order: not empty; valid JSON (line and column of the first error); no
  /// key twice in an object; an object; `format` is `T.formatName`; `format_version` is
  /// `T.formatVersion`; then the fields, each error naming its path (and line); with
  /// ``JSONFileFormat/rejectsUnknownKeys``, no keys the struct does not know.
  ///
  /// - Parameter file: The file name used in errors.
  /// - Throws: ``InputError`` naming `file`.
  public static func decode<T: JSONFileFormat>(_ type: T.Type, from data: Data, file: String) throws(InputError) -> T {
    let what = T.expectedDescription
    if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
      throw InputError(.empty, file: file, "the file is empty; expected \(what)")
    }
    var scanner = JSONScanner(data)
    do {
      try scanner.scan()
    } catch {
      if error.kind == .duplicate {
        throw InputError(.duplicate, file: file, line: error.line, column: error.column, path: error.path, error.message)
      }
      throw InputError(
        .syntax, file: file, line: error.line, column: error.column, "not valid JSON (\(error.message)); expected \(what)")
    }
    guard scanner.rootIsObject else { throw InputError(.type, file: file, "not a JSON object; expected \(what)") }
    let decoder = JSONDecoder()
    let header: FormatHeader
    do {
      header = try decoder.decode(FormatHeader.self, from: data)
    } catch {
      throw inputError(error, file: file, expected: what, positions: scanner.positions)
    }
    func at(_ path: String) -> JSONScanner.Position? { scanner.positions[path] }
    guard let format = header.format else {
      throw InputError(.missing, file: file, path: "format", "missing; expected \(what)")
    }
    guard format == T.formatName else {
      throw InputError(
        .notAllowed, file: file, line: at("format")?.line, path: "format",
        "format '\(format)' is not a \(T.producer) result; expected '\(T.formatName)'")
    }
    guard let version = header.formatVersion else {
      throw InputError(.missing, file: file, path: "format_version", "missing; expected \(what)")
    }
    guard version == T.formatVersion else { throw T.versionError(version, file: file) }
    let value: T
    do {
      value = try decoder.decode(T.self, from: data)
    } catch {
      throw inputError(error, file: file, expected: what, positions: scanner.positions)
    }
    if T.rejectsUnknownKeys { try checkKnownKeys(value, scanner: scanner, file: file) }
    return value
  }

  /// Keys of the file that the decoded value does not write back are unknown.
  static func checkKnownKeys<T: JSONFileFormat>(_ value: T, scanner: JSONScanner, file: String) throws(InputError) {
    guard let again = try? encoder().encode(value) else { return }
    var known = JSONScanner(again)
    guard (try? known.scan()) != nil else { return }
    let written = Set(known.keyPaths.map(\.path))
    for (path, key, p) in scanner.keyPaths where !written.contains(path) {
      throw InputError(
        .notAllowed, file: file, line: p.line, column: p.column, path: path,
        "unknown key '\(key)'; \(T.producer) does not write it")
    }
  }

  /// Turns a `DecodingError` into an ``InputError`` with the JSON path, its line when
  /// known, and what was expected.
  static func inputError(
    _ error: Error, file: String, expected: String, positions: [String: JSONScanner.Position] = [:]
  ) -> InputError {
    guard let error = error as? DecodingError else {
      return InputError(.syntax, file: file, "\(error.localizedDescription); expected \(expected)")
    }
    func located(_ kind: InputError.Kind, _ codingPath: [CodingKey], _ message: String) -> InputError {
      let path = jsonPath(codingPath)
      var p = positions[path]
      var parent = codingPath
      while p == nil, !parent.isEmpty {
        parent.removeLast()
        p = positions[jsonPath(parent)]
      }
      return InputError(kind, file: file, line: p?.line, column: p?.column, path: path, message)
    }
    switch error {
    case .dataCorrupted(let context):
      if context.codingPath.isEmpty {
        return InputError(.syntax, file: file, "not valid JSON; expected \(expected)")
      }
      return located(.type, context.codingPath, context.debugDescription)
    case .keyNotFound(let key, let context):
      return located(.missing, context.codingPath + [key], "missing; expected \(expected)")
    case .typeMismatch(let type, let context):
      if context.codingPath.isEmpty {
        return InputError(.type, file: file, "not a JSON object; expected \(expected)")
      }
      return located(.type, context.codingPath, "expected \(typeName(type))")
    case .valueNotFound(let type, let context):
      return located(.type, context.codingPath, "null; expected \(typeName(type))")
    @unknown default:
      return InputError(.syntax, file: file, "\(error); expected \(expected)")
    }
  }

  private static func typeName(_ type: Any.Type) -> String {
    switch type {
    case is Double.Type, is Int.Type, is UInt64.Type: return "a number"
    case is String.Type: return "a string"
    case is Bool.Type: return "true or false"
    default:
      let name = "\(type)"
      if name.hasPrefix("Array") { return "a list" }
      return "an object"
    }
  }

  /// `plans[2].periods[5].conversions.p95` style.
  public static func jsonPath(_ path: [CodingKey]) -> String {
    var s = ""
    for key in path {
      if let index = key.intValue {
        s += "[\(index)]"
      } else {
        s += s.isEmpty ? key.stringValue : "." + key.stringValue
      }
    }
    return s
  }
}

/// A string-valued field with a fixed set of values; decoding an unknown value names it
/// and lists the expected ones.
public protocol JSONFileEnum: RawRepresentable, Codable, CaseIterable, Sendable where RawValue == String {}

extension JSONFileEnum {
  public init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    let raw = try container.decode(String.self)
    guard let value = Self(rawValue: raw) else {
      throw DecodingError.dataCorruptedError(
        in: container,
        debugDescription: "unknown value \(InputError.echo(raw)); expected one of: "
          + Self.allCases.map(\.rawValue).joined(separator: ", "))
    }
    self = value
  }
}

/// The identifying keys every result file starts with.
struct FormatHeader: Decodable {
  var format: String?
  var formatVersion: Int?

  enum CodingKeys: String, CodingKey {
    case format
    case formatVersion = "format_version"
  }
}
