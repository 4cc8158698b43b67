/// The one rule by which every CSV file of the tool is written (RFC 4180).
///
/// **Quoting.** A field is written between double quotes, with every `"` inside doubled,
/// when it contains `,`, `"`, LF or CR, or begins or ends with a space or tab (readers
/// trim unquoted fields, see ``CSVTokenizer``); otherwise it is written as it is. Records
/// end with LF.
///
/// **Formula neutralisation.** Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`,
/// tab or CR as a formula. Unless a field is a number (`-0.5`, `+3`, `1e-9`), such a field
/// gets a leading `'`, which spreadsheets hide. So that the rule can be undone exactly,
/// a field whose text after its leading apostrophes would be neutralised also gets one:
/// ``unneutralised(_:)`` strips one `'` precisely from the fields ``neutralised(_:)``
/// changed. Readers of the tool's own formats undo it; neutralisation is on by default and
/// every writer takes a flag to switch it off.
///
/// ```swift
/// CSV.field("a,b")          // "\"a,b\""
/// CSV.field("x\"y")         // "\"x\"\"y\""
/// CSV.field("=SUM(A1)")     // "'=SUM(A1)"
/// CSV.field("-12.5")        // "-12.5"
/// CSV.line(["a", "b c", "=1"])  // "a,b c,'=1\n"
/// ```
public enum CSV {
  /// The field separator.
  public static let separator = UInt8(ascii: ",")
  /// The quote character.
  public static let quote = UInt8(ascii: "\"")
  /// The prefix that neutralises a formula.
  public static let formulaGuard = UInt8(ascii: "'")

  /// Whether `bytes` must be quoted: it contains `,`, `"`, LF or CR, or begins or ends with
  /// a space or tab.
  ///
  /// - Complexity: O(n) in the length of `bytes`.
  public static func needsQuotes<C: Collection<UInt8>>(_ bytes: C) -> Bool {
    guard let first = bytes.first else { return false }
    if first == 32 || first == 9 { return true }
    var last = first
    for b in bytes {
      if b == separator || b == quote || b == 10 || b == 13 { return true }
      last = b
    }
    return last == 32 || last == 9
  }

  /// Whether spreadsheets would take `bytes` for a formula: its text after any leading
  /// apostrophes starts with `=`, `+`, `-`, `@`, tab or CR and is not a number.
  ///
  /// - Complexity: O(n) in the length of `bytes`.
  public static func needsFormulaGuard<C: Collection<UInt8>>(_ bytes: C) -> Bool {
    var rest = bytes[...]
    while rest.first == formulaGuard { rest = rest.dropFirst() }
    guard let first = rest.first else { return false }
    switch first {
    case UInt8(ascii: "="), UInt8(ascii: "@"), 9, 13: return true
    case UInt8(ascii: "+"), UInt8(ascii: "-"): return !isNumber(rest)
    default: return false
    }
  }

  /// Whether `bytes` is a decimal number: `[+-]digits[.digits][(e|E)[+-]digits]`, or
  /// `.digits` in place of the integer part.
  public static func isNumber<C: Collection<UInt8>>(_ bytes: C) -> Bool {
    var i = bytes.startIndex
    func at(_ k: C.Index) -> UInt8? { k < bytes.endIndex ? bytes[k] : nil }
    func digits() -> Int {
      var n = 0
      while let b = at(i), b >= 48, b <= 57 {
        n += 1
        i = bytes.index(after: i)
      }
      return n
    }
    if let b = at(i), b == UInt8(ascii: "+") || b == UInt8(ascii: "-") { i = bytes.index(after: i) }
    var mantissa = digits()
    if at(i) == UInt8(ascii: ".") {
      i = bytes.index(after: i)
      mantissa += digits()
    }
    guard mantissa > 0 else { return false }
    if let b = at(i), b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
      i = bytes.index(after: i)
      if let s = at(i), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { i = bytes.index(after: i) }
      guard digits() > 0 else { return false }
    }
    return i == bytes.endIndex
  }

  /// `text` with a leading `'` when it needs a formula guard.
  public static func neutralised(_ text: String) -> String {
    needsFormulaGuard(text.utf8) ? "'" + text : text
  }

  /// The inverse of ``neutralised(_:)``: one leading `'` removed when what follows needs
  /// a formula guard.
  public static func unneutralised(_ text: String) -> String {
    formulaGuardLength(text.utf8) == 1 ? String(text.dropFirst()) : text
  }

  /// 1 when `field` starts with a formula guard that ``unneutralised(_:)`` removes, else 0.
  ///
  /// - Complexity: O(1) unless `field` starts with `'`.
  @inlinable
  public static func formulaGuardLength<C: Collection<UInt8>>(_ field: C) -> Int {
    guard field.first == UInt8(ascii: "'") else { return 0 }
    return needsFormulaGuard(field.dropFirst()) ? 1 : 0
  }

  /// One field as it is written: neutralised (unless switched off), then quoted when needed.
  ///
  /// - Parameters:
  ///   - text: The value.
  ///   - neutraliseFormulas: Whether a formula-like value gets a leading `'`.
  public static func field(_ text: String, neutraliseFormulas: Bool = true) -> String {
    let value = neutraliseFormulas ? neutralised(text) : text
    guard needsQuotes(value.utf8) else { return value }
    var out = "\""
    for c in value.unicodeScalars {
      if c == "\"" { out += "\"\"" } else { out.unicodeScalars.append(c) }
    }
    return out + "\""
  }

  /// The bytes of ``field(_:neutraliseFormulas:)``.
  public static func fieldBytes(_ text: String, neutraliseFormulas: Bool = true) -> [UInt8] {
    Array(field(text, neutraliseFormulas: neutraliseFormulas).utf8)
  }

  /// One record: the fields, separated by `,`, ending with LF.
  public static func line(_ fields: [String], neutraliseFormulas: Bool = true) -> String {
    fields.map { field($0, neutraliseFormulas: neutraliseFormulas) }.joined(separator: ",") + "\n"
  }

  /// A whole file: the header, then every row.
  ///
  /// - Complexity: O(total length of the fields).
  public static func document(header: [String], rows: [[String]], neutraliseFormulas: Bool = true) -> String {
    var out = line(header, neutraliseFormulas: neutraliseFormulas)
    for row in rows { out += line(row, neutraliseFormulas: neutraliseFormulas) }
    return out
  }
}
