import Foundation
import JourneyFormats
import JourneyEstimation
import JourneyModel

/// Builds customer paths from a journey log (`customer_id,period,phase,channels[,segment]`).
///
/// A customer's path is the channels met, period by period (within a period in the order
/// listed), until their first conversion (the first period whose next row is in a
/// conversion phase they were not already in): the path then counts one conversion with
/// that phase's value. A customer who never converts before the log ends counts one null.
/// Customers who met no channel before converting or leaving the log have no path; they
/// are counted in ``JourneyPaths/untouchedConversions`` and ``JourneyPaths/untouchedNulls``.
public struct JourneyPaths: Sendable {
  public var table: PathTable
  public var customers: Int
  public var untouchedConversions: Int
  public var untouchedNulls: Int

  /// The most customers one log may hold.
  public static let maxCustomers = 50_000_000

  /// Reads a journey log file with a scenario's phases and channels as vocabulary;
  /// `progress` is called with the bytes read so far after every block.
  public static func read(path: String, scenario: Scenario, progress: ((Int) -> Void)? = nil) throws(InputError)
    -> JourneyPaths
  {
    try parse(path: path, bytes: nil, file: path, scenario: scenario, progress: progress)
  }

  /// ``read(path:scenario:)`` on bytes in memory.
  public static func parse(_ bytes: [UInt8], file: String, scenario: Scenario) throws(InputError) -> JourneyPaths {
    try parse(path: nil, bytes: bytes, file: file, scenario: scenario)
  }

  static func parse(path: String?, bytes: [UInt8]?, file: String, scenario: Scenario, progress: ((Int) -> Void)? = nil)
    throws(InputError) -> JourneyPaths
  {
    guard scenario.channelCount <= PathTable.maxChannels else {
      throw InputError(
        .limit, file: file,
        "the scenario has \(scenario.channelCount) channels; paths hold at most \(PathTable.maxChannels)"
      )
    }
    var decoder = Decoder(scenario: scenario, file: file)
    try forEachPathRecord(
      path: path, bytes: bytes, file: file, what: "journey log", progress: progress,
      fast: { (b, p, limit, line) throws(InputErrors) in try decoder.plainRecords(b, from: p, upTo: limit, line: &line) }
    ) { (csv: CSVTokenizer, b: UnsafeMutableBufferPointer<UInt8>) throws(InputError) in
      try decoder.record(csv, b)
    }
    guard decoder.columns != nil else {
      throw InputError(
        .empty, file: file,
        "the journey log is empty; expected the header \(JourneyLogFormat.columns.joined(separator: ","))")
    }
    return decoder.paths.finish()
  }

  /// The journey log's rows into a ``PathAccumulator``: the header's columns, then each
  /// row's customer (numbered by the fit's ``JourneyEstimation/CustomerIndex``), period,
  /// phase and channels.
  struct Decoder {
    let file: String
    let scenario: Scenario
    let phaseNames: [[UInt8]]
    let channelIndex: ChannelIndex
    var customers = CustomerIndex()
    var paths: PathAccumulator
    var columns: (customer: Int, period: Int, phase: Int, channels: Int)? = nil

    init(scenario: Scenario, file: String) {
      self.file = file
      self.scenario = scenario
      phaseNames = scenario.phases.map { Array($0.name.utf8) }
      channelIndex = ChannelIndex(scenario.channels.map(\.name))
      paths = PathAccumulator(scenario: scenario)
    }

    mutating func record(_ csv: CSVTokenizer, _ b: UnsafeMutableBufferPointer<UInt8>) throws(InputError) {
      guard let columns else {
        try header(csv, b)
        return
      }
      let needed = Swift.max(columns.customer, columns.period, columns.phase, columns.channels) + 1
      guard csv.fieldCount >= needed else {
        throw InputError(
          .syntax, file: file, line: csv.line, "\(csv.fieldCount) fields; expected at least \(needed)"
        )
      }
      let pLo = csv.start(columns.period)
      let pHi = csv.end(columns.period)
      var period = 0
      var periodOK = pHi > pLo && pHi - pLo <= 12
      if periodOK {
        for i in pLo..<pHi {
          let d = b[i] &- 48
          if d > 9 {
            periodOK = false
            break
          }
          period = period * 10 + Int(d)
        }
      }
      guard periodOK else {
        throw InputError(
          .type, file: file, line: csv.line, column: PathFields.column(csv, columns.period, b), path: "period",
          "\(InputError.echo(PathFields.text(b, pLo, pHi))) is not a period; \(JourneyLogFormat.periodExpectation)")
      }
      guard period < JourneyLogFormat.periodLimit else {
        throw InputError(
          .range, file: file, line: csv.line, column: PathFields.column(csv, columns.period, b), path: "period",
          "period \(period) is out of range; \(JourneyLogFormat.periodExpectation)")
      }
      let (phLo, phHi) = PathFields.range(csv, columns.phase, b)
      guard let phase = phaseNames.firstIndex(where: { PathFields.equals($0, b, phLo, phHi) }) else {
        throw InputError(
          .unknownName, file: file, line: csv.line, column: PathFields.column(csv, columns.phase, b), path: "phase",
          "unknown phase \(InputError.echo(PathFields.text(b, phLo, phHi))); expected one of: \(scenario.phases.map(\.name).joined(separator: ", "))"
        )
      }
      let (idLo, idHi) = PathFields.range(csv, columns.customer, b)
      let known = customers.count
      let k = customers.number(of: UnsafeBufferPointer(rebasing: b[idLo..<idHi]))
      if k == known {
        guard k < maxCustomers else {
          throw InputError(
            .limit, file: file, line: csv.line,
            "more than \(maxCustomers) customers; the limit is \(maxCustomers)")
        }
        _ = paths.addCustomer(phase: phase, period: period)
        try appendChannels(k, csv, b, columns.channels)
        return
      }
      guard period > paths.period(k) else {
        throw InputError(
          .notAllowed, file: file, line: csv.line, column: PathFields.column(csv, columns.period, b), path: "period",
          "period \(period) of customer \(InputError.echo(PathFields.text(b, idLo, idHi))) does not follow period \(paths.period(k)); expected increasing periods"
        )
      }
      guard paths.observe(k, period: period, phase: phase) else { return }
      try appendChannels(k, csv, b, columns.channels)
    }

