import Foundation
import Testing

@testable import JourneyFormats

@Suite struct NumberTextTests {
  /// The former implementation, kept as the reference for the output.
  static func regexTable(_ rows: [[String]], indent: String = "") -> String {
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

  @Test func aHundredThousandCharacterCellIsPaddedAndStripped() {
    let wide = String(repeating: "p", count: 100_000)
    let table = NumberText.table([["phase", "count"], [wide, "12"], ["", ""]], indent: "  ")
    let expected =
      "  phase" + String(repeating: " ", count: 100_000 - 5) + "  count\n"
      + "  " + wide + "     12\n"
      + "  \n"
    #expect(table == expected)
    #expect(table.utf8.count == 100_009 + 1 + 100_009 + 1 + 2 + 1)
  }

  @Test func outputIsByteIdenticalToTheRegularExpression() {
    let cases: [[[String]]] = [
      [],
      [["a"]],
      [["name", "x", "y"], ["long name", "1", ""], ["b", "", "2"]],
      [["tab\t", "v\u{0B}"], ["nbsp\u{A0}", "nel\u{85}"], ["ideo\u{3000}", "zwsp\u{200B}"]],
      [["é́", "😀 "], ["\r\n", "x\r\n"], ["", "\u{2028}"]],
      [["  ", "  "], [" a ", " b "]],
    ]
    for rows in cases {
      for indent in ["", "  ", "\t"] {
        #expect(NumberText.table(rows, indent: indent) == Self.regexTable(rows, indent: indent))
      }
    }
  }

  @Test func trailingWhiteSpaceIsDroppedInOnePass() {
    let line = "x" + String(repeating: " ", count: 1_000_000)
    #expect(NumberText.droppingTrailingWhiteSpace(line) == "x")
    #expect(NumberText.droppingTrailingWhiteSpace("a b\u{3000}\n") == "a b")
    #expect(NumberText.droppingTrailingWhiteSpace("") == "")
  }

  @Test(arguments: [
    (0.0, 0, "0"), (999, 0, "999"), (1000, 0, "1,000"), (-1234567.891, 1, "-1,234,567.9"), (-0.01, 1, "0.0"),
    (123456, 2, "123,456.00"), (1e21, 0, "1,000,000,000,000,000,000,000"), (.nan, 0, "n/a"), (-.infinity, 0, "-inf"),
  ] as [(Double, Int, String)])
  func grouped(x: Double, decimals: Int, text: String) {
    #expect(NumberText.grouped(x, decimals: decimals) == text)
  }

  @Test func groupedLargestDoubleHasEveryGroup() {
    let text = NumberText.grouped(.greatestFiniteMagnitude)
    #expect(text.components(separatedBy: ",").count == 103)
    #expect(text.components(separatedBy: ",").dropFirst().allSatisfy { $0.count == 3 })
    #expect(text.replacingOccurrences(of: ",", with: "") == String(format: "%.0f", Double.greatestFiniteMagnitude))
  }
}
