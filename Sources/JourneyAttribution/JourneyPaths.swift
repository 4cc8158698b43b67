import Foundation
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
    let bytes = try readInput(path, what: "journey log")
    return try bytes.withUnsafeBufferPointer { b throws(InputError) in
      try parse(b, file: path, scenario: scenario)
    }
  }

  /// ``read(path:scenario:)`` on bytes in memory.
  public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, file: String, scenario: Scenario)
    throws(InputError)
    -> JourneyPaths
  {
    guard scenario.channelCount <= PathTable.maxChannels else {
      throw InputError(
        .limit, file: file,
        "the scenario has \(scenario.channelCount) channels; paths hold at most \(PathTable.maxChannels)"
      )
    }
    var phaseIndex: [Substring: Int] = [:]
    for (i, p) in scenario.phases.enumerated() { phaseIndex[Substring(p.name)] = i }
    var channelIndex: [Substring: Int] = [:]
    for (c, ch) in scenario.channels.enumerated() { channelIndex[Substring(ch.name)] = c }
    let isConversion = scenario.phases.map(\.isConversion)

    var ids: [Substring: Int] = [:]
    var paths = PathAccumulator(scenario: scenario)
    var headerSeen = false
    var columns = (customer: 0, period: 1, phase: 2, channels: 3)
    func appendChannels(_ k: Int, _ r: CSVRecord, _ column: Int) throws(InputError) {
      let text = r.fields[column]
      guard !text.isEmpty else { return }
      for name in text.split(separator: ";") {
        guard let c = channelIndex[name] else {
          throw InputError(
            .unknownName, file: file, line: r.line, column: r.columns[column], path: "channels",
            "unknown channel \(InputError.echo(name)); expected one of: \(scenario.channels.map(\.name).joined(separator: ", "))"
          )
        }
        paths.touch(k, UInt8(c))
      }
    }
    try forEachCSVRecord(bytes, file: file) { (r: CSVRecord) throws(InputError) in
      if !headerSeen {
        headerSeen = true
        let names = r.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        func find(_ name: String) throws(InputError) -> Int {
          guard let k = names.firstIndex(of: name) else {
            throw InputError(
              .missing, file: file, line: r.line, path: name,
              "missing column '\(name)'; expected the header customer_id,period,phase,channels")
          }
          return k
        }
        columns = (
          try find("customer_id"), try find("period"), try find("phase"), try find("channels")
        )
        return
      }
      let needed = Swift.max(columns.customer, columns.period, columns.phase, columns.channels) + 1
      guard r.fields.count >= needed else {
        throw InputError(
          .syntax, file: file, line: r.line, "\(r.fields.count) fields; expected at least \(needed)"
        )
      }
      let idText = Substring(r.fields[columns.customer])
      guard let period = Int(r.fields[columns.period]), period >= 0 else {
        throw InputError(
          .type, file: file, line: r.line, column: r.columns[columns.period], path: "period",
          "\(InputError.echo(r.fields[columns.period])) is not a period; expected an integer ≥ 0")
      }
      guard let phase = phaseIndex[Substring(r.fields[columns.phase])] else {
        throw InputError(
          .unknownName, file: file, line: r.line, column: r.columns[columns.phase], path: "phase",
          "unknown phase \(InputError.echo(r.fields[columns.phase])); expected one of: \(scenario.phases.map(\.name).joined(separator: ", "))"
        )
      }
      let k: Int
      if let known = ids[idText] {
        k = known
      } else {
        guard paths.customers < maxCustomers else {
          throw InputError(
            .limit, file: file, line: r.line,
            "more than \(maxCustomers) customers; the limit is \(maxCustomers)")
        }
        k = paths.addCustomer(phase: phase, period: period)
        ids[idText] = k
        try appendChannels(k, r, columns.channels)
        return
      }
      guard period > paths.period[k] else {
        throw InputError(
          .notAllowed, file: file, line: r.line, column: r.columns[columns.period], path: "period",
          "period \(period) of customer \(InputError.echo(idText)) does not follow period \(paths.period[k]); expected increasing periods"
        )
      }
      guard paths.observe(k, period: period, phase: phase) else { return }
      try appendChannels(k, r, columns.channels)
    }
    guard headerSeen else {
      throw InputError(
        .empty, file: file,
        "the journey log is empty; expected the header customer_id,period,phase,channels")
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
