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
    let n = b.count
    var pos = position
    let separator = self.separator
    // Trimmed around fields besides spaces: tabs, unless they separate the fields.
    let blank: UInt8 = separator == 9 ? 32 : 9
    if atStart {
      if n - pos < 3 && !final && n - pos > 0 && b[pos] == 0xEF { return nil }
      if n - pos >= 3 && b[pos] == 0xEF && b[pos + 1] == 0xBB && b[pos + 2] == 0xBF { pos += 3 }
    }
    var line = nextLine
    while true {
      guard pos < n else { return nil }
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
              if !final { return try incomplete(n - pos, line) }
              throw InputError(.syntax, file: file, line: line, "unterminated quoted field; expected a closing '\"'")
            }
            if i + 1 < n && b[i + 1] == CSV.quote {
              doubled = true
              i += 2
              continue
            }
            if i + 1 == n && !final { return try incomplete(n - pos, line) }
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
          if i == n && !final { return try incomplete(n - pos, line) }
        } else {
          fs = i
          while i < n && b[i] != separator && b[i] != 10 { i += 1 }
          if i == n && !final { return try incomplete(n - pos, line) }
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
        nextLine = line
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

  /// An incomplete record at the end of the bytes given: `nil`, unless it already exceeds
  /// the record limit.
  private func incomplete(_ length: Int, _ line: Int) throws(InputError) -> Int? {
    if length > limits.recordBytes {
      throw InputError(
        .limit, file: file, line: line,
        "a record of more than \(limits.recordBytes) bytes (an unterminated quote?); expected at most \(limits.recordBytes) bytes per record")
    }
    return nil
  }
}
