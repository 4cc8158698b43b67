import Foundation
import Yams

/// Reading budget scenario files.
///
/// # Budget scenario format
///
/// One YAML (or JSON) document:
///
/// | key | type | default | meaning |
/// | --- | --- | --- | --- |
/// | `name` | string | required | budget scenario name (default results folder) |
/// | `model` | path | required | scenario or fitted model file, relative to this file |
/// | `fit` | path or null | null | fit report with parameter covariance, relative to this file |
/// | `horizon` | integer 1…100000 | the model's | periods to forecast |
/// | `start` | `initial`, `{phase: count}` or `{history: path}` | `initial` | starting population |
/// | `seed` | integer 0…2⁶⁴−1 | the model's | random seed |
/// | `replicates` | integer 1…100000 | 1000 | Monte Carlo replicates |
/// | `plans` | list (≥ 1) | required | budget plans; the first is the baseline |
/// | `currency` | ISO 4217 code (`EUR`) | the model's | the currency of spend; must match the model's when both name one |
///
/// A plan is `{ name, scale: {channel: factor ≥ 0}, shift: {from, to, fraction in [0, 1]}
/// (or a list of them), flights: {channel: [{from, to, scale ≥ 0}]}, total: factor ≥ 0 }`;
/// every key but `name` is optional and they combine (applied in the order scale, shift,
/// flights, total). Channels must be paid channels of the model. Plan names are unique.
///
/// `start: { history: path }` continues from the end of a history: the path (relative to
/// this file) is a `journey fit` report or a `journey simulate` summary, whose
/// `history_end` is a ``StartState`` (customers per segment and phase, the calendar period,
/// the adstock carried over; see `docs/continuation.md`). The forecast's period 0 is the
/// calendar period after the history; plans' flights stay 0-based in the horizon. A summary
/// without `history_end` continues from its `final` counts at period `horizon`.
extension BudgetScenario {
  /// Monte Carlo replicates: at most ``Limits/maxReplicates``.
  public static let maxReplicates = Limits.maxReplicates

  /// Whether a document looks like a budget scenario (a top-level `plans` key) rather
  /// than a scenario.
  public static func isBudgetText(_ text: String) -> Bool {
    text.range(of: #"(?m)^plans\s*:"#, options: .regularExpression) != nil
      || (text.contains("\"plans\"") && text.contains("\"model\""))
  }

  /// Parses a budget scenario; `model` and `fit` paths are resolved relative to `file`
  /// and opened through `files` (JourneyFormats' `BudgetScenario.load(path:)` reads them
  /// from disk).
  ///
  /// - Throws: ``InputErrors`` with every problem found: those of the budget file (in file
  ///   order), then those of the model file and of the fit report, each naming its file.
  public static func parse(text: String, file: String, files: BudgetScenarioFiles) throws(InputErrors) -> BudgetScenario {
    let reader = NodeReader(file: file)
    let root: Node
    switch TolerantComposer.compose(text, reader: reader) {
    case .failed(let error):
      throw InputErrors([error])
    case .empty:
      throw InputErrors([InputError(.empty, file: file, "the file is empty; expected a budget scenario")])
    case .document(let node):
      if case .scalar = node, node.tagName == .null {
        throw InputErrors([InputError(.empty, file: file, "the document is empty; expected a budget scenario")])
      }
      if let error = reader.notAMapping(node, what: "a budget scenario", keys: "name, model and plans") {
        throw InputErrors([error])
      }
      root = node
    }
    let parser = BudgetParser(reader: reader, files: files)
    let budget = parser.budget(root)
    let own = reader.errors.enumerated().sorted { a, b in
      let la = (a.element.line ?? 0, a.element.column ?? 0)
      let lb = (b.element.line ?? 0, b.element.column ?? 0)
      return la != lb ? la < lb : a.offset < b.offset
    }.map(\.element)
    let all = own + parser.otherFileErrors
    guard all.isEmpty, let budget else {
      throw InputErrors(all.isEmpty ? [InputError(.syntax, file: file, "the budget scenario could not be read")] : all)
    }
    return budget
  }

  /// `relative` resolved against the directory of `file` (absolute paths stay as they are).
  public static func resolve(_ relative: String, from file: String) -> String {
    if relative.hasPrefix("/") { return relative }
    let directory = (file as NSString).deletingLastPathComponent
    return directory.isEmpty ? relative : (directory as NSString).appendingPathComponent(relative)
  }
}

/// The files a budget scenario names, opened on its parser's behalf: JourneyModel parses
/// text and reads no files itself.
public struct BudgetScenarioFiles {
  /// A file looked up by path.
  public enum Opened<Value> {
    case missing
    case directory
    /// The file exists but has errors (each naming the file).
    case failed(InputErrors)
    case loaded(Value)
  }

