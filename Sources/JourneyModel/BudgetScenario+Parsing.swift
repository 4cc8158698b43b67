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
  public static let maxReplicates = 100_000

  /// Whether a file looks like a budget scenario (a top-level `plans` key) rather than a
  /// scenario.
  public static func isBudgetFile(path: String) -> Bool {
    guard let data = FileManager.default.contents(atPath: path) else { return false }
    let text = String(decoding: data, as: UTF8.self)
    return text.range(of: #"(?m)^plans\s*:"#, options: .regularExpression) != nil
      || (text.contains("\"plans\"") && text.contains("\"model\""))
  }

  /// Reads and validates a budget scenario, its model and (when named) its fit report.
  ///
  /// - Parameter path: The budget file; errors name it as given.
  /// - Throws: ``InputErrors`` with every problem found: those of the budget file (in file
  ///   order), then those of the model file and of the fit report, each naming its file.
  public static func load(path: String) throws(InputErrors) -> BudgetScenario {
    let text = try readText(path)
    return try parse(text: text, file: path)
  }

  /// Parses a budget scenario; `model` and `fit` paths are resolved relative to `file`.
  public static func parse(text: String, file: String) throws(InputErrors) -> BudgetScenario {
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
      root = node
    }
    let parser = BudgetParser(reader: reader)
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

  static func readText(_ path: String) throws(InputErrors) -> String {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw InputErrors([InputError(.io, file: path, "cannot read the file: no such file")])
    }
    guard !isDirectory.boolValue else {
      throw InputErrors([InputError(.io, file: path, "cannot read the file: it is a directory")])
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw InputErrors([InputError(.io, file: path, "cannot read the file: permission denied")])
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw InputErrors([InputError(.syntax, file: path, "the file is not valid UTF-8 text")])
    }
    return text
  }

  /// `relative` resolved against the directory of `file` (absolute paths stay as they are).
  static func resolve(_ relative: String, from file: String) -> String {
    if relative.hasPrefix("/") { return relative }
    let directory = (file as NSString).deletingLastPathComponent
    return directory.isEmpty ? relative : (directory as NSString).appendingPathComponent(relative)
  }
}

final class BudgetParser {
  static let topKeys = ["name", "model", "fit", "horizon", "start", "seed", "replicates", "plans"]
  static let planKeys = ["name", "scale", "shift", "flights", "total"]

  let reader: NodeReader
  var model: Scenario?
  var horizon: Int?
  /// Errors found in the model file or the fit report.
  var otherFileErrors: [InputError] = []

