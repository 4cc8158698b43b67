import Foundation
import Yams

extension ScenarioParser {
  static let periodWords: [PeriodUnit: String] = [.day: "daily", .week: "weekly", .month: "monthly"]

  func parseChannels(_ node: Node, _ path: String) {
    guard let entries = reader.entries(node, path, expected: "a mapping of channel name to channel") else {
      channelsComplete = false
      return
    }
    if entries.count > Self.maxChannels {
      reader.error(
        .limit, at: node, path, "\(entries.count) channels declared; at most \(Self.maxChannels) are allowed")
    }
    for e in entries {
      guard !e.key.trimmingCharacters(in: .whitespaces).isEmpty else {
        reader.error(.type, at: e.keyNode, e.path, "expected a channel name, found an empty string")
        continue
      }
      declaredChannels.append(e.key)
      guard
        let f = reader.fields(
          e.value, e.path, known: ["spend", "adstock", "reach", "organic"], expected: "a channel mapping")
      else { continue }
      let kind: Channel.Kind?
      if let organic = f["organic"] {
        for key in ["spend", "adstock", "reach"] {
          if let entry = f.entries[key] {
            reader.error(
              .notAllowed, at: entry.keyNode, entry.path,
              "an organic channel has no '\(key)'; a channel is either paid (spend, adstock, reach) or organic")
          }
        }
        kind = parseOrganic(organic, f.path("organic"))
      } else {
        kind = parsePaid(f)
      }
      if let kind {
        channelIndex[e.key] = channels.count
        channels.append(Channel(name: e.key, kind: kind))
      }
    }
  }

  func parseOrganic(_ node: Node, _ path: String) -> Channel.Kind? {
    guard let f = reader.fields(node, path, known: ["driver", "rate"], required: ["driver", "rate"]) else {
      return nil
    }
    var driver: Int?
    if let d = f["driver"], let name = reader.name(d, f.path("driver"), what: "a phase name") {
      driver = phase(name, at: d, f.path("driver"))
    }
    let rate = f["rate"].flatMap {
      reader.number($0, f.path("rate"), what: "rate", min: 0, expected: "is negative; expected a number ≥ 0")
    }
    guard let driver, let rate else { return nil }
    return .organic(driver: driver, rate: rate)
  }

  func parsePaid(_ f: NodeReader.Fields) -> Channel.Kind? {
    for key in ["spend", "reach"] where !f.contains(key) {
      reader.error(
        .missing, at: f.node, f.path,
        "missing required key '\(key)' (a paid channel needs spend and reach; an organic one needs 'organic')")
    }
    let spend = f["spend"].flatMap { parseSpend($0, f.path("spend")) }
    var adstock: Double? = 0
    if let v = f["adstock"] {
      adstock = reader.number(
        v, f.path("adstock"), what: "adstock", min: 0, max: 1, maxOpen: true,
        expected: "is outside [0, 1); expected the share of last period's adstock carried over")
    }
    let reach = f["reach"].flatMap { parseReach($0, f.path("reach")) }
    guard let spend, let adstock, let reach else { return nil }
    return .paid(spend: spend, adstock: adstock, reach: reach)
  }

  func parseReach(_ node: Node, _ path: String) -> HillReach? {
    guard let f = reader.fields(node, path, known: ["max", "half", "shape"], required: ["half"]) else { return nil }
    var max: Double? = 1
    var shape: Double? = 1
    if let v = f["max"] {
      max = reader.number(
        v, f.path("max"), what: "maximum reach", min: 0, minOpen: true, max: 1, expected: "is outside (0, 1]")
    }
    let half = f["half"].flatMap {
      reader.number(
        $0, f.path("half"), what: "half-saturation", min: 0, minOpen: true,
        expected: "is not positive; expected an adstock > 0")
    }
    if let v = f["shape"] {
      shape = reader.number(
        v, f.path("shape"), what: "shape", min: 0, minOpen: true, expected: "is not positive; expected a number > 0")
    }
    guard let max, let half, let shape else { return nil }
    return HillReach(max: max, half: half, shape: shape)
  }

