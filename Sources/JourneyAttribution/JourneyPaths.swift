import Foundation
import JourneyFormats
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
    let phaseNames = scenario.phases.map { Array($0.name.utf8) }
    let channelIndex = ChannelIndex(scenario.channels.map(\.name))
    var ids: [[UInt8]: Int] = [:]
    // Customer k's id is idBytes[idEnds[k]..<idEnds[k + 1]].
    var idBytes: [UInt8] = []
    var idEnds = [0]
    var lastK = -1
    func idEquals(_ k: Int, _ b: UnsafeMutableBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Bool {
      let start = idEnds[k]
      let length = idEnds[k &+ 1] &- start
      guard length == hi &- lo else { return false }
      return idBytes.withUnsafeBufferPointer { kept in
        length == 0 || memcmp(kept.baseAddress! + start, b.baseAddress! + lo, length) == 0
      }
    }
    var paths = PathAccumulator(scenario: scenario)
    var columns: (customer: Int, period: Int, phase: Int, channels: Int)? = nil
    func appendChannels(_ k: Int, _ csv: CSVTokenizer, _ b: UnsafeMutableBufferPointer<UInt8>, _ column: Int)
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
          paths.touch(k, UInt8(c))
        }
        start = end + 1
      }
    }
    try forEachPathRecord(path: path, bytes: bytes, file: file, what: "journey log") {
      (csv: CSVTokenizer, b: UnsafeMutableBufferPointer<UInt8>) throws(InputError) in
      guard let columns else {
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
      let k: Int
      // The same customer as the last row (a log grouped by customer), or the customer first
      // met after it (a log written period by period, customers in the same order), before
      // the dictionary.
      if lastK >= 0 && idEquals(lastK, b, idLo, idHi) {
        k = lastK
      } else if lastK &+ 1 < paths.customers && idEquals(lastK &+ 1, b, idLo, idHi) {
        k = lastK &+ 1
        lastK = k
      } else {
        let id = Array(UnsafeBufferPointer(rebasing: b[idLo..<idHi]))
        if let known = ids[id] {
          k = known
          lastK = k
        } else {
          guard paths.customers < maxCustomers else {
            throw InputError(
              .limit, file: file, line: csv.line,
              "more than \(maxCustomers) customers; the limit is \(maxCustomers)")
          }
          k = paths.addCustomer(phase: phase, period: period)
          ids[id] = k
          idBytes.append(contentsOf: id)
          idEnds.append(idBytes.count)
          lastK = k
          try appendChannels(k, csv, b, columns.channels)
          return
        }
      }
      guard period > paths.period[k] else {
        throw InputError(
          .notAllowed, file: file, line: csv.line, column: PathFields.column(csv, columns.period, b), path: "period",
          "period \(period) of customer \(InputError.echo(PathFields.text(b, idLo, idHi))) does not follow period \(paths.period[k]); expected increasing periods"
        )
      }
      guard paths.observe(k, period: period, phase: phase) else { return }
      try appendChannels(k, csv, b, columns.channels)
    }
    guard columns != nil else {
      throw InputError(
        .empty, file: file,
        "the journey log is empty; expected the header \(JourneyLogFormat.columns.joined(separator: ","))")
    }
    return paths.finish()
  }
}

/// Each customer's path until their first conversion, fed period by period.
struct PathAccumulator {
  let isConversion: [Bool]
  let values: [Double]
  var phase: [Int32] = []
  var period: [Int32] = []
  var paths: [[UInt8]] = []
  var done: [Bool] = []
  var table: PathTable
  var untouchedConversions = 0

  init(scenario: Scenario) {
    isConversion = scenario.phases.map(\.isConversion)
    values = scenario.phases.map(\.value)
    table = PathTable(channels: scenario.channels.map(\.name))
  }

  var customers: Int { phase.count }

  /// A customer's first row; returns their index.
  mutating func addCustomer(phase p: Int, period t: Int) -> Int {
    phase.append(Int32(p))
    period.append(Int32(clamping: t))
    paths.append([])
    done.append(false)
    return phase.count - 1
  }

  /// A later row of customer `k`; returns whether its channels still count.
  mutating func observe(_ k: Int, period t: Int, phase p: Int) -> Bool {
    period[k] = Int32(clamping: t)
    if done[k] { return false }
    if isConversion[p] && Int(phase[k]) != p {
      done[k] = true
      if paths[k].isEmpty {
        untouchedConversions += 1
      } else {
        table.appendUnchecked(paths[k][...], conversions: 1, nulls: 0, value: values[p])
      }
      paths[k] = []
      return false
    }
    phase[k] = Int32(p)
    return true
  }

  mutating func touch(_ k: Int, _ channel: UInt8) {
    guard paths[k].count < PathTable.maxPathLength else { return }
    paths[k].append(channel)
  }

  /// Paths of customers who never converted count one null each.
  mutating func finish() -> JourneyPaths {
    var untouchedNulls = 0
    for k in 0..<customers where !done[k] {
      if paths[k].isEmpty {
        untouchedNulls += 1
      } else {
        table.appendUnchecked(paths[k][...], conversions: 0, nulls: 1, value: 0)
      }
    }
    paths = []
    return JourneyPaths(
      table: table, customers: customers, untouchedConversions: untouchedConversions,
      untouchedNulls: untouchedNulls)
  }
}