  init(reader: NodeReader) { self.reader = reader }

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
      var isDirectory: ObjCBool = false
      if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || isDirectory.boolValue {
        let what = isDirectory.boolValue ? "is a directory" : "does not exist"
        reader.error(
          .io, at: node, top.path("model"),
          "model file '\(path)' \(what); expected a scenario or fitted model file (paths are relative to the budget file)")
      } else {
        do {
          model = try Scenario.load(path: path)
        } catch {
          reader.error(
            .notAllowed, at: node, top.path("model"), "model file '\(path)' has \(count(error.errors.count, "error"))")
          otherFileErrors += error.errors
        }
      }
    }
    horizon = model?.horizon
    if let node = top["horizon"] {
      horizon = reader.integer(node, top.path("horizon"), what: "horizon", min: 1, max: ScenarioParser.maxHorizon)
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
    if let node = top["plans"] { plans = parsePlans(node, top.path("plans")) }
    var fitPath: String?
    var fit: ParameterCovariance?
    var fitOK = true
    if let node = top["fit"], !(node.tagName == .null) {
      if let relative = reader.name(node, top.path("fit"), what: "a fit report path or null") {
        let path = BudgetScenario.resolve(relative, from: reader.file)
        fitPath = path
        if !FileManager.default.fileExists(atPath: path) {
          reader.error(
            .io, at: node, top.path("fit"),
            "fit report '\(path)' does not exist; expected a fit report JSON with parameter covariance, or null")
          fitOK = false
        } else if let model {
          do {
            fit = try ParameterCovariance.load(path: path, model: model)
          } catch {
            reader.error(
              .notAllowed, at: node, top.path("fit"), "fit report '\(path)' has \(count(error.errors.count, "error"))")
            otherFileErrors += error.errors
            fitOK = false
          }
        }
      } else {
        fitOK = false
      }
    }
    guard let name, let modelPath, let model, let horizon, let seed, let replicates, let start, let plans, fitOK
    else { return nil }
    return BudgetScenario(
      name: name, file: reader.file, modelPath: modelPath, model: model, fitPath: fitPath, fit: fit,
      horizon: horizon, start: start, seed: seed, replicates: replicates, plans: plans)
  }

  func count(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }

  // MARK: Start

  /// Customers per phase at the end of a history file (`fit.json` or `summary.json`).
  func historyStart(_ node: Node, _ path: String, model: Scenario) -> BudgetScenario.Start? {
    guard let relative = reader.name(node, path, what: "a fit report or simulation summary path") else { return nil }
    let file = BudgetScenario.resolve(relative, from: reader.file)
    let expected = "a journey fit report (fit.json, with history_end) or a journey simulate summary (summary.json, with final)"
    guard let data = FileManager.default.contents(atPath: file) else {
      reader.error(.io, at: node, path, "history file '\(file)' cannot be read; expected \(expected)")
      return nil
    }
    guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      reader.error(.syntax, at: node, path, "history file '\(file)' is not valid JSON; expected \(expected)")
      return nil
    }
    // `history_end` (fit.json, and summary.json from this version on) is a full start
    // state; an older summary.json has only `final`, the state after its `horizon` periods.
    let object: [String: Any]
    if let end = json["history_end"] as? [String: Any] {
      object = end
    } else if let final = json["final"] {
      object = ["period": (json["horizon"] as? NSNumber)?.intValue ?? 0, "counts": final]
    } else {
      reader.error(.missing, at: node, path, "history file '\(file)' has neither history_end.counts nor final; expected \(expected)")
      return nil
    }
    // A fit's history_end without forecast_start stands at the last logged period.
    let isFit = json["history_end"] != nil && json["final"] == nil
    switch StartState.parse(object, model: model, defaultForecastStart: { isFit ? $0 + 1 : $0 }) {
    case .success(let state): return .state(state)
    case .failure(let e):
      reader.error(
        e.message.contains("does not have") ? .unknownName : .range, at: node, path, "history file '\(file)' \(e.message)")
      return nil
    }
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
          "unknown phase '\(e.key)'; expected one of: \(model.phases.map(\.name).joined(separator: ", "))")
      }
      let n = reader.integer(e.value, e.path, what: "count", min: 0, max: ScenarioParser.maxCustomers)
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
        reader.error(.duplicate, at: nameNode, f.path("name"), "duplicate plan name '\(name)' (first at line \(line))")
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
            e.value, e.path, what: "scale", min: 0, expected: "is negative; expected a factor ≥ 0")
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
      if let t = reader.number(node, f.path("total"), what: "total", min: 0, expected: "is negative; expected a factor ≥ 0") {
        plan.total = t
      } else {
        ok = false
      }
    }
    return ok ? plan : nil
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
      reader.error(.notAllowed, at: node, path, "shift from '\(model?.channels[from].name ?? "")' to itself")
      return nil
    }
    return BudgetPlan.Shift(from: from, to: to, fraction: fraction)
  }


  /// The index of a paid channel of the model, reporting unknown and organic channels.
  func paidChannel(_ name: String, at node: Node, _ path: String) -> Int? {
    guard let model else { return nil }
    let paid = model.channels.filter(\.isPaid).map(\.name).joined(separator: ", ")
    guard let c = model.channelIndex(named: name) else {
      reader.error(
        .unknownName, at: node, path,
        "unknown channel '\(name)'; expected one of the model's paid channels: \(paid.isEmpty ? "(none)" : paid)")
      return nil
    }
    guard model.channels[c].isPaid else {
      reader.error(
        .notAllowed, at: node, path,
        "'\(name)' is an organic channel, not a paid one; budgets apply to the paid channels: \(paid)")
      return nil
    }
    return c
  }
}
