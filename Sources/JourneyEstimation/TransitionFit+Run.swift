import Foundation
import JourneyFormats
import JourneyLinearAlgebra
import JourneyModel

/// Where a fit's history comes from and how it is fitted: everything `journey fit` reads.
public struct FitRequest: Sendable {
  /// The history.
  public enum Source: Sendable {
    /// A journey log (`customer_id,period,phase,channels[,segment]`).
    case journeyLog(path: String)
    /// Raw exports of stage events and touchpoints, bucketed into `unit` periods in
    /// `timeZone` (an IANA name) from `start` (`YYYY-MM-DD`, default: the earliest
    /// timestamp's period); events before `from` or after `until` (`YYYY-MM-DD`, both
    /// optional) are dropped with a warning.
    case rawExports(
      stages: String, touchpoints: String, unit: PeriodUnit, timeZone: String, start: String?,
      from: String? = nil, until: String? = nil)
    /// A counts file (``CountsFile``): the sufficient statistics of a history, aggregated
    /// by `journey fit --write-counts` or by the SQL of ``CountsQuery`` where the data lives.
    case counts(path: String)
    /// Counts already read (from a database), named `name` in messages.
    case countsRows(CountsFile)
    /// Any other reader of histories (event tables, CRM stage histories, …).
    case reader(any HistorySource)
  }

  public var source: Source
  /// A scenario whose phases, channels, allowed transitions and effect channels define the model.
  public var model: String?
  /// Spend per period and channel, to fit reach curves and adstock.
  public var spend: String?
  /// Share of customers held out (by a hash of their id) to score the fit.
  public var holdout: Double
  /// Ridge penalty λ on the squared effects.
  public var ridge: Double
  /// Threads that read a journey log (its chunks; the counts do not depend on it).
  public var threads: Int

  public init(
    source: Source, model: String? = nil, spend: String? = nil, holdout: Double = 0, ridge: Double = 0,
    threads: Int = ProcessInfo.processInfo.activeProcessorCount
  ) {
    self.source = source
    self.model = model
    self.spend = spend
    self.holdout = holdout
    self.ridge = ridge
    self.threads = threads
  }
}

/// A reader that turns a source of histories into the counts a fit needs: the hook by
/// which sources outside this module (event tables, CRM stage histories) feed `journey fit`
/// without an intermediate file.
public protocol HistorySource: Sendable {
  /// The source's name in errors (its first file).
  var name: String { get }
  /// Reads the history against `vocabulary` (the model's names, or ``Vocabulary/inferred``).
  ///
  /// - Parameters:
  ///   - model: The `--model` scenario, if any (its allowed transitions may be checked).
  ///   - holdout: The share of customers held out, for ``TransitionAccumulator``.
  /// - Returns: The counts and warnings for the fit's report.
  /// - Throws: ``InputError`` or ``InputErrors`` naming file, line and bad value.
  func read(vocabulary: Vocabulary, model: Scenario?, holdout: Double) throws -> (
    summary: JourneyLogSummary, warnings: [String]
  )
}

/// A finished fit with what it was fitted from.
public struct FitOutcome: Sendable {
  public var fit: TransitionFit
  /// The counts the fit used.
  public var summary: JourneyLogSummary
  /// The fitted model as a scenario (written as `model.yaml`).
  public var scenario: Scenario
  /// The model scenario of the request, if any.
  public var template: Scenario?
}

extension TransitionFit {
  /// The summary of counts; `holdout` must be 0, as counts carry their hold-out split.
  static func summary(counts: CountsFile, vocabulary: Vocabulary, holdout: Double) throws -> JourneyLogSummary {
    guard holdout == 0 else {
      throw InputError(
        .notAllowed, file: counts.file,
        "--holdout \(holdout) with counts: the hold-out split is made when the counts are aggregated; expected the hold-out given to --write-counts or journey sql instead")
    }
    return try JourneyLogSummary(counts: counts, vocabulary: vocabulary)
  }

