import Foundation
import Yams

/// Reading scenario files.
///
/// # Scenario file format
///
/// A scenario is one YAML (or JSON) document. Unknown keys are errors; so are duplicate
/// keys, duplicate names, numbers out of range, NaN and infinities. Every error names the
/// file, line, column and YAML path (`transitions.aware.considering`, `phases[3].value`,
/// `channels.tv.reach.half`), and all errors in a file are reported together.
///
/// | key | type | default | meaning |
/// | --- | --- | --- | --- |
/// | `name` | string | required | scenario name |
/// | `period` | `day` \| `week` \| `month` | `week` | length of one step |
/// | `horizon` | integer 1…100000 | required | number of periods `T` |
/// | `seed` | integer 0…2⁶⁴−1 | `0` | random seed |
/// | `population` | mapping | required | see below |
/// | `phases` | list (1…64) | required | see below |
/// | `transitions` | mapping | none | baseline probabilities per period |
/// | `channels` | mapping (0…64) | none | paid and organic touchpoints |
/// | `effects` | mapping | none | log-odds lifts of channel exposure |
/// | `segments` | list (1…256) | one segment `all`, share 1 | population segments |
/// | `seasonality` | list (1…100000) of numbers > 0 | none | odds multipliers, cyclic |
/// | `currency` | ISO 4217 code (`EUR`) | none | the currency of spend and revenue |
///
/// Counts and magnitudes are bounded by ``Limits``; counts are checked before anything is
/// read or sized by them, and every number has an upper bound so that no infinity or NaN
/// reaches the engines.
///
/// **population**
/// - `size`: integer ≥ 1 (at most 10¹²), required: customers at period 0.
/// - `initial`: `{phase: share}`, shares in [0, 1] summing to 1 (±1e-9); phases left out
///   get 0. Default: everyone in the first phase.
/// - `arrivals`: new customers per period, either an integer ≥ 0 (at most 10¹²; they
///   enter the first phase) or `{ count: integer ≥ 0, phases: {phase: share} }`. Default 0.
///
/// Numbers follow YAML: `1000000`, `1_000_000` and `1e6` are the same number; a quoted
/// `"0.5"` is text, not a number. Whole numbers are expected for counts and periods.
///
/// **phases**: a list; each entry is a name, or `{ name, conversion: bool (false),
/// value: number ≥ 0 (0), absorbing: bool (false) }`. Names are unique, non-empty and do
/// not contain `->`. Entering a conversion phase counts as a conversion worth `value`.
///
/// **transitions**: `{origin: {target: probability}}`. Probabilities are in [0, 1] and a
/// row's listed probabilities sum to at most 1 (+1e-9); staying in the origin is the
/// remainder, so the origin itself may not be listed. An absorbing phase has no row.
///
/// **channels**: `{name: channel}`, where a channel is either paid,
/// `{ spend, adstock: λ in [0, 1) (0), reach: { max in (0, 1] (1), half > 0 (required),
/// shape > 0 (1) } }`, or organic, `{ organic: { driver: phase, rate: ≥ 0 } }`
/// (exposure `1 − exp(−rate · n_driver / N)`).
/// `spend` is a number ≥ 0 per period, a list of numbers ≥ 0 (one per period, at least
/// `horizon` of them), or a mapping with exactly one of `per_period: number`, the period's
/// own word (`daily`, `weekly` or `monthly`: number) or `values: [numbers]`, plus optional
/// `flights: [{from, to, scale ≥ 0}]` (periods `from…to` inclusive, 0 ≤ from ≤ to <
/// horizon; overlapping flights multiply), `on: integer ≥ 1` and `off: integer ≥ 0`
/// (each at most 100000)
/// (pulsing: `on` periods with spend, then `off` without, from period 0; both or neither)
/// and `scale: number ≥ 0` (an overall multiplier). Periods are numbered from 0.
///
/// **effects**: `{"from->to": {channel: lift}}` (white space around `->` allowed); a lift
/// is a finite log-odds change `β` when the customer met the channel. The transition must
/// be declared under `transitions`: a global effect globally or in some segment (it applies
/// in the segments where the transition exists), a segment's effect globally or in that
/// segment. At most 12 channels may have non-zero effects out of one origin phase.
///
/// **segments**: a list of `{ name, share in (0, 1], transitions, effects }`; shares sum
/// to 1 (±1e-9). A segment's `transitions` rows override or extend the global rows entry
/// by entry; its `effects` override the global effects channel by channel.
///
/// **seasonality**: a non-empty list of finite numbers > 0; period `t` multiplies the
/// baseline odds of leaving any phase by `seasonality[t % count]`.
extension Scenario {
  /// Parses and validates a scenario from YAML or JSON text.
  ///
  /// The format is described at the top of `Scenario+Parsing.swift` and in the README.
  ///
  /// - Parameters:
  ///   - text: The document.
  ///   - file: The name used in error messages.
  /// - Returns: The validated scenario.
  /// - Throws: ``InputErrors`` listing every problem found, in file order.
  public static func parse(text: String, file: String) throws(InputErrors) -> Scenario {
    let reader = NodeReader(file: file)
    let root: Node
    switch TolerantComposer.compose(text, reader: reader) {
    case .failed(let error):
      throw InputErrors([error])
    case .empty:
      throw InputErrors([InputError(.empty, file: file, "the file is empty; expected a scenario")])
    case .document(let node):
      if case .scalar = node, node.tagName == .null {
        throw InputErrors([
          InputError(.empty, file: file, line: node.mark?.line, column: node.mark?.column, "the document is empty; expected a scenario")
        ])
      }
      if let error = reader.notAMapping(node, what: "a scenario", keys: "name, horizon, population and phases") {
        throw InputErrors([error])
      }
      root = node
    }
    let parser = ScenarioParser(reader: reader)
    let scenario = parser.scenario(root)
    let errors = reader.errors.enumerated().sorted { a, b in
      let la = (a.element.line ?? 0, a.element.column ?? 0)
      let lb = (b.element.line ?? 0, b.element.column ?? 0)
      return la != lb ? la < lb : a.offset < b.offset
    }.map(\.element)
    guard errors.isEmpty, let scenario else {
      if errors.isEmpty {
        throw InputErrors([InputError(.syntax, file: file, "the scenario could not be read")])
      }
      throw InputErrors(errors)
    }
    return scenario
  }
}

