import Foundation

/// The text of an input file.
public enum InputText {
  /// Decodes a file's bytes as UTF-8.
  ///
  /// ```swift
  /// let text = try InputText.decode(data, file: "scenarios/b2c.yaml")
  /// ```
  ///
  /// - Parameters:
  ///   - data: The file's bytes.
  ///   - file: The name used in error messages.
  /// - Returns: The text.
  /// - Throws: ``InputErrors`` with one `.syntax` error at the line and column (in
  ///   characters) of the first byte that is not UTF-8, naming that byte in hex and never
  ///   repeating the text around it.
  /// - Complexity: O(n) in the number of bytes.
  public static func decode(_ data: Data, file: String) throws(InputErrors) -> String {
    if let text = String(data: data, encoding: .utf8) { return text }
    let bad = data.withUnsafeBytes { firstInvalidUTF8(in: Array($0.bindMemory(to: UInt8.self))) }
    guard let bad else {
      throw InputErrors([InputError(.syntax, file: file, "the file is not valid UTF-8 text")])
    }
    let hex = String(bad.byte, radix: 16, uppercase: true)
    throw InputErrors([
      InputError(
        .syntax, file: file, line: bad.line, column: bad.column,
        "the file is not valid UTF-8 text: byte 0x\(hex.count < 2 ? "0" + hex : hex) does not begin a well-formed character")
    ])
  }

  /// The first byte that is not part of a well-formed UTF-8 sequence, with its 1-based
  /// line and column (characters before it on its line, plus one); `nil` when every byte is.
  static func firstInvalidUTF8(in bytes: [UInt8]) -> (line: Int, column: Int, byte: UInt8)? {
    var i = 0
    var line = 1
    var column = 1
    let n = bytes.count
    while i < n {
      let b = bytes[i]
      var length: Int
      var low: UInt8 = 0x80
      var high: UInt8 = 0xBF
      switch b {
      case 0x00...0x7F: length = 1
      case 0xC2...0xDF: length = 2
      case 0xE0:
        length = 3
        low = 0xA0
      case 0xED:
        length = 3
        high = 0x9F
      case 0xE1...0xEF: length = 3
      case 0xF0:
        length = 4
        low = 0x90
      case 0xF4:
        length = 4
        high = 0x8F
      case 0xF1...0xF3: length = 4
      default: return (line, column, b)
      }
      for k in 1..<length {
        guard i + k < n else { return (line, column, b) }
        let c = bytes[i + k]
        let (lo, hi) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
        guard c >= lo && c <= hi else { return (line, column, b) }
      }
      if b == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else {
        column += 1
      }
      i += length
    }
    return nil
  }
}
