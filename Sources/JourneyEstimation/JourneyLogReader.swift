import Foundation
import JourneyFormats
import JourneyModel

/// Streams a journey log (``JourneyFormats/JourneyLogFormat``) into transition counts.
///
/// The header row names the columns, in any order; extra columns are ignored. The bytes go
/// through the shared ``JourneyFormats/CSVTokenizer`` (RFC 4180 quotes, LF or CRLF, a
/// byte order mark, unquoted fields trimmed, field and record limits) and each row straight
/// into a ``TransitionAccumulator``, which keeps only each customer's previous row. Rows may
/// come in any order across customers (period-major as the simulator writes them, or
/// customer-major), but each customer's periods must increase by exactly 1. The row for
/// period `t` holds the phase at the start of `t` and the channels met during `t`; together
/// with the customer's next row it gives one transition (origin, exposure pattern, target).
///
/// ```swift
/// let summary = try JourneyLogReader.read(path: "journeys.csv", vocabulary: .inferred)
/// ```
///
/// - Complexity: O(bytes) time; memory O(one block + distinct customers + periods), never
///   sized by a customer id's value.
public enum JourneyLogReader {
  /// Row errors collected before reading stops.
  static let maxErrors = 20

  /// Reads a journey log file.
  ///
  /// - Parameters:
  ///   - path: The CSV file.
  ///   - vocabulary: Fixed phase and channel names, or ``Vocabulary/inferred``.
  ///   - holdoutFraction: The share of customers (by a hash of their id) whose transitions
  ///     go to ``JourneyLogSummary/holdout`` instead of ``JourneyLogSummary/training``.
  ///   - progress: Called with the bytes read so far.
  /// - Throws: ``InputErrors`` naming the file, line, column, value and what was expected.
  /// - Complexity: O(file size); see the type's discussion for memory.
  public static func read(
    path: String, vocabulary: Vocabulary, holdoutFraction: Double = 0,
    threads: Int = ProcessInfo.processInfo.activeProcessorCount, progress: ((Int) -> Void)? = nil
  ) throws(InputErrors) -> JourneyLogSummary {
    try read(path: path, vocabulary: vocabulary, holdoutFraction: holdoutFraction, threads: threads, fused: true, progress: progress)
  }

  /// ``read(path:vocabulary:holdoutFraction:threads:progress:)``, with the fused decoder
  /// (``JourneyLogRows/fusedRecords(_:from:upTo:line:)``) or every row through the
  /// tokenizer (`fused` false: the reference the tests compare it with).
  static func read(
    path: String, vocabulary: Vocabulary, holdoutFraction: Double, threads: Int, fused: Bool,
    progress: ((Int) -> Void)? = nil
  ) throws(InputErrors) -> JourneyLogSummary {
    if threads > 1, let size = fileSize(path), size >= parallelBytes {
      // The first chunk reads a start of the file before the others begin (the seed),
      // then a share of the rest like theirs.
      let seed = size / seedFraction
      let step = (size - seed) / threads
      let cuts = [0] + (1..<threads).map { seed + $0 * step } + [Int.max]
      if let summary = readInChunks(
        path: path, vocabulary: vocabulary, holdoutFraction: holdoutFraction, cuts: cuts, seed: seed, fused: fused)
      {
        progress?(size)
        return summary
      }
    }
    var rows = JourneyLogRows(file: path, vocabulary: vocabulary, holdoutFraction: holdoutFraction, fused: fused)
    do {
      try CSVReader.forEachRecord(
        path: path, what: "journey log", progress: progress,
        fast: { (b, p, limit, line) throws(InputErrors) in try rows.fusedRecords(b, from: p, upTo: limit, line: &line) }
      ) { (csv, b) throws(InputErrors) in try rows.record(csv, b) }
    } catch {
      throw rows.merged(error)
    }
    return try rows.finish()
  }

  /// Bytes each chunk of a file read in parallel reads at once: ``CSVReader/blockSize``,
  /// which stays in the core's second-level cache while the row kernel goes over it.
  static let chunkBlockBytes = CSVReader.blockSize

