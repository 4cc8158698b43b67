import Foundation
import Yams

extension ScenarioParser {
  static let periodWords: [PeriodUnit: String] = [.day: "daily", .week: "weekly", .month: "monthly"]

  func parseChannels(_ node: Node, _ path: String) {
    guard let entries = reader.entries(node, path, expected: "a mapping of channel name to channel") else {
      channelsComplete = false
      return
    }
    // Checked before any channel is read: every effect table is sized by the channel count.
    if entries.count > Self.maxChannels {
      reader.error(
        .limit, at: node, path, "\(entries.count) channels declared; at most \(Self.maxChannels) are allowed")
      channelsComplete = false
      return
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
              "an organic channel has no \(InputError.echo(key)); a channel is either paid (spend, adstock, reach) or organic")
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
      reader.number(
        $0, f.path("rate"), what: "rate", min: 0, expected: "is negative; expected a number ≥ 0",
        limit: Limits.maxFactor)
    }
    guard let driver, let rate else { return nil }
    return .organic(driver: driver, rate: rate)
  }

  func parsePaid(_ f: NodeReader.Fields) -> Channel.Kind? {
    for key in ["spend", "reach"] where !f.contains(key) {
      reader.error(
        .missing, at: f.node, f.path,
        "missing required key \(InputError.echo(key)) (a paid channel needs spend and reach; an organic one needs 'organic')")
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
        expected: "is not positive; expected an adstock > 0", limit: Limits.maxHalfSaturation)
    }
    if let v = f["shape"] {
      shape = reader.number(
        v, f.path("shape"), what: "shape", min: 0, minOpen: true, expected: "is not positive; expected a number > 0",
        limit: Limits.maxShape)
    }
    guard let max, let half, let shape else { return nil }
    return HillReach(max: max, half: half, shape: shape)
  }

  // MARK: Spend

  func spendAmount(_ node: Node, _ path: String) -> Double? {
    reader.number(
      node, path, what: "spend", min: 0, expected: "is negative; expected a number ≥ 0", limit: Limits.maxSpend)
  }

  func spendList(_ node: Node, _ path: String) -> [Double]? {
    guard let items = reader.list(node, path, expected: "a list of spends") else { return nil }
    guard items.count <= Limits.maxSpendValues else {
      reader.error(
        .limit, at: node, path, "\(items.count) spend values; at most \(Limits.maxSpendValues) are allowed")
      return nil
    }
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
          "\(InputError.echo(word)) spend in a scenario with period \(InputError.echo(period.rawValue)); expected \(InputError.echo(ownWord)) or 'per_period'")
        ok = false
      }
    }
    let given = amountKeys.filter { f.contains($0) }
    if given.count > 1 {
      let second = f.entries[given[1]]
      reader.error(
        .notAllowed, at: second?.keyNode ?? node, second?.path ?? path,
        "give only one of \(given.map { "\(InputError.echo($0))" }.joined(separator: ", "))")
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
        v, f.path("scale"), what: "scale", min: 0, expected: "is negative; expected a number ≥ 0",
        limit: Limits.maxFactor)
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
      reader.error(.missing, at: f.node, f.path, "\(InputError.echo(only.key)) without \(InputError.echo(other)); pulsing needs both")
      ok = false
    }
    if ok, case let peak = plan.peak, peak > Limits.maxSpend {
      reader.error(
        .range, at: node, path,
        "spend reaches \(Self.format(peak)) in one period with its scale and flights; "
          + "at most \(NodeReader.format(Limits.maxSpend)) is allowed")
      return nil
    }
    return ok ? plan : nil
  }

}

extension SpendPlan {
  /// An upper bound of the spend in any one period: the largest amount times the largest
  /// product of overlapping flight scales.
  ///
  /// - Complexity: O(f log f) for f flights.
  var peak: Double {
    let top = perPeriod?.max() ?? base
    return top * Self.peakFactor(flights.map { ($0.from, $0.to, $0.scale) })
  }

  /// The largest product of the scales of the flights `(from, to, scale)` that overlap in
  /// one period (1 where none does), by a sweep over their ends in log space.
  static func peakFactor(_ flights: [(from: Int, to: Int, scale: Double)]) -> Double {
    guard !flights.isEmpty else { return 1 }
    var events: [(at: Int, log: Double, zeros: Int)] = []
    events.reserveCapacity(2 * flights.count)
    for f in flights {
      let zero = f.scale == 0
      let log = zero ? 0 : Foundation.log(f.scale)
      events.append((f.from, log, zero ? 1 : 0))
      events.append((f.to + 1, -log, zero ? -1 : 0))
    }
    events.sort { $0.at < $1.at }
    var best = 0.0
    var sum = 0.0
    var zeros = 0
    var k = 0
    while k < events.count {
      let at = events[k].at
      while k < events.count, events[k].at == at {
        sum += events[k].log
        zeros += events[k].zeros
        k += 1
      }
      if zeros == 0 { best = Swift.max(best, sum) }
    }
    return Foundation.exp(best)
  }
}
