import Foundation
import Yams

extension ScenarioParser {
  /// One origin's row under `transitions`: listed targets and their baseline probabilities.
  struct Row {
    var node: Node
    var path: String
    var probabilities: [Int: Double] = [:]
  }

  /// One `from->to` entry under `effects`.
  struct EffectGroup {
    var origin: Int
    var target: Int
    var keyNode: Node
    var path: String
    var lifts: [(channel: Int, beta: Double)] = []
  }

  // MARK: Transitions

  func parseTransitions(_ node: Node, _ path: String) -> [Int: Row] {
    var rows: [Int: Row] = [:]
    guard let entries = reader.entries(node, path, expected: "a mapping of origin phase to targets") else {
      return rows
    }
    for e in entries {
      let origin = phase(e.key, at: e.keyNode, e.path)
      if let origin, phases[origin].isAbsorbing {
        reader.error(
          .notAllowed, at: e.keyNode, e.path,
          "\(InputError.echo(e.key)) is absorbing; an absorbing phase has no transitions")
        continue
      }
      guard let targets = reader.entries(e.value, e.path, expected: "a mapping of target phase to probability")
      else { continue }
      var row = Row(node: e.value, path: e.path)
      var sum = 0.0
      for t in targets {
        let target = phase(t.key, at: t.keyNode, t.path)
        if let target, target == origin {
          reader.error(
            .notAllowed, at: t.keyNode, t.path,
            "\(InputError.echo(t.key)) cannot list itself; staying in \(InputError.echo(t.key)) is the remainder 1 − (sum of the row)")
          continue
        }
        guard
          let p = reader.number(
            t.value, t.path, what: "probability", min: 0, max: 1, expected: "is outside [0, 1]")
        else { continue }
        sum += p
        if let target { row.probabilities[target] = p }
      }
      if sum > 1 + Self.tolerance {
        reader.error(
          .sum, at: e.value, e.path,
          "probabilities out of \(InputError.echo(e.key)) sum to \(Self.format(sum)); expected at most 1 (staying is the remainder)")
      }
      if let origin { rows[origin] = row }
    }
    return rows
  }

  // MARK: Effects