  /// Why a `start: { history: path }` file gave no counts.
  public enum HistoryProblem: Error {
    /// It cannot be read.
    case unreadable
    /// It is not a fit report or simulation summary (the decoding error).
    case invalid(InputError)
    /// It has neither `history_end` nor `final`.
    case noCounts
    /// Its state does not fit the model (`message` says why, without the file name).
    case badState(kind: InputError.Kind, message: String)
  }

  /// The scenario (or fitted model) at a path.
  public var model: (_ path: String) -> Opened<Scenario>
  /// The parameter covariance of the fit report at a path, checked against the model.
  public var fit: (_ path: String, _ model: Scenario) -> Opened<ParameterCovariance>
  /// The state at the end of the history at a path, read against the model.
  public var history: (_ path: String, _ model: Scenario) -> Result<StartState, HistoryProblem>

  public init(
    model: @escaping (_ path: String) -> Opened<Scenario>,
    fit: @escaping (_ path: String, _ model: Scenario) -> Opened<ParameterCovariance>,
    history: @escaping (_ path: String, _ model: Scenario) -> Result<StartState, HistoryProblem>
  ) {
    self.model = model
    self.fit = fit
    self.history = history
  }
}

final class BudgetParser {
  static let topKeys = ["name", "model", "fit", "horizon", "start", "seed", "replicates", "plans", "currency"]
  static let planKeys = ["name", "scale", "shift", "flights", "total"]

  let reader: NodeReader
  let files: BudgetScenarioFiles
  var model: Scenario?
  var horizon: Int?
  /// Errors found in the model file or the fit report.
  var otherFileErrors: [InputError] = []

  init(reader: NodeReader, files: BudgetScenarioFiles) {
    self.reader = reader
    self.files = files
  }

