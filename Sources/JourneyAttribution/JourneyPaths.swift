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

  /// Reads a journey log file with a scenario's phases and channels as vocabulary.
  public static func read(path: String, scenario: Scenario) throws(InputError) -> JourneyPaths {
    try parse(path: path, bytes: nil, file: path, scenario: scenario)
  }

  /// ``read(path:scenario:)`` on bytes in memory.
  public static func parse(_ bytes: [UInt8], file: String, scenario: Scenario) throws(InputError) -> JourneyPaths {
    try parse(path: nil, bytes: bytes, file: file, scenario: scenario)
  }

  static func parse(path: String?, bytes: [UInt8]?, file: String, scenario: Scenario)
    throws(InputError) -> JourneyPaths
  {
    guard scenario.channelCount <= PathTable.maxChannels else {
      throw InputError(
        .limit, file: file,
        "the scenario has \(scenario.channelCount) channels; paths hold at most \(PathTable.maxChannels)"
      )
    }
    var decoder = Decoder(scenario: scenario, file: file)
    try forEachPathRecord(path: path, bytes: bytes, file: file, what: "journey log") {
      (csv: CSVTokenizer, b: UnsafeMutableBufferPointer<UInt8>) throws(InputError) in
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
          "\(InputError.echo(PathFields.text(b, pLo, pHi))) is not a period; expected an integer ≥ 0")
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