    /// ``JourneyFormats/CSV/formulaGuard``, read once (a global's every read checks that it
    /// is initialised).
    let formulaGuard = CSV.formulaGuard
    /// A row's touches (``plainRecords(_:from:upTo:line:)``), in the first places.
    var rowTouches = [UInt8](repeating: 0, count: 64)
    /// The longest row ``plainRecords(_:from:upTo:line:)`` takes (far below the tokenizer's
    /// field, record and field-count limits).
    static let plainRowBytes = 1024

    /// Rows of a log in the simulator's column order (`customer_id,period,phase,channels`,
    /// further columns ignored) decoded straight from the bytes, before the tokenizer
    /// (``JourneyFormats/CSVReader/FastRecords``). A row is taken only when the tokenizer
    /// would give its fields the same bytes and ``record(_:_:)`` would take it without an
    /// error: no quote, no control byte but its line end (LF or CR LF), no field starting or
    /// ending with a space, no formula guard, at most ``plainRowBytes`` bytes; a period of 1
    /// to 12 digits, a known phase and known channels, a period after the customer's last.
    /// At any other row it stops, having changed nothing for it, and the tokenizer reads it
    /// (and reports what is wrong with it).
    ///
    /// - Returns: Where it stopped; `line` is advanced by the rows taken.
    mutating func plainRecords(_ b: UnsafeMutableBufferPointer<UInt8>, from: Int, upTo limit: Int, line: inout Int)
      throws(InputErrors) -> Int
    {
      guard let columns, columns == (0, 1, 2, 3), let base = b.baseAddress else { return from }
      let n = b.count
      var p = from
      while p < limit {
        // The row: its line feed, its first four commas, no byte the tokenizer reads otherwise.
        var q = p
        var c1 = -1
        var c2 = -1
        var c3 = -1
        var c4 = -1
        let stop = Swift.min(n, p &+ Self.plainRowBytes)
        var found = false
        // Eight bytes at a time: only the commas, quotes and control bytes are looked at.
        scan: while true {
          var special: UInt64
          let word = q
          if q &+ 8 <= stop {
            special = Self.specialBytes(
              UInt64(littleEndian: UnsafeRawPointer(base).loadUnaligned(fromByteOffset: q, as: UInt64.self)))
            q &+= 8
          } else if q < stop {
            special = Self.specialByte(base[q])
            q &+= 1
          } else {
            break
          }
          while special != 0 {
            let at = word &+ (special.trailingZeroBitCount &>> 3)
            let c = base[at]
            if c == 10 {
              q = at
              found = true
              break scan
            }
            if c == 44 {
              if c1 < 0 { c1 = at } else if c2 < 0 { c2 = at } else if c3 < 0 { c3 = at } else if c4 < 0 { c4 = at }
            } else if !(c == 13 && at &+ 1 < n && base[at &+ 1] == 10) {
              return p  // a quote or a control byte
            }
            special &= special &- 1
          }
        }
        guard found, c3 >= 0 else { return p }
        let end = base[q &- 1] == 13 ? q &- 1 : q
        let chHi = c4 >= 0 ? c4 : end
        // No field starts or ends with a space (the tokenizer trims it) or starts with a
        // formula guard (``record(_:_:)`` strips it).
        if edgeBytes(base, p, c1) || edgeBytes(base, c1 &+ 1, c2) || edgeBytes(base, c2 &+ 1, c3)
          || edgeBytes(base, c3 &+ 1, chHi)
        {
          return p
        }
        // The period.
        let pLo = c1 &+ 1
        guard c2 > pLo && c2 &- pLo <= 12 else { return p }
        var period = 0
        for i in pLo..<c2 {
          let d = base[i] &- 48
          guard d <= 9 else { return p }
          period = period &* 10 &+ Int(d)
        }
        guard period < JourneyLogFormat.periodLimit else { return p }
        // The phase and the channels.
        let phLo = c2 &+ 1
        guard let phase = phaseNames.firstIndex(where: { PathFields.equals($0, b, phLo, c3) }) else { return p }
        var touches = 0
        var start = c3 &+ 1
        while start < chHi {
          var stopAt = start
          while stopAt < chHi && base[stopAt] != JourneyLogFormat.channelSeparator { stopAt &+= 1 }
          var a = start
          var z = stopAt
          while a < z && base[a] == 32 { a &+= 1 }
          while z > a && base[z &- 1] == 32 { z &-= 1 }
          if a < z {
            guard let c = channelIndex.find(b, a, z) else { return p }
            if touches < rowTouches.count { rowTouches[touches] = UInt8(c) } else { rowTouches.append(UInt8(c)) }
            touches &+= 1
          }
          start = stopAt &+ 1
        }
        // The customer: a new one only below the limit, a known one in a later period.
        let known = customers.count
        guard known < maxCustomers else { return p }
        let k = customers.number(of: UnsafeBufferPointer(start: base + p, count: c1 &- p))
        if k == known {
          _ = paths.addCustomer(phase: phase, period: period)
        } else {
          guard period > paths.period(k) else { return p }
          if !paths.observe(k, period: period, phase: phase) { touches = 0 }
        }
        for t in 0..<touches where !paths.touch(k, rowTouches[t]) {
          throw InputErrors([InputError(
            .limit, file: file, line: line,
            "more touches on unconverted paths than \(PathAccumulator.maxBlocks * PathAccumulator.blockSteps); the limit of what paths hold in memory")])
        }
        line &+= 1
        p = q &+ 1
      }
      return p
    }

