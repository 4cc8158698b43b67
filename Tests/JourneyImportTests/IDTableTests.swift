import Testing

@testable import JourneyImport

struct IDTableTests {
  func number(_ table: inout IDTable, _ text: String) -> Int {
    var s = text
    return s.withUTF8 { table.number(of: $0) }
  }

  /// Numbers in first-seen order through many growths, ids of every length (empty, one
  /// byte, multiples of eight and between), the same number for the same bytes.
  @Test func numbersInFirstSeenOrder() {
    var table = IDTable()
    let ids = [""] + (0..<50_000).map { "c\($0)" + String(repeating: "x", count: $0 % 23) }
    for (k, id) in ids.enumerated() { #expect(number(&table, id) == k) }
    #expect(table.count == ids.count)
    for (k, id) in ids.enumerated().reversed() where k % 7 == 0 {
      #expect(number(&table, id) == k)
      #expect(Array(table.id(k)) == Array(id.utf8))
    }
    #expect(number(&table, "c1x") == 2)
    #expect(number(&table, "c1") == ids.count)
  }
}
