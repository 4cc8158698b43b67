import ArgumentParser
import Foundation
import JourneyEstimation
import JourneyFormats
import JourneyModel

struct Sql: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sql",
    abstract: "Print the SQL that aggregates a journey log into counts where the data lives.",
    discussion: """
      The statement reads a table or query of the journey-log shape (customer, period, \\
      phase, channels separated by ';', optional segment) and returns the counts a fit \\
      needs: transitions by origin, channels and target, customers per period, exposures, \\
      first and last phases. Run it in the warehouse, export the result as CSV and fit \\
      with 'journey fit --counts FILE'. The same statement runs inside PostgreSQL with \\
      'journey fit --postgres'.

      Examples:
        journey sql --dialect bigquery --table analytics.journeys --model scenarios/b2c.yaml > counts.sql
        bq query --format=csv --use_legacy_sql=false --max_rows=1000000 < counts.sql > counts.csv
        journey fit --counts counts.csv --model scenarios/b2c.yaml
      """
  )

  @Option(help: "SQL dialect: postgres, bigquery, spark or duckdb.")
  var dialect: CountsQuery.Dialect

  @Option(help: "The table or view holding the journey log (dataset.table or schema.table allowed).")
  var table: String?

  @Option(help: "A query returning the journey log's columns (used as a subquery).")
  var query: String?

  @Option(help: "Column names: customer=…,period=…,phase=…,channels=…[,segment=…] (defaults customer_id, period, phase, channels; no segment).")
  var columns: String?

  @Option(help: "The model whose seasonality keys the transitions (as the fit will use it).")
  var model: String?

  @Option(help: "Season length instead of --model (0: no seasonality).")
  var seasonLength: Int?

  @Option(help: "Share of customers held out (by the MD5 digest of their id, as journey fit does).")
  var holdout: Double = 0

  func validate() throws {
    guard (table != nil) != (query != nil) else { throw ValidationError("Please give either '--table NAME' or '--query SQL'.") }
    guard !(model != nil && seasonLength != nil) else { throw ValidationError("Please give '--model' or '--season-length', not both.") }
    guard holdout >= 0 && holdout < 1 else { throw ValidationError("Please give '--holdout' as a fraction in [0, 1), e.g. 0.2.") }
  }

  func run() throws {
    let length = try seasonLength ?? model.map { Vocabulary(model: try Scenario.load(path: $0)).seasonLength } ?? 0
    let statement = try CountsQuery(
      dialect: dialect, source: table.map { .table($0) } ?? .query(query ?? ""),
      columns: try columns.map { try CountsQuery.Columns.parse($0) } ?? CountsQuery.Columns(),
      seasonLength: length, holdoutThreshold: holdout > 0 ? HoldoutSplit.thresholdHex(holdout) : nil
    ).sql()
    print(statement + ";")
  }
}

extension CountsQuery.Dialect: ExpressibleByArgument {}
