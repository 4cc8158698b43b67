import Foundation
import JourneyModel

/// The phase and channel names a journey log is read against.
///
/// Fixed when a scenario is given (unknown names are errors); otherwise inferred from the
/// data, phases and channels in first-seen order.
public struct Vocabulary: Sendable, Equatable {
  public internal(set) var phases: [String]
  public internal(set) var channels: [String]
  /// `true` when names not yet known are added as they are met.
  public let isInferred: Bool
  /// Length of the model's seasonality cycle (0 without): transitions are then also keyed
  /// by `period mod seasonLength`, stored in bits 56–63 of the pattern, so the fit can
  /// use the known seasonal multipliers as offsets.
  public var seasonLength: Int = 0

  public init(phases: [String], channels: [String]) {
    self.phases = phases
    self.channels = channels
    isInferred = false
  }

  /// The vocabulary of a scenario, with its seasonality cycle when it has one (and at
  /// most 56 channels and 256 seasons, so that the season fits the pattern's high bits).
  public init(model: Scenario) {
    self.init(phases: model.phases.map(\.name), channels: model.channels.map(\.name))
    if let cycle = model.seasonality?.count, cycle > 1, cycle <= 256, model.channelCount <= TransitionCounts.seasonShift {
      seasonLength = cycle
    }
  }

  /// An empty vocabulary that grows with the data.
  public static var inferred: Vocabulary { Vocabulary(inferring: ()) }

  private init(inferring: Void) {
    phases = []
    channels = []
    isInferred = true
  }
}

/// Transition counts `n[origin][pattern][target]`: the sufficient statistics of the
/// multinomial logit when the covariates are the channel exposures of a period.
///
/// `pattern` is a bit mask over the vocabulary's channels (bit `c` set when channel `c`
/// was met in the origin period).
public struct TransitionCounts: Sendable, Equatable {
  public struct Key: Hashable, Sendable {
    public var origin: Int32
    public var target: Int32
    public var pattern: UInt64
  }

  public internal(set) var counts: [Key: Int] = [:]
  public internal(set) var transitions = 0

  /// Bit position of the season index in a pattern (see ``Vocabulary/seasonLength``).
  public static let seasonShift = 56
  /// The channel bits of a pattern, without the season.
  public static let channelMask: UInt64 = (1 << UInt64(seasonShift)) - 1

  /// The season index stored in a pattern.
  public static func season(of pattern: UInt64) -> Int { Int(pattern >> UInt64(seasonShift)) }

  public init() {}

  public mutating func add(origin: Int, pattern: UInt64, target: Int, count: Int = 1) {
    counts[Key(origin: Int32(origin), target: Int32(target), pattern: pattern), default: 0] += count
    transitions += count
  }

  /// Every transition out of `origin`: (pattern, target, count), in a stable order.
  public func rows(from origin: Int) -> [(pattern: UInt64, target: Int, count: Int)] {
    counts.compactMap { key, n in
      key.origin == origin ? (key.pattern, Int(key.target), n) : nil
    }.sorted { ($0.pattern, $0.target) < ($1.pattern, $1.target) }
  }

  /// The number of transitions out of each phase.
  public func originTotals(phaseCount: Int) -> [Int] {
    var totals = [Int](repeating: 0, count: phaseCount)
    for (key, n) in counts { totals[Int(key.origin)] += n }
    return totals
  }
}

/// What a journey log holds, ready for fitting.
public struct JourneyLogSummary: Sendable {
  public var vocabulary: Vocabulary
  /// Transitions of the customers used for fitting.
  public var training: TransitionCounts
  /// Transitions of the held-out customers (empty without a hold-out fraction).
  public var holdout: TransitionCounts
  /// Data rows read (the header excluded).
  public var rows: Int
  /// Distinct customers.
  public var customers: Int
  public var firstPeriod: Int
  public var lastPeriod: Int
  /// Customers by phase in their first row, for customers present in the first period.
  public var initialPhases: [Int]
  /// Customers by phase in their first row, for customers first seen later (arrivals).
  public var arrivalPhases: [Int]
  /// Customers per phase in the history's last period (where a forecast can continue).
  public var endCounts: [Int] = []
  /// `[k][i]`: ``endCounts`` per segment (parallel to ``segments``; empty without segments).
  public var endSegmentCounts: [[Int]] = []
  /// Rows in which each channel was met.
  public var channelRows: [Int]
  /// Customers in the market and customers exposed to each channel, per period.
  public var exposure: ExposureCounts = ExposureCounts()
  /// Segment names in first-seen order, when the log has a `segment` column; else empty.
  public var segments: [String] = []
  /// Transitions of the customers used for fitting, per segment (parallel to ``segments``).
  public var segmentTraining: [TransitionCounts] = []
  /// Held-out transitions per segment.
  public var segmentHoldout: [TransitionCounts] = []
  /// Distinct customers per segment.
  public var segmentCustomers: [Int] = []

