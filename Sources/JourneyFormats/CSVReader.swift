import Foundation
import JourneyModel

/// Streams a CSV file, or bytes in memory, through one ``CSVTokenizer``.
///
/// Files are read in blocks of ``blockSize`` bytes; a record cut by a block boundary is
/// moved to the front and completed by the next read, so memory stays at one block
/// whatever the file size. A record longer than the block doubles it, up to twice
/// ``CSVTokenizer/Limits/recordBytes`` (the tokenizer stops a record past the limit).
///
/// ```swift
/// try CSVReader.forEachRecord(path: "spend.csv") { (csv, buffer) throws(InputErrors) in
///   print(csv.line, csv.texts(in: buffer))
/// }
/// ```
///
/// - Complexity: O(n) in the input's length; memory O(``blockSize``).
public enum CSVReader {
  /// Bytes read from a file at once (at first: see the type's description): 256 KiB, which
  /// stays in a core's second-level cache while the reader goes over it.
  public static let blockSize = 1 << 18

  /// A reader's own decoder for its common records, tried before the tokenizer at every
  /// record boundary after the first record: called with the bytes, where the next record
  /// starts, the position no record may start at or after (`Int.max` without a range) and
  /// the line of the next record; it decodes complete, line-feed-terminated records straight
  /// from the bytes and returns where it stopped, after advancing `line` by the records it
  /// took. It stops before a record it does not take (a quote, a byte order mark, a byte to
  /// trim, an odd field count, an error ...), which the tokenizer then reads as usual, so
  /// every message and limit stays the tokenizer's.
  public typealias FastRecords = (
    _ bytes: UnsafeMutableBufferPointer<UInt8>, _ from: Int, _ upTo: Int, _ line: inout Int
  ) throws(InputErrors) -> Int

  /// The ``FastRecords`` that takes no record.
  @inline(__always)
  static func noFastRecords(_: UnsafeMutableBufferPointer<UInt8>, _ from: Int, _: Int, _: inout Int) -> Int { from }

  /// Calls `body` for every record of the file at `path`, with the tokenizer (positioned
  /// on the record) and the buffer its field ranges index.
  ///
  /// - Parameters:
  ///   - path: The file; errors name it as given.
  ///   - what: What the file is, for the message when it cannot be opened
  ///     (`"journey log"`).
  ///   - limits: Field and record limits.
  ///   - progress: Called with the number of bytes read so far after every block.
  /// - Throws: ``InputErrors`` when the file cannot be read, from the tokenizer, or from `body`.
  public static func forEachRecord(
    path: String, what: String = "file", limits: CSVTokenizer.Limits = .standard,
    progress: ((Int) -> Void)? = nil,
    _ body: (CSVTokenizer, UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) -> Void
  ) throws(InputErrors) {
    try forEachRecord(path: path, what: what, limits: limits, progress: progress, fast: noFastRecords, body)
  }

