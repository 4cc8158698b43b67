import Foundation

extension Scenario {
  /// The scenario as a YAML scenario file, in the format read by ``parse(text:file:)``.
  ///
  /// Numbers are written with full round-trip precision and names are quoted when YAML
  /// would read them as something else, so `parse(text: s.yamlText(), file:)` gives back a
  /// scenario equal to `s`. A single segment named `all` with share 1 is written as global
  /// `transitions` and `effects`; otherwise every segment carries its full rows and effects.
  /// Spend plans are written with their overall scale folded in.
  ///
  /// ```swift
  /// try scenario.yamlText().write(toFile: "model.yaml", atomically: true, encoding: .utf8)
  /// ```
  public func yamlText() -> String {
    var out: [String] = []
    out.append("name: \(YAMLText.string(name))")
    out.append("period: \(period.rawValue)")
    out.append("horizon: \(horizon)")
    out.append("seed: \(seed)")
    if let currency { out.append("currency: \(currency)") }

    out.append("")
    out.append("population:")
    out.append("  size: \(population.size)")
    out.append("  initial: \(shares(population.initial))")
    if isFirstPhaseOnly(population.arrivalPhases) {
      out.append("  arrivals: \(population.arrivals)")
    } else {
      out.append("  arrivals: { count: \(population.arrivals), phases: \(shares(population.arrivalPhases)) }")
    }

    out.append("")
    out.append("phases:")
    for phase in phases {
      var attributes: [String] = []
      if phase.isConversion { attributes.append("conversion: true") }
      if phase.value != 0 { attributes.append("value: \(YAMLText.number(phase.value))") }
      if phase.isAbsorbing { attributes.append("absorbing: true") }
      if attributes.isEmpty {
        out.append("  - \(YAMLText.string(phase.name))")
      } else {
        out.append("  - { name: \(YAMLText.string(phase.name)), \(attributes.joined(separator: ", ")) }")
      }
    }

    if !channels.isEmpty {
      out.append("")
      out.append("channels:")
      for channel in channels {
        out.append("  \(YAMLText.string(channel.name)):")
        switch channel.kind {
        case .paid(let spend, let adstock, let reach):
          out.append("    spend: \(spendText(spend))")
          out.append("    adstock: \(YAMLText.number(adstock))")
          out.append(
            "    reach: { max: \(YAMLText.number(reach.max)), half: \(YAMLText.number(reach.half)), "
              + "shape: \(YAMLText.number(reach.shape)) }")
        case .organic(let driver, let rate):
          out.append(
            "    organic: { driver: \(YAMLText.string(phaseName(driver))), rate: \(YAMLText.number(rate)) }")
        }
      }
    }

    if segments.count == 1, let only = segments.first, only.name == "all", only.share == 1 {
      out += parameterLines(only.parameters, indent: "")
    } else {
      out.append("")
      out.append("segments:")
      for segment in segments {
        out.append("  - name: \(YAMLText.string(segment.name))")
        out.append("    share: \(YAMLText.number(segment.share))")
        out += parameterLines(segment.parameters, indent: "    ").filter { !$0.isEmpty }
      }
    }

    if let seasonality {
      out.append("")
      out.append("seasonality: [\(seasonality.map(YAMLText.number).joined(separator: ", "))]")
    }
    return out.joined(separator: "\n") + "\n"
  }

  private func phaseName(_ i: Int) -> String { i >= 0 && i < phases.count ? phases[i].name : "phase\(i)" }

  private func isFirstPhaseOnly(_ shares: [Double]) -> Bool {
    shares.enumerated().allSatisfy { $0.offset == 0 ? $0.element == 1 : $0.element == 0 }
  }

  private func shares(_ values: [Double]) -> String {
    let entries = values.enumerated().filter { $0.element != 0 }.map {
      "\(YAMLText.string(phaseName($0.offset))): \(YAMLText.number($0.element))"
    }
    return "{ \(entries.joined(separator: ", ")) }"
  }

  private func spendText(_ plan: SpendPlan) -> String {
    var parts: [String] = []
    if let values = plan.perPeriod {
      parts.append("values: [\(values.map(YAMLText.number).joined(separator: ", "))]")
    } else {
      let word = ["day": "daily", "week": "weekly", "month": "monthly"][period.rawValue] ?? "per_period"
      parts.append("\(word): \(YAMLText.number(plan.base))")
    }
    if !plan.flights.isEmpty {
      let flights = plan.flights.map {
        "{ from: \($0.from), to: \($0.to), scale: \(YAMLText.number($0.scale)) }"
      }
      parts.append("flights: [\(flights.joined(separator: ", "))]")
    }
    if let pulse = plan.pulse {
      parts.append("on: \(pulse.on), off: \(pulse.off)")
    }
    return "{ \(parts.joined(separator: ", ")) }"
  }

  /// `transitions:` and `effects:` blocks for one set of parameters.
  private func parameterLines(_ p: TransitionParameters, indent: String) -> [String] {
    var out: [String] = []
    let n = min(p.phaseCount, phases.count)
    var rows: [String] = []
    for i in 0..<n {
      let targets = p.targets(of: i).filter { $0 < n }
      guard !targets.isEmpty else { continue }
      let entries = targets.map { "\(YAMLText.string(phaseName($0))): \(YAMLText.number(p.probability(i, $0)))" }
      rows.append("\(indent)  \(YAMLText.string(phaseName(i))): { \(entries.joined(separator: ", ")) }")
    }
    if !rows.isEmpty {
      out.append("")
      out.append("\(indent)transitions:")
      out += rows
    }
    var effects: [String] = []
    let c = min(p.channelCount, channels.count)
    for i in 0..<n {
      for j in p.targets(of: i) where j < n {
        let lifts = (0..<c).filter { p.effect(i, j, $0) != 0 }.map {
          "\(YAMLText.string(channels[$0].name)): \(YAMLText.number(p.effect(i, j, $0)))"
        }
        guard !lifts.isEmpty else { continue }
        let key = YAMLText.string("\(phaseName(i))->\(phaseName(j))")
        effects.append("\(indent)  \(key): { \(lifts.joined(separator: ", ")) }")
      }
    }
    if !effects.isEmpty {
      out.append("")
      out.append("\(indent)effects:")
      out += effects
    }
    return out
  }
}

/// Scalars written so that YAML reads them back exactly.
enum YAMLText {
  /// Words YAML 1.1 reads as booleans or null.
  static let reserved: Set<String> = [
    "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~",
  ]

  /// A number with the shortest text that reads back to the same `Double`.
  static func number(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
    return "\(x)"
  }

  /// A string, plain when that is unambiguous, otherwise double-quoted.
  static func string(_ s: String) -> String {
    let plainSafe =
      !s.isEmpty
      && s.unicodeScalars.first.map { $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) } == true
      && s.unicodeScalars.allSatisfy {
        $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.>".unicodeScalars.contains($0))
      }
      && !reserved.contains(s.lowercased())
    if plainSafe { return s }
    var quoted = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": quoted += "\\\""
      case "\\": quoted += "\\\\"
      case "\n": quoted += "\\n"
      case "\t": quoted += "\\t"
      case "\r": quoted += "\\r"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          quoted += String(format: "\\x%02X", scalar.value)
        } else {
          quoted.unicodeScalars.append(scalar)
        }
      }
    }
    return quoted + "\""
  }
}