  /// The summary restricted to one segment: its transitions replace the pooled ones.
  public func segment(_ k: Int) -> JourneyLogSummary {
    var s = self
    s.training = segmentTraining[k]
    s.holdout = segmentHoldout[k]
    return s
  }
}

/// Exposure counts per period: the binomial data of the reach curves.
///
/// `customers[t]` is the number of customers with a row in period `firstPeriod + t` (the
/// market), `exposed[t][c]` how many of them met channel `c` in that period.
public struct ExposureCounts: Sendable, Equatable {
  public var firstPeriod = 0
  public var customers: [Int] = []
  public var exposed: [[Int]] = []
  public init() {}
  public init(firstPeriod: Int, customers: [Int], exposed: [[Int]]) {
    self.firstPeriod = firstPeriod
    self.customers = customers
    self.exposed = exposed
  }
}

/// Streams a journey log (`customer_id,period,phase,channels`) into transition counts.
///
/// The header row names the columns, in any order; extra columns are ignored. Fields may be
/// quoted (`"a;b"`, with `""` for a quote inside); lines may end in LF or CRLF. The file is
/// read in large blocks and parsed byte by byte, and only each customer's previous row is
/// kept, so memory grows with the number of customers, not rows. Rows may come in any
/// order across customers (period-major as the simulator writes them, or customer-major),
/// but each customer's periods must increase by exactly 1. The row for period `t` holds
/// the phase at the start of `t` and the channels met during `t`; together with the
/// customer's next row it gives one transition (origin, exposure pattern, target).
///
/// ```swift
/// let summary = try JourneyLogReader.read(path: "journeys.csv", vocabulary: .inferred)
/// ```
public enum JourneyLogReader {
  /// Block size for file reads.
  static let blockSize = 1 << 22
  /// Row errors collected before reading stops.
  static let maxErrors = 20
  /// Periods a history may span.
  static let maxPeriods = Parser.periodLimit

  /// Reads a journey log file.
  ///
  /// - Parameters:
  ///   - path: The CSV file.
  ///   - vocabulary: Fixed phase and channel names, or ``Vocabulary/inferred``.
  ///   - holdoutFraction: The share of customers (by a hash of their id) whose transitions
  ///     go to ``JourneyLogSummary/holdout`` instead of ``JourneyLogSummary/training``.
  /// - Throws: ``InputErrors`` naming the file, line, column, value and what was expected.
  public static func read(
    path: String, vocabulary: Vocabulary, holdoutFraction: Double = 0,
    progress: ((Int) -> Void)? = nil
  ) throws(InputErrors) -> JourneyLogSummary {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
      throw InputErrors([InputError(.io, file: path, "cannot open the journey log: \(String(cString: strerror(errno)))")])
    }
    defer { close(fd) }
    var parser = Parser(file: path, vocabulary: vocabulary, holdoutFraction: holdoutFraction)
    var buffer = [UInt8](repeating: 0, count: blockSize)
    var carry = 0
    var delivered = 0
    while true {
      if carry == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
      let got = buffer.withUnsafeMutableBytes { raw in
        Foundation.read(fd, raw.baseAddress! + carry, raw.count - carry)
      }
      if got < 0 {
        throw InputErrors([InputError(.io, file: path, "cannot read the journey log: \(String(cString: strerror(errno)))")])
      }
      let end = carry + got
      let consumed = try buffer.withUnsafeMutableBufferPointer { b throws(InputErrors) in
        try parser.parse(UnsafeMutableBufferPointer(rebasing: b[0..<end]), final: got == 0)
      }
      if got == 0 { break }
      if consumed > 0 {
        buffer.withUnsafeMutableBytes { raw in
          let base = raw.baseAddress!
          memmove(base, base + consumed, end - consumed)
        }
      }
      carry = end - consumed
      delivered += got
      progress?(delivered)
    }
    return try parser.finish()
  }

  /// Reads a journey log held in memory; `file` names it in error messages.
  public static func read(
    bytes: [UInt8], file: String, vocabulary: Vocabulary, holdoutFraction: Double = 0
  ) throws(InputErrors) -> JourneyLogSummary {
    var parser = Parser(file: file, vocabulary: vocabulary, holdoutFraction: holdoutFraction)
    var copy = bytes
    _ = try copy.withUnsafeMutableBufferPointer { b throws(InputErrors) in try parser.parse(b, final: true) }
    return try parser.finish()
  }

  /// Whether a customer id falls in the hold-out share: FNV-1a of its bytes, then a
  /// SplitMix64 finaliser, compared with `fraction · 2⁶⁴`.
  public static func isHeldOut<C: Collection<UInt8>>(_ id: C, fraction: Double) -> Bool {
    guard fraction > 0 else { return false }
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in id { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
    h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
    h ^= h >> 31
    return Double(h) / 18_446_744_073_709_551_616.0 < fraction
  }
}

