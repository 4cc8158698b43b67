import JourneyFormats
import JourneyModel

/// What an import read and what it made of it: printed by every importer.
public struct ImportReport: Sendable {
  public var files: [String] = []
  /// Data rows offered (header lines excluded).
  public var rows = 0
  /// Customers with at least one stage event (the customers of the history).
  public var customers = 0
  public var stageEvents = 0
  public var touchpoints = 0
  public var phases: [String] = []
  public var channels: [String] = []
  /// Stage events per phase and touchpoints per channel (parallel to the names).
  public var phaseEvents: [Int] = []
  public var channelEvents: [Int] = []
  /// Sum and count of the revenue attached to stage events, per phase.
  public var revenue: [(sum: Double, count: Int)] = []
  /// Rows without events, by reason.
  public var skipped: [String: Int] = [:]
  /// Names dropped with `--ignore-unmapped`: (stage or channel, name, rows).
  public var unmapped: [(kind: String, name: String, rows: Int)] = []
  /// Rows outside `--from`…`--until`.
  public var outsideWindow = 0
  /// Touchpoints of customers without any stage event (ignored).
  public var orphanTouchpoints = 0
  /// Touchpoints before their customer's first period (ignored).
  public var earlyTouchpoints = 0
  /// Stage events no period starts in (several in one period).
  public var supersededEvents = 0
  /// Customer-periods with two or more phase changes, and all customer-periods.
  public var multiMovePeriods = 0
  public var customerPeriods = 0
  public var unit: PeriodUnit = .week
  public var firstPeriod = ""
  public var lastPeriod = ""
  public var periods = 0

  public init() {}

  /// The share of customer-periods with several moves above which a shorter period is advised.
  public static let multiMoveAdvice = 0.05

  /// Whether so many customer-periods merge several moves that a shorter `--period` would
  /// keep more of the journey.
  public var advisesShorterPeriod: Bool {
    customerPeriods > 0 && Double(multiMovePeriods) > Self.multiMoveAdvice * Double(customerPeriods)
  }

  /// Warnings a fit carries.
  public var warnings: [String] {
    var w: [String] = []
    if outsideWindow > 0 { w.append("\(outsideWindow) rows outside --from/--until were left out") }
    for (kind, name, rows) in unmapped { w.append("\(rows) rows of unmapped \(kind) \(InputError.echo(name)) were dropped") }
    if orphanTouchpoints > 0 { w.append("\(orphanTouchpoints) touchpoints of customers without any stage event were ignored") }
    if earlyTouchpoints > 0 { w.append("\(earlyTouchpoints) touchpoints before their customer's first period were ignored") }
    if multiMovePeriods > 0 {
      var text =
        "\(multiMovePeriods) of \(customerPeriods) customer-periods hold several stage moves; each counts as one transition from the period's first to its last phase (\(supersededEvents) stage events in between)"
      if advisesShorterPeriod { text += "; more than 5%: consider a shorter --period" }
      w.append(text)
    }
    return w
  }

  /// The report as text: counts, events per phase and channel, skipped rows, periods.
  public var text: String {
    var s = "read \(rows) rows from \(files.count == 1 ? files[0] : "\(files.count) files"): \(customers) customers, \(stageEvents) stage events, \(touchpoints) touchpoints\n"
    s += "periods: \(periods) \(unit.rawValue)s, period 0 starting \(firstPeriod), the last \(lastPeriod)\n"
    var rows = [["phase", "events", "revenue"]]
    for (i, name) in phases.enumerated() {
      let r = i < revenue.count && revenue[i].count > 0 ? NumberText.grouped(revenue[i].sum) : ""
      rows.append([name, "\(phaseEvents[i])", r])
    }
    s += NumberText.table(rows)
    if !channels.isEmpty {
      var c = [["channel", "touchpoints"]]
      for (k, name) in channels.enumerated() { c.append([name, "\(channelEvents[k])"]) }
      s += NumberText.table(c)
    }
    for (reason, count) in skipped.sorted(by: { $0.key < $1.key }) { s += "skipped: \(count) rows (\(reason))\n" }
    for w in warnings { s += "note: \(w)\n" }
    return s
  }
}