/// Builds a ``Scenario`` from a composed document, recording problems in its reader.
final class ScenarioParser {
  static let topKeys = [
    "name", "period", "horizon", "seed", "population", "phases", "transitions", "channels", "effects",
    "segments", "seasonality", "import", "currency",
  ]
  /// Keys of the `import:` block: the column of each role in event tables.
  static let importKeys = ["customer", "time", "stage", "channel", "revenue"]
  static let maxPhases = Limits.maxPhases
  static let maxChannels = Limits.maxChannels
  static let maxRelevantChannels = Limits.maxRelevantChannels
  static let maxHorizon = Limits.maxHorizon
  static let maxCustomers = Limits.maxCustomers
  static let tolerance = 1e-9

  let reader: NodeReader
  var period: PeriodUnit = .week
  var horizon: Int?
  var phases: [Phase] = []
  var phaseIndex: [String: Int] = [:]
  var phasesComplete = false
  var channels: [Channel] = []
  var channelIndex: [String: Int] = [:]
  /// Every name under `channels`, including channels with errors.
  var declaredChannels: [String] = []
  var channelsComplete = true
  /// Every phase name read, including phases with errors.
  var declaredPhases: Set<String> = []

  init(reader: NodeReader) {
    self.reader = reader
  }

  func scenario(_ root: Node) -> Scenario? {
    guard
      let top = reader.fields(
        root, "", known: Self.topKeys, required: ["name", "horizon", "population", "phases"],
        expected: "a scenario mapping")
    else { return nil }

    let name = top["name"].flatMap { reader.name($0, top.path("name"), what: "a scenario name") }
    if let node = top["period"] {
      if let word = reader.name(node, top.path("period"), what: "a period") {
        if let unit = PeriodUnit(rawValue: word) {
          period = unit
        } else {
          reader.error(
            .unknownName, at: node, top.path("period"),
            "unknown period \(InputError.echo(word)); expected one of: day, week, month")
        }
      }
    }
    if let node = top["horizon"] {
      horizon = reader.integer(node, top.path("horizon"), what: "horizon", min: 1, max: Self.maxHorizon)
    }
    var seed: UInt64? = 0
    if let node = top["seed"] { seed = reader.unsigned(node, top.path("seed")) }
    var currency: String?
    if let node = top["currency"] { currency = reader.currency(node, top.path("currency")) }

    if let node = top["phases"] { parsePhases(node, top.path("phases")) }
    if let node = top["channels"] {
      parseChannels(node, top.path("channels"))
    }
    let population = top["population"].flatMap { parsePopulation($0, top.path("population")) }
    let segments = parseSegments(top)
    var seasonality: [Double]?
    if let node = top["seasonality"] { seasonality = parseSeasonality(node, top.path("seasonality")) }

    guard let name, let horizon, let seed, let population, let segments, !phases.isEmpty, channelsComplete else {
      return nil
    }
    if top.contains("seasonality") && seasonality == nil { return nil }
    if top.contains("currency") && currency == nil { return nil }
    var importColumns: [String: String] = [:]
    if let node = top["import"] {
      guard let block = reader.fields(node, top.path("import"), known: Self.importKeys, expected: "a mapping of column names")
      else { return nil }
      for key in Self.importKeys {
        guard let value = block[key] else { continue }
        guard let column = reader.name(value, block.path(key), what: "a column name") else { return nil }
        importColumns[key] = column
      }
    }
    var scenario = Scenario(
      name: name, period: period, horizon: horizon, seed: seed, population: population, phases: phases,
      channels: channels, segments: segments, seasonality: seasonality)
    scenario.importColumns = importColumns
    scenario.currency = currency
    return scenario
  }

