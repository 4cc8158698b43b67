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

extension IDTableTests {
  /// Batched lookups number exactly as one-by-one lookups: shuffled ids, runs of one id
  /// (rows sorted by customer), the empty id, growth in the middle of a batch, a partial
  /// last batch.
  @Test func batchedLookupsNumberAsSingleOnes() {
    var rng = SystemRandomNumberGenerator()
    var ids: [String] = []
    for k in 0..<20_000 {
      let id = k % 5 == 0 ? "" : "c\(rng.next() % 3_000)" + String(repeating: "y", count: k % 11)
      for _ in 0..<(k % 9 == 0 ? 4 : 1) { ids.append(id) }
    }
    ids.append("tail")
    var single = IDTable()
    let expected = ids.map { number(&single, $0) }
    var batched = IDTable()
    var got = [Int](repeating: -1, count: ids.count)
    var queued: [Int] = []
    var batch = IDTable.Batch()
    func resolve() {
      let positions = queued
      batched.resolve(&batch) { q, n in got[positions[q]] = n }
      queued.removeAll()
    }
    for (i, id) in ids.enumerated() {
      var s = id
      queued.append(i)
      if s.withUTF8({ batch.append($0) }) { resolve() }
    }
    resolve()
    #expect(batch.count == 0)
    #expect(got == expected)
    #expect(batched.count == single.count)
    for k in 0..<single.count { #expect(batched.id(k) == single.id(k)) }
  }
}

extension IDTableTests {
  /// A table of names scans its first strings before hashing: the same numbers as one
  /// that does not, for names sharing their first seven bytes, of every length, past the
  /// scanned ones.
  @Test func smallTablesNumberAsHashedOnes() {
    var scanning = IDTable(scansSmall: true)
    var hashing = IDTable()
    let names = ["", "a", "abcdefg", "abcdefgh", "abcdefgX", "abcdefghijklmnop", "abcdefghijklmnoq", "aware", "awarf"]
      + (0..<40).map { "name\($0)" }
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<2_000 {
      let name = names[Int(rng.next() % UInt64(names.count))]
      #expect(number(&scanning, name) == number(&hashing, name), "\(name)")
    }
    for name in names { #expect(number(&scanning, name) == number(&hashing, name)) }
    #expect(scanning.count == hashing.count)
  }
}