/// A customer's previous row.
struct CustomerSlot {
  var period: Int = -1
  var line: Int = 0
  var phase: Int32 = 0
  var heldOut = false
  var pattern: UInt64 = 0
  var segment: Int32 = 0
}

struct Parser {
  let file: String
  var vocabulary: Vocabulary
  let holdoutFraction: Double
  var phaseBytes: [[UInt8]]
  var channelBytes: [[UInt8]]
  var errors: [InputError] = []
  var line = 0
  var columns: (id: Int, period: Int, phase: Int, channels: Int, count: Int)?
  /// The optional `segment` column.
  var segmentColumn: Int?
  var segmentNames: [String] = []
  var segmentBytes: [[UInt8]] = []
  var segmentTraining: [TransitionCounts] = []
  var segmentHoldout: [TransitionCounts] = []
  var segmentCustomers: [Int] = []
  /// Rows and exposures per period (index `period`); periods beyond ``periodLimit`` go to
  /// ``farPeriods``.
  var periodRows: [Int] = []
  var periodExposed: [[Int]] = []
  var farPeriods: [Int: (rows: Int, exposed: [Int])] = [:]
  static let periodLimit = 1 << 20
  var dense: [CustomerSlot] = []
  var sparse: [[UInt8]: Int] = [:]
  var sparseSlots: [CustomerSlot] = []
  var training = TransitionCounts()
  var holdout = TransitionCounts()
  var denseCounts: [Int]
  var denseHoldout: [Int]
  var denseStride: Int
  var rows = 0
  var firstPeriod = Int.max
  var lastPeriod = Int.min
  var firstSeen: [(period: Int, phase: Int32)] = []
  var endPeriod = Int.min
  var endCounts: [Int] = []
  var endSegmentCounts: [Int: [Int]] = [:]
  var channelRows: [Int] = []
  var fieldStart: [Int] = []
  var fieldEnd: [Int] = []

  init(file: String, vocabulary: Vocabulary, holdoutFraction: Double) {
    self.file = file
    self.vocabulary = vocabulary
    self.holdoutFraction = holdoutFraction
    phaseBytes = vocabulary.phases.map { Array($0.utf8) }
    channelBytes = vocabulary.channels.map { Array($0.utf8) }
    channelRows = [Int](repeating: 0, count: vocabulary.channels.count)
    let p = vocabulary.phases.count
    let c = vocabulary.channels.count
    // Dense counts when the vocabulary is fixed and small: index (origin·2^C + pattern)·P + target.
    if !vocabulary.isInferred && vocabulary.seasonLength == 0 && c <= 16 && p * p << c <= 1 << 24 {
      denseStride = p
      denseCounts = [Int](repeating: 0, count: p * p << c)
      denseHoldout = holdoutFraction > 0 ? denseCounts : []
    } else {
      denseStride = 0
      denseCounts = []
      denseHoldout = []
    }
  }

  mutating func error(_ kind: InputError.Kind, _ column: String?, _ message: String) throws(InputErrors) {
    errors.append(InputError(kind, file: file, line: line, path: column, message))
    if errors.count >= JourneyLogReader.maxErrors { throw InputErrors(errors) }
  }

