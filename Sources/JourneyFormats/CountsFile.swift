import Foundation
import JourneyModel

/// The sufficient statistics of a journey history: everything a fit needs, in a few
/// kilobytes, whatever the history's size.
///
/// One CSV with the header `kind,segment,period,phase,channels,target,holdout,count,example`;
/// each row is one count of one kind (empty cells where a column does not apply):
///
/// | kind | columns used | counts |
/// | --- | --- | --- |
/// | `season_length` | count | the season length `L` the transitions were keyed with (0: none) |
/// | `phase`, `channel` | phase / channels, count | optional: a name and its index (fixes the order of inferred names) |
/// | `transition` | segment, period, phase, channels, target, holdout, count | transitions from `phase` with the channel set `channels` (`;`-separated) to `target`; `period` is the origin period's season `period mod L` (empty when `L` is 0); `holdout` 1 for held-out customers |
/// | `market` | period, phase, count | customers with a row in the period (0 to 99,999, ``JourneyLogFormat/periodLimit``), by their phase at its start |
/// | `exposure` | period, channels, count | rows of the period with a channel set containing each of `channels` (summed per channel) |
/// | `initial` | phase, count | customers whose first row is in the history's first period, by that row's phase |
/// | `arrival` | phase, count | the other customers, by their first row's phase |
/// | `customers` | segment, count | distinct customers per segment (segment empty: unsegmented) |
/// | `end` | segment, phase, count | rows in the history's last period, by segment and phase |
/// | `gap` | count, example | rows whose customer's next row does not follow in the next period, or changes segment (the history is invalid then; `example` names a customer) |
///
/// The aggregation query of ``CountsQuery`` produces these rows where the data lives
/// (PostgreSQL, BigQuery, Spark, DuckDB); `journey fit --write-counts` writes them from a
/// journey log; `journey fit --counts` fits from them.
///
/// - Complexity: reading and writing are O(rows).
public struct CountsFile: Sendable, Equatable {
  public static let header = ["kind", "segment", "period", "phase", "channels", "target", "holdout", "count", "example"]

  public enum Kind: String, Sendable, CaseIterable {
    case seasonLength = "season_length"
    case phase, channel, transition, market, exposure, initial, arrival, customers, end, gap
  }

  public struct Row: Sendable, Equatable {
    public var kind: Kind
    public var segment: String = ""
    public var period: Int?
    public var phase: String = ""
    public var channels: String = ""
    public var target: String = ""
    public var holdout = false
    public var count: Int
    public var example: String = ""
    /// The line the row was read from (0 when made in memory).
    public var line = 0

    public init(
      kind: Kind, segment: String = "", period: Int? = nil, phase: String = "", channels: String = "", target: String = "",
      holdout: Bool = false, count: Int, example: String = "", line: Int = 0
    ) {
      self.kind = kind
      self.segment = segment
      self.period = period
      self.phase = phase
      self.channels = channels
      self.target = target
      self.holdout = holdout
      self.count = count
      self.example = example
      self.line = line
    }

    public static func == (a: Row, b: Row) -> Bool {
      a.kind == b.kind && a.segment == b.segment && a.period == b.period && a.phase == b.phase
        && a.channels == b.channels && a.target == b.target && a.holdout == b.holdout && a.count == b.count
        && a.example == b.example
    }
  }

  /// Where the counts were read from (a file, or `postgres: table`), for messages.
  public var file: String
  public var rows: [Row]

  public init(file: String, rows: [Row]) {
    self.file = file
    self.rows = rows
  }

  /// The most rows a counts file may hold (the counts of any history are far fewer).
  public static let maxRows = 5_000_000

  /// The CSV text (RFC 4180 quoting; names are not formula-neutralised, so that they read
  /// back as written).
  public func csv() -> String {
    var out = CSV.line(Self.header)
    for r in rows {
      out += CSV.line(
        [
          r.kind.rawValue, r.segment, r.period.map(String.init) ?? "", r.phase, r.channels, r.target,
          r.kind == .transition ? (r.holdout ? "1" : "0") : "", String(r.count), r.example,
        ], neutraliseFormulas: false)
    }
    return out
  }

