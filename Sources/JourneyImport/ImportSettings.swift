import JourneyEstimation
import JourneyFormats
import JourneyModel

/// The role of a column of an event table or stage history.
///
/// `user`, `source`, `medium` and `campaign` are read from flattened GA4 tables only
/// (``GA4TableReader``): the signed-in user id and the traffic source; there `channel` is
/// GA4's default channel group, when the table carries it.
public enum ColumnRole: String, CaseIterable, Sendable {
  case customer, time, stage, channel, revenue, user, source, medium, campaign
}

/// Which header names give the customer, time, stage, channel and revenue of a row.
///
/// Header names are compared case-insensitively, trimmed. Defaults: `customer_id`;
/// `timestamp`, `time` or `event_time`; `stage` or `phase`; `channel`; `revenue`. A table
/// needs a customer and a time column and at least one of stage and channel; a column
/// named explicitly (`--columns`, the model's `import:` block) must exist.
///
/// ```swift
/// let m = try ColumnMapping.parse("customer=user_id,time=event_time,revenue=amount", origin: "--columns")
/// ```
public struct ColumnMapping: Sendable, Equatable {
  /// Candidate header names per role, lower-case, in order of preference.
  public var candidates: [ColumnRole: [String]]
  /// Roles named explicitly: their column must exist.
  public var explicit: Set<ColumnRole> = []

  /// The defaults of an event table.
  public static let standard = ColumnMapping(candidates: [
    .customer: ["customer_id"], .time: ["timestamp", "time", "event_time"], .stage: ["stage", "phase"],
    .channel: ["channel"], .revenue: ["revenue"],
  ])

  public init(candidates: [ColumnRole: [String]]) {
    self.candidates = candidates.mapValues { $0.map { $0.lowercased() } }
  }

  /// Parses `role=column,…` (`customer=user_id,time=event_time`); `origin` names the
  /// flag or file in errors.
  ///
  /// - Throws: ``InputErrors`` for an unknown role, an empty column name or a repeated role.
  public static func parse(_ text: String, origin: String) throws(InputErrors) -> [ColumnRole: String] {
    var result: [ColumnRole: String] = [:]
    for item in text.split(separator: ",", omittingEmptySubsequences: true) {
      let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      guard parts.count == 2, let role = ColumnRole(rawValue: parts[0].lowercased()), !parts[1].isEmpty else {
        throw InputErrors([InputError(
          .syntax, file: origin,
          "\(InputError.echo(String(item))) is not role=column; expected roles \(ColumnRole.allCases.map(\.rawValue).joined(separator: ", ")), e.g. customer=user_id,time=event_time")])
      }
      guard result[role] == nil else {
        throw InputErrors([InputError(.duplicate, file: origin, "\(role.rawValue) is given twice; expected each role once")])
      }
      result[role] = parts[1]
    }
    return result
  }

  /// The columns named explicitly (`--columns`, the model's `import:` block).
  public var explicitColumns: [ColumnRole: String] {
    var named: [ColumnRole: String] = [:]
    for role in explicit { if let name = candidates[role]?.first { named[role] = name } }
    return named
  }

  /// This mapping with `columns` named explicitly.
  public func overriding(_ columns: [ColumnRole: String]) -> ColumnMapping {
    var m = self
    for (role, name) in columns {
      m.candidates[role] = [name.lowercased()]
      m.explicit.insert(role)
    }
    return m
  }