  // MARK: Spend

  func spendAmount(_ node: Node, _ path: String) -> Double? {
    reader.number(node, path, what: "spend", min: 0, expected: "is negative; expected a number ≥ 0")
  }

  func spendList(_ node: Node, _ path: String) -> [Double]? {
    guard let items = reader.list(node, path, expected: "a list of spends") else { return nil }
    var values: [Double] = []
    for (k, item) in items.enumerated() {
      if let v = spendAmount(item, NodeReader.index(path, k)) { values.append(v) }
    }
    guard values.count == items.count else { return nil }
    if let horizon, values.count < horizon {
      reader.error(
        .missing, at: node, path,
        "\(values.count) spend values for \(horizon) periods; expected one value per period")
      return nil
    }
    return values
  }

  func parseSpend(_ node: Node, _ path: String) -> SpendPlan? {
    switch node {
    case .scalar:
      return spendAmount(node, path).map { SpendPlan(base: $0) }
    case .sequence:
      return spendList(node, path).map { SpendPlan(base: 0, perPeriod: $0) }
    default:
      break
    }
    let ownWord = Self.periodWords[period] ?? "weekly"
    let known = ["per_period", "daily", "weekly", "monthly", "values", "flights", "on", "off", "scale"]
    guard let f = reader.fields(node, path, known: known, expected: "a spend (number, list or mapping)") else {
      return nil
    }
    var ok = true
    let amountKeys = ["per_period", ownWord, "values"]
    for word in Self.periodWords.values.sorted() where word != ownWord {
      if let entry = f.entries[word] {
        reader.error(
          .notAllowed, at: entry.keyNode, entry.path,
          "'\(word)' spend in a scenario with period '\(period.rawValue)'; expected '\(ownWord)' or 'per_period'")
        ok = false
      }
    }
    let given = amountKeys.filter { f.contains($0) }
    if given.count > 1 {
      let second = f.entries[given[1]]
      reader.error(
        .notAllowed, at: second?.keyNode ?? node, second?.path ?? path,
        "give only one of \(given.map { "'\($0)'" }.joined(separator: ", "))")
      ok = false
    } else if given.isEmpty && ok {
      reader.error(
        .missing, at: node, path,
        "missing the amount; expected one of: \(amountKeys.joined(separator: ", "))")
      ok = false
    }
    var plan = SpendPlan(base: 0)
    if let amount = given.first {
      if amount == "values" {
        if let v = spendList(f[amount] ?? node, f.path(amount)) { plan.perPeriod = v } else { ok = false }
      } else if let v = spendAmount(f[amount] ?? node, f.path(amount)) {
        plan.base = v
      } else {
        ok = false
      }
    }
    if let v = f["scale"] {
      if let s = reader.number(
        v, f.path("scale"), what: "scale", min: 0, expected: "is negative; expected a number ≥ 0")
      {
        plan.base *= s
        plan.perPeriod = plan.perPeriod?.map { $0 * s }
      } else {
        ok = false
      }
    }
    if let v = f["flights"] {
      if let flights = reader.flights(v, f.path("flights"), horizon: horizon) { plan.flights = flights } else { ok = false }
    }
    switch (f.entries["on"], f.entries["off"]) {
    case (nil, nil):
      break
    case (let on?, let off?):
      let onCount = reader.integer(on.value, on.path, what: "'on'", min: 1, max: Self.maxHorizon)
      let offCount = reader.integer(off.value, off.path, what: "'off'", min: 0, max: Self.maxHorizon)
      if let onCount, let offCount {
        plan.pulse = SpendPlan.Pulse(on: onCount, off: offCount)
      } else {
        ok = false
      }
    case (let only?, nil), (nil, let only?):
      let other = only.key == "on" ? "off" : "on"
      reader.error(.missing, at: f.node, f.path, "'\(only.key)' without '\(other)'; pulsing needs both")
      ok = false
    }
    return ok ? plan : nil
  }

}