  /// Reads a counts CSV.
  public static func read(path: String) throws(InputErrors) -> CountsFile {
    let table = try CSVReader.table(path: path, file: path, what: "counts file", expected: header.joined(separator: ","))
    return try parse(table)
  }

  /// Parses counts held in memory.
  public static func parse(bytes: [UInt8], file: String) throws(InputErrors) -> CountsFile {
    let table = try CSVReader.table(bytes: bytes, file: file, what: "counts file", expected: header.joined(separator: ","))
    return try parse(table)
  }

  /// Parses rows whose columns are named as in ``header`` (any order; header names are
  /// matched without regard to case; `example` may be missing).
  public static func parse(_ table: CSVTable) throws(InputErrors) -> CountsFile {
    let lower = table.header.map { $0.lowercased() }
    var index: [Int] = []
    var missing: [String] = []
    for name in header {
      if let k = lower.firstIndex(of: name) { index.append(k) } else if name == "example" { index.append(-1) } else { missing.append(name) }
    }
    guard missing.isEmpty else {
      throw InputErrors([InputError(
        .missing, file: table.file, line: table.headerLine,
        "header lacks \(missing.joined(separator: ", ")); expected the columns \(header.joined(separator: ","))")])
    }
    guard table.records.count <= maxRows else {
      throw InputErrors([InputError(.limit, file: table.file, "\(table.records.count) rows; at most \(maxRows) count rows are read")])
    }
    var errors: [InputError] = []
    var rows: [Row] = []
    rows.reserveCapacity(table.records.count)
    for (line, fields) in table.records {
      func field(_ k: Int) -> String { index[k] >= 0 && index[k] < fields.count ? fields[index[k]] : "" }
      func fail(_ path: String, _ message: String) {
        if errors.count < 20 { errors.append(InputError(.type, file: table.file, line: line, path: path, message)) }
      }
      guard let kind = Kind(rawValue: field(0).lowercased()) else {
        fail("kind", "unknown kind \(InputError.echo(field(0))); expected one of: \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        continue
      }
      guard let count = Int(field(7)), count >= 0 else {
        fail("count", "\(InputError.echo(field(7))) is not a count; expected a whole number ≥ 0")
        continue
      }
      var period: Int?
      if !field(2).isEmpty {
        guard let p = Int(field(2)), abs(p) < 1 << 40 else {
          fail("period", "\(InputError.echo(field(2))) is not a period; expected a whole number")
          continue
        }
        period = p
      }
      let holdoutText = field(6)
      guard holdoutText.isEmpty || holdoutText == "0" || holdoutText == "1" || holdoutText.lowercased() == "true" || holdoutText.lowercased() == "false" else {
        fail("holdout", "\(InputError.echo(holdoutText)) is not a hold-out flag; expected 0 or 1")
        continue
      }
      let needsPeriod: Set<Kind> = [.market, .exposure]
      if needsPeriod.contains(kind) && period == nil {
        fail("period", "a \(kind.rawValue) row without a period; expected the period number")
        continue
      }
      if needsPeriod.contains(kind), let p = period, p < 0 || p >= JourneyLogFormat.periodLimit {
        fail("period", "\(InputError.echo(field(2))) is not a period of a \(kind.rawValue) row; \(JourneyLogFormat.periodExpectation)")
        continue
      }
      let needsPhase: Set<Kind> = [.phase, .transition, .market, .initial, .arrival, .end]
      if needsPhase.contains(kind) && field(3).isEmpty {
        fail("phase", "a \(kind.rawValue) row without a phase; expected a phase name")
        continue
      }
      if kind == .transition && field(5).isEmpty {
        fail("target", "a transition row without a target; expected a phase name")
        continue
      }
      if (kind == .channel || kind == .exposure) && field(4).isEmpty {
        fail("channels", "a \(kind.rawValue) row without channels; expected channel names separated by ';'")
        continue
      }
      rows.append(
        Row(
          kind: kind, segment: field(1), period: period, phase: field(3), channels: field(4), target: field(5),
          holdout: holdoutText == "1" || holdoutText.lowercased() == "true", count: count, example: field(8), line: line))
    }
    guard errors.isEmpty else { throw InputErrors(errors) }
    return CountsFile(file: table.file, rows: rows)
  }
}