  /// The columns of each role in `header`.
  ///
  /// - Throws: ``InputErrors`` (`.missing`) naming the role, the names looked for and
  ///   what the header holds.
  public func resolve(header: [String], file: String, line: Int) throws(InputErrors) -> ResolvedColumns {
    let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    func find(_ role: ColumnRole) -> Int? {
      for name in candidates[role] ?? [] { if let k = names.firstIndex(of: name) { return k } }
      return nil
    }
    func missing(_ what: String) -> InputErrors {
      let shown = header.prefix(20).map { InputError.echo($0) }.joined(separator: ", ")
      return InputErrors([InputError(
        .missing, file: file, line: line,
        "missing \(what); expected a header naming it (give --columns, e.g. customer=user_id,time=event_time; found: \(shown)\(header.count > 20 ? ", …" : ""))")])
    }
    func need(_ role: ColumnRole) throws(InputErrors) -> Int {
      guard let k = find(role) else {
        throw missing("the \(role.rawValue) column (\((candidates[role] ?? []).joined(separator: " or ")))")
      }
      return k
    }
    var resolved = ResolvedColumns(customer: try need(.customer), time: try need(.time))
    resolved.stage = find(.stage)
    resolved.channel = find(.channel)
    resolved.revenue = find(.revenue)
    for role in explicit.sorted(by: { $0.rawValue < $1.rawValue }) where find(role) == nil { _ = try need(role) }
    guard resolved.stage != nil || resolved.channel != nil else {
      throw missing("both the stage column (\((candidates[.stage] ?? []).joined(separator: " or "))) and the channel column (\((candidates[.channel] ?? []).joined(separator: " or ")))")
    }
    resolved.names = header
    return resolved
  }
}

/// The column indices of one table.
public struct ResolvedColumns: Sendable, Equatable {
  public var customer: Int
  public var time: Int
  public var stage: Int?
  public var channel: Int?
  public var revenue: Int?
  /// The header as written.
  public var names: [String] = []

  public init(customer: Int, time: Int, stage: Int? = nil, channel: Int? = nil, revenue: Int? = nil) {
    self.customer = customer
    self.time = time
    self.stage = stage
    self.channel = channel
    self.revenue = revenue
  }

  /// The number of fields a record must have.
  public var fieldsNeeded: Int { [customer, time, stage ?? 0, channel ?? 0, revenue ?? 0].max()! + 1 }
}

/// The column names of CRM stage-history exports.
///
/// - `salesforce`: OpportunityHistory — `OpportunityId`, `StageName`, `CreatedDate`
///   (when the stage was entered), `Amount`.
/// - `hubspot`: deal stage history — `Deal ID` (or `dealId`, `Record ID`,
///   `hs_object_id`), `dealstage` (or `property value`, `value`), `timestamp`, `amount`.
/// - `cobra`: `record_id`, `stage`, `changed_at`, `amount` (the assumed layout of a cobra
///   CRM export: one row per stage change; rename columns with `--columns` otherwise).
public enum CRMPreset: String, CaseIterable, Sendable {
  case salesforce, hubspot, cobra

  public var columns: ColumnMapping {
    switch self {
    case .salesforce:
      ColumnMapping(candidates: [
        .customer: ["OpportunityId"], .stage: ["StageName"], .time: ["CreatedDate"], .revenue: ["Amount"],
      ])
    case .hubspot:
      ColumnMapping(candidates: [
        .customer: ["deal id", "dealid", "record id", "hs_object_id"], .stage: ["dealstage", "property value", "value"],
        .time: ["timestamp", "change timestamp"], .revenue: ["amount"],
      ])
    case .cobra:
      ColumnMapping(candidates: [.customer: ["record_id"], .stage: ["stage"], .time: ["changed_at"], .revenue: ["amount"]])
    }
  }
}

/// Everything an import reads besides the files: columns, separator, timestamps, name maps
/// and periods. The options of `journey import` and `journey fit --events`.
public struct ImportSettings: Sendable {
  public var columns: ColumnMapping = .standard
  /// The field separator; `nil` detects it from the header line.
  public var delimiter: UInt8?
  public var time = TimeParser()
  /// Stage names to phases; `nil` takes stage names as phases.
  public var stageMap: NameMap?
  /// Channel names to channels; `nil` takes them as they are.
  public var channelMap: NameMap?
  /// Drop rows whose stage or channel the maps do not name (counted) instead of failing.
  public var ignoreUnmapped = false
  public var unit: PeriodUnit = .week
  /// IANA name of the zone of periods and of timestamps without an offset.
  public var timeZone = "UTC"
  /// First day of period 0 (`YYYY-MM-DD`); default the earliest event's period.
  public var start: String?
  /// First day of the data window.
  public var from: String?
  /// Last day of the data window; open records are right-censored at its period
  /// (default: the latest event's period).
  public var until: String?

  public init() {}
}