  // MARK: Names

  var phaseNames: String { NodeReader.names(phases.map(\.name)) }

  /// The index of a phase, reporting unknown names (unless the phase list itself is broken).
  func phase(_ name: String, at node: Node, _ path: String) -> Int? {
    if let i = phaseIndex[name] { return i }
    if phasesComplete && !declaredPhases.contains(name) {
      reader.error(.unknownName, at: node, path, "unknown phase \(InputError.echo(name)); expected one of: \(phaseNames)")
    }
    return nil
  }

  func channel(_ name: String, at node: Node, _ path: String) -> Int? {
    if let c = channelIndex[name] { return c }
    if channelsComplete && !declaredChannels.contains(name) {
      let expected =
        declaredChannels.isEmpty
        ? "no channels are declared" : "expected one of: \(NodeReader.names(declaredChannels))"
      reader.error(.unknownName, at: node, path, "unknown channel \(InputError.echo(name)); \(expected)")
    }
    return nil
  }

  // MARK: Phases

  func parsePhases(_ node: Node, _ path: String) {
    guard let items = reader.list(node, path, expected: "a list of phases") else { return }
    var namesComplete = true
    defer { phasesComplete = namesComplete }
    if items.isEmpty {
      reader.error(.missing, at: node, path, "no phases declared; expected a list of at least one phase")
      return
    }
    // Checked before any phase is read: every table is sized by the phase count.
    if items.count > Self.maxPhases {
      reader.error(.limit, at: node, path, "\(items.count) phases declared; at most \(Self.maxPhases) are allowed")
      namesComplete = false
      return
    }
    var firstLine: [String: Int] = [:]
    for (k, item) in items.enumerated() {
      let itemPath = NodeReader.index(path, k)
      var phase: Phase?
      var nameNode = item
      var namePath = itemPath
      if case .mapping = item {
        guard
          let f = reader.fields(
            item, itemPath, known: ["name", "conversion", "value", "absorbing"], required: ["name"])
        else {
          namesComplete = false
          continue
        }
        guard let n = f["name"] else {
          namesComplete = false
          continue
        }
        nameNode = n
        namePath = f.path("name")
        guard let name = reader.name(n, namePath, what: "a phase name") else {
          namesComplete = false
          continue
        }
        var p = Phase(name: name)
        if let v = f["conversion"], let b = reader.bool(v, f.path("conversion")) { p.isConversion = b }
        if let v = f["absorbing"], let b = reader.bool(v, f.path("absorbing")) { p.isAbsorbing = b }
        if let v = f["value"],
          let x = reader.number(
            v, f.path("value"), what: "value", min: 0, expected: "is negative; expected a number ≥ 0",
            limit: Limits.maxValue)
        {
          p.value = x
        }
        phase = p
      } else if case .scalar = item {
        guard let name = reader.name(item, itemPath, what: "a phase name") else {
          namesComplete = false
          continue
        }
        phase = Phase(name: name)
      } else {
        reader.error(.type, at: item, itemPath, "expected a phase name or a mapping, found \(reader.describe(item))")
        namesComplete = false
        continue
      }
      guard let phase else { continue }
      declaredPhases.insert(phase.name)
      if phase.name.contains("->") {
        reader.error(.notAllowed, at: nameNode, namePath, "phase name \(InputError.echo(phase.name)) must not contain '->'")
        continue
      }
      if let line = firstLine[phase.name] {
        reader.error(
          .duplicate, at: nameNode, namePath, "duplicate phase name \(InputError.echo(phase.name)) (first at line \(line))")
        continue
      }
      firstLine[phase.name] = nameNode.mark?.line ?? 0
      phaseIndex[phase.name] = phases.count
      phases.append(phase)
    }
  }