  /// Reads a request's files and fits transitions, channel effects and (with spend) reach
  /// curves: the whole of `journey fit` but writing the files.
  ///
  /// The model file and the spend file are checked before the history is read. The
  /// fit's reductions run with OpenBLAS on one thread (``BLAS/serially(_:)``), so the
  /// estimates are the same bytes whatever `OPENBLAS_NUM_THREADS`.
  ///
  /// ```swift
  /// let outcome = try TransitionFit.run(FitRequest(source: .journeyLog(path: "journeys.csv"), ridge: 0.1))
  /// print(outcome.fit.logLikelihood)
  /// ```
  ///
  /// - Parameter progress: called with the bytes of a journey log read so far.
  /// - Throws: ``InputError`` or ``InputErrors`` naming the file, line and bad value.
  /// - Complexity: O(rows) to read the history, then per origin phase O(iterations ·
  ///   (n·k² + k³)) for `n` transitions and `k` parameters (see ``fit(_:model:ridge:file:)``).
  public static func run(_ request: FitRequest, progress: ((Int) -> Void)? = nil) throws -> FitOutcome {
    let template = try request.model.map { try Scenario.load(path: $0) }
    let vocabulary = template.map { Vocabulary(model: $0) } ?? .inferred
    let organic = template?.channels.filter { !$0.isPaid }.map(\.name) ?? []
    let spendTable = try request.spend.map {
      try SpendTable.read(path: $0, channels: template.map { $0.channels.map(\.name) }, organic: organic)
    }
    var summary: JourneyLogSummary
    var readWarnings: [String] = []
    let source: String
    switch request.source {
    case .journeyLog(let path):
      summary = try JourneyLogReader.read(
        path: path, vocabulary: vocabulary, holdoutFraction: request.holdout, threads: request.threads, progress: progress)
      source = path
    case .rawExports(let stages, let touchpoints, let unit, let zoneName, let start, let from, let until):
      guard let zone = TimeZone(identifier: zoneName) else {
        throw InputError(
          .unknownName, file: "--timezone",
          "unknown time zone \(InputError.echo(zoneName)); expected an IANA name such as UTC or Europe/Berlin")
      }
      let export = try RawExportReader.read(
        stages: stages, touchpoints: touchpoints, vocabulary: vocabulary, unit: unit, timeZone: zone,
        start: start, holdoutFraction: request.holdout, from: from, until: until)
      summary = export.summary
      readWarnings = export.warnings
      readWarnings.insert(
        "raw exports bucketed into \(unit.rawValue)s in \(zoneName) from \(export.start) (period 0)", at: 0)
      source = stages
    case .counts(let path):
      summary = try Self.summary(counts: CountsFile.read(path: path), vocabulary: vocabulary, holdout: request.holdout)
      source = path
    case .countsRows(let counts):
      summary = try Self.summary(counts: counts, vocabulary: vocabulary, holdout: 0)
      source = counts.file
    case .reader(let reader):
      (summary, readWarnings) = try reader.read(vocabulary: vocabulary, model: template, holdout: request.holdout)
      source = reader.name
    }
    if let names = template?.segments.map(\.name) { summary = summary.orderingSegments(like: names) }
    return try BLAS.serially {
      var fit = try TransitionFit.fit(summary, model: template, ridge: request.ridge, file: source)
      fit.warnings = readWarnings + fit.warnings
      if summary.lastPeriod >= summary.firstPeriod, summary.endCounts.reduce(0, +) > 0 {
        fit.historyEnd = (summary.lastPeriod, summary.endCounts)
      }
      if let spendTable { fit.fitReach(summary, spend: spendTable, model: template) }
      let scenario = fit.scenario(template: template, summary: summary)
      fit.endState = fit.historyState(summary, model: scenario)
      return FitOutcome(fit: fit, summary: summary, scenario: scenario, template: template)
    }
  }
}