  /// Files smaller than this are read on one thread.
  static let parallelBytes = 1 << 22

  /// The share of a file read in parallel (one part in this many) that the first chunk
  /// reads before the other chunks start from its customers
  /// (``readInChunks(path:vocabulary:holdoutFraction:cuts:seed:fused:kernel:)``).
  static let seedFraction = 32

  static func fileSize(_ path: String) -> Int? {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return Int(info.st_size)
  }

  /// Reads the file in chunks on several threads, one chunk per pair of consecutive `cuts`
  /// (byte offsets, the first 0), and merges the chunks' counts in file order: the summary
  /// equals the one-thread reading's, whatever the cuts.
  ///
  /// The header is read first; each further chunk starts after the first line feed at or
  /// after its cut and ends with the record that holds the byte before the next cut. A
  /// chunk whose start differs from the previous chunk's end (its cut fell inside a quoted
  /// field holding a line feed, or before blank lines) is read again from that end, so
  /// the record boundaries are exactly the one-thread reading's.
  ///
  /// The first chunk reads its first `seed` bytes (by default half of it) before the other
  /// chunks start; they start from the customers met there, without their states
  /// (``CustomerTable/seed()``; not for a log with a segment column). A log written period
  /// by period meets every customer in every chunk: a later chunk then finds them at the
  /// numbers the first chunk gives them, instead of adding each to an index of its own,
  /// and the merge matches them by number.
  ///
  /// - Returns: `nil` when anything is wrong (a bad row, a customer whose periods do not
  ///   continue across chunks, an unreadable file): the caller reads the file on one thread,
  ///   which reports the problems with their lines, in order.
  /// - Complexity: O(file size / chunks) per thread, then O(customers + periods + distinct
  ///   transitions) per chunk to merge; memory O(one block + customers) per chunk.
  static func readInChunks(
    path: String, vocabulary: Vocabulary, holdoutFraction: Double, cuts: [Int], seed: Int? = nil, fused: Bool = true,
    kernel: RowKernel = .selected
  ) -> JourneyLogSummary? {
    var header = JourneyLogRows(
      file: path, vocabulary: vocabulary, holdoutFraction: holdoutFraction, fused: fused, kernel: kernel)
    guard
      let headerBounds = try? CSVReader.forEachRecord(
        path: path, what: "journey log", range: 0..<1, alignStart: false,
        { (csv, b) throws(InputErrors) in try header.record(csv, b) }),
      header.columns != nil, header.errors.isEmpty
    else { return nil }
    let headerEnd = headerBounds.end
    let chunks = cuts.count - 1
    guard chunks >= 1 else { return nil }
    // A chunk keeps no lines (a reading with errors is repeated on one thread to report
    // them); a chunk after the first keeps its customers' first states for the merge.
    var plan = header
    plan.accumulator.customers.keepsLines = false
    let template = plan
    /// Reads the records of `range` into `rows`: their first record's start and where the
    /// last one ends, or `nil` on any problem.
    func read(_ range: Range<Int>, align: Bool, into rows: inout JourneyLogRows) -> (start: Int, end: Int)? {
      guard
        let bounds = try? CSVReader.forEachRecord(
          path: path, what: "journey log", range: range, alignStart: align, block: chunkBlockBytes,
          fast: { (b, p, limit, line) throws(InputErrors) in try rows.fusedRecords(b, from: p, upTo: limit, line: &line) },
          { (csv, b) throws(InputErrors) in try rows.record(csv, b) }),
        rows.errors.isEmpty
      else { return nil }
      return bounds
    }
    let results = UnsafeMutableBufferPointer<(rows: JourneyLogRows, start: Int, end: Int)?>.allocate(capacity: chunks)
    results.initialize(repeating: nil)
    defer {
      _ = results.deinitialize()
      results.deallocate()
    }
    // The seed: the first chunk's first `seed` bytes, read before the other chunks start.
    // They start from its customers (without their states), so that a customer they share
    // with the start of the file is found where the first chunk has it, not added anew.
    // Each chunk's starting tables wait in `results`, to be moved out (not copied) by its
    // thread.
    var later = template
    later.accumulator.customers.keepsFirstStates = true
    let firstLower = Swift.max(headerEnd, cuts[0])
    let firstUpper = chunks > 1 ? Swift.max(firstLower, cuts[1]) : firstLower
    let seedBytes = Swift.min(Swift.max(0, seed ?? (firstUpper - firstLower) / 2), firstUpper - firstLower)
    results[0] = (template, firstLower, firstLower)
    if seedBytes > 0 {
      var rows = template
      guard let bounds = read(firstLower..<firstLower + seedBytes, align: false, into: &rows) else { return nil }
      if !rows.accumulator.isSegmented {
        var seeded = later
        seeded.accumulator.customers = rows.accumulator.customers.seed()
        for k in 1..<chunks { results[k] = (seeded, 0, 0) }
      }
      results[0] = (rows, bounds.start, bounds.end)
    }
    for k in 1..<chunks where results[k] == nil { results[k] = (later, 0, 0) }
    nonisolated(unsafe) let shared = results
    nonisolated(unsafe) let work = read
    parallel(chunks) { k in
      let (start, end) = (shared[k]!.start, shared[k]!.end)
      var rows = shared[k]!.rows
      shared[k] = nil
      // The first chunk goes on where its seed ended.
      let lower = k == 0 ? end : Swift.max(headerEnd, cuts[k])
      if let bounds = work(lower..<Swift.max(lower, cuts[k + 1]), k > 0, &rows) {
        shared[k] = (rows, k == 0 ? start : bounds.start, bounds.end)
      }
    }
    // Each chunk's tables are moved out of `results`, so that they are changed in place.
    func take(_ k: Int) -> (rows: JourneyLogRows, start: Int, end: Int)? {
      defer { results[k] = nil }
      return results[k]
    }
    guard var merged = take(0) else { return nil }
    for k in 1..<chunks {
      // A chunk that started inside a quoted field read garbage (or failed): read it again
      // from the true boundary.
      var chunk = take(k)
      if chunk?.start != merged.end {
        chunk = nil
        var rows = later
        if let bounds = read(merged.end..<Swift.max(merged.end, cuts[k + 1]), align: false, into: &rows) {
          chunk = (rows, bounds.start, bounds.end)
        }
      }
      guard let next = chunk else { return nil }
      chunk = nil
      guard merged.rows.accumulator.absorb(next.rows.accumulator) else { return nil }
      merged.end = next.end
    }
    return try? merged.rows.finish()
  }