  // MARK: Population

  func parsePopulation(_ node: Node, _ path: String) -> Scenario.Population? {
    guard let f = reader.fields(node, path, known: ["size", "initial", "arrivals"], required: ["size"]) else {
      return nil
    }
    let size = f["size"].flatMap {
      reader.integer($0, f.path("size"), what: "population size", min: 1, max: Self.maxCustomers)
    }
    let n = phases.count
    var firstOnly = [Double](repeating: 0, count: n)
    if n > 0 { firstOnly[0] = 1 }
    var initial: [Double]? = firstOnly
    if let v = f["initial"] { initial = parseShares(v, f.path("initial"), what: "initial shares") }
    var arrivals: Int? = 0
    var arrivalPhases: [Double]? = firstOnly
    if let v = f["arrivals"] {
      let p = f.path("arrivals")
      if case .mapping = v {
        if let a = reader.fields(v, p, known: ["count", "phases"], required: ["count"]) {
          arrivals = a["count"].flatMap {
            reader.integer($0, a.path("count"), what: "arrivals", min: 0, max: Self.maxCustomers)
          }
          if a["count"] == nil { arrivals = nil }
          if let s = a["phases"] { arrivalPhases = parseShares(s, a.path("phases"), what: "arrival shares") }
        } else {
          arrivals = nil
        }
      } else {
        arrivals = reader.integer(v, p, what: "arrivals", min: 0, max: Self.maxCustomers)
      }
    }
    guard let size, let initial, let arrivals, let arrivalPhases, n > 0 else { return nil }
    return Scenario.Population(size: size, initial: initial, arrivals: arrivals, arrivalPhases: arrivalPhases)
  }

  /// `{phase: share}` with shares in [0, 1] summing to 1; missing phases get 0.
  func parseShares(_ node: Node, _ path: String, what: String) -> [Double]? {
    guard let entries = reader.entries(node, path, expected: "a mapping of phase to share") else { return nil }
    var shares = [Double](repeating: 0, count: phases.count)
    var ok = true
    var sum = 0.0
    for e in entries {
      let i = phase(e.key, at: e.keyNode, e.path)
      let share = reader.number(
        e.value, e.path, what: "share", min: 0, max: 1, expected: "is outside [0, 1]")
      guard let i, let share else {
        ok = false
        continue
      }
      shares[i] = share
      sum += share
    }
    guard ok else { return nil }
    if abs(sum - 1) > Self.tolerance {
      reader.error(.sum, at: node, path, "\(what) sum to \(Self.format(sum)); expected 1")
      return nil
    }
    return shares
  }

  // MARK: Seasonality

  func parseSeasonality(_ node: Node, _ path: String) -> [Double]? {
    guard let items = reader.list(node, path, expected: "a list of numbers") else { return nil }
    guard !items.isEmpty else {
      reader.error(.missing, at: node, path, "the list is empty; expected at least one multiplier")
      return nil
    }
    guard items.count <= Limits.maxSeasonality else {
      reader.error(
        .limit, at: node, path, "\(items.count) multipliers; at most \(Limits.maxSeasonality) are allowed")
      return nil
    }
    var values: [Double] = []
    for (k, item) in items.enumerated() {
      if let v = reader.number(
        item, NodeReader.index(path, k), what: "multiplier", min: 0, minOpen: true,
        expected: "is not positive; expected a number > 0", limit: Limits.maxFactor)
      {
        values.append(v)
      }
    }
    return values.count == items.count ? values : nil
  }

  /// A number in messages: integers without a fraction, others with up to 12 significant digits.
  static func format(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
    return String(format: "%.12g", x)
  }
}
