import JourneyModel

/// Splits CSV bytes into records and fields: the one tokenizer of every CSV reader.
///
/// **Syntax** (RFC 4180, read leniently):
/// - Records end with LF or CRLF; a CR before LF (or before the end of the input) belongs
///   to the line ending. Lines that are empty or hold only spaces and tabs are skipped.
/// - A field that starts with `"` (after spaces and tabs) is quoted: it runs to the next
///   lone `"`, may contain `,`, CR and LF, and `""` inside stands for `"`. Only spaces and
///   tabs may follow the closing quote before the separator; anything else marks the
///   record ``isMalformed`` (the reader reports it and goes on).
/// - A `"` inside an unquoted field is an ordinary character.
/// - A UTF-8 byte order mark at the very start of the input is skipped (also before a
///   quoted header).
///
/// **Trimming.** Unquoted fields lose their leading and trailing spaces and tabs; quoted
/// fields keep their content exactly (spaces outside the quotes are dropped). The writer
/// (``CSV``) quotes every field that begins or ends with a space or tab, so everything it
/// writes reads back unchanged.
///
/// **Limits.** A field longer than ``Limits/fieldBytes``, a record longer than
/// ``Limits/recordBytes`` or with more than ``Limits/fields`` fields stops the reading
/// with an error naming the file and line, checked before any buffer grows. A quote that is
/// never closed is an error naming the line where its record starts.
///
/// Quoted fields are unescaped in place, so field ranges index the caller's buffer.
///
/// ```swift
/// let tokenizer = CSVTokenizer(file: "spend.csv")
/// var position = 0
/// while let end = try tokenizer.next(buffer, from: position, final: true) {
///   let first = tokenizer.text(0, in: buffer)   // line tokenizer.line
///   position = end
/// }
/// ```
public final class CSVTokenizer {
  /// Bounds on what one record may hold.
  public struct Limits: Sendable, Equatable {
    /// The longest field, in bytes.
    public var fieldBytes: Int
    /// The longest record, in bytes (line ending and quotes included).
    public var recordBytes: Int
    /// The most fields in one record.
    public var fields: Int

    public init(fieldBytes: Int, recordBytes: Int, fields: Int) {
      self.fieldBytes = fieldBytes
      self.recordBytes = recordBytes
      self.fields = fields
    }

    /// 64 KiB per field, 1 MiB per record, 4,096 fields per record.
    public static let standard = Limits(fieldBytes: 1 << 16, recordBytes: 1 << 20, fields: 1 << 12)
  }

  /// The file named in error messages.
  public let file: String
  public let limits: Limits
  /// The field separator: `,` (``CSV/separator``), or `\t` / `;` for tab- and
  /// semicolon-separated tables (see ``CSVReader/detectSeparator(_:)``). With `\t` as the
  /// separator, only spaces are trimmed around unquoted fields.
  public let separator: UInt8
  /// 1-based line on which the current record starts.
  // The record state below is touched once or more per record; `@exclusivity(unchecked)`
  // drops the runtime exclusivity bookkeeping that a class's stored `var` otherwise costs
  // on every access (measured: a quarter of `journey fit`'s time on a 10.4M-row log). The
  // tokenizer is used by one reader at a time and never reentered, so the static rule holds.
  @exclusivity(unchecked) public private(set) var line = 0
  /// Fields of the current record.
  @exclusivity(unchecked) public private(set) var fieldCount = 0
  /// Whether the current record has text after a closing quote.
  @exclusivity(unchecked) public private(set) var isMalformed = false
  /// The line on which the next record starts.
  @exclusivity(unchecked) public private(set) var nextLine = 1

  @usableFromInline let starts: UnsafeMutablePointer<Int>
  @usableFromInline let ends: UnsafeMutablePointer<Int>
  @exclusivity(unchecked) private var escaped: [Int] = []
  @exclusivity(unchecked) private var atStart = true
  /// Whether a byte order mark may still come (at the first record's start).
  @exclusivity(unchecked) private var bomPossible = true
  /// After ``next(_:from:final:)`` returned `nil`: where the incomplete record starts (past
  /// the blank lines skipped before it) and its line; see ``skipBlankLines(from:)``.
  @exclusivity(unchecked) private var incompleteStart = 0
  @exclusivity(unchecked) private var incompleteLine = 1
  /// Whether records without quotes are read from structural masks (off: every record byte
  /// by byte, the reference the tests compare the masks with).
  var usesMasks = true
  /// The structural mask kept between records: valid for the bytes at `scanBase` (count
  /// `scanCount`) when reading continues at `scanFrom`; `scanBits` holds the bits of the
  /// block at `scanBlock` not yet consumed.
  @exclusivity(unchecked) private var scanBase: UnsafeMutablePointer<UInt8>?
  @exclusivity(unchecked) private var scanCount = 0
  @exclusivity(unchecked) private var scanFrom = 0
  @exclusivity(unchecked) private var scanBlock = 0
  @exclusivity(unchecked) private var scanBits: UInt64 = 0

