import Foundation
import JourneyModel

/// The SQL that computes a journey history's ``CountsFile`` inside a database: one
/// statement over a table or query of the journey-log shape (customer, period, phase,
/// channels separated by `;`, optional segment), grouped by a window over each customer's
/// periods. Every engine runs it in parallel where the data is; the result is a few
/// thousand rows.
///
/// ```swift
/// let sql = try CountsQuery(dialect: .postgres, source: .table("journeys"), seasonLength: 12).sql()
/// ```
///
/// The hold-out split is the CSV reader's (``HoldoutSplit`` in the estimation module):
/// the first 8 hex digits of `md5(customer_id)` compared with a threshold, in each
/// dialect's spelling.
public struct CountsQuery: Sendable, Equatable {
  public enum Dialect: String, Sendable, CaseIterable {
    case postgres, bigquery, spark, duckdb
  }

  /// What the query reads.
  public enum Source: Sendable, Equatable {
    /// A table or view, optionally schema-qualified (`analytics.journeys`).
    case table(String)
    /// Any query returning the columns (wrapped as a subquery).
    case query(String)
  }

  /// The columns of the journey-log shape, by their names in the source.
  public struct Columns: Sendable, Equatable {
    public var customer = "customer_id"
    public var period = "period"
    public var phase = "phase"
    public var channels = "channels"
    /// `nil`: the source has no segments.
    public var segment: String?

    public init(customer: String = "customer_id", period: String = "period", phase: String = "phase", channels: String = "channels", segment: String? = nil) {
      self.customer = customer
      self.period = period
      self.phase = phase
      self.channels = channels
      self.segment = segment
    }

    /// The mapping `customer=user_id,period=week,phase=stage,channels=touches,segment=tier`;
    /// keys not named keep their default.
    public static func parse(_ text: String, flag: String = "--columns") throws(InputError) -> Columns {
      var c = Columns()
      for item in text.split(separator: ",", omittingEmptySubsequences: true) {
        let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[1].isEmpty else {
          throw InputError(.type, file: flag, "\(InputError.echo(String(item))) is not a mapping; expected key=column, e.g. customer=user_id")
        }
        switch parts[0].lowercased() {
        case "customer", "customer_id": c.customer = parts[1]
        case "period": c.period = parts[1]
        case "phase", "stage": c.phase = parts[1]
        case "channels", "channel": c.channels = parts[1]
        case "segment": c.segment = parts[1]
        default:
          throw InputError(.unknownName, file: flag, "unknown key \(InputError.echo(parts[0])); expected customer, period, phase, channels or segment")
        }
      }
      return c
    }
  }

  public var dialect: Dialect
  public var source: Source
  public var columns: Columns
  /// The model's season length `L` (0: no seasonality): transitions are keyed by the
  /// origin period's `period mod L`.
  public var seasonLength: Int
  /// The hold-out threshold as 8 lower-case hex digits (`HoldoutSplit.thresholdHex`), or
  /// `nil` for no hold-out.
  public var holdoutThreshold: String?

  public init(dialect: Dialect, source: Source, columns: Columns = Columns(), seasonLength: Int = 0, holdoutThreshold: String? = nil) {
    self.dialect = dialect
    self.source = source
    self.columns = columns
    self.seasonLength = seasonLength
    self.holdoutThreshold = holdoutThreshold
  }

  /// The longest identifier accepted, and the longest query wrapped.
  public static let maxIdentifier = 256
  public static let maxQuery = 1 << 20

