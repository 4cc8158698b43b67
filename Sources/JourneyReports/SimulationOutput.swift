import Foundation
import JourneyFormats
import JourneyModel
import JourneySimulation

/// The files and tables of one `journey simulate` run.
///
/// `periods.csv` has one row per period: `period,spend,conversions,revenue,cpa`, then
/// `n_<phase>` (customers at the start of the period), `entries_<phase>`,
/// `spend_<channel>` and `exposure_<channel>`. `summary.json` holds the run's identity,
/// totals, final counts, every period and the absorbing-chain analytics.
public struct SimulationOutput {
  public static let formatVersion = SummaryFile.formatVersion
  public let scenario: Scenario
  public let result: SimulationResult
  public let analytics: ChainAnalytics?
  /// Whether formula-like names in the CSV files get a leading `'` (see ``JourneyFormats/CSV``).
  public var neutraliseFormulas = true

  public init(scenario: Scenario, result: SimulationResult, analytics: ChainAnalytics?) {
    self.scenario = scenario
    self.result = result
    self.analytics = analytics
  }

  /// Writes `periods.csv`, `summary.json` and (with analytics) `analytics.csv` into
  /// `directory`, and renames the journey log (when one was written) into place with them:
  /// one result set, so an interrupted run never leaves a new log beside an old summary.
  public func write(to directory: String, journeyLog: JourneyLogFile? = nil) throws {
    let dir = URL(fileURLWithPath: directory)
    let summary = dir.appendingPathComponent("summary.json").path
    let json = try summaryJSON(file: summary)
    let files = ResultSet()
    try files.stage(periodsCSV(), to: dir.appendingPathComponent("periods.csv").path)
    if analytics != nil {
      try files.stage(analyticsCSV(), to: dir.appendingPathComponent("analytics.csv").path)
    }
    try journeyLog?.stage(into: files)
    try files.stage(json, to: summary)
    try files.commit()
  }

  /// `periods.csv`, written by the one CSV rule (``JourneyFormats/CSV``).
  public func periodsCSV() -> String {
    let r = result
    var header = ["period", "spend", "conversions", "revenue", "cpa"]
    header += r.phases.map { "n_\($0)" } + r.phases.map { "entries_\($0)" }
    header += r.channels.map { "spend_\($0)" } + r.channels.map { "exposure_\($0)" }
    var rows: [[String]] = []
    for t in 0..<r.horizon {
      var row = [String(t), NumberText.exact(r.totalSpend(at: t)), NumberText.exact(r.conversions[t]),
                 NumberText.exact(r.revenue[t]), r.costPerAcquisition(at: t).map(NumberText.exact) ?? ""]
      row += r.phaseCounts[t].map(NumberText.exact) + r.entries[t].map(NumberText.exact)
      row += r.spend[t].map(NumberText.exact) + r.exposure[t].map(NumberText.exact)
      rows.append(row)
    }
    return CSV.document(header: header, rows: rows, neutraliseFormulas: neutraliseFormulas)
  }

  /// `analytics.csv`, written by the one CSV rule (``JourneyFormats/CSV``).
  public func analyticsCSV() -> String {
    guard let analytics else { return "" }
    var rows: [[String]] = []
    for s in analytics.segments {
      for (i, phase) in analytics.phases.enumerated() {
        rows.append([s.segment, phase, NumberText.exact(s.conversionProbability[i]),
                     s.periodsToConversion[i].map(NumberText.exact) ?? "",
                     s.periodsToAbsorption[i].map(NumberText.exact) ?? ""])
      }
    }
    return CSV.document(
      header: ["segment", "phase", "conversion_probability", "periods_to_conversion", "periods_to_absorption"], rows: rows,
      neutraliseFormulas: neutraliseFormulas)
  }