  /// Parses the complete records in `b`; returns the bytes consumed. Quoted fields are
  /// unescaped in place.
  mutating func parse(_ b: UnsafeMutableBufferPointer<UInt8>, final: Bool) throws(InputErrors) -> Int {
    var pos = 0
    let n = b.count
    while pos < n {
      // One record: fields into fieldStart/fieldEnd.
      // Parse only complete records (quote-aware), since quoted fields are unescaped in place.
      if !final {
        var k = pos
        var quoted = false
        while k < n && (quoted || b[k] != UInt8(ascii: "\n")) {
          if b[k] == UInt8(ascii: "\"") { quoted.toggle() }
          k += 1
        }
        if k == n { return pos }
      }
      fieldStart.removeAll(keepingCapacity: true)
      fieldEnd.removeAll(keepingCapacity: true)
      var i = pos
      var complete = false
      var badQuote = false
      while true {
        if i < n && b[i] == UInt8(ascii: "\"") {
          var w = i
          let start = i
          i += 1
          var closed = false
          while i < n {
            if b[i] == UInt8(ascii: "\"") {
              if i + 1 < n && b[i + 1] == UInt8(ascii: "\"") {
                b[w] = UInt8(ascii: "\""); w += 1; i += 2
              } else if i + 1 == n && !final {
                break
              } else {
                i += 1; closed = true; break
              }
            } else {
              b[w] = b[i]; w += 1; i += 1
            }
          }
          if !closed {
            if !final { return pos }
            badQuote = true
          }
          // `w` trails `i`; the unescaped field is start..<w. Skip to the separator.
          fieldStart.append(start)
          fieldEnd.append(w)
          while i < n && b[i] != UInt8(ascii: ",") && b[i] != UInt8(ascii: "\n") {
            if b[i] != UInt8(ascii: "\r") { badQuote = true }
            i += 1
          }
        } else {
          let start = i
          while i < n && b[i] != UInt8(ascii: ",") && b[i] != UInt8(ascii: "\n") { i += 1 }
          var end = i
          if end > start && b[end - 1] == UInt8(ascii: "\r") && (i == n || b[i] == UInt8(ascii: "\n")) { end -= 1 }
          fieldStart.append(start)
          fieldEnd.append(end)
        }
        if i < n && b[i] == UInt8(ascii: ",") { i += 1; continue }
        if i < n { i += 1; complete = true; break }  // newline
        if final { complete = true; break }
        return pos
      }
      _ = complete
      line += 1
      let recordEnd = i
      // A blank line is skipped.
      if fieldStart.count == 1 && fieldEnd[0] == fieldStart[0] {
        pos = recordEnd
        continue
      }
      if badQuote {
        try error(.syntax, nil, "malformed quoted field; expected a closing '\"' followed by ',' or the end of the line")
        pos = recordEnd
        continue
      }
      if columns == nil {
        try header(b)
      } else {
        try record(b)
      }
      pos = recordEnd
    }
    return pos
  }

