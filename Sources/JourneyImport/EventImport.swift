import JourneyEstimation
import JourneyFormats
import JourneyModel

/// `journey import` and `journey fit --events` as library calls: files in, an
/// ``ImportedHistory`` out, and the checks and model completions a fit from events needs.
public enum EventImport {
  /// Reads event tables (or stage histories: a preset in the settings' columns) from
  /// `paths` (`-` for standard input).
  ///
  /// - Throws: ``InputErrors`` naming file, line, column and value.
  ///
  /// - Parameter progress: told of the bytes read from the files (compressed bytes of a
  ///   gzip file), for a progress display.
  public static func read(
    paths: [String], settings: ImportSettings, vocabulary: Vocabulary, progress: ReadProgress? = nil
  ) throws(InputErrors) -> ImportedHistory {
    var collector = try EventCollector(settings: settings, vocabulary: vocabulary)
    for path in paths {
      let input = try TableInput(path: path, what: "event table")
      input.progress = progress
      try EventTableReader.read(input, into: &collector)
    }
    progress?.finish()
    return try collector.finish()
  }

  /// Reads an event table held in memory (tests, fuzzing); `name` names it in errors.
  public static func read(bytes: [UInt8], name: String, settings: ImportSettings, vocabulary: Vocabulary) throws(InputErrors)
    -> ImportedHistory
  {
    var collector = try EventCollector(settings: settings, vocabulary: vocabulary)
    try EventTableReader.read(TableInput(bytes: bytes, name: name), into: &collector)
    return try collector.finish()
  }

  /// Checks that the model allows every observed transition; otherwise one error names
  /// each pair with its count and the YAML lines that would allow it, and says how many
  /// customer-periods merged several moves (their transition is origin → last phase).
  ///
  /// - Throws: ``InputError`` (`.notAllowed`).
  public static func checkAllowed(_ summary: JourneyLogSummary, model: Scenario, report: ImportReport, file: String) throws(InputError) {
    guard let parameters = model.segments.first?.parameters else { return }
    let phases = summary.vocabulary.phases
    var counts: [Int: Int] = [:]
    for table in [summary.training, summary.holdout] {
      for i in phases.indices {
        for row in table.rows(from: i) where row.target != i && !parameters.targets(of: i).contains(row.target) {
          counts[i * phases.count + row.target, default: 0] += row.count
        }
      }
    }
    guard !counts.isEmpty else { return }
    let pairs = counts.keys.sorted().map { (phases[$0 / phases.count], phases[$0 % phases.count], counts[$0]!) }
    var message = "the history holds transitions the model does not allow: "
    message += pairs.map { "\($0.0) -> \($0.1) (\($0.2) times)" }.joined(separator: ", ")
    if report.multiMovePeriods > 0 {
      message += "; \(report.multiMovePeriods) of \(report.customerPeriods) customer-periods hold several stage moves, each counted as one transition from the period's first to its last phase"
      if report.advisesShorterPeriod { message += " (more than 5%: a shorter --period keeps the steps apart)" }
    }
    message += "; expected them allowed, e.g. by adding to the model:\ntransitions:\n"
    var byOrigin: [String: [String]] = [:]
    var order: [String] = []
    for (origin, target, _) in pairs {
      if byOrigin[origin] == nil { order.append(origin) }
      byOrigin[origin, default: []].append(target)
    }
    for origin in order {
      message += "  \(origin):\n"
      for target in byOrigin[origin]! { message += "    \(target): 0.01   # a starting value; the fit estimates it\n" }
    }
    throw InputError(.notAllowed, file: file, path: "transitions", String(message.dropLast()))
  }

  /// Names that mark a conversion phase when no model says which phases convert.
  public static let conversionWords = ["won", "purchase", "purchased", "converted", "conversion", "customer", "order", "sale", "paid", "signed", "closed won", "closedwon"]

