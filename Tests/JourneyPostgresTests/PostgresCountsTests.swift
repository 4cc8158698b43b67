import Foundation
import JourneyEstimation
import JourneyFormats
import JourneyModel
import JourneyPostgres
import JourneySimulation
import Testing
import _JourneyTestSupport

/// Collects a journey log in memory.
final class CountsLogBytes: JourneyLogSink {
  var bytes: [UInt8] = []
  func write(_ buffer: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: buffer) }
}

/// A throw-away PostgreSQL server on loopback for this test process (`scripts/test-postgres`),
/// stopped when the process exits. These tests need the server binaries (Debian's
/// `postgresql`, which `scripts/setup` installs) and fail, saying so, without them.
final class TestServer: Sendable {
  let connection: String
  let directory: String

  init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeykit-pg-\(getpid())").path
    let (status, out, err) = TestServer.script(["start", directory])
    guard status == 0 else {
      throw ServerError(message: "cannot start the test PostgreSQL server (scripts/test-postgres start, exit \(status)): \(err)")
    }
    connection = out.trimmingCharacters(in: .whitespacesAndNewlines)
    TestServer.startedDirectory.withLock { $0 = directory }
    // At exit Foundation's Process can no longer wait (its run loop is gone): spawn and
    // wait with POSIX calls.
    atexit {
      guard let dir = TestServer.startedDirectory.withLock({ $0 }) else { return }
      let script = RepositoryFiles.path("scripts/test-postgres")
      var pid: pid_t = 0
      let argv: [UnsafeMutablePointer<CChar>?] = [strdup(script), strdup("stop"), strdup(dir), nil]
      defer { argv.forEach { free($0) } }
      if posix_spawn(&pid, script, nil, nil, argv, environ) == 0 {
        var status: Int32 = 0
        waitpid(pid, &status, 0)
      }
    }
  }

  struct ServerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
  }

  static let startedDirectory = Locked<String?>(nil)
  static let shared: Result<TestServer, Error> = Result { try TestServer() }

  static func script(_ arguments: [String]) -> (Int32, String, String) {
    spawn([RepositoryFiles.path("scripts/test-postgres")] + arguments)
  }

  /// Runs a program to its end (``ChildProcess``: the server it starts outlives every
  /// test, and must hold none of this process's descriptors).
  static func spawn(_ argv: [String]) -> (Int32, String, String) {
    guard let run = try? ChildProcess.run(argv) else { return (127, "", "cannot run \(argv[0])") }
    return (run.status, run.stdout, run.stderr)
  }

  /// Runs SQL through `psql` (the server's own client), failing on any error.
  func psql(_ sql: String) throws {
    let bin = try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql").sorted().last.map { "/usr/lib/postgresql/\($0)/bin/psql" } ?? "/usr/bin/psql"
    let (status, _, err) = TestServer.spawn([bin, "-v", "ON_ERROR_STOP=1", "-q", connection, "-c", sql])
    guard status == 0 else { throw ServerError(message: "psql: " + err) }
  }
}

@Suite(.serialized) struct PostgresCountsTests {
  static func server() throws -> TestServer { try TestServer.shared.get() }

  /// The seasonal two-segment b2c history, written as a journey log file.
  static let history: (model: Scenario, path: String) = {
    var model = try! RepositoryFiles.scenario("b2c.yaml", size: 5_000)
    model.seasonality = [1.3, 1.2, 1.0, 0.8, 0.7, 0.8, 1.0, 1.1, 1.25, 1.3, 1.1, 0.9]
    model.horizon = 30
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("journeykit-pg-log-\(getpid()).csv").path
    let log = CountsLogBytes()
    _ = try! Simulator.run(model, engine: .individual, seed: 11, threads: 2, journeyLog: log)
    precondition(FileManager.default.createFile(atPath: path, contents: Data(log.bytes)), "cannot write \(path)")
    atexit { unlink(FileManager.default.temporaryDirectory.appendingPathComponent("journeykit-pg-log-\(getpid()).csv").path) }
    return (model, path)
  }()

  static func load(_ server: TestServer, table: String) throws {
    try server.psql("DROP TABLE IF EXISTS \(table); CREATE TABLE \(table) (customer_id text, period integer, phase text, channels text, segment text)")
    try server.psql("\\copy \(table) FROM '\(history.path)' WITH (FORMAT csv, HEADER true)")
  }

