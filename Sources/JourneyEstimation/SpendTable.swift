import Foundation
import JourneyFormats
import JourneyModel

/// Spend per channel and period, read from `period,channel,spend`.
///
/// Periods are numbered as in the history (the journey log's `period`, or the raw
/// exports' periods counted from `--start`). A (period, channel) pair absent from the file
/// has spend 0; adstock runs from period 0 with nothing carried in.
public struct SpendTable: Sendable, Equatable {
  /// Channels with at least one row, in first-seen order.
  public var channels: [String]
  /// `spend[k][t]` for channel `channels[k]`, periods `0...lastPeriod`.
  public var spend: [[Double]]

  public var lastPeriod: Int { (spend.first?.count ?? 0) - 1 }

  /// The spend plan of one channel, padded with zeros to `periods`.
  public func series(_ channel: String, periods: Int) -> [Double]? {
    guard let k = channels.firstIndex(of: channel) else { return nil }
    return (0..<periods).map { $0 < spend[k].count ? spend[k][$0] : 0 }
  }

  /// Reads a spend file.
  ///
  /// - Parameters:
  ///   - path: The CSV file.
  ///   - channels: Known channel names (`nil`: any name is accepted).
  ///   - organic: Channels that have no spend (organic in the model); a row for one is an error.
  /// - Throws: ``InputErrors``: missing column, non-numeric or negative spend, NaN/inf,
  ///   unknown or organic channel, duplicate (period, channel), bad period; the file goes
  ///   through the shared ``JourneyFormats/CSVTokenizer``.
  /// - Complexity: O(file size + channels × periods).
  public static func read(path: String, channels: [String]?, organic: [String] = []) throws(InputErrors) -> SpendTable {
    try parse(
      CSVReader.table(path: path, file: path, what: "spend file", expected: "period,channel,spend"), channels: channels,
      organic: organic)
  }

  public static func read(bytes: [UInt8], file: String, channels: [String]?, organic: [String] = []) throws(InputErrors) -> SpendTable {
    try parse(
      CSVReader.table(bytes: bytes, file: file, what: "spend file", expected: "period,channel,spend"), channels: channels,
      organic: organic)
  }

  static func parse(_ csv: CSVTable, channels known: [String]?, organic: [String]) throws(InputErrors) -> SpendTable {
    let col = try csv.columns(["period", "channel", "spend"], expected: "period, channel and spend")
    var errors: [InputError] = []
    var seen: [String: [Int: Int]] = [:]
    var names: [String] = []
    var values: [(k: Int, t: Int, s: Double)] = []
    for (line, f) in csv.records {
      guard f.count >= csv.header.count else {
        errors.append(InputError(.missing, file: csv.file, line: line, "expected \(csv.header.count) fields as in the header, found \(f.count)"))
        continue
      }
      guard let t = Int(f[col[0]]), t >= 0, t < JourneyLogFormat.periodLimit else {
        errors.append(InputError(.type, file: csv.file, line: line, path: "period", "\(InputError.echo(f[col[0]])) is not a period; \(JourneyLogFormat.periodExpectation)"))
        continue
      }
      let channel = f[col[1]]
      if organic.contains(channel) {
        errors.append(InputError(.notAllowed, file: csv.file, line: line, path: "channel", "channel \(InputError.echo(channel)) is organic in the model; expected spend for paid channels only"))
        continue
      }
      if let known, !known.contains(channel) {
        errors.append(InputError(
          .unknownName, file: csv.file, line: line, path: "channel",
          "unknown channel \(InputError.echo(channel)); expected one of: \(known.filter { !organic.contains($0) }.joined(separator: ", "))"))
        continue
      }
      if channel.isEmpty {
        errors.append(InputError(.empty, file: csv.file, line: line, path: "channel", "empty channel; expected a channel name"))
        continue
      }
      guard let s = Double(f[col[2]]), s.isFinite else {
        errors.append(InputError(.type, file: csv.file, line: line, path: "spend", "\(InputError.echo(f[col[2]])) is not a number; expected a finite spend ≥ 0"))
        continue
      }
      guard s >= 0 else {
        errors.append(InputError(.range, file: csv.file, line: line, path: "spend", "negative spend \(f[col[2]].prefix(InputError.echoLimit)); expected a spend ≥ 0"))
        continue
      }
      if let previous = seen[channel]?[t] {
        errors.append(InputError(
          .duplicate, file: csv.file, line: line, path: "period",
          "period \(t), channel '\(channel)' appears twice (also on line \(previous)); expected one row per period and channel"))
        continue
      }
      seen[channel, default: [:]][t] = line
      if !names.contains(channel) { names.append(channel) }
      values.append((names.firstIndex(of: channel)!, t, s))
    }
    guard errors.isEmpty else { throw InputErrors(Array(errors.prefix(20))) }
    let last = values.map(\.t).max() ?? 0
    var spend = [[Double]](repeating: [Double](repeating: 0, count: last + 1), count: names.count)
    for v in values { spend[v.k][v.t] = v.s }
    return SpendTable(channels: names, spend: spend)
  }
}