    /// The high bit of each byte of `w` (little-endian) that is a comma, a quote or below
    /// 0x20 (a line feed, a carriage return, a tab ...); exact for every byte (no carry
    /// crosses a byte).
    @inline(__always)
    static func specialBytes(_ w: UInt64) -> UInt64 {
      let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
      let high: UInt64 = 0x8080_8080_8080_8080
      let below32 = ~(((w & low) &+ 0x6060_6060_6060_6060) | w) & high
      let comma = w ^ 0x2C2C_2C2C_2C2C_2C2C
      let quote = w ^ 0x2222_2222_2222_2222
      return below32 | (~(((comma & low) &+ low) | comma) & high) | (~(((quote & low) &+ low) | quote) & high)
    }

    /// ``specialBytes(_:)`` of one byte (at bit 7).
    @inline(__always)
    static func specialByte(_ c: UInt8) -> UInt64 { c < 32 || c == 44 || c == 34 ? 0x80 : 0 }

    /// Whether field `base[lo..<hi]` starts or ends with a space, or starts with a formula
    /// guard.
    @inline(__always)
    func edgeBytes(_ base: UnsafeMutablePointer<UInt8>, _ lo: Int, _ hi: Int) -> Bool {
      lo < hi && (base[lo] == 32 || base[hi &- 1] == 32 || base[lo] == formulaGuard)
    }

    /// The header row: where the four columns are.
    mutating func header(_ csv: CSVTokenizer, _ b: UnsafeMutableBufferPointer<UInt8>) throws(InputError) {
      let names = csv.texts(in: b)
      func find(_ name: String) throws(InputError) -> Int {
        guard let k = names.firstIndex(of: name) else {
          throw InputError(
            .missing, file: file, line: csv.line, path: name,
            "missing column '\(name)'; expected the header \(JourneyLogFormat.columns.joined(separator: ","))")
        }
        return k
      }
      let found = JourneyLogFormat.columns
      columns = (try find(found[0]), try find(found[1]), try find(found[2]), try find(found[3]))
    }

    /// The channels of a row of customer `k` (field `column`, names separated by `;`).
    mutating func appendChannels(_ k: Int, _ csv: CSVTokenizer, _ b: UnsafeMutableBufferPointer<UInt8>, _ column: Int)
      throws(InputError)
    {
      let (lo, hi) = PathFields.range(csv, column, b)
      var start = lo
      while start < hi {
        var end = start
        while end < hi && b[end] != JourneyLogFormat.channelSeparator { end += 1 }
        var a = start
        var z = end
        while a < z && (b[a] == 32 || b[a] == 9) { a += 1 }
        while z > a && (b[z - 1] == 32 || b[z - 1] == 9) { z -= 1 }
        if a < z {
          guard let c = channelIndex.find(b, a, z) else {
            throw InputError(
              .unknownName, file: file, line: csv.line, column: PathFields.column(csv, column, b), path: "channels",
              "unknown channel \(InputError.echo(PathFields.text(b, a, z))); expected one of: \(scenario.channels.map(\.name).joined(separator: ", "))"
            )
          }
          guard paths.touch(k, UInt8(c)) else {
            throw InputError(
              .limit, file: file, line: csv.line,
              "more touches on unconverted paths than \(PathAccumulator.maxBlocks * PathAccumulator.blockSteps); the limit of what paths hold in memory")
          }
        }
        start = end + 1
      }
    }
  }
}
