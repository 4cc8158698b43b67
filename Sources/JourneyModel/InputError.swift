/// A problem with a user's input file: where it is and what was expected.
///
/// The description reads `FILE:LINE:COLUMN: PATH: MESSAGE`, for example
/// `scenarios/b2c.yaml:12:16: transitions.aware.considering: probability 1.4 is outside [0, 1]`.
/// Parts that are unknown are left out.
public struct InputError: Error, CustomStringConvertible, Equatable, Sendable {
  public enum Kind: String, Sendable, Equatable {
    case io, syntax, empty, missing, type, range, sum, unknownName, duplicate, notAllowed, limit
  }

  public var kind: Kind
  public var file: String
  /// 1-based line, when known.
  public var line: Int?
  /// 1-based column, when known.
  public var column: Int?
  /// YAML path (`transitions.aware.considering`, `phases[3]`) or CSV column name.
  public var path: String?
  /// What is wrong: the bad value and what was expected.
  public var message: String

  public init(
    _ kind: Kind, file: String, line: Int? = nil, column: Int? = nil, path: String? = nil,
    _ message: String
  ) {
    self.kind = kind
    self.file = file
    self.line = line
    self.column = column
    self.path = path
    self.message = message
  }

  public var description: String {
    var s = file
    if let line {
      s += ":\(line)"
      if let column { s += ":\(column)" }
    }
    if let path, !path.isEmpty { s += ": \(path)" }
    return s + ": " + message
  }
}

/// Every problem found in one input file, in file order.
public struct InputErrors: Error, CustomStringConvertible, Equatable, Sendable {
  public var errors: [InputError]
  public init(_ errors: [InputError]) { self.errors = errors }
  public var description: String { errors.map(\.description).joined(separator: "\n") }
}

extension InputError {
  /// The longest part of a user's value that a message repeats.
  public static let echoLimit = 80

  /// A user's value as messages show it: quoted, at most ``echoLimit`` characters, with
  /// the full length when it was cut and control characters made visible, so that a
  /// 100-megabyte field or a binary file never floods the terminal.
  ///
  /// ```swift
  /// InputError.echo("abc")                          // "'abc'"
  /// InputError.echo(String(repeating: "9", count: 1_000))
  /// // the first 80 characters, "…", then "(1000 bytes)"
  /// ```
  ///
  /// - Complexity: O(``echoLimit``), whatever the length of `value`.
  public static func echo(_ value: some StringProtocol) -> String {
    var shown = ""
    var count = 0
    var truncated = false
    for scalar in value.unicodeScalars {
      if count == echoLimit {
        truncated = true
        break
      }
      switch scalar {
      case "\n": shown += "\\n"
      case "\r": shown += "\\r"
      case "\t": shown += "\\t"
      case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{FFFD}":
        shown += "\\u{\(String(scalar.value, radix: 16))}"
      default: shown.unicodeScalars.append(scalar)
      }
      count += 1
    }
    guard truncated else { return "'\(shown)'" }
    return "'\(shown)…' (\(value.utf8.count) bytes)"
  }
}