  /// ``readInChunks(path:vocabulary:holdoutFraction:cuts:seed:fused:kernel:)`` for the
  /// fuzz target that compares it with the one-thread reading (any cuts and seed must give
  /// the same summary, or `nil`).
  @_spi(Fuzzing) public static func chunkedReading(
    path: String, vocabulary: Vocabulary, holdoutFraction: Double, cuts: [Int], seed: Int
  ) -> JourneyLogSummary? {
    readInChunks(path: path, vocabulary: vocabulary, holdoutFraction: holdoutFraction, cuts: cuts, seed: seed)
  }

  /// Runs `body(0)` … `body(count - 1)` on `count` threads and waits for them, blocked
  /// (the waiting thread takes no CPU time).
  static func parallel(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for k in 1..<Swift.max(count, 1) {
      DispatchQueue.global().async(group: group) { body(k) }
    }
    if count >= 1 { body(0) }
    group.wait()
  }

  /// Reads a journey log held in memory; `file` names it in error messages.
  ///
  /// - Complexity: O(`bytes.count`).
  public static func read(
    bytes: [UInt8], file: String, vocabulary: Vocabulary, holdoutFraction: Double = 0
  ) throws(InputErrors) -> JourneyLogSummary {
    try read(bytes: bytes, file: file, vocabulary: vocabulary, holdoutFraction: holdoutFraction, fused: true)
  }