  /// The same history fitted from the CSV and through PostgreSQL: estimates, standard
  /// errors, log-likelihood and hold-out score equal to 1e-9, with segments, seasonality,
  /// exposure counts and a 20% hold-out.
  @Test func fitThroughPostgresEqualsTheCSVFit() throws {
    let server = try Self.server()
    try Self.load(server, table: "journeys")
    let (model, path) = Self.history
    let vocabulary = Vocabulary(model: model)
    let direct = try JourneyLogReader.read(path: path, vocabulary: vocabulary, holdoutFraction: 0.2)
    let counts = try PostgresCounts.fetch(
      connection: server.connection, source: .table("journeys"), columns: CountsQuery.Columns(),
      seasonLength: vocabulary.seasonLength, holdoutThreshold: HoldoutSplit.thresholdHex(0.2))
    let viaSQL = try JourneyLogSummary(counts: counts, vocabulary: vocabulary)
    #expect(viaSQL.training == direct.training)
    #expect(viaSQL.holdout == direct.holdout)
    #expect(Set(viaSQL.segments) == Set(direct.segments))
    #expect(viaSQL.exposure == direct.exposure)
    #expect(viaSQL.endCounts == direct.endCounts)
    #expect(viaSQL.initialPhases == direct.initialPhases && viaSQL.arrivalPhases == direct.arrivalPhases)
    #expect(viaSQL.rows == direct.rows && viaSQL.customers == direct.customers)
    let a = try TransitionFit.fit(direct, model: model, file: path)
    let b = try TransitionFit.fit(viaSQL, model: model, file: "postgres")
    #expect(abs(a.logLikelihood - b.logLikelihood) <= 1e-9 * abs(a.logLikelihood))
    func key(_ p: FittedParameter) -> String { "\(p.segment ?? "")|\(p.kind)|\(p.origin)|\(p.target)|\(p.channel ?? "")" }
    let byKey = Dictionary(uniqueKeysWithValues: b.parameters.map { (key($0), $0) })
    #expect(a.parameters.count == b.parameters.count)
    for p in a.parameters {
      let q = try #require(byKey[key(p)], "\(key(p))")
      #expect(abs(p.estimate - q.estimate) <= 1e-9, "\(key(p))")
      #expect(abs((p.standardError ?? 0) - (q.standardError ?? 0)) <= 1e-9, "\(key(p))")
    }
    #expect(abs((a.holdoutLogLoss ?? 0) - (b.holdoutLogLoss ?? 1)) <= 1e-9)
  }

  /// The mapping of other column names, and a query as the source.
  @Test func columnMappingAndQuery() throws {
    let server = try Self.server()
    try Self.load(server, table: "journeys_mapped")
    try server.psql("ALTER TABLE journeys_mapped RENAME customer_id TO user_id; ALTER TABLE journeys_mapped RENAME phase TO stage")
    let (model, _) = Self.history
    let vocabulary = Vocabulary(model: model)
    let mapped = try PostgresCounts.fetch(
      connection: server.connection, source: .table("journeys_mapped"),
      columns: try CountsQuery.Columns.parse("customer=user_id,phase=stage,segment=segment"),
      seasonLength: vocabulary.seasonLength, holdoutThreshold: nil)
    let viaQuery = try PostgresCounts.fetch(
      connection: server.connection,
      source: .query("SELECT user_id AS customer_id, period, stage AS phase, channels, segment FROM journeys_mapped;"),
      columns: CountsQuery.Columns(), seasonLength: vocabulary.seasonLength, holdoutThreshold: nil)
    let a = try JourneyLogSummary(counts: mapped, vocabulary: vocabulary)
    let b = try JourneyLogSummary(counts: viaQuery, vocabulary: vocabulary)
    #expect(a.training == b.training)
    #expect(a.training.transitions > 0)
  }

