import Foundation
import Yams

/// Reading the parameter covariance of a fit report (JSON, or YAML).
///
/// `origins` is required; `reach` (fitted reach curves, ``ReachCurve``) and `organic`
/// (fitted organic rates, ``OrganicRate``) are read when present; other keys of the report
/// are ignored:
///
/// ```json
/// {"origins": [{"origin": "aware",
///               "parameters": [{"kind": "intercept", "target": "considering", "channel": null, "estimate": -2.08},
///                              {"kind": "effect", "target": "considering", "channel": "search", "estimate": 0.8}],
///               "covariance": [[0.0004, -0.0001], [-0.0001, 0.0009]]}]}
/// ```
///
/// `intercept` is `α_ij = log(p_ij / p_ii)`, `effect` is `β_ijc`; `covariance[a][b]` is the
/// covariance of parameters `a` and `b`. A parameter may also be written as a name,
/// `alpha[target]` or `beta[target,channel]`, with the estimates in a parallel list
/// `estimates`.
extension ParameterCovariance {
  /// Parses a fit report's `origins` and checks them against `model` (JourneyFormats'
  /// `ParameterCovariance.load(path:model:)` reads the file and checks its format first).
  ///
  /// - Throws: ``InputErrors`` naming the fit file, line, column and path of every problem.
  public static func parse(text: String, file: String, model: Scenario) throws(InputErrors) -> ParameterCovariance {
    let reader = NodeReader(file: file)
    let root: Node
    switch TolerantComposer.compose(text, reader: reader) {
    case .failed(let error): throw InputErrors([error])
    case .empty:
      throw InputErrors([InputError(.empty, file: file, "the file is empty; expected a fit report with 'origins'")])
    case .document(let node):
      if case .scalar = node, node.tagName == .null {
        throw InputErrors([InputError(.empty, file: file, "the file is empty; expected a fit report with 'origins'")])
      }
      if let error = reader.notAMapping(node, what: "a fit report", keys: "'origins'") { throw InputErrors([error]) }
      root = node
    }
    let result = CovarianceParser(reader: reader, model: model).parse(root)
    guard reader.errors.isEmpty, let result else {
      throw InputErrors(
        reader.errors.isEmpty ? [InputError(.syntax, file: file, "the fit report could not be read")] : reader.errors)
    }
    return result
  }
}

struct CovarianceParser {
  let reader: NodeReader
  let model: Scenario