  func budget(_ root: Node) -> BudgetScenario? {
    guard
      let top = reader.fields(
        root, "", known: Self.topKeys, required: ["name", "model", "plans"], expected: "a budget scenario mapping")
    else { return nil }
    let name = top["name"].flatMap { reader.name($0, top.path("name"), what: "a budget scenario name") }
    var modelPath: String?
    if let node = top["model"], let relative = reader.name(node, top.path("model"), what: "a model file path") {
      let path = BudgetScenario.resolve(relative, from: reader.file)
      modelPath = path
      let opened = files.model(path)
      switch opened {
      case .missing, .directory:
        var what = "does not exist"
        if case .directory = opened { what = "is a directory" }
        reader.error(
          .io, at: node, top.path("model"),
          "model file \(InputError.echo(path)) \(what); expected a scenario or fitted model file (paths are relative to the budget file)")
      case .failed(let error):
        reader.error(
          .notAllowed, at: node, top.path("model"), "model file \(InputError.echo(path)) has \(count(error.errors.count, "error"))")
        otherFileErrors += error.errors
      case .loaded(let scenario):
        model = scenario
      }
    }
    horizon = model?.horizon
    if let node = top["horizon"] {
      horizon = reader.integer(node, top.path("horizon"), what: "horizon", min: 1, max: Limits.maxHorizon)
    }
    var seed: UInt64? = model?.seed ?? 0
    if let node = top["seed"] { seed = reader.unsigned(node, top.path("seed")) }
    var replicates: Int? = 1000
    if let node = top["replicates"] {
      replicates = reader.integer(
        node, top.path("replicates"), what: "replicates", min: 1, max: BudgetScenario.maxReplicates)
    }
    var start: BudgetScenario.Start? = .initial
    if let node = top["start"] { start = parseStart(node, top.path("start")) }
    var plans: [BudgetPlan]?
    if let node = top["plans"] {
      // The forecast keeps figures per replicate, plan and period: check the product before
      // reading the plans.
      if case .sequence(let items) = node, let horizon, let replicates,
        case let figures = Double(replicates) * Double(items.count) * Double(horizon),
        figures > Double(Limits.maxForecastFigures)
      {
        reader.error(
          .limit, at: node, top.path("plans"),
          "\(replicates) replicates × \(items.count) plans × \(horizon) periods is "
            + "\(NodeReader.format(figures)) figures; at most \(Limits.maxForecastFigures) are allowed "
            + "(lower replicates or horizon, or split the plans)")
      } else {
        plans = parsePlans(node, top.path("plans"))
      }
    }
    var fitPath: String?
    var fit: ParameterCovariance?
    var fitOK = true
    if let node = top["fit"], !(node.tagName == .null) {
      if let relative = reader.name(node, top.path("fit"), what: "a fit report path or null") {
        let path = BudgetScenario.resolve(relative, from: reader.file)
        fitPath = path
        if let model {
          switch files.fit(path, model) {
          case .missing:
            reader.error(
              .io, at: node, top.path("fit"),
              "fit report \(InputError.echo(path)) does not exist; expected a fit report JSON with parameter covariance, or null")
            fitOK = false
          case .directory:
            reader.error(.io, at: node, top.path("fit"), "fit report \(InputError.echo(path)) is a directory; expected a fit report JSON")
            fitOK = false
          case .failed(let error):
            reader.error(
              .notAllowed, at: node, top.path("fit"), "fit report \(InputError.echo(path)) has \(count(error.errors.count, "error"))")
            otherFileErrors += error.errors
            fitOK = false
          case .loaded(let covariance):
            fit = covariance
          }
        }
      } else {
        fitOK = false
      }
    }
    var currency = model?.currency
    var currencyOK = true
    if let node = top["currency"] {
      if let code = reader.currency(node, top.path("currency")) {
        if let modelCurrency = model?.currency, modelCurrency != code {
          reader.error(
            .notAllowed, at: node, top.path("currency"),
            "currency \(code) differs from the model's \(modelCurrency); expected \(modelCurrency) or no currency key")
          currencyOK = false
        }
        currency = code
      } else {
        currencyOK = false
      }
    }
    guard let name, let modelPath, var model, let horizon, let seed, let replicates, let start, let plans, fitOK,
      currencyOK
    else { return nil }
    model.currency = currency
    var budget = BudgetScenario(
      name: name, file: reader.file, modelPath: modelPath, model: model, fitPath: fitPath, fit: fit,
      horizon: horizon, start: start, seed: seed, replicates: replicates, plans: plans)
    if case .state = start, let node = top["start"], let entries = reader.entries(node, top.path("start")),
      entries.count == 1, entries[0].key == "history", case .scalar(let value) = entries[0].value
    {
      budget.historyPath = BudgetScenario.resolve(value.string, from: reader.file)
    }
    return budget
  }

  func count(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }

  // MARK: Start

  /// The state at the end of a history file (`fit.json` or `summary.json`).
  func historyStart(_ node: Node, _ path: String, model: Scenario) -> BudgetScenario.Start? {
    guard let relative = reader.name(node, path, what: "a fit report or simulation summary path") else { return nil }
    let file = BudgetScenario.resolve(relative, from: reader.file)
    let expected = "a journey fit report (fit.json, with history_end) or a journey simulate summary (summary.json, with final)"
    switch files.history(file, model) {
    case .success(let state):
      return .state(state)
    case .failure(.unreadable):
      reader.error(.io, at: node, path, "history file \(InputError.echo(file)) cannot be read; expected \(expected)")
    case .failure(.invalid(let error)):
      reader.error(error.kind, at: node, path, "history file \(error); expected \(expected)")
    case .failure(.noCounts):
      reader.error(.missing, at: node, path, "history file \(InputError.echo(file)) has neither history_end.counts nor final; expected \(expected)")
    case .failure(.badState(let kind, let message)):
      reader.error(kind, at: node, path, "history file \(InputError.echo(file)) \(message)")
    }
    return nil
  }

