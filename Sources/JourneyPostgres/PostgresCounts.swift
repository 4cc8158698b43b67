import CLibPQ
import Foundation
import JourneyFormats
import JourneyModel

/// Computes a journey history's counts inside PostgreSQL: sends ``CountsQuery``'s
/// aggregation for a table or query of the journey-log shape and reads back the few
/// thousand rows of the ``CountsFile``. The history itself never leaves the server.
///
/// The client is PostgreSQL's own C library (libpq), so the connection takes what `psql`
/// takes: a URL (`postgresql://user@host:5432/db?sslmode=require`) or `key=value`
/// settings, the `PG*` environment variables for anything not given (`PGHOST`,
/// `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE`, …) and `~/.pgpass`; TLS is
/// used when the server offers it (`sslmode=prefer`, libpq's default) or required with
/// `sslmode=require`. libpq was chosen over a Swift client because it builds in no time
/// (a NIO-based client adds minutes to every clean build) and brings these standard
/// settings as every PostgreSQL tool has them. It is loaded when a fetch first needs it
/// (``library(path:)``), so that other commands do not load it and its libraries.
///
/// Passwords are never printed: connection targets are shown through ``redacted(_:)``,
/// and libpq's messages do not contain them.
///
/// - Complexity: the server's aggregation (one pass and a sort per customer window);
///   client memory O(count rows).
public enum PostgresCounts {
  /// Where a connection failed, or what the server refused; exit code 2 (bad input).
  public struct Failure: JourneyError, CustomStringConvertible, Equatable {
    public var target: String
    public var message: String
    /// The server's SQLSTATE, when it sent one.
    public var sqlState: String?
    public var exitCode: Int32 { 2 }
    public var description: String {
      "\(target): \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
    }
  }