  /// An identifier quoted for the dialect (`"a"` or `` `a` ``), each dot-separated part on its own.
  public func quote(_ name: String, what: String) throws(InputError) -> String {
    guard !name.isEmpty, name.utf8.count <= Self.maxIdentifier, !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
      throw InputError(.type, file: what, "\(InputError.echo(name)) is not a column or table name; expected a name of 1 to \(Self.maxIdentifier) printable characters")
    }
    let q: Character = dialect == .bigquery || dialect == .spark ? "`" : "\""
    return name.split(separator: ".", omittingEmptySubsequences: false).map { part in
      String(q) + part.replacingOccurrences(of: String(q), with: String(q) + String(q)) + String(q)
    }.joined(separator: ".")
  }

  /// A column name quoted (a column is one part: dots are part of the name).
  func column(_ name: String, what: String) throws(InputError) -> String {
    guard !name.isEmpty, name.utf8.count <= Self.maxIdentifier, !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
      throw InputError(.type, file: what, "\(InputError.echo(name)) is not a column name; expected a name of 1 to \(Self.maxIdentifier) printable characters")
    }
    let q = dialect == .bigquery || dialect == .spark ? "`" : "\""
    return q + name.replacingOccurrences(of: q, with: q + q) + q
  }

  var text: String { dialect == .postgres ? "TEXT" : dialect == .duckdb ? "VARCHAR" : "STRING" }
  var integer: String { dialect == .bigquery ? "INT64" : "BIGINT" }

  func modulo(_ a: String, _ b: Int) -> String {
    dialect == .bigquery ? "MOD(MOD(\(a), \(b)) + \(b), \(b))" : "(((\(a)) % \(b)) + \(b)) % \(b)"
  }

  func md5Prefix(_ expression: String) -> String {
    dialect == .bigquery ? "SUBSTR(TO_HEX(MD5(\(expression))), 1, 8)" : "substr(md5(\(expression)), 1, 8)"
  }

  /// The statement. Its result has the columns and kinds of ``CountsFile``.
  ///
  /// - Throws: ``InputError`` for a name that cannot be quoted, an empty or oversized query,
  ///   or a season length outside 0…256.
  public func sql() throws(InputError) -> String {
    let from: String
    switch source {
    case .table(let name): from = try quote(name, what: "--table")
    case .query(let q):
      let trimmed = q.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: ";"))
      guard !trimmed.isEmpty, trimmed.utf8.count <= Self.maxQuery else {
        throw InputError(.type, file: "--query", "an empty or oversized query (\(trimmed.utf8.count) bytes); expected a SELECT of at most \(Self.maxQuery) bytes")
      }
      from = "(\n\(trimmed)\n)"
    }
    guard (0...256).contains(seasonLength) else {
      throw InputError(.range, file: "--season-length", "\(seasonLength) is not a season length; expected 0 (none) to 256")
    }
    if let t = holdoutThreshold, t.isEmpty || t.count > 9 || !t.allSatisfy({ $0.isHexDigit || $0 == "g" }) {
      throw InputError(.type, file: "--holdout", "\(InputError.echo(t)) is not a hold-out threshold")
    }
    let customer = try column(columns.customer, what: "--columns customer")
    let period = try column(columns.period, what: "--columns period")
    let phase = try column(columns.phase, what: "--columns phase")
    let channels = try column(columns.channels, what: "--columns channels")
    let segment = try columns.segment.map { s throws(InputError) in try column(s, what: "--columns segment") }
    let t = text
    let i = integer
    let nullText = "CAST(NULL AS \(t))"
    let nullInt = "CAST(NULL AS \(i))"
    let holdout = holdoutThreshold.map { "CASE WHEN \(md5Prefix("customer_id")) < '\($0)' THEN 1 ELSE 0 END" } ?? "0"
    let season = seasonLength > 0 ? modulo("period", seasonLength) : nullInt
    let window = "OVER (PARTITION BY customer_id ORDER BY period)"
    return """
      -- Sufficient statistics of a journey history (the counts file of journey fit --counts).
      WITH log AS (
        SELECT CAST(\(customer) AS \(t)) AS customer_id,
               CAST(\(period) AS \(i)) AS period,
               CAST(\(phase) AS \(t)) AS phase,
               COALESCE(CAST(\(channels) AS \(t)), '') AS channels,
               \(segment.map { "COALESCE(CAST(\($0) AS \(t)), '')" } ?? "''") AS segment
        FROM \(from) AS source
      ),
      seq AS (
        SELECT customer_id, period, phase, channels, segment,
               LEAD(period) \(window) AS next_period,
               LEAD(phase) \(window) AS next_phase,
               LEAD(segment) \(window) AS next_segment,
               ROW_NUMBER() \(window) AS k,
               \(holdout) AS holdout
        FROM log
      ),
      bounds AS (SELECT MIN(period) AS first_period, MAX(period) AS last_period FROM log),
      firsts AS (
        SELECT CASE WHEN seq.period = bounds.first_period THEN 'initial' ELSE 'arrival' END AS kind, seq.phase AS phase
        FROM seq CROSS JOIN bounds WHERE seq.k = 1
      )
      SELECT 'season_length' AS kind, \(nullText) AS segment, \(nullInt) AS period, \(nullText) AS phase, \(nullText) AS channels,
             \(nullText) AS target, \(nullInt) AS holdout, CAST(\(seasonLength) AS \(i)) AS count, \(nullText) AS example
      UNION ALL
      SELECT 'transition', segment, \(season), phase, channels, next_phase, CAST(holdout AS \(i)), COUNT(*), \(nullText)
      FROM seq WHERE next_period = period + 1 AND next_segment = segment AND phase IS NOT NULL AND next_phase IS NOT NULL
      GROUP BY segment, \(seasonLength > 0 ? season + ", " : "")phase, channels, next_phase, holdout
      UNION ALL
      SELECT 'market', \(nullText), period, phase, \(nullText), \(nullText), \(nullInt), COUNT(*), \(nullText)
      FROM log WHERE phase IS NOT NULL GROUP BY period, phase
      UNION ALL
      SELECT 'exposure', \(nullText), period, \(nullText), channels, \(nullText), \(nullInt), COUNT(*), \(nullText)
      FROM log WHERE channels <> '' GROUP BY period, channels
      UNION ALL
      SELECT kind, \(nullText), \(nullInt), phase, \(nullText), \(nullText), \(nullInt), COUNT(*), \(nullText)
      FROM firsts GROUP BY kind, phase
      UNION ALL
      SELECT 'customers', segment, \(nullInt), \(nullText), \(nullText), \(nullText), \(nullInt), COUNT(*), \(nullText)
      FROM seq WHERE k = 1 GROUP BY segment
      UNION ALL
      SELECT 'end', log.segment, \(nullInt), log.phase, \(nullText), \(nullText), \(nullInt), COUNT(*), \(nullText)
      FROM log CROSS JOIN bounds WHERE log.period = bounds.last_period GROUP BY log.segment, log.phase
      UNION ALL
      SELECT 'gap', \(nullText), \(nullInt), \(nullText), \(nullText), \(nullText), \(nullInt), COUNT(*), MIN(customer_id)
      FROM seq
      WHERE customer_id IS NULL OR period IS NULL OR phase IS NULL
         OR (next_period IS NOT NULL AND (next_period <> period + 1 OR next_segment <> segment))
      HAVING COUNT(*) > 0
      """
  }
}
