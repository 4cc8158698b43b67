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
  public static let formatVersion = 1
  public let scenario: Scenario
  public let result: SimulationResult
  public let analytics: ChainAnalytics?

  public init(scenario: Scenario, result: SimulationResult, analytics: ChainAnalytics?) {
    self.scenario = scenario
    self.result = result
    self.analytics = analytics
  }

  /// Writes `periods.csv`, `summary.json` and (with analytics) `analytics.csv` into `directory`.
  public func write(to directory: String) throws {
    let dir = URL(fileURLWithPath: directory)
    try AtomicFile.write(periodsCSV(), to: dir.appendingPathComponent("periods.csv").path)
    if analytics != nil {
      try AtomicFile.write(analyticsCSV(), to: dir.appendingPathComponent("analytics.csv").path)
    }
    try AtomicFile.write(summaryJSON(), to: dir.appendingPathComponent("summary.json").path)
  }

  public func periodsCSV() -> String {
    let r = result
    var header = ["period", "spend", "conversions", "revenue", "cpa"]
    header += r.phases.map { "n_\($0)" } + r.phases.map { "entries_\($0)" }
    header += r.channels.map { "spend_\($0)" } + r.channels.map { "exposure_\($0)" }
    var lines = [header.joined(separator: ",")]
    for t in 0..<r.horizon {
      var row = [String(t), NumberText.exact(r.totalSpend(at: t)), NumberText.exact(r.conversions[t]),
                 NumberText.exact(r.revenue[t]), r.costPerAcquisition(at: t).map(NumberText.exact) ?? ""]
      row += r.phaseCounts[t].map(NumberText.exact) + r.entries[t].map(NumberText.exact)
      row += r.spend[t].map(NumberText.exact) + r.exposure[t].map(NumberText.exact)
      lines.append(row.joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  public func analyticsCSV() -> String {
    guard let analytics else { return "" }
    var lines = ["segment,phase,conversion_probability,periods_to_conversion,periods_to_absorption"]
    for s in analytics.segments {
      for (i, phase) in analytics.phases.enumerated() {
        lines.append([s.segment, phase, NumberText.exact(s.conversionProbability[i]),
                      s.periodsToConversion[i].map(NumberText.exact) ?? "",
                      s.periodsToAbsorption[i].map(NumberText.exact) ?? ""].joined(separator: ","))
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The JSON summary (keys sorted, so equal results give equal bytes).
  public func summaryJSON() throws -> Data {
    let r = result
    func byName(_ names: [String], _ values: [Double]) -> [String: Double] {
      Dictionary(uniqueKeysWithValues: zip(names, values))
    }
    var periods: [[String: Any]] = []
    for t in 0..<r.horizon {
      var p: [String: Any] = [
        "period": t, "spend": r.totalSpend(at: t), "conversions": r.conversions[t], "revenue": r.revenue[t],
        "counts": byName(r.phases, r.phaseCounts[t]), "entries": byName(r.phases, r.entries[t]),
        "spend_by_channel": byName(r.channels, r.spend[t]), "exposure": byName(r.channels, r.exposure[t]),
      ]
      if let cpa = r.costPerAcquisition(at: t) { p["cpa"] = cpa }
      periods.append(p)
    }
    var totals: [String: Any] = [
      "conversions": r.totalConversions, "revenue": r.totalRevenue, "spend": r.totalSpend,
    ]
    if r.totalConversions > 0 { totals["cpa"] = r.totalSpend / r.totalConversions }
    if r.totalSpend > 0 { totals["roi"] = (r.totalRevenue - r.totalSpend) / r.totalSpend }
    var root: [String: Any] = [
      "format": "journeykit-simulation", "format_version": Self.formatVersion,
      "scenario": r.scenario, "engine": r.engine.rawValue, "seed": r.seed, "horizon": r.horizon,
      "period": scenario.period.rawValue, "population": scenario.population.size,
      "phases": r.phases, "channels": r.channels, "totals": totals,
      "final": byName(r.phases, r.finalCounts), "periods": periods,
    ]
    if !r.finalSegmentCounts.isEmpty { root["history_end"] = r.endState.jsonObject(phases: r.phases, channels: scenario.channels) }
    if let analytics {
      root["analytics"] = [
        "steady_exposure": byName(analytics.phases.isEmpty ? [] : r.channels, analytics.steadyExposure),
        "segments": analytics.segments.map { s in
          [
            "segment": s.segment,
            "phases": analytics.phases.indices.map { i -> [String: Any] in
              var entry: [String: Any] = [
                "phase": analytics.phases[i], "conversion_probability": s.conversionProbability[i],
              ]
              if let v = s.periodsToConversion[i] { entry["periods_to_conversion"] = v }
              if let v = s.periodsToAbsorption[i] { entry["periods_to_absorption"] = v }
              return entry
            },
          ] as [String: Any]
        },
      ] as [String: Any]
    }
    return try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys]) + Data("\n".utf8)
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