  /// ``read(bytes:file:vocabulary:holdoutFraction:)`` with or without the fused decoder,
  /// whose row kernel runs at `kernel` (an instance this CPU has, ``RowKernel``).
  static func read(
    bytes: [UInt8], file: String, vocabulary: Vocabulary, holdoutFraction: Double, fused: Bool,
    kernel: RowKernel = .selected
  ) throws(InputErrors) -> JourneyLogSummary {
    let rows = try rows(
      bytes: bytes, file: file, vocabulary: vocabulary, holdoutFraction: holdoutFraction, fused: fused, kernel: kernel)
    return try rows.finish()
  }

  /// The decoder of ``read(bytes:file:vocabulary:holdoutFraction:fused:kernel:)`` after
  /// the last record, before ``JourneyLogRows/finish()``.
  static func rows(
    bytes: [UInt8], file: String, vocabulary: Vocabulary, holdoutFraction: Double, fused: Bool,
    kernel: RowKernel = .selected
  ) throws(InputErrors) -> JourneyLogRows {
    var rows = JourneyLogRows(
      file: file, vocabulary: vocabulary, holdoutFraction: holdoutFraction, fused: fused, kernel: kernel)
    do {
      try CSVReader.forEachRecord(
        bytes: bytes, file: file,
        fast: { (b, p, limit, line) throws(InputErrors) in try rows.fusedRecords(b, from: p, upTo: limit, line: &line) }
      ) { (csv, b) throws(InputErrors) in try rows.record(csv, b) }
    } catch {
      throw rows.merged(error)
    }
    return rows
  }

  /// Whether a customer id falls in the hold-out share (``HoldoutSplit``: the first 32
  /// bits of the id's MD5 digest below `fraction · 2³²`, the split SQL engines make too).
  public static func isHeldOut<C: Collection<UInt8>>(_ id: C, fraction: Double) -> Bool {
    HoldoutSplit.isHeldOut(id, fraction: fraction)
  }
}

/// Decodes journey-log rows (fields from the tokenizer) into accumulator calls.
struct JourneyLogRows {
  let file: String
  let holdoutFraction: Double
  var vocabulary: Vocabulary
  var phaseNames: NameTable
  var channelNames: NameTable
  var segmentNames = NameTable()
  var errors: [InputError] = []
  var line = 0
  var headerLine = 0
  var columns: (id: Int, period: Int, phase: Int, channels: Int, count: Int)?
  /// The optional `segment` column.
  var segmentColumn: Int?
  var accumulator: TransitionAccumulator
  /// Whether plain rows go through the fused decoder.
  let fused: Bool
  /// The instance of the fused decoder's row kernel.
  let kernel: RowKernel
  /// The fused decoder's plan of the header's columns (empty: it takes no row).
  var fusedRoles: [FusedRole] = []
  /// The row kernel's decoded tails (``tailCache()``), made on the kernel's first use: a
  /// decoder that never runs the kernel (a header, a short in-memory text, another column
  /// order) allocates none.
  var tails: TailCache?
  /// The rows whose tail the row kernel did not find in ``tails`` (each then decoded here
  /// and added): the distinct tails met, when the cache keeps them all.
  var tailMisses = 0
  /// The rows the row kernel handed back decoded, for the reader to count (a customer it
  /// could not find or add, a first period past 2⁴⁰, a period that does not continue the
  /// customer's or lies outside the per-period table).
  var handedBack = 0

  init(file: String, vocabulary: Vocabulary, holdoutFraction: Double, fused: Bool = true, kernel: RowKernel = .selected) {
    self.fused = fused
    self.kernel = kernel
    self.file = file
    self.vocabulary = vocabulary
    self.holdoutFraction = holdoutFraction
    phaseNames = NameTable(vocabulary.phases)
    channelNames = NameTable(vocabulary.channels)
    accumulator = TransitionAccumulator(vocabulary: vocabulary, holdoutFraction: holdoutFraction)
  }

  mutating func error(_ kind: InputError.Kind, _ column: String?, _ message: String) throws(InputErrors) {
    errors.append(InputError(kind, file: file, line: line, path: column, message))
    if errors.count >= JourneyLogReader.maxErrors { throw InputErrors(errors) }
  }

  /// The errors collected so far followed by the one that stopped the reading.
  func merged(_ stop: InputErrors) -> InputErrors {
    errors.count >= JourneyLogReader.maxErrors || stop.errors == errors ? InputErrors(errors) : InputErrors(errors + stop.errors)
  }