  func text(_ b: UnsafeMutableBufferPointer<UInt8>, _ k: Int) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: b[fieldStart[k]..<fieldEnd[k]]), as: UTF8.self)
  }

  mutating func header(_ b: UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) {
    var names = (0..<fieldStart.count).map { text(b, $0).trimmingCharacters(in: .whitespaces) }
    if let first = names.first, first.hasPrefix("\u{FEFF}") { names[0] = String(first.dropFirst()) }
    var found: [Int] = []
    for name in ["customer_id", "period", "phase", "channels"] {
      guard let k = names.firstIndex(of: name) else {
        throw InputErrors([InputError(
          .missing, file: file, line: line, path: name,
          "missing column '\(name)'; expected a header with customer_id, period, phase and channels (found: \(names.joined(separator: ", ")))")])
      }
      found.append(k)
    }
    for (k, name) in names.enumerated() where names[..<k].contains(name) {
      throw InputErrors([InputError(.duplicate, file: file, line: line, path: name, "column '\(name)' appears twice in the header")])
    }
    columns = (found[0], found[1], found[2], found[3], names.count)
    if let k = names.firstIndex(of: "segment") {
      segmentColumn = k
      // Per-segment counts go through the sparse tables.
      denseStride = 0
      denseCounts = []
      denseHoldout = []
    }
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

  mutating func record(_ b: UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) {
    guard let columns else { return }
    guard fieldStart.count >= columns.count else {
      try error(.missing, nil, "expected \(columns.count) fields as in the header, found \(fieldStart.count)")
      return
    }
    rows += 1
    // customer_id
    var idLo = fieldStart[columns.id]
    var idHi = fieldEnd[columns.id]
    Self.trim(b, &idLo, &idHi)
    if idLo == idHi {
      try error(.empty, "customer_id", "empty customer id; expected an identifier")
      return
    }
    // period
    var pLo = fieldStart[columns.period]
    var pHi = fieldEnd[columns.period]
    Self.trim(b, &pLo, &pHi)
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
      try error(.type, "period", "'\(text(b, columns.period))' is not a period; expected a whole number ≥ 0")
      return
    }
    // phase
    var phLo = fieldStart[columns.phase]
    var phHi = fieldEnd[columns.phase]
    Self.trim(b, &phLo, &phHi)
    var phase = -1
    for (k, name) in phaseBytes.enumerated() where Self.matches(name, b, phLo, phHi) {
      phase = k
      break
    }
    if phase < 0 {
      let value = String(decoding: UnsafeBufferPointer(rebasing: b[phLo..<phHi]), as: UTF8.self)
      if phLo == phHi {
        try error(.empty, "phase", "empty phase; expected one of: \(vocabulary.phases.joined(separator: ", "))")
        return
      }
      if vocabulary.isInferred {
        phase = phaseBytes.count
        phaseBytes.append(Array(b[phLo..<phHi]))
        vocabulary.phases.append(value)
      } else {
        try error(.unknownName, "phase", "unknown phase '\(value)'; expected one of: \(vocabulary.phases.joined(separator: ", "))")
        return
      }
    }
    // channels
    var pattern: UInt64 = 0
    let chHi = fieldEnd[columns.channels]
    var lo = fieldStart[columns.channels]
    while lo <= chHi {
      var hi = lo
      while hi < chHi && b[hi] != UInt8(ascii: ";") { hi += 1 }
      var a = lo
      var z = hi
      Self.trim(b, &a, &z)
      if a < z {
        var c = -1
        for (k, name) in channelBytes.enumerated() where Self.matches(name, b, a, z) {
          c = k
          break
        }
        if c < 0 {
          let value = String(decoding: UnsafeBufferPointer(rebasing: b[a..<z]), as: UTF8.self)
          if vocabulary.isInferred && channelBytes.count < 64 {
            c = channelBytes.count
            channelBytes.append(Array(b[a..<z]))
            vocabulary.channels.append(value)
            channelRows.append(0)
          } else if vocabulary.isInferred {
            try error(.limit, "channels", "channel '\(value)' is the 65th; at most 64 channels can be fitted")
            return
          } else {
            try error(
              .unknownName, "channels",
              "unknown channel '\(value)'; expected a ';'-separated list of: \(vocabulary.channels.joined(separator: ", "))")
            return
          }
        }
        pattern |= 1 << UInt64(c)
      }
      lo = hi + 1
    }
    var segment = 0
    if let sc = segmentColumn {
      var lo = fieldStart[sc]
      var hi = fieldEnd[sc]
      Self.trim(b, &lo, &hi)
      guard lo < hi else {
        try error(.empty, "segment", "empty segment; expected a segment name (or no segment column at all)")
        return
      }
      if let k = segmentBytes.firstIndex(where: { Self.matches($0, b, lo, hi) }) {
        segment = k
      } else {
        segment = segmentBytes.count
        segmentBytes.append(Array(b[lo..<hi]))
        segmentNames.append(String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self))
        segmentTraining.append(TransitionCounts())
        segmentHoldout.append(TransitionCounts())
        segmentCustomers.append(0)
      }
    }
    tally(period: period, pattern: pattern)
    try advance(b, idLo, idHi, period: period, phase: phase, pattern: pattern, segment: segment)
  }

  /// Counts the row towards its period's market and exposures, and each channel's rows.
  mutating func tally(period: Int, pattern: UInt64) {
    let c = channelBytes.count
    if period < Self.periodLimit {
      if period >= periodRows.count {
        periodRows.append(contentsOf: repeatElement(0, count: period + 1 - periodRows.count))
        periodExposed.append(contentsOf: repeatElement([], count: period + 1 - periodExposed.count))
      }
      periodRows[period] += 1
      if pattern != 0 {
        if periodExposed[period].count < c {
          periodExposed[period].append(contentsOf: repeatElement(0, count: c - periodExposed[period].count))
        }
        var bits = pattern
        while bits != 0 {
          let k = bits.trailingZeroBitCount
          channelRows[k] += 1
          periodExposed[period][k] += 1
          bits &= bits - 1
        }
      }
    } else {
      var entry = farPeriods[period] ?? (0, [])
      entry.rows += 1
      if entry.exposed.count < c { entry.exposed.append(contentsOf: repeatElement(0, count: c - entry.exposed.count)) }
      var bits = pattern
      while bits != 0 {
        let k = bits.trailingZeroBitCount
        channelRows[k] += 1
        entry.exposed[k] += 1
        bits &= bits - 1
      }
      farPeriods[period] = entry
    }
  }

  mutating func advance(
    _ b: UnsafeMutableBufferPointer<UInt8>, _ idLo: Int, _ idHi: Int, period: Int, phase: Int, pattern: UInt64,
    segment: Int = 0
  ) throws(InputErrors) {
    // Numeric ids without leading zeros index a dense table; others go through a dictionary.
    var numeric = idHi - idLo <= 9 && (b[idLo] != 48 || idHi - idLo == 1)
    var id = 0
    if numeric {
      for k in idLo..<idHi {
        let d = b[k] &- 48
        if d > 9 { numeric = false; break }
        id = id * 10 + Int(d)
      }
    }
    firstPeriod = Swift.min(firstPeriod, period)
    lastPeriod = Swift.max(lastPeriod, period)
    if numeric && id < 1 << 28 {
      if id >= dense.count {
        dense.append(contentsOf: repeatElement(CustomerSlot(), count: Swift.max(id + 1, 2 * dense.count) - dense.count))
      }
      var s = dense[id]
      defer { dense[id] = s }
      try step(&s, b, idLo, idHi, period: period, phase: phase, pattern: pattern, segment: segment)
    } else {
      let key = Array(b[idLo..<idHi])
      let slot: Int
      if let s = sparse[key] {
        slot = s
      } else {
        slot = sparseSlots.count
        sparse[key] = slot
        sparseSlots.append(CustomerSlot())
      }
      var s = sparseSlots[slot]
      defer { sparseSlots[slot] = s }
      try step(&s, b, idLo, idHi, period: period, phase: phase, pattern: pattern, segment: segment)
    }
  }

  mutating func step(
    _ s: inout CustomerSlot, _ b: UnsafeMutableBufferPointer<UInt8>, _ idLo: Int, _ idHi: Int,
    period: Int, phase: Int, pattern: UInt64, segment: Int
  ) throws(InputErrors) {
    if period > endPeriod {
      endPeriod = period
      endCounts = [Int](repeating: 0, count: Swift.max(vocabulary.phases.count, phase + 1))
      endSegmentCounts = [:]
    }
    if period == endPeriod {
      if phase >= endCounts.count { endCounts += [Int](repeating: 0, count: phase + 1 - endCounts.count) }
      endCounts[phase] += 1
      if segmentColumn != nil {
        var row = endSegmentCounts[segment] ?? []
        if phase >= row.count { row += [Int](repeating: 0, count: phase + 1 - row.count) }
        row[phase] += 1
        endSegmentCounts[segment] = row
      }
    }
    if s.period < 0 {
      s.heldOut = JourneyLogReader.isHeldOut(UnsafeBufferPointer(rebasing: b[idLo..<idHi]), fraction: holdoutFraction)
      s.segment = Int32(segment)
      firstSeen.append((period, Int32(phase)))
      if segmentColumn != nil { segmentCustomers[segment] += 1 }
    } else if segmentColumn != nil && Int(s.segment) != segment {
      let id = String(decoding: UnsafeBufferPointer(rebasing: b[idLo..<idHi]), as: UTF8.self)
      try error(
        .notAllowed, "segment",
        "customer '\(id)' is in segment '\(segmentNames[segment])' here but in '\(segmentNames[Int(s.segment)])' on line \(s.line); expected one segment per customer")
      return
    } else if period != s.period + 1 {
      let id = String(decoding: UnsafeBufferPointer(rebasing: b[idLo..<idHi]), as: UTF8.self)
      if period == s.period {
        try error(.duplicate, "period", "customer '\(id)' has period \(period) twice (also on line \(s.line)); expected one row per customer and period")
      } else {
        try error(
          .range, "period",
          "customer '\(id)': period \(period) follows period \(s.period) (line \(s.line)); expected period \(s.period + 1): each customer's periods must increase by exactly 1")
      }
      return
    } else {
      let origin = Int(s.phase)
      if denseStride > 0 {
        let index = ((origin << vocabulary.channels.count) + Int(s.pattern)) * denseStride + phase
        if s.heldOut { denseHoldout[index] += 1 } else { denseCounts[index] += 1 }
      } else {
        var key = s.pattern
        if vocabulary.seasonLength > 0 {
          let season = ((s.period % vocabulary.seasonLength) + vocabulary.seasonLength) % vocabulary.seasonLength
          key |= UInt64(season) << UInt64(TransitionCounts.seasonShift)
        }
        if s.heldOut {
          holdout.add(origin: origin, pattern: key, target: phase)
          if segmentColumn != nil { segmentHoldout[Int(s.segment)].add(origin: origin, pattern: key, target: phase) }
        } else {
          training.add(origin: origin, pattern: key, target: phase)
          if segmentColumn != nil { segmentTraining[Int(s.segment)].add(origin: origin, pattern: key, target: phase) }
        }
      }
    }
    s.period = period
    s.line = line
    s.phase = Int32(phase)
    s.pattern = pattern
  }

  mutating func finish() throws(InputErrors) -> JourneyLogSummary {
    if columns == nil && errors.isEmpty {
      errors.append(InputError(.empty, file: file, "the journey log is empty; expected a header row customer_id,period,phase,channels and one row per customer and period"))
    } else if rows == 0 && errors.isEmpty {
      errors.append(InputError(.empty, file: file, line: line, "the journey log has a header but no rows; expected one row per customer and period"))
    }
    guard errors.isEmpty else { throw InputErrors(errors) }
    if denseStride > 0 {
      let p = denseStride
      let patterns = 1 << vocabulary.channels.count
      for (table, isHoldout) in [(denseCounts, false), (denseHoldout, true)] where !table.isEmpty {
        for origin in 0..<p {
          for pattern in 0..<patterns {
            let base = (origin * patterns + pattern) * p
            for target in 0..<p where table[base + target] > 0 {
              if isHoldout {
                holdout.add(origin: origin, pattern: UInt64(pattern), target: target, count: table[base + target])
              } else {
                training.add(origin: origin, pattern: UInt64(pattern), target: target, count: table[base + target])
              }
            }
          }
        }
      }
    }
    var initial = [Int](repeating: 0, count: vocabulary.phases.count)
    var arrivals = initial
    for (period, phase) in firstSeen {
      if period == firstPeriod { initial[Int(phase)] += 1 } else { arrivals[Int(phase)] += 1 }
    }
    var summary = JourneyLogSummary(
      vocabulary: vocabulary, training: training, holdout: holdout, rows: rows, customers: firstSeen.count,
      firstPeriod: firstPeriod, lastPeriod: lastPeriod, initialPhases: initial, arrivalPhases: arrivals,
      channelRows: channelRows)
    summary.exposure = exposureCounts()
    summary.endCounts = endCounts + [Int](repeating: 0, count: Swift.max(0, vocabulary.phases.count - endCounts.count))
    summary.segments = segmentNames
    summary.endSegmentCounts = segmentNames.indices.map { k in
      let row = endSegmentCounts[k] ?? []
      return row + [Int](repeating: 0, count: Swift.max(0, vocabulary.phases.count - row.count))
    }
    summary.segmentTraining = segmentTraining
    summary.segmentHoldout = segmentHoldout
    summary.segmentCustomers = segmentCustomers
    return summary
  }

  /// Market size and exposures for every period from the first to the last.
  func exposureCounts() -> ExposureCounts {
    let c = vocabulary.channels.count
    var customers: [Int] = []
    var exposed: [[Int]] = []
    guard firstPeriod <= lastPeriod, lastPeriod - firstPeriod < Self.periodLimit else { return ExposureCounts() }
    for t in firstPeriod...lastPeriod {
      var rows = 0
      var e = [Int](repeating: 0, count: c)
      if t < periodRows.count {
        rows = periodRows[t]
        for (k, n) in periodExposed[t].enumerated() { e[k] = n }
      } else if let far = farPeriods[t] {
        rows = far.rows
        for (k, n) in far.exposed.enumerated() { e[k] = n }
      }
      customers.append(rows)
      exposed.append(e)
    }
    return ExposureCounts(firstPeriod: firstPeriod, customers: customers, exposed: exposed)
  }
}