  func parseEffects(_ node: Node, _ path: String) -> [EffectGroup] {
    var groups: [EffectGroup] = []
    guard let entries = reader.entries(node, path, expected: "a mapping of 'from->to' to channel lifts") else {
      return groups
    }
    for e in entries {
      let parts = e.key.components(separatedBy: "->").map { $0.trimmingCharacters(in: .whitespaces) }
      guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
        reader.error(.type, at: e.keyNode, e.path, "malformed transition \(InputError.echo(e.key)); expected 'from->to'")
        continue
      }
      let origin = phase(parts[0], at: e.keyNode, e.path)
      let target = phase(parts[1], at: e.keyNode, e.path)
      guard let lifts = reader.entries(e.value, e.path, expected: "a mapping of channel to log-odds lift") else {
        continue
      }
      var group: EffectGroup?
      if let origin, let target {
        if origin == target {
          reader.error(
            .notAllowed, at: e.keyNode, e.path,
            "\(InputError.echo(e.key)) is staying in \(InputError.echo(parts[0])); effects apply to moves to another phase")
        } else {
          group = EffectGroup(origin: origin, target: target, keyNode: e.keyNode, path: e.path)
        }
      }
      for l in lifts {
        let c = channel(l.key, at: l.keyNode, l.path)
        let beta = reader.number(
          l.value, l.path, what: "lift", min: -Limits.maxLift, max: Limits.maxLift,
          expected: "is outside [−\(NodeReader.format(Limits.maxLift)), \(NodeReader.format(Limits.maxLift))]; "
            + "expected a log-odds lift", type: "a log-odds lift")
        if let c, let beta { group?.lifts.append((c, beta)) }
      }
      if let group { groups.append(group) }
    }
    return groups
  }

  // MARK: Segments

  /// The segments with their full transition parameters: global rows and effects, then
  /// each segment's overrides.
  func parseSegments(_ top: NodeReader.Fields) -> [Segment]? {
    let globalRows = top["transitions"].map { parseTransitions($0, top.path("transitions")) } ?? [:]
    let globalEffects = top["effects"].map { parseEffects($0, top.path("effects")) } ?? []

    struct Spec {
      var name: String
      var share: Double
      var node: Node
      var path: String
      var rows: [Int: Row] = [:]
      var effects: [EffectGroup] = []
      var effectsNode: Node?
    }
    var specs: [Spec] = []
    var ok = true
    if let node = top["segments"] {
      let path = top.path("segments")
      let listed = reader.list(node, path, expected: "a list of segments")
      if let items = listed, items.count > Limits.maxSegments {
        // Checked before any segment is read: each holds its own phases² × channels table.
        reader.error(
          .limit, at: node, path, "\(items.count) segments declared; at most \(Limits.maxSegments) are allowed")
        ok = false
      } else if let items = listed {
        if items.isEmpty {
          reader.error(.missing, at: node, path, "the list is empty; expected at least one segment")
          ok = false
        }
        var firstLine: [String: Int] = [:]
        var sum = 0.0
        var sharesComplete = true
        for (k, item) in items.enumerated() {
          let p = NodeReader.index(path, k)
          guard
            let f = reader.fields(
              item, p, known: ["name", "share", "transitions", "effects"], required: ["name", "share"])
          else {
            ok = false
            sharesComplete = false
            continue
          }
          let name = f["name"].flatMap { reader.name($0, f.path("name"), what: "a segment name") }
          let share = f["share"].flatMap {
            reader.number($0, f.path("share"), what: "share", min: 0, minOpen: true, max: 1, expected: "is outside (0, 1]")
          }
          if let share { sum += share } else { sharesComplete = false }
          if let name, let nameNode = f["name"] {
            if let line = firstLine[name] {
              reader.error(
                .duplicate, at: nameNode, f.path("name"), "duplicate segment name \(InputError.echo(name)) (first at line \(line))")
              ok = false
            }
            firstLine[name] = nameNode.mark?.line ?? 0
          }
          var spec = Spec(name: name ?? "", share: share ?? 0, node: item, path: p)
          if let t = f["transitions"] { spec.rows = parseTransitions(t, f.path("transitions")) }
          if let e = f["effects"] {
            spec.effects = parseEffects(e, f.path("effects"))
            spec.effectsNode = e
          }
          if name == nil || share == nil { ok = false }
          specs.append(spec)
        }
        if sharesComplete && !items.isEmpty && abs(sum - 1) > Self.tolerance {
          reader.error(.sum, at: node, path, "segment shares sum to \(Self.format(sum)); expected 1")
          ok = false
        }
      } else {
        ok = false
      }
    } else {
      specs = [Spec(name: "all", share: 1, node: top.node, path: "")]
    }

    // Effects need a declared transition.
    func declared(_ g: EffectGroup, _ rows: [[Int: Row]]) -> Bool {
      rows.contains { $0[g.origin]?.probabilities[g.target] != nil }
    }
    for g in globalEffects where !declared(g, [globalRows] + specs.map(\.rows)) {
      reportUndeclared(g)
    }
    for spec in specs {
      for g in spec.effects where !declared(g, [globalRows, spec.rows]) { reportUndeclared(g) }
    }

    // Per-origin limit on channels with effects, first on the global effects alone.
    var flaggedOrigins = Set<Int>()
    var seen: [Int: Set<Int>] = [:]
    for g in globalEffects {
      for (c, beta) in g.lifts where beta != 0 {
        seen[g.origin, default: []].insert(c)
        if seen[g.origin]?.count == Self.maxRelevantChannels + 1 && !flaggedOrigins.contains(g.origin) {
          flaggedOrigins.insert(g.origin)
          let total = Set(globalEffects.filter { $0.origin == g.origin }.flatMap { $0.lifts.filter { $0.beta != 0 }.map(\.channel) })
          reportLimit(origin: g.origin, channels: total.sorted(), at: g.keyNode, g.path)
        }
      }
    }

    let n = phases.count
    let channelCount = channels.count
    var segments: [Segment] = []
    for spec in specs {
      var parameters = TransitionParameters(phaseCount: n, channelCount: channelCount)
      for i in Set(globalRows.keys).union(spec.rows.keys).sorted() {
        var merged = globalRows[i]?.probabilities ?? [:]
        if let row = spec.rows[i] {
          merged.merge(row.probabilities) { _, new in new }
          let sum = merged.values.reduce(0, +)
          let ownSum = row.probabilities.values.reduce(0, +)
          if sum > 1 + Self.tolerance && ownSum <= 1 + Self.tolerance {
            reader.error(
              .sum, at: row.node, row.path,
              "probabilities out of \(InputError.echo(phases[i].name)) sum to \(Self.format(sum)) together with the global row; expected at most 1"
            )
          }
        }
        for (j, p) in merged.sorted(by: { $0.key < $1.key }) where j != i {
          parameters.setProbability(i, j, p)
        }
      }
      for g in globalEffects + spec.effects where parameters.isAllowed(g.origin, g.target) {
        for (c, beta) in g.lifts { parameters.setEffect(g.origin, g.target, c, beta) }
      }
      for i in 0..<n where !flaggedOrigins.contains(i) {
        let relevant = parameters.relevantChannels(of: i)
        if relevant.count > Self.maxRelevantChannels {
          flaggedOrigins.insert(i)
          reportLimit(
            origin: i, channels: relevant, at: spec.effectsNode ?? spec.node,
            spec.effectsNode == nil ? spec.path : NodeReader.join(spec.path, "effects"))
        }
      }
      segments.append(Segment(name: spec.name, share: spec.share, parameters: parameters))
    }
    return ok ? segments : nil
  }

  func reportUndeclared(_ g: EffectGroup) {
    reader.error(
      .notAllowed, at: g.keyNode, g.path,
      "the transition \(InputError.echo(phases[g.origin].name + "->" + phases[g.target].name)) is not declared under 'transitions'; "
        + "declare it (probability 0 is fine) to give it effects")
  }

  func reportLimit(origin: Int, channels list: [Int], at node: Node, _ path: String) {
    let names = NodeReader.names(list.map { channels[$0].name })
    reader.error(
      .limit, at: node, path,
      "\(list.count) channels have effects on transitions out of \(InputError.echo(phases[origin].name)) (\(names)); "
        + "at most \(Self.maxRelevantChannels) are allowed per origin phase")
  }
}