  func parseStart(_ node: Node, _ path: String) -> BudgetScenario.Start? {
    if case .scalar(let s) = node {
      if s.string == "initial" { return .initial }
      reader.error(
        .type, at: node, path, "expected 'initial' or a mapping {phase: count}, found \(reader.describe(node))")
      return nil
    }
    guard let entries = reader.entries(node, path, expected: "'initial' or a mapping {phase: count}") else {
      return nil
    }
    guard let model else { return nil }
    if entries.count == 1, entries[0].key == "history" {
      return historyStart(entries[0].value, entries[0].path, model: model)
    }
    var counts = [Int](repeating: 0, count: model.phaseCount)
    var ok = true
    for e in entries {
      let i = model.phaseIndex(named: e.key)
      if i == nil {
        reader.error(
          .unknownName, at: e.keyNode, e.path,
          "unknown phase \(InputError.echo(e.key)); expected one of: \(NodeReader.names(model.phases.map(\.name)))")
      }
      let n = reader.integer(e.value, e.path, what: "count", min: 0, max: Limits.maxCustomers)
      guard let i, let n else {
        ok = false
        continue
      }
      counts[i] = n
    }
    guard ok else { return nil }
    if counts.reduce(0, +) == 0 {
      reader.error(.range, at: node, path, "the starting counts sum to 0; expected at least one customer")
      return nil
    }
    return .counts(counts)
  }

  // MARK: Plans

  func parsePlans(_ node: Node, _ path: String) -> [BudgetPlan]? {
    guard let items = reader.list(node, path, expected: "a list of plans") else { return nil }
    if items.isEmpty {
      reader.error(.missing, at: node, path, "no plans; expected at least one (the first is the baseline)")
      return nil
    }
    guard items.count <= Limits.maxPlans else {
      reader.error(.limit, at: node, path, "\(items.count) plans; at most \(Limits.maxPlans) are allowed")
      return nil
    }
    var plans: [BudgetPlan] = []
    var firstLine: [String: Int] = [:]
    var ok = true
    for (k, item) in items.enumerated() {
      let p = NodeReader.index(path, k)
      guard let f = reader.fields(item, p, known: Self.planKeys, required: ["name"], expected: "a plan mapping"),
        let nameNode = f["name"], let name = reader.name(nameNode, f.path("name"), what: "a plan name")
      else {
        ok = false
        continue
      }
      if let line = firstLine[name] {
        reader.error(.duplicate, at: nameNode, f.path("name"), "duplicate plan name \(InputError.echo(name)) (first at line \(line))")
        ok = false
      } else {
        firstLine[name] = nameNode.mark?.line ?? 0
      }
      guard let plan = parsePlan(f, name: name) else {
        ok = false
        continue
      }
      plans.append(plan)
    }
    return ok ? plans : nil
  }

  func parsePlan(_ f: NodeReader.Fields, name: String) -> BudgetPlan? {
    var plan = BudgetPlan(name: name)
    var ok = true
    if let node = f["scale"] {
      if let entries = reader.entries(node, f.path("scale"), expected: "a mapping {channel: factor}") {
        for e in entries {
          let c = paidChannel(e.key, at: e.keyNode, e.path)
          let factor = reader.number(
            e.value, e.path, what: "scale", min: 0, expected: "is negative; expected a factor ≥ 0",
            limit: Limits.maxFactor)
          if let c, let factor { plan.scale.append((c, factor)) } else { ok = false }
        }
      } else {
        ok = false
      }
    }
    if let node = f["shift"] {
      let p = f.path("shift")
      let items: [(Node, String)]
      if case .sequence(let seq) = node {
        items = seq.enumerated().map { ($0.element, NodeReader.index(p, $0.offset)) }
      } else {
        items = [(node, p)]
      }
      guard items.count <= Limits.maxShifts else {
        reader.error(.limit, at: node, p, "\(items.count) shifts; at most \(Limits.maxShifts) are allowed")
        return nil
      }
      for (item, ip) in items {
        if let shift = parseShift(item, ip) { plan.shifts.append(shift) } else { ok = false }
      }
    }
    if let node = f["flights"] {
      if let entries = reader.entries(node, f.path("flights"), expected: "a mapping {channel: [flights]}") {
        for e in entries {
          let c = paidChannel(e.key, at: e.keyNode, e.path)
          let flights = reader.flights(e.value, e.path, horizon: horizon)
          if let c, let flights { plan.flights += flights.map { (c, $0) } } else { ok = false }
        }
      } else {
        ok = false
      }
    }
    if let node = f["total"] {
      if let t = reader.number(
        node, f.path("total"), what: "total", min: 0, expected: "is negative; expected a factor ≥ 0",
        limit: Limits.maxFactor)
      {
        plan.total = t
      } else {
        ok = false
      }
    }
    // A plan may not raise the spend in one period above the limit (the model's own spend
    // was checked channel by channel).
    if ok, let model, let peak = peak(of: plan, model: model), peak > Limits.maxSpend,
      let own = self.peak(of: BudgetPlan(name: name), model: model), peak > own
    {
      reader.error(
        .range, at: f.node, f.path,
        "plan \(InputError.echo(name)) can spend up to \(NodeReader.format(peak)) in one period; "
          + "at most \(NodeReader.format(Limits.maxSpend)) is allowed")
      return nil
    }
    return ok ? plan : nil
  }