  /// The conversion phases of a fit without a model: `explicit` (`--conversion`), else the
  /// phases whose name — or a stage name mapped to them — is a conversion word
  /// (``conversionWords``; `closed won`, `won`, `purchased`, …), never one that says lost.
  public static func conversionPhases(phases: [String], stageMap: NameMap?, explicit: [String]) -> [String] {
    if !explicit.isEmpty { return explicit }
    func converts(_ name: String) -> Bool {
      let n = name.lowercased().replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "-", with: " ")
      if n.contains("lost") || n.contains("churn") || n.contains("not ") { return false }
      let words = Set(n.split(separator: " ").map(String.init))
      return conversionWords.contains { words.contains($0) || n == $0 }
    }
    var sources: [String: [String]] = [:]
    for (source, target) in stageMap?.exact ?? [:] { sources[target, default: []].append(source) }
    return phases.filter { p in converts(p) || (sources[p] ?? []).contains(where: converts) }
  }

  /// Completes the model a fit without `--model` writes: the period length, the
  /// conversion phases (see ``conversionPhases(phases:stageMap:explicit:)``) with the mean
  /// revenue of their stage events as value, and warnings for what is missing.
  ///
  /// - Throws: ``InputError`` for a `--conversion` phase the history does not have.
  public static func complete(
    _ scenario: inout Scenario, report: ImportReport, settings: ImportSettings, conversion: [String], hasSpend: Bool
  ) throws(InputError) -> [String] {
    var warnings: [String] = []
    scenario.period = report.unit
    let phases = scenario.phases.map(\.name)
    for name in conversion where !phases.contains(name) {
      throw InputError(
        .unknownName, file: "--conversion",
        "unknown phase \(InputError.echo(name)); expected one of: \(phases.joined(separator: ", "))")
    }
    let converting = conversionPhases(phases: phases, stageMap: settings.stageMap, explicit: conversion)
    for (i, phase) in scenario.phases.enumerated() where converting.contains(phase.name) {
      scenario.phases[i].isConversion = true
      if i < report.revenue.count, report.revenue[i].count > 0 {
        scenario.phases[i].value = report.revenue[i].sum / Double(report.revenue[i].count)
      }
    }
    if converting.isEmpty {
      warnings.append(
        "the written model has no conversion phase (none is named like a purchase or a won deal); name one with --conversion PHASE")
    } else if conversion.isEmpty {
      warnings.append("conversion phases inferred from the names: \(converting.joined(separator: ", ")) (set them with --conversion PHASE)")
    }
    if !hasSpend && !scenario.channels.isEmpty {
      warnings.append(
        "no --spend: the channels' spend is missing (model.yaml gives each a placeholder spend of 1 per period and its observed reach); give --spend period,channel,spend to fit reach curves")
    }
    return warnings
  }
}

/// An event table or stage history as a source of `journey fit` (``FitRequest/Source/reader(_:)``):
/// read straight into the fit's accumulator, no journey log in between.
public struct EventHistorySource: HistorySource {
  public let paths: [String]
  public let settings: ImportSettings
  /// Set when the files are GA4 exports (``GA4Import``) rather than event tables.
  public let ga4: GA4Settings?
  /// Told of the bytes read (``ReadProgress``).
  public let progress: ReadProgress?
  private let box = ReportBox()

  public init(paths: [String], settings: ImportSettings, ga4: GA4Settings? = nil, progress: ReadProgress? = nil) {
    self.paths = paths
    self.settings = settings
    self.ga4 = ga4
    self.progress = progress
  }

  /// The report of the last read, for the caller to print.
  public var lastReport: ImportReport? { box.report }

  public var name: String { paths.first ?? "-" }

  public func read(vocabulary: Vocabulary, model: Scenario?, holdout: Double) throws -> (
    summary: JourneyLogSummary, warnings: [String]
  ) {
    let (summary, report) = try readWithReport(vocabulary: vocabulary, model: model, holdout: holdout)
    var warnings = ["events bucketed into \(settings.unit.rawValue)s in \(settings.timeZone) from \(report.firstPeriod) (period 0)"]
    warnings += report.warnings
    return (summary, warnings)
  }

  /// ``read(vocabulary:model:holdout:)`` with the import's report.
  public func readWithReport(vocabulary: Vocabulary, model: Scenario?, holdout: Double) throws -> (
    summary: JourneyLogSummary, report: ImportReport
  ) {
    var history =
      try ga4.map { try GA4Import.read(paths: paths, settings: settings, ga4: $0, vocabulary: vocabulary, progress: progress) }
      ?? EventImport.read(paths: paths, settings: settings, vocabulary: vocabulary, progress: progress)
    let summary = history.accumulate(holdout: holdout)
    box.report = history.report
    if let model { try EventImport.checkAllowed(summary, model: model, report: history.report, file: name) }
    return (summary, history.report)
  }
}

/// Holds the report of a read; reads run one at a time, on the caller's thread.
final class ReportBox: @unchecked Sendable {
  var report: ImportReport?
}