  /// ``forEachRecord(path:what:limits:progress:_:)`` with a reader's own decoder for its
  /// common records (see ``FastRecords``); `block` is the bytes read at once (more while a
  /// record does not fit).
  public static func forEachRecord(
    path: String, what: String = "file", limits: CSVTokenizer.Limits = .standard,
    progress: ((Int) -> Void)? = nil, block: Int = blockSize, fast: FastRecords,
    _ body: (CSVTokenizer, UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) -> Void
  ) throws(InputErrors) {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
      throw InputErrors([InputError(.io, file: path, "cannot open the \(what): \(String(cString: strerror(errno)))")])
    }
    defer { close(fd) }
    let tokenizer = CSVTokenizer(file: path, limits: limits)
    var buffer = ReadBlock(initial: block, limits: limits)
    defer { buffer.deallocate() }
    var carry = 0
    var delivered = 0
    while true {
      try buffer.makeRoom(after: carry, file: path, line: tokenizer.nextLine, limits: limits)
      let got = try readSome(fd, into: buffer.base + carry, count: buffer.capacity - carry, path: path, what: what)
      let end = carry + got
      let final = got == 0
      let position = try run(tokenizer, buffer.view(end), final: final, fast: fast, body)
      if final { break }
      carry = buffer.carry(from: position, to: end)
      delivered += got
      progress?(delivered)
    }
  }

  /// Reads up to `count` bytes of `fd` (from its position, or from `offset` when given)
  /// into `into`, again when interrupted; returns how many (0 at the end of the file).
  ///
  /// - Throws: `.io` naming `path` when the read fails.
  static func readSome(
    _ fd: Int32, into: UnsafeMutablePointer<UInt8>, count: Int, at offset: Int? = nil, path: String, what: String
  ) throws(InputErrors) -> Int {
    while true {
      let got = offset.map { pread(fd, into, count, off_t($0)) } ?? Foundation.read(fd, into, count)
      if got >= 0 { return got }
      if errno != EINTR {
        throw InputErrors([InputError(.io, file: path, "cannot read the \(what): \(String(cString: strerror(errno)))")])
      }
    }
  }

  /// Calls `body` for the records of the file at `path` that start in `range`: one chunk of
  /// a file read in parallel.
  ///
  /// A chunk that does not begin the file starts after the first line feed at or after
  /// `range.lowerBound - 1` when `alignStart` is set (a record boundary, unless that line
  /// feed is inside a quoted field), else exactly at `range.lowerBound` (a boundary known
  /// from the previous chunk). Reading stops at the first record that starts at or after
  /// `range.upperBound`; the position of that record is the returned `end`, so chunks were
  /// split correctly exactly when each chunk's `start` equals the previous chunk's `end`
  /// (otherwise read the chunk again from that `end` with `alignStart` off).
  ///
  /// The tokenizer counts lines from 1 at `start` in chunks that do not begin the file;
  /// readers that report lines re-read the file from the start when a chunk fails.
  ///
  /// ```swift
  /// let (start, end) = try CSVReader.forEachRecord(path: "log.csv", range: 1 << 26..<1 << 27, alignStart: true) {
  ///   (csv, buffer) throws(InputErrors) in …
  /// }
  /// ```
  ///
  /// - Returns: Where the first record read starts and where the first record not read
  ///   starts (the end of the file when none is left).
  /// - Throws: ``InputErrors`` when the file cannot be read, from the tokenizer, or from `body`.
  /// - Complexity: O(bytes of the chunk); memory O(``blockSize``).
  @discardableResult
  public static func forEachRecord(
    path: String, what: String = "file", limits: CSVTokenizer.Limits = .standard, range: Range<Int>,
    alignStart: Bool,
    _ body: (CSVTokenizer, UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) -> Void
  ) throws(InputErrors) -> (start: Int, end: Int) {
    try forEachRecord(path: path, what: what, limits: limits, range: range, alignStart: alignStart, fast: noFastRecords, body)
  }

  /// ``forEachRecord(path:what:limits:range:alignStart:_:)`` with a reader's own decoder for
  /// its common records (see ``FastRecords``); `block` is the bytes read at once (more while
  /// a record does not fit).
  @discardableResult
  public static func forEachRecord(
    path: String, what: String = "file", limits: CSVTokenizer.Limits = .standard, range: Range<Int>,
    alignStart: Bool, block: Int = blockSize, fast: FastRecords,
    _ body: (CSVTokenizer, UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) -> Void
  ) throws(InputErrors) -> (start: Int, end: Int) {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
      throw InputErrors([InputError(.io, file: path, "cannot open the \(what): \(String(cString: strerror(errno)))")])
    }
    defer { close(fd) }
    var buffer = ReadBlock(initial: block, limits: limits)
    defer { buffer.deallocate() }
    var start = range.lowerBound
    if alignStart && start > 0 {
      var offset = start - 1
      search: while true {
        let got = try readSome(fd, into: buffer.base, count: buffer.capacity, at: offset, path: path, what: what)
        if got == 0 {
          start = offset
          break
        }
        if let k = UnsafeBufferPointer(buffer.view(got)).firstIndex(of: 10) {
          start = offset + k + 1
          break
        }
        offset += got
      }
    }
    if start >= range.upperBound { return (start, start) }
    let tokenizer = CSVTokenizer(file: path, limits: limits)
    if start > 0 { tokenizer.resume(atLine: 1) }
    var origin = start
    var carry = 0
    while true {
      try buffer.makeRoom(after: carry, file: path, line: tokenizer.nextLine, limits: limits)
      let got = try readSome(
        fd, into: buffer.base + carry, count: buffer.capacity - carry, at: origin + carry, path: path, what: what)
      let end = carry + got
      let final = got == 0
      let position = try run(
        tokenizer, buffer.view(end), final: final, origin: origin, upTo: range.upperBound, fast: fast, body)
      if final || origin + position >= range.upperBound { return (start, origin + position) }
      carry = buffer.carry(from: position, to: end)
      origin += position
    }
  }

  /// Calls `body` for every record of a ``TableInput`` (a file, standard input or bytes,
  /// gzip-compressed or not).
  ///
  /// - Parameters:
  ///   - separator: The field separator, or `nil` to detect it from the first line (see
  ///     ``detectSeparator(_:)``).
  ///   - detected: Called once with the separator used, before the first record.
  /// - Throws: ``InputErrors`` when the input cannot be read or inflated, from the
  ///   tokenizer, or from `body`.
  /// - Complexity: O(n) in the input's (decoded) length; memory O(``blockSize``).
  public static func forEachRecord(
    input: TableInput, what: String = "file", separator: UInt8? = nil, limits: CSVTokenizer.Limits = .standard,
    detected: ((UInt8) -> Void)? = nil,
    _ body: (CSVTokenizer, UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) -> Void
  ) throws(InputErrors) {
    var buffer = ReadBlock(initial: blockSize, limits: limits)
    defer { buffer.deallocate() }
    var tokenizer: CSVTokenizer?
    var carry = 0
    while true {
      try buffer.makeRoom(after: carry, file: input.name, line: tokenizer?.nextLine ?? 1, limits: limits)
      // Fill the block (inflated reads may come in pieces).
      var end = carry
      var final = false
      while end < buffer.capacity {
        let got = try input.read(into: buffer.base + end, count: buffer.capacity - end, what: what)
        if got == 0 {
          final = true
          break
        }
        end += got
      }
      let view = buffer.view(end)
      if tokenizer == nil {
        let chosen = separator ?? detectSeparator(UnsafeBufferPointer(view))
        detected?(chosen)
        tokenizer = CSVTokenizer(file: input.name, limits: limits, separator: chosen)
      }
      let position = try run(tokenizer!, view, final: final, body)
      if final { break }
      carry = buffer.carry(from: position, to: end)
    }
  }

  /// The separator of a delimited table, from its first line (after a byte order mark):
  /// whichever of tab, `;` and `,` occurs most often outside quotes; `,` on a tie or when
  /// none occurs.
  ///
  /// - Complexity: O(length of the first line).
  public static func detectSeparator(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt8 {
    var i = 0
    if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
    var commas = 0
    var tabs = 0
    var semicolons = 0
    var quoted = false
    while i < bytes.count {
      let c = bytes[i]
      if c == CSV.quote {
        quoted.toggle()
      } else if !quoted {
        if c == 10 { break }
        if c == CSV.separator { commas += 1 } else if c == 9 { tabs += 1 } else if c == 59 { semicolons += 1 }
      }
      i += 1
    }
    if tabs > commas && tabs >= semicolons { return 9 }
    if semicolons > commas && semicolons > tabs { return 59 }
    return CSV.separator
  }

  /// Calls `body` for every record of `bytes`; `file` names them in errors.
  ///
  /// - Throws: ``InputErrors`` from the tokenizer or from `body`.
  public static func forEachRecord(
    bytes: [UInt8], file: String, limits: CSVTokenizer.Limits = .standard,
    _ body: (CSVTokenizer, UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) -> Void
  ) throws(InputErrors) {
    try forEachRecord(bytes: bytes, file: file, limits: limits, fast: noFastRecords, body)
  }

  /// ``forEachRecord(bytes:file:limits:_:)`` with a reader's own decoder for its common
  /// records (see ``FastRecords``).
  public static func forEachRecord(
    bytes: [UInt8], file: String, limits: CSVTokenizer.Limits = .standard, fast: FastRecords,
    _ body: (CSVTokenizer, UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) -> Void
  ) throws(InputErrors) {
    let tokenizer = CSVTokenizer(file: file, limits: limits)
    var copy = bytes
    try copy.withUnsafeMutableBufferPointer { (view: inout UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) in
      _ = try run(tokenizer, view, final: true, fast: fast, body)
    }
  }

  /// Hands every complete record of `view` to `body`; returns where the rest starts.
  static func run(
    _ tokenizer: CSVTokenizer, _ view: UnsafeMutableBufferPointer<UInt8>, final: Bool,
    fast: FastRecords = noFastRecords,
    _ body: (CSVTokenizer, UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) -> Void
  ) throws(InputErrors) -> Int {
    var position = 0
    while true {
      position = try fastRecords(tokenizer, view, from: position, upTo: Int.max, fast)
      let next: Int?
      do {
        next = try tokenizer.next(view, from: position, final: final)
      } catch {
        throw InputErrors([error])
      }
      // (Blank lines before an incomplete record are taken: only the record is kept.)
      guard let next else { return tokenizer.skipBlankLines(from: position) }
      try body(tokenizer, view)
      position = next
    }
  }

  /// Hands the records of `view` (bytes from offset `origin` of a file) that start before
  /// offset `upper` to `fast` and `body`; returns where it stopped (the first record not
  /// read, or the start of an incomplete one).
  static func run(
    _ tokenizer: CSVTokenizer, _ view: UnsafeMutableBufferPointer<UInt8>, final: Bool, origin: Int, upTo upper: Int,
    fast: FastRecords, _ body: (CSVTokenizer, UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) -> Void
  ) throws(InputErrors) -> Int {
    var position = 0
    while origin + position < upper {
      position = try fastRecords(tokenizer, view, from: position, upTo: upper - origin, fast)
      if origin + position >= upper { break }
      let next: Int?
      do {
        next = try tokenizer.next(view, from: position, final: final)
      } catch {
        throw InputErrors([error])
      }
      guard let next else {
        position = tokenizer.skipBlankLines(from: position)
        break
      }
      try body(tokenizer, view)
      position = next
    }
    return position
  }

  /// Lets `fast` take the records from `position` once the tokenizer is past the first
  /// record; returns where the tokenizer continues, its line count moved past the records
  /// taken.
  @inline(__always)
  static func fastRecords(
    _ tokenizer: CSVTokenizer, _ view: UnsafeMutableBufferPointer<UInt8>, from position: Int, upTo limit: Int,
    _ fast: FastRecords
  ) throws(InputErrors) -> Int {
    guard tokenizer.isPastFirstRecord else { return position }
    var line = tokenizer.nextLine
    let taken = try fast(view, position, limit, &line)
    if taken != position { tokenizer.resume(atLine: line) }
    return taken
  }

  /// Reads a whole (small) file into a header and records of text.
  ///
  /// - Parameters:
  ///   - what: What the file is (`"spend file"`), for messages.
  ///   - expected: The header the file should have (`"period,channel,spend"`).
  /// - Throws: ``InputErrors``: unreadable, empty, header only, a malformed quote.
  public static func table(
    path: String? = nil, bytes: [UInt8]? = nil, file: String, what: String, expected: String,
    limits: CSVTokenizer.Limits = .standard
  ) throws(InputErrors) -> CSVTable {
    var table = CSVTable(file: file)
    var errors: [InputError] = []
    let body = { (csv: CSVTokenizer, b: UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) in
      if csv.isMalformed {
        errors.append(InputError(.syntax, file: file, line: csv.line, CSVTokenizer.malformedMessage))
        if errors.count >= 20 { throw InputErrors(errors) }
        return
      }
      if table.headerLine == 0 {
        table.header = csv.texts(in: b)
        table.headerLine = csv.line
      } else {
        table.records.append((csv.line, csv.texts(in: b)))
      }
    }
    if let bytes {
      try forEachRecord(bytes: bytes, file: file, limits: limits, body)
    } else {
      try forEachRecord(path: path ?? file, what: what, limits: limits, body)
    }
    guard errors.isEmpty else { throw InputErrors(errors) }
    if table.headerLine == 0 {
      throw InputErrors([InputError(.empty, file: file, "the \(what) is empty; expected a header row \(expected) and one row per record")])
    }
    if table.records.isEmpty {
      throw InputErrors([InputError(.empty, file: file, line: table.headerLine, "the \(what) has a header but no rows; expected rows \(expected)")])
    }
    return table
  }
}