  func map(_ node: Node, _ path: String) -> [String: NodeReader.Entry]? {
    guard let entries = reader.entries(node, path) else { return nil }
    return Dictionary(entries.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
  }

  func parse(_ root: Node) -> ParameterCovariance? {
    guard let top = map(root, "") else { return nil }
    guard let originsEntry = top["origins"] else {
      reader.error(.missing, at: root, "", "missing required key 'origins' (parameter covariance per origin phase)")
      return nil
    }
    guard let items = reader.list(originsEntry.value, "origins") else { return nil }
    var origins: [ParameterCovariance.Origin] = []
    var seen: Set<String> = []
    for (k, item) in items.enumerated() {
      let p = NodeReader.index("origins", k)
      guard var origin = parseOrigin(item, p) else { continue }
      if let f = map(item, p), let entry = f["segment"], entry.value.tagName != .null {
        guard let name = reader.name(entry.value, entry.path, what: "a segment name") else { continue }
        guard model.segments.contains(where: { $0.name == name }) else {
          reader.error(
            .unknownName, at: entry.value, entry.path,
            "unknown segment \(InputError.echo(name)); expected one of: \(NodeReader.names(model.segments.map(\.name)))")
          continue
        }
        origin.segment = name
      }
      let key = (origin.segment ?? "") + "\u{0}" + String(origin.origin)
      if !seen.insert(key).inserted {
        let inSegment = origin.segment.map { " in segment \(InputError.echo($0))" } ?? ""
        reader.error(.duplicate, at: item, p, "origin \(InputError.echo(model.phases[origin.origin].name)) appears twice\(inSegment)")
        continue
      }
      origins.append(origin)
    }
    guard origins.count == items.count else { return nil }
    var result = ParameterCovariance(origins: origins)
    result.reach = parseReach(top)
    result.organic = parseOrganic(top)
    return result
  }

  func phase(_ node: Node, _ path: String) -> Int? {
    guard let name = reader.name(node, path, what: "a phase name") else { return nil }
    guard let i = model.phaseIndex(named: name) else {
      reader.error(
        .unknownName, at: node, path,
        "unknown phase \(InputError.echo(name)); expected one of: \(NodeReader.names(model.phases.map(\.name)))")
      return nil
    }
    return i
  }

  func channel(_ name: String, at node: Node, _ path: String) -> Int? {
    guard let c = model.channelIndex(named: name) else {
      reader.error(
        .unknownName, at: node, path,
        "unknown channel \(InputError.echo(name)); expected one of: \(NodeReader.names(model.channels.map(\.name)))")
      return nil
    }
    return c
  }

  func parseOrigin(_ node: Node, _ path: String) -> ParameterCovariance.Origin? {
    guard let f = map(node, path) else { return nil }
    for key in ["origin", "parameters", "covariance"] where f[key] == nil {
      reader.error(.missing, at: node, path, "missing required key \(InputError.echo(key))")
    }
    guard let originEntry = f["origin"], let paramsEntry = f["parameters"], let covEntry = f["covariance"] else {
      return nil
    }
    guard let i = phase(originEntry.value, originEntry.path) else { return nil }
    guard let items = reader.list(paramsEntry.value, paramsEntry.path) else { return nil }
    var estimates: [Node]?
    if let e = f["estimates"] { estimates = reader.list(e.value, e.path) }
    var parameters: [ParameterCovariance.Parameter] = []
    for (k, item) in items.enumerated() {
      let p = NodeReader.index(paramsEntry.path, k)
      var parameter: ParameterCovariance.Parameter?
      if case .mapping = item {
        parameter = parseParameter(item, p, origin: i)
      } else if let name = reader.name(item, p, what: "a parameter") {
        guard let estimates, k < estimates.count else {
          reader.error(.missing, at: item, p, "parameter \(InputError.echo(name)) has no estimate; expected a list 'estimates'")
          continue
        }
        guard let x = reader.number(estimates[k], NodeReader.index(path + ".estimates", k)) else { continue }
        parameter = parseNamed(name, estimate: x, at: item, p, origin: i)
      }
      if let parameter { parameters.append(parameter) }
    }
    guard parameters.count == items.count else { return nil }
    for a in parameters.indices {
      for b in parameters.indices where b > a && parameters[b].kind == parameters[a].kind
        && parameters[b].target == parameters[a].target && parameters[b].channel == parameters[a].channel
      {
        reader.error(.duplicate, at: items[b], NodeReader.index(paramsEntry.path, b), "duplicate parameter")
        return nil
      }
    }
    let k = parameters.count
    guard let rows = reader.list(covEntry.value, covEntry.path, expected: "a list of rows") else { return nil }
    guard rows.count == k, k > 0 else {
      reader.error(
        .missing, at: covEntry.value, covEntry.path,
        "\(rows.count) covariance rows for \(k) parameters; expected a \(k) × \(k) matrix"
          + (rows.isEmpty ? " (an empty covariance means the fit could not estimate it)" : ""))
      return nil
    }
    var cov = [Double](repeating: 0, count: k * k)
    var ok = true
    for (r, row) in rows.enumerated() {
      let rp = NodeReader.index(covEntry.path, r)
      guard let cells = reader.list(row, rp) else {
        ok = false
        continue
      }
      guard cells.count == k else {
        reader.error(.missing, at: row, rp, "\(cells.count) values; expected \(k)")
        ok = false
        continue
      }
      for (c, cell) in cells.enumerated() {
        if let x = reader.number(cell, NodeReader.index(rp, c)) { cov[r * k + c] = x } else { ok = false }
      }
    }
    guard ok else { return nil }
    for a in 0..<k {
      if cov[a * k + a] < 0 {
        reader.error(.range, at: rows[a], NodeReader.index(covEntry.path, a), "negative variance \(cov[a * k + a])")
        return nil
      }
      for b in 0..<a {
        let x = cov[a * k + b]
        let y = cov[b * k + a]
        if abs(x - y) > 1e-9 * Swift.max(abs(x), abs(y), 1e-300) && abs(x - y) > 1e-300 {
          reader.error(
            .notAllowed, at: rows[a], NodeReader.index(NodeReader.index(covEntry.path, a), b),
            "covariance is not symmetric: [\(a)][\(b)] = \(x) but [\(b)][\(a)] = \(y)")
          return nil
        }
      }
    }
    return ParameterCovariance.Origin(
      origin: i, parameters: parameters, covariance: cov, path: covEntry.path, line: covEntry.value.mark?.line)
  }

  func parseParameter(_ node: Node, _ path: String, origin i: Int) -> ParameterCovariance.Parameter? {
    guard let f = reader.fields(node, path, known: ["kind", "target", "channel", "estimate", "se", "low", "high"])
    else { return nil }
    for key in ["kind", "target", "estimate"] where !f.contains(key) {
      reader.error(.missing, at: node, path, "missing required key \(InputError.echo(key))")
    }
    guard let kindNode = f["kind"], let targetNode = f["target"], let estimateNode = f["estimate"] else { return nil }
    var kind: ParameterCovariance.Parameter.Kind?
    if let word = reader.name(kindNode, f.path("kind"), what: "'intercept' or 'effect'") {
      kind = ParameterCovariance.Parameter.Kind(rawValue: word)
      if kind == nil {
        reader.error(.unknownName, at: kindNode, f.path("kind"), "unknown kind \(InputError.echo(word)); expected intercept or effect")
      }
    }
    let target = phase(targetNode, f.path("target"))
    let estimate = reader.number(estimateNode, f.path("estimate"))
    var channel: Int?
    var channelOK = true
    if let cn = f["channel"], cn.tagName != .null {
      if let name = reader.name(cn, f.path("channel"), what: "a channel name or null") {
        channel = self.channel(name, at: cn, f.path("channel"))
      }
      channelOK = channel != nil
    }
    guard let kind, let target, let estimate, channelOK else { return nil }
    return check(kind: kind, origin: i, target: target, channel: channel, estimate: estimate, at: node, path)
  }

  /// `alpha[target]` or `beta[target,channel]`.
  func parseNamed(_ name: String, estimate: Double, at node: Node, _ path: String, origin i: Int)
    -> ParameterCovariance.Parameter?
  {
    let trimmed = name.trimmingCharacters(in: .whitespaces)
    guard let open = trimmed.firstIndex(of: "["), trimmed.hasSuffix("]") else {
      reader.error(.type, at: node, path, "parameter \(InputError.echo(name)) is not 'alpha[target]' or 'beta[target,channel]'")
      return nil
    }
    let head = trimmed[..<open]
    let inner = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
    let parts = inner.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let kind: ParameterCovariance.Parameter.Kind
    switch (head, parts.count) {
    case ("alpha", 1): kind = .intercept
    case ("beta", 2): kind = .effect
    default:
      reader.error(.type, at: node, path, "parameter \(InputError.echo(name)) is not 'alpha[target]' or 'beta[target,channel]'")
      return nil
    }
    guard let target = model.phaseIndex(named: parts[0]) else {
      reader.error(
        .unknownName, at: node, path,
        "unknown phase \(InputError.echo(parts[0])); expected one of: \(NodeReader.names(model.phases.map(\.name)))")
      return nil
    }
    var channel: Int?
    if kind == .effect {
      guard let c = self.channel(parts[1], at: node, path) else { return nil }
      channel = c
    }
    return check(kind: kind, origin: i, target: target, channel: channel, estimate: estimate, at: node, path)
  }

  func check(
    kind: ParameterCovariance.Parameter.Kind, origin i: Int, target j: Int, channel: Int?, estimate: Double,
    at node: Node, _ path: String
  ) -> ParameterCovariance.Parameter? {
    let names = model.phases.map(\.name)
    if kind == .effect && channel == nil {
      reader.error(.missing, at: node, path, "an effect needs a channel")
      return nil
    }
    if kind == .intercept && channel != nil {
      reader.error(.notAllowed, at: node, path, "an intercept has no channel; use channel: null")
      return nil
    }
    let declared = model.segments.contains { $0.parameters.isAllowed(i, j) }
    guard j != i, declared else {
      reader.error(
        .notAllowed, at: node, path,
        "the model has no transition \(NodeReader.bounded(names[i] + "->" + names[j])); expected a target of \(InputError.echo(names[i]))")
      return nil
    }
    if kind == .intercept {
      let staying = model.segments.allSatisfy { $0.parameters.probability(i, i) > 0 }
      if !staying {
        reader.error(
          .notAllowed, at: node, path,
          "\(InputError.echo(names[i])) has no probability of staying in the model, so its intercepts log(p_ij/p_ii) are undefined")
        return nil
      }
    }
    return ParameterCovariance.Parameter(kind: kind, target: j, channel: channel, estimate: estimate)
  }
}
