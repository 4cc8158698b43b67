import Foundation
import JourneyFormats
import JourneyModel

/// Calls `body` with every record of a CSV file (`path`) or of `bytes`, through the shared
/// ``CSVTokenizer``: fields are byte ranges of the reader's buffer, no text per field.
///
/// - Throws: ``InputError`` naming `file` and the line: unreadable file, a field or record
///   over the tokenizer's limits, an unterminated quote, text after a closing quote (with
///   its column); anything `body` throws.
func forEachPathRecord(
  path: String?, bytes: [UInt8]?, file: String, what: String,
  _ body: (CSVTokenizer, UnsafeMutableBufferPointer<UInt8>) throws(InputError) -> Void
) throws(InputError) {
  try forEachPathRecord(
    path: path, bytes: bytes, file: file, what: what, fast: { (_, from, _, _) throws(InputErrors) in from }, body)
}

/// ``forEachPathRecord(path:bytes:file:what:_:)`` with a reader's own decoder for its
/// plain records (``JourneyFormats/CSVReader/FastRecords``).
func forEachPathRecord(
  path: String?, bytes: [UInt8]?, file: String, what: String, progress: ((Int) -> Void)? = nil,
  fast: CSVReader.FastRecords,
  _ body: (CSVTokenizer, UnsafeMutableBufferPointer<UInt8>) throws(InputError) -> Void
) throws(InputError) {
  func each(_ csv: CSVTokenizer, _ b: UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) {
    do throws(InputError) {
      if csv.isMalformed {
        throw InputError(.syntax, file: file, line: csv.line, CSVTokenizer.malformedMessage)
      }
      try body(csv, b)
    } catch {
      throw InputErrors([error])
    }
  }
  do throws(InputErrors) {
    if let bytes {
      try CSVReader.forEachRecord(bytes: bytes, file: file, fast: fast, each)
    } else {
      try CSVReader.forEachRecord(path: path ?? file, what: what, progress: progress, fast: fast, each)
    }
  } catch {
    throw error.errors.first ?? InputError(.io, file: file, "cannot read the \(what)")
  }
}

/// Byte-level helpers of the path readers.
enum PathFields {
  /// The 1-based column of field `k` of the record: where it starts (its opening quote for
  /// a quoted field) counted from the start of its line. Called on error paths only.
  static func column(_ csv: CSVTokenizer, _ k: Int, _ b: UnsafeMutableBufferPointer<UInt8>) -> Int {
    var at = csv.start(k)
    if at > 0 && b[at - 1] == CSV.quote { at -= 1 }
    var lineStart = at
    while lineStart > 0 && b[lineStart - 1] != 10 { lineStart -= 1 }
    if lineStart == 0 && b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF && at >= 3 {
      lineStart = 3
    }
    return at - lineStart + 1
  }

  /// The field's range without a formula guard written by ``JourneyFormats/CSV``.
  static func range(_ csv: CSVTokenizer, _ k: Int, _ b: UnsafeMutableBufferPointer<UInt8>) -> (Int, Int) {
    var lo = csv.start(k)
    let hi = csv.end(k)
    if lo < hi && b[lo] == CSV.formulaGuard {
      lo += CSV.formulaGuardLength(UnsafeBufferPointer(rebasing: b[lo..<hi]))
    }
    return (lo, hi)
  }

  /// The position of the first `>` in `b[from..<to]`, or `to`: eight bytes at a time (a
  /// zero byte of `word ^ ">>>>>>>>"` marks it), the tail byte by byte.
  @inline(__always)
  static func separator(_ b: UnsafeMutableBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int {
    var i = from
    if let base = b.baseAddress {
      let raw = UnsafeRawPointer(base)
      while i &+ 8 <= to {
        let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) ^ 0x3E3E_3E3E_3E3E_3E3E
        let zero = (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080
        if zero != 0 { return i &+ (zero.trailingZeroBitCount >> 3) }
        i &+= 8
      }
    }
    while i < to && b[i] != UInt8(ascii: ">") { i &+= 1 }
    return i
  }

  static func text(_ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self)
  }