/// A small CSV file as text: its header and its records with their line numbers.
public struct CSVTable: Sendable {
  public let file: String
  public var header: [String] = []
  /// The line of the header (0 when there is none).
  public var headerLine = 0
  /// (1-based line, fields) per record after the header.
  public var records: [(line: Int, fields: [String])] = []

  public init(file: String) { self.file = file }

  /// The index of each of `names` in the header.
  ///
  /// - Parameter expected: How the message describes the header (`"period, channel and spend"`).
  /// - Throws: `.missing` naming the first absent column and what the header holds.
  public func columns(_ names: [String], expected: String) throws(InputErrors) -> [Int] {
    try CSVTable.columns(names, in: header, file: file, line: headerLine, expected: expected)
  }

  /// The index of each of `names` in `header`, or an error naming the first missing one
  /// and listing what the header holds.
  public static func columns(
    _ names: [String], in header: [String], file: String, line: Int, expected: String
  ) throws(InputErrors) -> [Int] {
    var found: [Int] = []
    for name in names {
      guard let k = header.firstIndex(of: name) else {
        let shown = header.prefix(20).map { name in
          name.utf8.count <= 40 && !name.unicodeScalars.contains { $0.value < 0x20 } ? name : InputError.echo(name)
        }.joined(separator: ", ")
        throw InputErrors([InputError(
          .missing, file: file, line: line, path: name,
          "missing column '\(name)'; expected a header with \(expected) (found: \(shown)\(header.count > 20 ? ", …" : ""))")])
      }
      found.append(k)
    }
    return found
  }
}