  /// `summary.json` as a ``SummaryFile``.
  public func summaryFile() -> SummaryFile {
    let r = result
    func byName(_ names: [String], _ values: [Double]) -> [String: Double] {
      Dictionary(uniqueKeysWithValues: zip(names, values))
    }
    let periods = (0..<r.horizon).map { t in
      SummaryFile.Period(
        period: t, spend: r.totalSpend(at: t), conversions: r.conversions[t], revenue: r.revenue[t],
        cpa: r.costPerAcquisition(at: t), counts: byName(r.phases, r.phaseCounts[t]),
        entries: byName(r.phases, r.entries[t]), spendByChannel: byName(r.channels, r.spend[t]),
        exposure: byName(r.channels, r.exposure[t]))
    }
    let totals = SummaryFile.Totals(
      conversions: r.totalConversions, revenue: r.totalRevenue, spend: r.totalSpend,
      cpa: r.totalConversions > 0 ? r.totalSpend / r.totalConversions : nil,
      roi: r.totalSpend > 0 ? (r.totalRevenue - r.totalSpend) / r.totalSpend : nil)
    let analytics = self.analytics.map { analytics in
      SummaryFile.Analytics(
        steadyExposure: byName(analytics.phases.isEmpty ? [] : r.channels, analytics.steadyExposure),
        segments: analytics.segments.map { s in
          SummaryFile.SegmentAnalytics(
            segment: s.segment,
            phases: analytics.phases.indices.map { i in
              SummaryFile.PhaseAnalytics(
                phase: analytics.phases[i], conversionProbability: s.conversionProbability[i],
                periodsToConversion: s.periodsToConversion[i], periodsToAbsorption: s.periodsToAbsorption[i])
            })
        })
    }
    var file = SummaryFile(
      scenario: r.scenario, engine: r.engine.rawValue, seed: r.seed, horizon: r.horizon,
      period: scenario.period.rawValue, population: Double(scenario.population.size), phases: r.phases,
      channels: r.channels, totals: totals, final: byName(r.phases, r.finalCounts),
      historyEnd: r.finalSegmentCounts.isEmpty
        ? nil : StartStateFile(r.endState, phases: r.phases, channels: scenario.channels),
      periods: periods, analytics: analytics)
    file.currency = scenario.currency
    file.absorbing = scenario.phases.filter(\.isAbsorbing).map(\.name)
    file.source = ResultSource(
      kind: "scenario", name: scenario.name, model: scenario.name, modelFingerprint: scenario.fingerprint)
    return file
  }

  /// The bytes of `summary.json` (see ``JSONFile``: equal results give equal bytes).
  ///
  /// - Throws: ``InputError`` naming the field when a figure is not finite.
  public func summaryJSON(file: String = "summary.json") throws -> Data {
    try JSONFile.encode(summaryFile(), file: file)
  }

  /// The summary people read: totals, final phase counts and the analytics.
  public func table() -> String {
    let r = result
    let periodWord = scenario.period.rawValue + (r.horizon == 1 ? "" : "s")
    var out = "\(r.scenario): \(r.engine.rawValue) engine, seed \(r.seed), \(r.horizon) \(periodWord), "
    out += "\(NumberText.grouped(Double(scenario.population.size))) customers at start\n\n"
    let perPeriod = Double(Swift.max(r.horizon, 1))
    var rows: [[String]] = [["", "total", "per \(scenario.period.rawValue)"]]
    rows.append(["conversions", NumberText.grouped(r.totalConversions), NumberText.grouped(r.totalConversions / perPeriod, decimals: 1)])
    rows.append(["revenue", NumberText.grouped(r.totalRevenue), NumberText.grouped(r.totalRevenue / perPeriod)])
    rows.append(["spend", NumberText.grouped(r.totalSpend), NumberText.grouped(r.totalSpend / perPeriod)])
    if r.totalConversions > 0 {
      rows.append(["CPA", NumberText.grouped(r.totalSpend / r.totalConversions, decimals: 2), ""])
    }
    if r.totalSpend > 0 {
      rows.append(["ROI", NumberText.grouped((r.totalRevenue - r.totalSpend) / r.totalSpend, decimals: 3), ""])
    }
    out += NumberText.table(rows)
    out += "\n"
    var phaseRows: [[String]] = [["phase", "start", "end", "entries"]]
    for (i, phase) in r.phases.enumerated() {
      let entries = r.entries.reduce(0) { $0 + $1[i] }
      phaseRows.append([phase, NumberText.grouped(r.phaseCounts[0][i]), NumberText.grouped(r.finalCounts[i]),
                        NumberText.grouped(entries)])
    }
    out += NumberText.table(phaseRows)
    if let analytics {
      for s in analytics.segments {
        out += "\nsteady budget, segment \(s.segment):\n"
        var rows: [[String]] = [["phase", "P(convert)", "periods to conversion", "periods to absorption"]]
        for (i, phase) in analytics.phases.enumerated() {
          rows.append([phase, NumberText.grouped(s.conversionProbability[i], decimals: 4),
                       s.periodsToConversion[i].map { NumberText.grouped($0, decimals: 1) } ?? "-",
                       s.periodsToAbsorption[i].map { NumberText.grouped($0, decimals: 1) } ?? "-"])
        }
        out += NumberText.table(rows, indent: "  ")
      }
    }
    return out
  }
}