  mutating func record(_ csv: CSVTokenizer, _ b: UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) {
    line = csv.line
    if csv.isMalformed {
      try error(.syntax, nil, CSVTokenizer.malformedMessage)
      return
    }
    if columns == nil {
      try header(csv, b)
    } else {
      try row(csv, b)
    }
  }

  mutating func header(_ csv: CSVTokenizer, _ b: UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) {
    let names = csv.texts(in: b)
    headerLine = line
    let found = try CSVTable.columns(
      JourneyLogFormat.columns, in: names, file: file, line: line, expected: "customer_id, period, phase and channels")
    for (k, name) in names.enumerated() where names[..<k].contains(name) {
      throw InputErrors([InputError(.duplicate, file: file, line: line, path: name, "column \(InputError.echo(name)) appears twice in the header")])
    }
    columns = (found[0], found[1], found[2], found[3], names.count)
    if let k = names.firstIndex(of: JourneyLogFormat.segmentColumn) {
      segmentColumn = k
      accumulator = TransitionAccumulator(vocabulary: vocabulary, holdoutFraction: holdoutFraction, segmented: true)
    }
    if fused { fusedRoles = Self.fusedRoles(names, columns: columns!, segment: segmentColumn) }
  }

  static func matches(_ name: [UInt8], _ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Bool {
    guard name.count == hi - lo else { return false }
    var k = 0
    while k < name.count {
      if name[k] != b[lo + k] { return false }
      k += 1
    }
    return true
  }

  static func trim(_ b: UnsafeMutableBufferPointer<UInt8>, _ lo: inout Int, _ hi: inout Int) {
    while lo < hi && (b[lo] == 32 || b[lo] == 9) { lo += 1 }
    while hi > lo && (b[hi - 1] == 32 || b[hi - 1] == 9) { hi -= 1 }
  }

  /// The field's range without a formula guard written by ``JourneyFormats/CSV``.
  static func field(_ csv: CSVTokenizer, _ k: Int, _ b: UnsafeMutableBufferPointer<UInt8>) -> (Int, Int) {
    var lo = csv.start(k)
    let hi = csv.end(k)
    if lo < hi && b[lo] == CSV.formulaGuard { lo += CSV.formulaGuardLength(UnsafeBufferPointer(rebasing: b[lo..<hi])) }
    return (lo, hi)
  }

  static func text(_ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self)
  }

  /// A name met for the first time (a phase, channel or segment of an inferred
  /// vocabulary), or `nil` after reporting it when its bytes are not UTF-8: names are
  /// kept as text, and two names of different bytes that are not UTF-8 could read as
  /// the same text.
  mutating func newName(
    _ column: String, _ what: String, _ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int
  ) throws(InputErrors) -> String? {
    if let name = String(validating: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self) { return name }
    try error(.syntax, column, "\(what) \(InputError.echo(Self.text(b, lo, hi))) is not valid UTF-8 text; expected a name in UTF-8")
    return nil
  }