  static func equals(_ name: [UInt8], _ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Bool {
    guard name.count == hi - lo else { return false }
    var k = 0
    while k < name.count {
      if name[k] != b[lo + k] { return false }
      k += 1
    }
    return true
  }

  /// A whole number of at most 15 digits read from the bytes, or any other number through
  /// `Double(_:)`; `nil` when the field is not a number.
  static func number(_ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Double? {
    if hi > lo && hi - lo <= 15 {
      var x = 0
      var k = lo
      while k < hi {
        let d = b[k] &- 48
        if d > 9 { break }
        x = x * 10 + Int(d)
        k += 1
      }
      if k == hi { return Double(x) }
    }
    return Double(text(b, lo, hi))
  }
}

/// Channel names found by their bytes: a small open-addressing hash table, so a touch
/// costs one hash and (usually) one comparison whatever the number of channels. A name
/// of at most eight bytes is keyed by those bytes read as one word, so finding it is one
/// load, one multiplication and one word comparison.
struct ChannelIndex {
  /// The names' bytes one after another; name `k` is `bytes[starts[k]..<starts[k + 1]]`.
  private var bytes: [UInt8] = []
  private var starts: [Int] = [0]
  /// Per name: its first eight bytes as a little-endian word (zero-padded).
  private var words: [UInt64] = []
  private var slots = [Int32](repeating: -1, count: 1024)

  init(_ names: [String]) {
    for name in names where find(Array(name.utf8)) == nil { insert(Array(name.utf8)) }
  }

  var count: Int { starts.count - 1 }

  /// The slot of a name of `length` bytes whose first eight bytes (zero-padded) are `word`;
  /// longer names also hash their remaining bytes.
  @inline(__always)
  static func hash(word: UInt64, length: Int, rest: UnsafeBufferPointer<UInt8>) -> Int {
    var h = (word ^ UInt64(truncatingIfNeeded: length) &* 0x9E37_79B9_7F4A_7C15) &* 0xFF51_AFD7_ED55_8CCD
    for c in rest { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
    return Int(truncatingIfNeeded: h >> 54)
  }

  /// The first `min(length, 8)` bytes at `p` as a little-endian word; reads a whole word
  /// when `canReadWord` (eight bytes are readable), else byte by byte.
  @inline(__always)
  static func word(_ p: UnsafePointer<UInt8>, _ length: Int, canReadWord: Bool) -> UInt64 {
    if canReadWord {
      let w = UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
      return length >= 8 ? w : w & ((1 << UInt64(8 * length)) &- 1)
    }
    var w: UInt64 = 0
    for i in 0..<Swift.min(length, 8) { w |= UInt64(p[i]) << UInt64(8 * i) }
    return w
  }

  /// The index of the name `b[lo..<hi]`, or `nil`.
  @inline(__always)
  func find(_ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Int? {
    let length = hi &- lo
    guard let base = b.baseAddress else { return length == 0 ? findEmpty() : nil }
    let w = Self.word(base + lo, length, canReadWord: lo &+ 8 <= b.count)
    let rest = UnsafeBufferPointer(start: base + lo + Swift.min(length, 8), count: Swift.max(0, length &- 8))
    var slot = Self.hash(word: w, length: length, rest: rest)
    return words.withUnsafeBufferPointer { words in
      starts.withUnsafeBufferPointer { starts in
        slots.withUnsafeBufferPointer { slots in
          bytes.withUnsafeBufferPointer { names in
            while true {
              let k = Int(slots[slot])
              if k < 0 { return nil }
              let s = starts[k]
              if words[k] == w && starts[k &+ 1] &- s == length {
                var i = 8
                while i < length && names[s &+ i] == b[lo &+ i] { i &+= 1 }
                if i >= length { return k }
              }
              slot = (slot &+ 1) & 1023
            }
          }
        }
      }
    }
  }

  private func findEmpty() -> Int? {
    (0..<count).first { starts[$0 + 1] == starts[$0] }
  }

  func find(_ name: [UInt8]) -> Int? {
    var copy = name
    return copy.withUnsafeMutableBufferPointer { b in find(b, 0, b.count) }
  }

  /// Adds a name that ``find(_:)`` does not know; at most 250 names (the table stays at
  /// most a quarter full).
  mutating func insert(_ name: [UInt8]) {
    let w = name.withUnsafeBufferPointer { p in
      p.baseAddress.map { Self.word($0, p.count, canReadWord: false) } ?? 0
    }
    var slot = name.withUnsafeBufferPointer { p in
      Self.hash(word: w, length: p.count, rest: UnsafeBufferPointer(rebasing: p[Swift.min(p.count, 8)...]))
    }
    while slots[slot] >= 0 { slot = (slot + 1) & 1023 }
    slots[slot] = Int32(count)
    words.append(w)
    bytes.append(contentsOf: name)
    starts.append(bytes.count)
  }
}

/// A direct-mapped cache of channel names of at most eight bytes, keyed by those bytes
/// read as one word: a touch of a known short name costs one load, one multiplication and
/// two comparisons. A miss (a longer name, a collision, a new name) falls back to
/// ``ChannelIndex``.
struct ShortNames {
  private var words = [UInt64](repeating: 0, count: 256)
  /// Per slot: channel index + 1 (0: empty) in the high bits, the name's length in the low 4.
  private var meta = [Int32](repeating: 0, count: 256)

  @inline(__always)
  static func slot(_ word: UInt64, _ length: Int) -> Int {
    Int(truncatingIfNeeded: ((word &+ UInt64(truncatingIfNeeded: length)) &* 0x9E37_79B9_7F4A_7C15) >> 56)
  }

  /// The channel of `b[lo..<hi]` when it is cached; only when eight bytes are readable at `lo`.
  @inline(__always)
  func find(_ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Int? {
    let length = hi &- lo
    guard length <= 8, lo &+ 8 <= b.count, let base = b.baseAddress else { return nil }
    let w = ChannelIndex.word(base + lo, length, canReadWord: true)
    let slot = Self.slot(w, length)
    return words.withUnsafeBufferPointer { words in
      meta.withUnsafeBufferPointer { meta in
        let m = Int(meta[slot])
        return m != 0 && words[slot] == w && m & 15 == length ? (m >> 4) &- 1 : nil
      }
    }
  }

  /// Caches channel `k` under its name `b[lo..<hi]` (names of at most eight bytes).
  @inline(__always)
  mutating func remember(_ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int, _ k: Int) {
    let length = hi &- lo
    guard length <= 8, lo &+ 8 <= b.count, let base = b.baseAddress else { return }
    let w = ChannelIndex.word(base + lo, length, canReadWord: true)
    let slot = Self.slot(w, length)
    if meta[slot] != 0 && words[slot] == w && Int(meta[slot]) & 15 == length { return }
    words[slot] = w
    meta[slot] = Int32((k &+ 1) << 4 | length)
  }
}

/// Column names of a path file in ChannelAttribution's layout.
public struct PathColumns: Sendable, Equatable {
  public var path = "path"
  public var conversions = "total_conversions"
  /// Optional column; rows without it have no nulls.
  public var nulls = "total_null"
  /// Optional column.
  public var value = "total_conversion_value"
  public init() {}
}

extension PathTable {
  /// Reads a path file: `path` (channels separated by `>`, e.g. `search > email`),
  /// `total_conversions`, optional `total_null` and `total_conversion_value`.
  ///
  /// - Parameters:
  ///   - vocabulary: the known channels (e.g. a scenario's); `nil` learns the channels
  ///     from the file in order of first appearance.
  /// - Throws: ``InputError`` naming the file, line and column: a missing column, an
  ///   empty path or channel name, an unknown channel, a count that is not a finite
  ///   non-negative number, more than ``maxChannels`` channels or ``maxPathLength``
  ///   touches, an empty file.
  public static func readPaths(
    path file: String, columns: PathColumns = PathColumns(), vocabulary: [String]? = nil,
    threads: Int = ProcessInfo.processInfo.activeProcessorCount
  ) throws(InputError) -> PathTable {
    try parse(path: file, bytes: nil, file: file, columns: columns, vocabulary: vocabulary, threads: threads)
  }

  /// ``readPaths(path:columns:vocabulary:)`` on bytes in memory.
  public static func parsePaths(
    _ bytes: [UInt8], file: String, columns: PathColumns = PathColumns(),
    vocabulary: [String]? = nil
  ) throws(InputError) -> PathTable {
    try parse(path: nil, bytes: bytes, file: file, columns: columns, vocabulary: vocabulary)
  }

  /// What the reader keeps between records: the table so far, the channel look-ups and
  /// the header's columns. A class so that the record handler captures one reference, its
  /// fields without runtime exclusivity bookkeeping (only the handler touches them).
  final class ParseState {
    let file: String
    let columns: PathColumns
    let fixedVocabulary: Bool
    @exclusivity(unchecked) var table: PathTable
    @exclusivity(unchecked) var index: ChannelIndex
    @exclusivity(unchecked) var header: [String]? = nil
    @exclusivity(unchecked) var headerLine = 1
    @exclusivity(unchecked) var col = (path: 0, conv: 0, null: -1, value: -1)
    @exclusivity(unchecked) var recent = ShortNames()

    init(file: String, columns: PathColumns, vocabulary: [String]?) {
      self.file = file
      self.columns = columns
      fixedVocabulary = vocabulary != nil
      table = PathTable(channels: vocabulary ?? [])
      index = ChannelIndex(vocabulary ?? [])
    }

    /// A state for a later chunk of the same file: the header already read, the table empty.
    func continuation() -> ParseState {
      let next = ParseState(file: file, columns: columns, vocabulary: fixedVocabulary ? table.channels : nil)
      next.header = header
      next.headerLine = headerLine
      next.col = col
      return next
    }

    /// Reads one record: the header first, then one path row.
    func record(_ csv: CSVTokenizer, _ b: UnsafeMutableBufferPointer<UInt8>) throws(InputError) {
      guard let names = header else {
        let names = csv.texts(in: b)
        header = names
        headerLine = csv.line
        func find(_ name: String, required: Bool) throws(InputError) -> Int {
          if let k = names.firstIndex(of: name) { return k }
          guard !required else {
            throw InputError(
              .missing, file: file, line: csv.line, path: name,
              "missing column \(InputError.echo(name)); the header has \(names.prefix(20).map { InputError.echo($0) }.joined(separator: ", "))"
            )
          }
          return -1
        }
        col = (
          try find(columns.path, required: true), try find(columns.conversions, required: true),
          try find(columns.nulls, required: false), try find(columns.value, required: false)
        )
        return
      }
      guard csv.fieldCount == names.count else {
        throw InputError(
          .syntax, file: file, line: csv.line,
          "\(csv.fieldCount) fields; expected \(names.count) as in the header")
      }
      let col = col
      func number(_ k: Int) throws(InputError) -> Double {
        guard k >= 0 else { return 0 }
        let lo = csv.start(k)
        let hi = csv.end(k)
        guard let x = PathFields.number(b, lo, hi), x.isFinite, x >= 0 else {
          throw InputError(
            .range, file: file, line: csv.line, column: PathFields.column(csv, k, b), path: names[k],
            "\(InputError.echo(PathFields.text(b, lo, hi))) is not a count; expected a finite number ≥ 0")
        }
        return x
      }
      let conv = try number(col.conv)
      let null = try number(col.null)
      let value = try number(col.value)
      let (first, last) = PathFields.range(csv, col.path, b)
      // Touches go straight into the table's steps; the row is closed after the last one.
      let rowStart = table.steps.count
      var start = first
      while start <= last {
        let end = PathFields.separator(b, start, last)
        var lo = start
        var hi = end
        while lo < hi && (b[lo] == 32 || b[lo] == 9) { lo &+= 1 }
        while hi > lo && (b[hi &- 1] == 32 || b[hi &- 1] == 9) { hi &-= 1 }
        guard lo < hi else {
          table.dropSteps(from: rowStart)
          throw InputError(
            .syntax, file: file, line: csv.line, column: PathFields.column(csv, col.path, b),
            path: names[col.path],
            "malformed path \(InputError.echo(PathFields.text(b, first, last))); expected channel names separated by ' > '")
        }
        if let k = recent.find(b, lo, hi) {
          table.appendStep(UInt8(truncatingIfNeeded: k))
        } else if let k = index.find(b, lo, hi) {
          recent.remember(b, lo, hi, k)
          table.appendStep(UInt8(truncatingIfNeeded: k))
        } else if fixedVocabulary {
          table.dropSteps(from: rowStart)
          throw InputError(
            .unknownName, file: file, line: csv.line, column: PathFields.column(csv, col.path, b),
            path: names[col.path],
            "unknown channel \(InputError.echo(PathFields.text(b, lo, hi))); expected one of: \(table.channels.joined(separator: ", "))"
          )
        } else {
          guard table.channels.count < maxChannels else {
            table.dropSteps(from: rowStart)
            throw InputError(
              .limit, file: file, line: csv.line, column: PathFields.column(csv, col.path, b),
              path: names[col.path],
              "more than \(maxChannels) distinct channels; the limit is \(maxChannels)")
          }
          // Names are kept as text: two names of different bytes that are not UTF-8 could
          // read alike.
          guard let name = String(validating: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self) else {
            table.dropSteps(from: rowStart)
            throw InputError(
              .syntax, file: file, line: csv.line, column: PathFields.column(csv, col.path, b),
              path: names[col.path],
              "channel \(InputError.echo(PathFields.text(b, lo, hi))) is not valid UTF-8 text; expected a name in UTF-8")
          }
          table.appendStep(UInt8(table.channels.count))
          index.insert(Array(UnsafeBufferPointer(rebasing: b[lo..<hi])))
          table.channels.append(name)
        }
        guard table.steps.count &- rowStart <= maxPathLength else {
          table.dropSteps(from: rowStart)
          throw InputError(
            .limit, file: file, line: csv.line, column: PathFields.column(csv, col.path, b),
            path: names[col.path],
            "a path of more than \(maxPathLength) touches; the limit is \(maxPathLength)")
        }
        start = end &+ 1
      }
      table.closeRow(conversions: conv, nulls: null, value: value)
    }
  }

  /// Files smaller than this are read on one thread.
  static let parallelBytes = 1 << 22

  static func parse(
    path: String?, bytes: [UInt8]?, file: String, columns: PathColumns, vocabulary: [String]?,
    threads: Int = ProcessInfo.processInfo.activeProcessorCount
  ) throws(InputError) -> PathTable {
    if threads > 1, let path, let size = CSVReader.regularFileSize(path), size >= parallelBytes {
      let step = size / threads
      let cuts = [0] + (1..<threads).map { $0 * step } + [Int.max]
      if let table = readInChunks(path: path, file: file, columns: columns, vocabulary: vocabulary, cuts: cuts) {
        return table
      }
    }
    let state = ParseState(file: file, columns: columns, vocabulary: vocabulary)
    try forEachPathRecord(path: path, bytes: bytes, file: file, what: "path file") {
      (csv: CSVTokenizer, b: UnsafeMutableBufferPointer<UInt8>) throws(InputError) in
      try state.record(csv, b)
    }
    let header = state.header
    let headerLine = state.headerLine
    let table = state.table
    guard header != nil else {
      throw InputError(
        .empty, file: file,
        "the path file is empty; expected a header row with '\(columns.path)' and '\(columns.conversions)'"
      )
    }
    guard table.count > 0 else {
      throw InputError(
        .empty, file: file, line: headerLine,
        "the path file has a header but no rows; expected one row per path")
    }
    return table
  }

  /// The record handler of a chunk read: `state` reads the records; a malformed record is
  /// an error (the caller then reads the file on one thread for the message).
  static func feed(_ state: ParseState) -> (CSVTokenizer, UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) -> Void {
    { (csv, b) throws(InputErrors) in
      do throws(InputError) {
        if csv.isMalformed { throw InputError(.syntax, file: state.file, line: csv.line, CSVTokenizer.malformedMessage) }
        try state.record(csv, b)
      } catch {
        throw InputErrors([error])
      }
    }
  }

  /// Reads the file in chunks on several threads, one chunk per pair of consecutive `cuts`
  /// (byte offsets, the first 0), and joins the chunks' rows in file order: the table equals
  /// the one-thread reading's (rows, their order, the channels in order of first
  /// appearance), whatever the cuts.
  ///
  /// The header is read first; each further chunk starts after the first line feed at or
  /// after its cut and ends with the record that holds the byte before the next cut. A chunk
  /// whose start differs from the previous chunk's end (its cut fell inside a quoted field
  /// holding a line feed) is read again from that end.
  ///
  /// - Returns: `nil` when anything is wrong (a bad row, too many channels in all, no rows,
  ///   an unreadable file): the caller reads the file on one thread, which reports the
  ///   problem with its line.
  /// - Complexity: O(file size / chunks) per thread, then O(touches) to join.
  static func readInChunks(
    path: String, file: String, columns: PathColumns, vocabulary: [String]?, cuts: [Int]
  ) -> PathTable? {
    let head = ParseState(file: file, columns: columns, vocabulary: vocabulary)
    guard
      let headerBounds = try? CSVReader.forEachRecord(
        path: path, what: "path file", range: 0..<1, alignStart: false, feed(head)),
      head.header != nil
    else { return nil }
    let chunks = cuts.count - 1
    guard chunks >= 1 else { return nil }
    func read(_ range: Range<Int>, align: Bool) -> (table: PathTable, start: Int, end: Int)? {
      let state = head.continuation()
      guard
        let bounds = try? CSVReader.forEachRecord(
          path: path, what: "path file", range: range, alignStart: align, feed(state))
      else { return nil }
      return (state.table, bounds.start, bounds.end)
    }
    let results = UnsafeMutableBufferPointer<(table: PathTable, start: Int, end: Int)?>.allocate(capacity: chunks)
    results.initialize(repeating: nil)
    defer {
      _ = results.deinitialize()
      results.deallocate()
    }
    nonisolated(unsafe) let shared = results
    nonisolated(unsafe) let work = read
    let headerEnd = headerBounds.end
    DispatchQueue.concurrentPerform(iterations: chunks) { k in
      let lower = Swift.max(headerEnd, cuts[k])
      shared[k] = work(lower..<Swift.max(lower, cuts[k + 1]), k > 0)
    }
    guard let first = results[0] else { return nil }
    var table = first.table
    var end = first.end
    for k in 1..<chunks {
      var chunk = results[k]
      if chunk?.start != end { chunk = read(end..<Swift.max(end, cuts[k + 1]), align: false) }
      guard let next = chunk, table.appendRows(of: next.table) else { return nil }
      end = next.end
    }
    return table.count > 0 ? table : nil
  }
}