  /// Refused connection, bad credentials, missing table or column, a type the query cannot
  /// cast: exit 2 with a message that names the target and never the password.
  @Test func failuresAreInputErrorsWithoutPasswords() throws {
    let server = try Self.server()
    try server.psql("DROP TABLE IF EXISTS bad_types; CREATE TABLE bad_types (customer_id text, period text, phase text, channels text); INSERT INTO bad_types VALUES ('c1', 'week one', 'aware', '')")
    let port = server.connection.split(separator: " ").first { $0.hasPrefix("port=") }.map { String($0.dropFirst(5)) } ?? "5432"
    // A port nothing listens on: ask the kernel for a free one and close it again.
    let closed = 1 + (Int(port) ?? 5432) % 60_000
    let cases: [(String, CountsQuery.Source, String)] = [
      ("postgresql://journey:hunter2-secret@127.0.0.1:\(closed)/postgres?connect_timeout=5", .table("journeys"), "cannot connect"),
      ("postgresql://journey_pw:wrong-secret@127.0.0.1:\(port)/postgres", .table("journeys"), "password authentication failed"),
      (server.connection, .table("no_such_table"), "does not exist"),
      (server.connection, .table("bad_types"), "'segment'"),
      (server.connection, .query("SELECT customer_id, period, phase, channels FROM bad_types"), "invalid input syntax"),
    ]
    for (connection, source, fragment) in cases {
      var columns = CountsQuery.Columns()
      if case .table("bad_types") = source { columns.segment = "segment" }
      do {
        _ = try PostgresCounts.fetch(connection: connection, source: source, columns: columns, seasonLength: 0, holdoutThreshold: nil)
        Issue.record("accepted \(connection) \(source)")
      } catch let failure as PostgresCounts.Failure {
        let text = failure.description
        #expect(text.contains(fragment), "\(text)")
        #expect(!text.contains("hunter2") && !text.contains("wrong-secret"), "\(text)")
        #expect(failure.exitCode == 2)
      }
    }
    #expect(PostgresCounts.redacted("postgresql://u:pw@h/db") == "postgresql://u:***@h/db")
    #expect(PostgresCounts.redacted("host=h password=pw user=u") == "host=h password=*** user=u")
  }

  /// libpq is loaded when `--postgres` first needs it: `journey` starts with a broken
  /// libpq.so.5 first on the library path (an empty file), and a fit through PostgreSQL
  /// then ends with exit code 2 and a message naming the library and what to install; a
  /// library that is not libpq, named by JOURNEY_LIBPQ, is refused by its missing function.
  @Test func libpqIsLoadedOnlyWhenNeeded() throws {
    let dir = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(FileManager.default.createFile(atPath: dir + "/libpq.so.5", contents: Data()))
    let broken = ["LD_LIBRARY_PATH": dir]
    let version = try CommandRunner.run(["--version"], environment: broken)
    #expect(version.status == 0, "\(version.stderr)")
    let fit = ["fit", "--postgres", "host=127.0.0.1 port=1", "--table", "journeys", "--model", "scenarios/b2c.yaml", "--out", dir + "/out"]
    let failed = try CommandRunner.run(fit, environment: broken)
    #expect(failed.status == 2)
    #expect(failed.stderr.contains("PostgreSQL client library libpq.so.5: cannot load it"), "\(failed.stderr)")
    #expect(failed.stderr.contains("apt-get install libpq5") && failed.stderr.contains("JOURNEY_LIBPQ"), "\(failed.stderr)")
    let notLibpq = try CommandRunner.run(fit, environment: ["JOURNEY_LIBPQ": "libz.so.1"])
    #expect(notLibpq.status == 2)
    #expect(notLibpq.stderr.contains("'libz.so.1': cannot load it: it has no function PQconnectdb"), "\(notLibpq.stderr)")
    let missing = try CommandRunner.run(fit, environment: ["JOURNEY_LIBPQ": dir + "/nowhere/libpq.so.5"])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("nowhere/libpq.so.5"), "\(missing.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
  }

  /// Every dialect's statement: PostgreSQL runs it (above); the others use their own
  /// spelling of the hash, the modulo and the types.
  @Test func dialects() throws {
    for dialect in CountsQuery.Dialect.allCases {
      let sql = try CountsQuery(dialect: dialect, source: .table("analytics.journeys"), seasonLength: 12, holdoutThreshold: "33333333").sql()
      switch dialect {
      case .postgres:
        #expect(sql.contains("\"analytics\".\"journeys\"") && sql.contains("substr(md5(customer_id), 1, 8) < '33333333'") && sql.contains(" TEXT)"))
      case .bigquery:
        #expect(sql.contains("`analytics`.`journeys`") && sql.contains("SUBSTR(TO_HEX(MD5(customer_id)), 1, 8)") && sql.contains("MOD(MOD(period, 12) + 12, 12)") && sql.contains("INT64"))
      case .spark:
        #expect(sql.contains("`analytics`.`journeys`") && sql.contains(" STRING)") && sql.contains("% 12"))
      case .duckdb:
        #expect(sql.contains("VARCHAR") && sql.contains("% 12"))
      }
    }
    #expect(throws: InputError.self) { _ = try CountsQuery(dialect: .postgres, source: .table("a\u{1}b")).sql() }
    #expect(throws: InputError.self) { _ = try CountsQuery.Columns.parse("client=user_id") }
  }
}