  mutating func row(_ csv: CSVTokenizer, _ b: UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) {
    guard let columns else { return }
    guard csv.fieldCount >= columns.count else {
      try error(.missing, nil, "expected \(columns.count) fields as in the header, found \(csv.fieldCount)")
      return
    }
    // customer_id
    let (idLo, idHi) = Self.field(csv, columns.id, b)
    if idLo == idHi {
      try error(.empty, "customer_id", "empty customer id; expected an identifier")
      return
    }
    // period
    let pLo = csv.start(columns.period)
    let pHi = csv.end(columns.period)
    var period = 0
    var periodOK = pHi > pLo && pHi - pLo <= 12
    if periodOK {
      for k in pLo..<pHi {
        let d = b[k] &- 48
        if d > 9 { periodOK = false; break }
        period = period * 10 + Int(d)
      }
    }
    guard periodOK else {
      try error(.type, "period", "\(InputError.echo(Self.text(b, pLo, pHi))) is not a period; \(JourneyLogFormat.periodExpectation)")
      return
    }
    guard period < JourneyLogFormat.periodLimit else {
      try error(.range, "period", "period \(period) is out of range; \(JourneyLogFormat.periodExpectation)")
      return
    }
    // phase
    let (phLo, phHi) = Self.field(csv, columns.phase, b)
    var phase = phaseNames.index(b, phLo, phHi)
    if phase < 0 {
      let value = Self.text(b, phLo, phHi)
      if phLo == phHi {
        try error(.empty, "phase", "empty phase; expected one of: \(vocabulary.phases.joined(separator: ", "))")
        return
      }
      if vocabulary.isInferred {
        guard try newName("phase", "phase", b, phLo, phHi) != nil else { return }
        phase = accumulator.addPhase(value)
        phaseNames.append(b, phLo, phHi)
        vocabulary.phases.append(value)
      } else {
        try error(.unknownName, "phase", "unknown phase \(InputError.echo(value)); expected one of: \(vocabulary.phases.joined(separator: ", "))")
        return
      }
    }
    // channels
    var pattern: UInt64 = 0
    let (chLo, chHi) = Self.field(csv, columns.channels, b)
    var lo = chLo
    while lo <= chHi {
      var hi = lo
      while hi < chHi && b[hi] != JourneyLogFormat.channelSeparator { hi += 1 }
      var a = lo
      var z = hi
      Self.trim(b, &a, &z)
      if a < z {
        var c = channelNames.index(b, a, z)
        if c < 0 {
          let value = Self.text(b, a, z)
          if vocabulary.isInferred { guard try newName("channels", "channel", b, a, z) != nil else { return } }
          if vocabulary.isInferred, let added = accumulator.addChannel(value) {
            c = added
            channelNames.append(b, a, z)
            vocabulary.channels.append(value)
          } else if vocabulary.isInferred {
            try error(.limit, "channels", "channel \(InputError.echo(value)) is the 65th; at most 64 channels can be fitted")
            return
          } else {
            try error(
              .unknownName, "channels",
              "unknown channel \(InputError.echo(value)); expected a ';'-separated list of: \(vocabulary.channels.joined(separator: ", "))")
            return
          }
        }
        pattern |= 1 << UInt64(c)
      }
      lo = hi + 1
    }
    var segment = 0
    if let sc = segmentColumn {
      let (lo, hi) = Self.field(csv, sc, b)
      guard lo < hi else {
        try error(.empty, "segment", "empty segment; expected a segment name (or no segment column at all)")
        return
      }
      let k = segmentNames.index(b, lo, hi)
      if k >= 0 {
        segment = k
      } else {
        guard let name = try newName("segment", "segment", b, lo, hi) else { return }
        segment = accumulator.addSegment(name)
        segmentNames.append(b, lo, hi)
      }
    }
    let customer = accumulator.customer(id: UnsafeBufferPointer(rebasing: b[idLo..<idHi]))
    let outcome = accumulator.observe(
      customer: customer, period: period, phase: phase, pattern: pattern, segment: segment, line: line)
    try report(outcome, b, idLo, idHi, period: period, segment: segment)
  }

  /// Reports an observation that did not count (the row's customer id is `b[idLo..<idHi]`).
  mutating func report(
    _ outcome: TransitionAccumulator.Observation, _ b: UnsafeMutableBufferPointer<UInt8>, _ idLo: Int, _ idHi: Int,
    period: Int, segment: Int
  ) throws(InputErrors) {
    switch outcome {
    case .counted:
      break
    case .otherSegment(let previous, let previousLine):
      try error(
        .notAllowed, "segment",
        "customer \(InputError.echo(Self.text(b, idLo, idHi))) is in segment \(InputError.echo(accumulator.segments[segment])) here but in \(InputError.echo(accumulator.segments[previous])) on line \(previousLine); expected one segment per customer")
    case .repeatedPeriod(let previousLine):
      try error(
        .duplicate, "period",
        "customer \(InputError.echo(Self.text(b, idLo, idHi))) has period \(period) twice (also on line \(previousLine)); expected one row per customer and period")
    case .notConsecutive(let previous, let previousLine):
      try error(
        .range, "period",
        "customer \(InputError.echo(Self.text(b, idLo, idHi))): period \(period) follows period \(previous) (line \(previousLine)); expected period \(previous + 1): each customer's periods must increase by exactly 1")
    case .periodOutOfRange:
      try error(.range, "period", "period \(period) is out of range; \(JourneyLogFormat.periodExpectation)")
    }
  }

