import Foundation
import Testing
import _JourneyTestSupport

/// The warehouse dialects of `journey sql` executed for real: DuckDB runs its own
/// statement; the BigQuery and Spark statements are parsed strictly in their dialect
/// (sqlglot) and run transpiled to DuckDB (`scripts/warehouse-sql`). Every dialect's counts
/// must fit to the estimates of the journey log itself (1e-9), with seasonality, segments
/// and a 20% hold-out. These tests need the Python packages duckdb and sqlglot (which
/// `scripts/setup` installs) and fail, saying so, without them.
@Suite(.serialized) struct WarehouseDialectTests {
  static let dialects = ["duckdb", "bigquery", "spark"]

  /// Writes the dialect's statement for the shared history and runs it; returns the
  /// counts file's path, or the helper's failure.
  func counts(_ dialect: String, model: String, dir: String, edit: (String) -> String = { $0 }) throws -> (
    status: Int32, path: String, stderr: String
  ) {
    let sql = try CommandRunner.run([
      "sql", "--dialect", dialect, "--table", "journeys", "--model", model, "--holdout", "0.2", "--columns", "segment=segment",
    ])
    #expect(sql.status == 0, "\(sql.stderr)")
    let query = "\(dir)/\(dialect).sql"
    try edit(sql.stdout).write(toFile: query, atomically: true, encoding: .utf8)
    let out = "\(dir)/\(dialect)-counts.csv"
    let (status, _, err) = TestServer.spawn([
      RepositoryFiles.path("scripts/warehouse-sql"), "run", dialect, query, PostgresCountsTests.history.path, out,
    ])
    #expect(status != 3, "the Python packages duckdb and sqlglot are missing (scripts/setup installs them): \(err)")
    return (status, out, err)
  }

  func modelFile(_ dir: String) throws -> String {
    var scenario = PostgresCountsTests.history.model
    scenario.horizon = 52
    let path = dir + "/model.yaml"
    try scenario.yamlText().write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func everyDialectFitsLikeTheJourneyLog() throws {
    let dir = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let model = try modelFile(dir)
    let direct = try CommandRunner.run([
      "fit", "--journeys", PostgresCountsTests.history.path, "--model", model, "--holdout", "0.2", "--out", dir + "/direct",
    ])
    #expect(direct.status == 0, "\(direct.stderr)")
    let reference = try PostgresCommandTests().estimates(dir + "/direct")
    #expect(reference.count > 10)
    var rows: [String: [Substring]] = [:]
    for dialect in Self.dialects {
      let result = try counts(dialect, model: model, dir: dir)
      #expect(result.status == 0, "\(dialect): \(result.stderr)")
      guard result.status == 0 else { continue }
      rows[dialect] = try String(contentsOfFile: result.path, encoding: .utf8).split(separator: "\n").sorted()
      let fit = try CommandRunner.run(["fit", "--counts", result.path, "--model", model, "--out", "\(dir)/fit-\(dialect)"])
      #expect(fit.status == 0, "\(dialect): \(fit.stderr)")
      let estimates = try PostgresCommandTests().estimates("\(dir)/fit-\(dialect)")
      #expect(estimates.count == reference.count, "\(dialect)")
      #expect(zip(estimates, reference).allSatisfy { abs($0 - $1) <= 1e-9 }, "\(dialect)")
      // The hold-out split (md5 of the customer id) is the journey log fit's split.
      #expect(
        rows[dialect]!.contains { $0.hasPrefix("transition,") && $0.split(separator: ",", omittingEmptySubsequences: false)[6] == "1" },
        "\(dialect): hold-out rows")
    }
    #expect(rows["bigquery"] == rows["duckdb"] && rows["spark"] == rows["duckdb"])
  }

  /// The check can fail: a syntax error in the BigQuery statement, or a DuckDB statement
  /// naming a column the table lacks, is refused with exit status 2.
  @Test func brokenStatementsAreRefused() throws {
    let dir = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let model = try modelFile(dir)
    let syntax = try counts("bigquery", model: model, dir: dir) { $0.replacingOccurrences(of: "GROUP BY", with: "GROUP BYY") }
    #expect(syntax.status == 2 && syntax.stderr.contains("not valid bigquery SQL"), "\(syntax.stderr)")
    let column = try counts("duckdb", model: model, dir: dir) { $0.replacingOccurrences(of: "\"channels\"", with: "\"touchpoints\"") }
    #expect(column.status == 2 && column.stderr.contains("fails in DuckDB"), "\(column.stderr)")
  }
}