  /// An upper bound of the spend of all paid channels in one period under `plan`: each
  /// channel's peak times its scale and its largest product of flights, times `total`
  /// (shifts only move spend between channels).
  func peak(of plan: BudgetPlan, model: Scenario) -> Double? {
    var sum = 0.0
    for (c, channel) in model.channels.enumerated() {
      guard case .paid(let spend, _, _) = channel.kind else { continue }
      var factor = 1.0
      for (channel, f) in plan.scale where channel == c { factor *= f }
      let flights = plan.flights.filter { $0.channel == c }.map { ($0.flight.from, $0.flight.to, $0.flight.scale) }
      sum += spend.peak * factor * SpendPlan.peakFactor(flights)
    }
    return sum * (plan.total ?? 1)
  }

  func parseShift(_ node: Node, _ path: String) -> BudgetPlan.Shift? {
    guard let f = reader.fields(node, path, known: ["from", "to", "fraction"], required: ["from", "to", "fraction"])
    else { return nil }
    var from: Int?
    var to: Int?
    if let n = f["from"], let name = reader.name(n, f.path("from"), what: "a channel name") {
      from = paidChannel(name, at: n, f.path("from"))
    }
    if let n = f["to"], let name = reader.name(n, f.path("to"), what: "a channel name") {
      to = paidChannel(name, at: n, f.path("to"))
    }
    var fraction: Double?
    if let n = f["fraction"], let x = reader.number(n, f.path("fraction")) {
      if x > 1 {
        reader.error(
          .range, at: n, f.path("fraction"),
          "fraction \(reader.text(n)) is a shift of more than 100%; expected a number in [0, 1]")
      } else if x < 0 {
        reader.error(.range, at: n, f.path("fraction"), "fraction \(reader.text(n)) is negative; expected a number in [0, 1]")
      } else {
        fraction = x
      }
    }
    guard let from, let to, let fraction else { return nil }
    if from == to {
      reader.error(.notAllowed, at: node, path, "shift from \(InputError.echo(model?.channels[from].name ?? "")) to itself")
      return nil
    }
    return BudgetPlan.Shift(from: from, to: to, fraction: fraction)
  }


  /// The index of a paid channel of the model, reporting unknown and organic channels.
  func paidChannel(_ name: String, at node: Node, _ path: String) -> Int? {
    guard let model else { return nil }
    let paid = NodeReader.names(model.channels.filter(\.isPaid).map(\.name))
    guard let c = model.channelIndex(named: name) else {
      reader.error(
        .unknownName, at: node, path,
        "unknown channel \(InputError.echo(name)); expected one of the model's paid channels: \(paid.isEmpty ? "(none)" : paid)")
      return nil
    }
    guard model.channels[c].isPaid else {
      reader.error(
        .notAllowed, at: node, path,
        "\(InputError.echo(name)) is an organic channel, not a paid one; budgets apply to the paid channels: \(paid)")
      return nil
    }
    return c
  }
}