  func finish() throws(InputErrors) -> JourneyLogSummary {
    var errors = errors
    if columns == nil && errors.isEmpty {
      errors.append(InputError(.empty, file: file, "the journey log is empty; expected a header row customer_id,period,phase,channels and one row per customer and period"))
    } else if accumulator.rows == 0 && errors.isEmpty {
      errors.append(InputError(.empty, file: file, line: headerLine, "the journey log has a header but no rows; expected one row per customer and period"))
    }
    guard errors.isEmpty else { throw InputErrors(errors) }
    return accumulator.finish()
  }
}

/// Names found by their bytes without making strings: each name's length and first 8
/// bytes packed in one word, compared with the field's in one step; longer names then
/// compare the rest byte by byte.
///
/// - Complexity: O(names) word compares per ``index(_:_:_:)``, plus the bytes past the
///   eighth of a name that matches.
struct NameTable {
  var keys: [UInt64] = []
  var lengths: [Int] = []
  var bytes: [[UInt8]] = []
  /// Names by ``slot(_:_:)`` of their key and length (open addressing; at least four times
  /// as many slots as names): each slot's name's length (from bit 32) and index, -1 empty,
  /// and its key beside it, so that a probe reads one slot.
  var slots = [Int64](repeating: -1, count: 64)
  var slotKeys = [UInt64](repeating: 0, count: 64)

  init() {}

  init(_ names: [String]) {
    for name in names {
      var text = name
      text.withUTF8 { u in
        let b = UnsafeMutableBufferPointer(mutating: u)
        append(b, 0, b.count)
      }
    }
  }

  /// The first `min(8, hi - lo)` bytes of `b[lo..<hi]`, little-endian.
  @inline(__always)
  static func key(_ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> UInt64 {
    let n = Swift.min(8, hi - lo)
    if lo + 8 <= b.count, let base = b.baseAddress {
      let word = UInt64(littleEndian: UnsafeRawPointer(base + lo).loadUnaligned(as: UInt64.self))
      return n == 8 ? word : word & ((1 << UInt64(8 * n)) - 1)
    }
    var key: UInt64 = 0
    for k in 0..<n { key |= UInt64(b[lo + k]) << UInt64(8 * k) }
    return key
  }

  mutating func append(_ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int) {
    keys.append(Self.key(b, lo, hi))
    lengths.append(hi - lo)
    bytes.append(Array(b[lo..<hi]))
    if 4 * keys.count > slots.count {
      slots = [Int64](repeating: -1, count: 2 * slots.count)
      slotKeys = [UInt64](repeating: 0, count: slots.count)
      for k in keys.indices { place(k) }
    } else {
      place(keys.count - 1)
    }
  }

  /// The hash slot of a name's key and length.
  @inline(__always)
  static func slot(_ key: UInt64, _ length: Int) -> Int {
    Int(truncatingIfNeeded: ((key ^ UInt64(truncatingIfNeeded: length)) &* 0x9E37_79B9_7F4A_7C15) >> 40)
  }

  mutating func place(_ k: Int) {
    let mask = slots.count - 1
    var h = Self.slot(keys[k], lengths[k]) & mask
    while slots[h] >= 0 { h = (h + 1) & mask }
    slots[h] = Int64(lengths[k]) << 32 | Int64(k)
    slotKeys[h] = keys[k]
  }

  /// The index of the name `b[lo..<hi]`, or -1.
  @inline(__always)
  func index(_ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Int {
    let key = Self.key(b, lo, hi)
    let n = hi - lo
    for k in keys.indices where keys[k] == key && lengths[k] == n {
      if n <= 8 || JourneyLogRows.matches(bytes[k], b, lo, hi) { return k }
    }
    return -1
  }
}