  public init(file: String, limits: Limits = .standard, separator: UInt8 = CSV.separator) {
    self.file = file
    self.limits = limits
    self.separator = separator
    starts = .allocate(capacity: limits.fields)
    ends = .allocate(capacity: limits.fields)
  }

  deinit {
    starts.deallocate()
    ends.deallocate()
  }

  /// Where field `k` of the current record starts in the buffer.
  @inlinable public func start(_ k: Int) -> Int { starts[k] }
  /// Where field `k` of the current record ends in the buffer.
  @inlinable public func end(_ k: Int) -> Int { ends[k] }

  /// Field `k` as text.
  public func text(_ k: Int, in buffer: UnsafeMutableBufferPointer<UInt8>) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: buffer[starts[k]..<ends[k]]), as: UTF8.self)
  }

  /// Every field of the current record as text.
  public func texts(in buffer: UnsafeMutableBufferPointer<UInt8>) -> [String] {
    (0..<fieldCount).map { text($0, in: buffer) }
  }

  /// The message for a record with text after a closing quote.
  public static let malformedMessage =
    "malformed quoted field; expected a closing '\"' followed by ',' or the end of the line"

  /// Reads the next record of `b` from `position`.
  ///
  /// - Parameters:
  ///   - b: The bytes; quoted fields of the record are unescaped in place.
  ///   - position: Where the record starts (the previous call's result).
  ///   - final: Whether `b` ends the input; otherwise an incomplete last record is left for
  ///     the next call, with more bytes after it.
  /// - Returns: Where the record ends (after its line ending), or `nil` when no complete
  ///   record is left (none at all when `final`).
  /// - Throws: ``InputError`` `.syntax` for an unterminated quote at the end of the input,
  ///   `.limit` for a field or record over the ``limits``.
  /// - Complexity: O(n) in the record's length.
  public func next(_ b: UnsafeMutableBufferPointer<UInt8>, from position: Int, final: Bool) throws(InputError) -> Int? {
    incompleteStart = position
    incompleteLine = nextLine
    if usesMasks && !atStart, let base = b.baseAddress {
      let end = try scan(base, b.count, from: position, final: final)
      if end >= 0 { return end }
      if end == Self.incompleteRecord { return nil }
    }
    scanBase = nil
    return try nextQuoted(b, from: position, final: final)
  }

  /// Reads the next record byte by byte: the full syntax, quotes included (see ``next(_:from:final:)``).
  private func nextQuoted(_ b: UnsafeMutableBufferPointer<UInt8>, from position: Int, final: Bool) throws(InputError) -> Int? {
    let n = b.count
    var pos = position
    let separator = self.separator
    // Trimmed around fields besides spaces: tabs, unless they separate the fields.
    let blank: UInt8 = separator == 9 ? 32 : 9
    if atStart && bomPossible {
      if n - pos < 3 && !final && n - pos > 0 && b[pos] == 0xEF { return nil }
      if n - pos >= 3 && b[pos] == 0xEF && b[pos + 1] == 0xBB && b[pos + 2] == 0xBF { pos += 3 }
    }
    var line = nextLine
    while true {
      guard pos < n else {
        // Nothing but blank lines since `position`: none is a record.
        incompleteStart = pos
        incompleteLine = line
        return nil
      }
      var i = pos
      var count = 0
      var newlines = 0
      var malformed = false
      escaped.removeAll(keepingCapacity: true)
      var complete = false
      fields: while true {
        while i < n && (b[i] == 32 || b[i] == blank) { i += 1 }
        var fs: Int
        var fe: Int
        if i < n && b[i] == CSV.quote {
          i += 1
          fs = i
          var doubled = false
          while true {
            while i < n && b[i] != CSV.quote {
              if b[i] == 10 { newlines += 1 }
              i += 1
            }
            if i >= n {
              if !final { return try incomplete(from: pos, n, line) }
              throw InputError(.syntax, file: file, line: line, "unterminated quoted field; expected a closing '\"'")
            }
            if i + 1 < n && b[i + 1] == CSV.quote {
              doubled = true
              i += 2
              continue
            }
            if i + 1 == n && !final { return try incomplete(from: pos, n, line) }
            break
          }
          fe = i
          i += 1
          if doubled { escaped.append(count) }
          while i < n && (b[i] == 32 || b[i] == blank) { i += 1 }
          if i < n && b[i] == 13 && (i + 1 == n || b[i + 1] == 10) { i += 1 }
          if i < n && b[i] != separator && b[i] != 10 {
            malformed = true
            while i < n && b[i] != separator && b[i] != 10 { i += 1 }
          }
          if i == n && !final { return try incomplete(from: pos, n, line) }
        } else {
          fs = i
          while i < n && b[i] != separator && b[i] != 10 { i += 1 }
          if i == n && !final { return try incomplete(from: pos, n, line) }
          fe = i
          if fe > fs && b[fe - 1] == 13 && (i == n || b[i] == 10) { fe -= 1 }
          while fe > fs && (b[fe - 1] == 32 || b[fe - 1] == blank) { fe -= 1 }
        }
        if fe - fs > limits.fieldBytes {
          throw InputError(
            .limit, file: file, line: line + newlines, path: count < limits.fields ? "field \(count + 1)" : nil,
            "a field of \(fe - fs) bytes (\(InputError.echo(String(decoding: UnsafeBufferPointer(rebasing: b[fs..<Swift.min(fe, fs + 4 * InputError.echoLimit)]), as: UTF8.self)))); expected at most \(limits.fieldBytes) bytes per field")
        }
        if count == limits.fields {
          throw InputError(.limit, file: file, line: line, "a record with more than \(limits.fields) fields; expected at most \(limits.fields)")
        }
        starts[count] = fs
        ends[count] = fe
        count += 1
        if i < n && b[i] == separator {
          i += 1
          continue fields
        }
        if i < n {
          i += 1  // LF
          newlines += 1
        }
        complete = true
        break fields
      }
      _ = complete
      if i - pos > limits.recordBytes {
        throw InputError(
          .limit, file: file, line: line, "a record of \(i - pos) bytes; expected at most \(limits.recordBytes) bytes per record")
      }
      atStart = false
      // A blank line.
      if count == 1 && starts[0] == ends[0] && escaped.isEmpty && !malformed && !(starts[0] > pos && b[starts[0] - 1] == CSV.quote) {
        line += newlines
        pos = i
        continue
      }
      for k in escaped {
        var w = starts[k]
        var r = w
        let e = ends[k]
        while r < e {
          b[w] = b[r]
          r += b[r] == CSV.quote ? 2 : 1
          w += 1
        }
        ends[k] = w
      }
      self.line = line
      fieldCount = count
      isMalformed = malformed
      nextLine = line + newlines
      return i
    }
  }

  // MARK: Structural scan

  /// ``scan(_:_:from:final:)``: the record needs the byte-by-byte reader (a quote, or the
  /// last record of the input without a line ending).
  static let needsQuotedReader = -1
  /// ``scan(_:_:from:final:)``: no complete record before the end of the bytes.
  static let incompleteRecord = -2

  /// Reads the next record when it holds no `"`, from a bit mask of the separators, line
  /// feeds and quotes of 64 bytes at a time (SIMD compares, no branch per byte).
  ///
  /// The mask of the block where the record ends is kept for the next call when that call
  /// continues from the returned end in the same bytes, so each byte is classified once.
  ///
  /// - Returns: Where the record ends, ``needsQuotedReader`` or ``incompleteRecord``.
  @inline(__always)
  private func scan(_ base: UnsafeMutablePointer<UInt8>, _ n: Int, from position: Int, final: Bool) throws(InputError) -> Int {
    let separator = self.separator
    let blank: UInt8 = separator == 9 ? 32 : 9
    var block: Int
    var bits: UInt64
    if scanBase == base && scanCount == n && scanFrom == position {
      block = scanBlock
      bits = scanBits
    } else {
      block = position
      bits = Self.structure(base, block, n, separator)
    }
    let fields = limits.fields
    let fieldBytes = limits.fieldBytes
    var line = nextLine
    var start = position
    var fieldStart = position
    var count = 0
    while true {
      while bits == 0 {
        block += 64
        if block >= n {
          scanBase = nil
          if final { return Self.needsQuotedReader }
          _ = try incomplete(from: start, n, line)
          return Self.incompleteRecord
        }
        bits = Self.structure(base, block, n, separator)
      }
      let j = block + bits.trailingZeroBitCount
      bits &= bits &- 1
      let c = base[j]
      if c == CSV.quote {
        scanBase = nil
        return Self.needsQuotedReader
      }
      var a = fieldStart
      var e = j
      if c == 10 && e > a && base[e - 1] == 13 { e -= 1 }
      while a < e && (base[a] == 32 || base[a] == blank) { a += 1 }
      while e > a && (base[e - 1] == 32 || base[e - 1] == blank) { e -= 1 }
      if e - a > fieldBytes {
        throw InputError(
          .limit, file: file, line: line, path: count < fields ? "field \(count + 1)" : nil,
          "a field of \(e - a) bytes (\(InputError.echo(String(decoding: UnsafeBufferPointer(start: base + a, count: Swift.min(e - a, 4 * InputError.echoLimit)), as: UTF8.self)))); expected at most \(fieldBytes) bytes per field")
      }
      if count == fields {
        throw InputError(.limit, file: file, line: line, "a record with more than \(fields) fields; expected at most \(fields)")
      }
      starts[count] = a
      ends[count] = e
      count += 1
      fieldStart = j + 1
      if c == separator { continue }
      // A line feed ends the record.
      if j + 1 - start > limits.recordBytes {
        throw InputError(
          .limit, file: file, line: line, "a record of \(j + 1 - start) bytes; expected at most \(limits.recordBytes) bytes per record")
      }
      if count == 1 && a == e {
        // A blank line.
        line += 1
        start = j + 1
        count = 0
        continue
      }
      self.line = line
      fieldCount = count
      isMalformed = false
      nextLine = line + 1
      scanBase = base
      scanCount = n
      scanFrom = j + 1
      scanBlock = block
      scanBits = bits
      return j + 1
    }
  }

  /// Bit `k` set when byte `block + k` (below `n`) is the separator, a line feed or a quote.
  @inline(__always)
  static func structure(_ base: UnsafeMutablePointer<UInt8>, _ block: Int, _ n: Int, _ separator: UInt8) -> UInt64 {
    guard block + 64 <= n else {
      var bits: UInt64 = 0
      var k = block
      while k < n {
        let c = base[k]
        if c == separator || c == 10 || c == CSV.quote { bits |= 1 << UInt64(k - block) }
        k += 1
      }
      return bits
    }
    let s = SIMD16<UInt8>(repeating: separator)
    let lf = SIMD16<UInt8>(repeating: 10)
    let q = SIMD16<UInt8>(repeating: CSV.quote)
    let raw = UnsafeRawPointer(base + block)
    var bits: UInt64 = 0
    for k in 0..<4 {
      let v = raw.loadUnaligned(fromByteOffset: 16 * k, as: SIMD16<UInt8>.self)
      let m = (v .== s) .| (v .== lf) .| (v .== q)
      let words = unsafeBitCast(m, to: SIMD2<UInt64>.self)
      bits |= (packBits(words[0]) | packBits(words[1]) << 8) << UInt64(16 * k)
    }
    return bits
  }

  /// The top bits of the 8 bytes of `w` as an 8-bit mask (byte `k` to bit `k`).
  @inline(__always)
  static func packBits(_ w: UInt64) -> UInt64 {
    (((w & 0x8080_8080_8080_8080) &>> 7) &* 0x0102_0408_1020_4080) &>> 56
  }

  /// Whether the first record (where a byte order mark may be) has been read.
  public var isPastFirstRecord: Bool { !atStart }

  /// Continues an input in the middle: no byte order mark is looked for, and the next
  /// record is counted as line `line` (for readers that start at a record boundary found
  /// by ``CSVReader/forEachRecord(path:what:limits:range:alignStart:_:)``).
  public func resume(atLine line: Int) {
    atStart = false
    nextLine = line
    scanBase = nil
  }

  /// Takes the blank lines that ``next(_:from:final:)`` skipped before it returned `nil`
  /// for the record at `position`: returns where the incomplete record after them starts
  /// (`position` when there were none), counting its line as the next record's. A reader
  /// that keeps the bytes from there on, instead of from `position`, keeps only the
  /// incomplete record, however many blank lines came before it (at most the record limit
  /// then, or the tokenizer would have stopped it).
  ///
  /// - Precondition: the last call of ``next(_:from:final:)`` started at `position` and
  ///   returned `nil`.
  public func skipBlankLines(from position: Int) -> Int {
    guard incompleteStart > position else { return position }
    nextLine = incompleteLine
    scanBase = nil
    // A byte order mark is looked for only where the input starts.
    bomPossible = false
    return incompleteStart
  }

  /// An incomplete record at the end of the bytes given (`start ..< n`), whose first line is
  /// `line`: `nil`, unless it already exceeds the record limit.
  private func incomplete(from start: Int, _ n: Int, _ line: Int) throws(InputError) -> Int? {
    incompleteStart = start
    incompleteLine = line
    let length = n - start
    if length > limits.recordBytes {
      throw InputError(
        .limit, file: file, line: line,
        "a record of more than \(limits.recordBytes) bytes (an unterminated quote?); expected at most \(limits.recordBytes) bytes per record")
    }
    return nil
  }
}
