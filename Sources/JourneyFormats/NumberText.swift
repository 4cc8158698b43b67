import Foundation

/// Number formatting for files (exact, locale-free) and for people (grouped, fixed precision).
public enum NumberText {
  /// Integral values as integers, others in the shortest form that reads back exactly.
  public static func exact(_ x: Double) -> String {
    if x.isFinite && x == x.rounded() && Swift.abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
  }

  /// `1,234,567.9` style, with `decimals` digits after the point.
  public static func grouped(_ x: Double, decimals: Int = 0) -> String {
    guard x.isFinite else { return x.isNaN ? "n/a" : (x > 0 ? "inf" : "-inf") }
    let text = String(format: "%.\(decimals)f", Swift.abs(x))
    let parts = text.split(separator: ".", maxSplits: 1)
    let integer = Array(parts[0].utf8)
    var s = x < 0 && text.contains(where: { $0 != "0" && $0 != "." }) ? "-" : ""
    // One pass: a comma before every group of three digits counted from the right.
    var digits: [UInt8] = []
    digits.reserveCapacity(integer.count + integer.count / 3)
    for (k, digit) in integer.enumerated() {
      if k > 0 && (integer.count - k) % 3 == 0 { digits.append(UInt8(ascii: ",")) }
      digits.append(digit)
    }
    s += String(decoding: digits, as: UTF8.self)
    if parts.count > 1 { s += "." + parts[1] }
    return s
  }

  /// Pads columns: the first left-aligned, the others right-aligned; trailing white space
  /// of each row is dropped (before `indent` is put in front).
  ///
  /// - Complexity: O(total length of the cells and padding).
  public static func table(_ rows: [[String]], indent: String = "") -> String {
    guard let width = rows.map(\.count).max() else { return "" }
    var widths = [Int](repeating: 0, count: width)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = Swift.max(widths[i], cell.count) } }
    return rows.map { row in
      indent
        + droppingTrailingWhiteSpace(
          row.enumerated().map { i, cell in
            let pad = String(repeating: " ", count: widths[i] - cell.count)
            return i == 0 ? cell + pad : pad + cell
          }.joined(separator: "  "))
    }.joined(separator: "\n") + "\n"
  }

  /// `line` without its trailing white space: the characters with the Unicode
  /// `White_Space` property, which is what the regular expression `\s+$` removed.
  ///
  /// - Complexity: O(length of the trailing white space).
  static func droppingTrailingWhiteSpace(_ line: String) -> String {
    let scalars = line.unicodeScalars
    var end = scalars.endIndex
    while end > scalars.startIndex {
      let previous = scalars.index(before: end)
      let white = scalars[previous].properties.isWhitespace
      guard white else { break }
      end = previous
    }
    return end == scalars.endIndex ? line : String(scalars[..<end])
  }
}
