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
    var integer = String(parts[0])
    var groups: [String] = []
    while integer.count > 3 {
      groups.insert(String(integer.suffix(3)), at: 0)
      integer.removeLast(3)
    }
    groups.insert(integer, at: 0)
    var s = (x < 0 && text.contains(where: { $0 != "0" && $0 != "." }) ? "-" : "") + groups.joined(separator: ",")
    if parts.count > 1 { s += "." + parts[1] }
    return s
  }

  /// Pads columns: the first left-aligned, the others right-aligned.
  public static func table(_ rows: [[String]], indent: String = "") -> String {
    guard let width = rows.map(\.count).max() else { return "" }
    var widths = [Int](repeating: 0, count: width)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = Swift.max(widths[i], cell.count) } }
    return rows.map { row in
      indent + row.enumerated().map { i, cell in
        let pad = String(repeating: " ", count: widths[i] - cell.count)
        return i == 0 ? cell + pad : pad + cell
      }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }.joined(separator: "\n") + "\n"
  }
}