  /// The connection string with any password replaced by `***` (URL user info, a
  /// `password=` setting, or a `password` URL parameter).
  public static func redacted(_ connection: String) -> String {
    var s = connection
    if let scheme = s.range(of: "://"), let at = s[scheme.upperBound...].firstIndex(of: "@") {
      let userInfo = s[scheme.upperBound..<at]
      if let colon = userInfo.firstIndex(of: ":") {
        s.replaceSubrange(s.index(after: colon)..<at, with: "***")
      }
    }
    if let regex = try? NSRegularExpression(pattern: "(password=)[^&\\s]*", options: [.caseInsensitive]) {
      s = regex.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: "$1***")
    }
    return s.isEmpty ? "PostgreSQL (PG* environment)" : s
  }

  /// Runs the aggregation and returns its rows as a counts file.
  ///
  /// - Parameters:
  ///   - connection: A URL or `key=value` settings; empty for the `PG*` environment only.
  ///   - source: The table or query holding the journey log.
  ///   - columns: Column names; a `segment` column is used when mapped or, if not mapped,
  ///     when the source has a column named `segment`.
  ///   - seasonLength: The model's season length (0: none).
  ///   - holdoutFraction: The share of customers held out (same split as the CSV reader).
  /// - Throws: ``Failure`` for a refused connection, bad credentials, a missing table or
  ///   column, or a type the query cannot cast; ``InputErrors`` from the counts.
  public static func fetch(
    connection: String, source: CountsQuery.Source, columns: CountsQuery.Columns, seasonLength: Int,
    holdoutThreshold: String?
  ) throws -> CountsFile {
    let target = redacted(connection)
    let pq = try library()
    guard let conn = pq.connectdb(connection) else {
      throw Failure(target: target, message: "could not allocate a connection")
    }
    defer { pq.finish(conn) }
    guard pq.status(conn) == Int32(JOURNEY_PQ_CONNECTION_OK) else {
      throw Failure(target: target, message: "cannot connect: " + firstLine(text(pq.errorMessage(conn))))
    }
    let label: String
    switch source {
    case .table(let name): label = "\(target) table \(InputError.echo(name))"
    case .query: label = "\(target) query"
    }
    // The source's columns: check the mapping before the aggregation runs.
    var query = CountsQuery(dialect: .postgres, source: source, columns: columns, seasonLength: seasonLength, holdoutThreshold: holdoutThreshold)
    let probe: String
    switch source {
    case .table(let name): probe = "SELECT * FROM \(try query.quote(name, what: "--table")) LIMIT 0"
    case .query(let q): probe = "SELECT * FROM (\(q.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: ";")))) AS source LIMIT 0"
    }
    let names = try execute(pq, conn, probe, label: label).columnNames
    var wanted = [("customer", columns.customer), ("period", columns.period), ("phase", columns.phase), ("channels", columns.channels)]
    if let s = columns.segment { wanted.append(("segment", s)) }
    let missing = wanted.filter { !names.contains($0.1) }
    guard missing.isEmpty else {
      throw Failure(
        target: label,
        message: "no column \(missing.map { "\(InputError.echo($0.1)) (\($0.0))" }.joined(separator: ", ")); expected the journey-log columns, found: \(names.prefix(20).joined(separator: ", ")) (map them with --columns customer=…,period=…,phase=…,channels=…)")
    }
    if columns.segment == nil && names.contains("segment") { query.columns.segment = "segment" }
    let result = try execute(pq, conn, try query.sql(), label: label)
    var table = CSVTable(file: label)
    table.header = result.columnNames
    table.records = result.rows.enumerated().map { (k, row) in (line: k + 1, fields: row) }
    return try CountsFile.parse(table)
  }

  struct Result {
    var columnNames: [String]
    var rows: [[String]]
  }

  /// Runs one statement and reads every value as text (NULL as the empty string).
  static func execute(_ pq: journey_pq_api, _ conn: OpaquePointer, _ sql: String, label: String) throws -> Result {
    guard let res = pq.exec(conn, sql) else {
      throw Failure(target: label, message: firstLine(text(pq.errorMessage(conn))))
    }
    defer { pq.clear(res) }
    let status = pq.resultStatus(res)
    guard status == Int32(JOURNEY_PQ_TUPLES_OK) || status == Int32(JOURNEY_PQ_COMMAND_OK) else {
      let state = pq.resultErrorField(res, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
      let primary = pq.resultErrorField(res, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
      let message = primary ?? firstLine(text(pq.resultErrorMessage(res)))
      throw Failure(target: label, message: explain(message, state: state), sqlState: state)
    }
    let fields = Int(pq.nfields(res))
    let count = Int(pq.ntuples(res))
    guard count <= CountsFile.maxRows else {
      throw Failure(target: label, message: "\(count) count rows; at most \(CountsFile.maxRows) are read")
    }
    let names = (0..<fields).map { text(pq.fname(res, Int32($0))) }
    var rows: [[String]] = []
    rows.reserveCapacity(count)
    for r in 0..<count {
      rows.append((0..<fields).map { f in
        pq.getisnull(res, Int32(r), Int32(f)) == 1 ? "" : text(pq.getvalue(res, Int32(r), Int32(f)))
      })
    }
    return Result(columnNames: names, rows: rows)
  }

  /// The environment variable that names the libpq to load (a file path or a library
  /// name), for a libpq outside the system's search path.
  public static let libraryVariable = "JOURNEY_LIBPQ"

  /// libpq's functions, the library loaded on first use: from `path`, else from the path in
  /// ``libraryVariable``, else libpq.so.5 (libpq.5.dylib on macOS) by the system's search.
  ///
  /// - Throws: ``Failure`` (exit code 2) naming the library and what to install or set.
  public static func library(path: String? = nil) throws -> journey_pq_api {
    let chosen = path ?? ProcessInfo.processInfo.environment[libraryVariable]
    var error = [CChar](repeating: 0, count: 512)
    let api = error.withUnsafeMutableBufferPointer { buffer in
      journey_pq_load(chosen, buffer.baseAddress, UInt(buffer.count))
    }
    guard let api else {
      let why = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      let name = chosen.map { InputError.echo($0) } ?? "libpq.so.5"
      throw Failure(
        target: "PostgreSQL client library \(name)",
        message: "cannot load it: \(why); expected PostgreSQL's libpq (Debian: apt-get install libpq5), or its path in \(libraryVariable)")
    }
    return api.pointee
  }

  /// The server's message with what to do for the usual causes.
  static func explain(_ message: String, state: String?) -> String {
    switch state {
    case "42P01": return message + "; expected an existing table or view (schema-qualify it, e.g. analytics.journeys)"
    case "42703": return message + "; expected the journey-log columns (map them with --columns)"
    case "22P02", "42804", "42883": return message + "; expected period as a whole number and customer, phase, channels as text"
    case "42501": return message + "; expected a role that may read the table"
    default: return message
    }
  }

  /// A string libpq returned, empty for none.
  static func text(_ s: UnsafeMutablePointer<CChar>?) -> String {
    s.map { String(cString: $0) } ?? ""
  }

  static func firstLine(_ s: String) -> String {
    let line = s.split(separator: "\n").first.map(String.init) ?? s
    return line.trimmingCharacters(in: .whitespaces)
  }
}