/// The commands end to end: write counts from a log, fit from them, fit through
/// PostgreSQL, and fit from the counts `journey sql` computes (exported by psql).
@Suite(.serialized) struct PostgresCommandTests {
  func estimates(_ dir: String) throws -> [Double] {
    let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/fit.json"))
    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    var parameters = object?["parameters"] as? [[String: Any]] ?? []
    // Organic rates (fitted from the customers per period and phase) and the history's end.
    for organic in object?["organic"] as? [[String: Any]] ?? [] {
      parameters += organic["parameters"] as? [[String: Any]] ?? []
    }
    var values = parameters.compactMap { $0["estimate"] as? Double }
    let end = object?["history_end"] as? [String: Any]
    let counts = end?["counts"] as? [String: Double] ?? [:]
    values += counts.keys.sorted().map { counts[$0]! }
    return values
  }

  @Test func fitFromCountsPostgresAndSQL() throws {
    let server = try PostgresCountsTests.server()
    try PostgresCountsTests.load(server, table: "journeys_cli")
    let dir = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let model = dir + "/model.yaml"
    var scenario = PostgresCountsTests.history.model
    scenario.horizon = 52  // the model file's own calendar (flights up to week 51)
    try scenario.yamlText().write(toFile: model, atomically: true, encoding: .utf8)
    let log = PostgresCountsTests.history.path

    let direct = try CommandRunner.run(["fit", "--journeys", log, "--model", model, "--out", dir + "/direct", "--write-counts", dir + "/counts.csv"])
    #expect(direct.status == 0, "\(direct.stderr)")
    let fromCounts = try CommandRunner.run(["fit", "--counts", dir + "/counts.csv", "--model", model, "--out", dir + "/counts"])
    #expect(fromCounts.status == 0, "\(fromCounts.stderr)")
    let viaPostgres = try CommandRunner.run(["fit", "--postgres", server.connection, "--table", "journeys_cli", "--model", model, "--out", dir + "/postgres"])
    #expect(viaPostgres.status == 0, "\(viaPostgres.stderr)")
    let sql = try CommandRunner.run(["sql", "--dialect", "postgres", "--table", "journeys_cli", "--model", model, "--columns", "segment=segment"])
    #expect(sql.status == 0, "\(sql.stderr)")
    // psql's \copy takes one line: drop the comment line, join the others.
    let statement = sql.stdout.split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: " ")
      .trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: ";"))
    try server.psql("\\copy (\(statement)) TO '\(dir)/exported.csv' WITH (FORMAT csv, HEADER true)")
    let fromExport = try CommandRunner.run(["fit", "--counts", dir + "/exported.csv", "--model", model, "--out", dir + "/exported"])
    #expect(fromExport.status == 0, "\(fromExport.stderr)")

    let reference = try estimates(dir + "/direct")
    #expect(reference.count > 10)
    let organic = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/direct/fit.json"))) as? [String: Any]
    #expect((organic?["organic"] as? [Any])?.isEmpty == false, "the b2c model's organic channel is fitted")
    for other in ["counts", "postgres", "exported"] {
      let e = try estimates(dir + "/" + other)
      #expect(e.count == reference.count, "\(other)")
      #expect(zip(e, reference).allSatisfy { abs($0 - $1) <= 1e-9 }, "\(other)")
    }

    let refused = try CommandRunner.run(["fit", "--postgres", "postgresql://journey:s3cret-pw@127.0.0.1:1/postgres?connect_timeout=3", "--table", "journeys_cli", "--out", dir + "/refused"])
    #expect(refused.status == 2)
    #expect(refused.stderr.contains("cannot connect") && !refused.stderr.contains("s3cret-pw"), "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/refused"))
  }
}
