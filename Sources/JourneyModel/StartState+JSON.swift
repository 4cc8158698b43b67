import Foundation

/// The JSON form of a ``StartState``, written as `history_end` in `fit.json` and
/// `summary.json` and as `start_state` in `forecast.json`:
///
/// ```json
/// {"period": 51, "forecast_start": 52,
///  "counts": {"aware": 1200, ...},
///  "segments": {"b2c": {"aware": 1000, ...}, "b2b": {"aware": 200, ...}},
///  "adstock": {"tv": 181000.5, ...}, "adstock_source": "plan"}
/// ```
///
/// `counts` (phase totals) is what older readers use; `segments`, `adstock`,
/// `adstock_source` and `forecast_start` may be missing in older files.
extension StartState {
  /// The JSON object (keys as above; adstock of paid channels only).
  public func jsonObject(phases: [String], channels: [Channel]) -> [String: Any] {
    func byPhase(_ row: [Double]) -> [String: Double] {
      Dictionary(uniqueKeysWithValues: zip(phases, row))
    }
    var adstockByName: [String: Double] = [:]
    for (c, channel) in channels.enumerated() where channel.isPaid && c < adstock.count {
      adstockByName[channel.name] = adstock[c]
    }
    return [
      "period": period, "forecast_start": forecastStart, "counts": byPhase(phaseCounts),
      "segments": Dictionary(uniqueKeysWithValues: zip(segments, counts.map(byPhase))),
      "adstock": adstockByName, "adstock_source": adstockSource.rawValue,
    ]
  }

  /// Reads the JSON object against `model`; `nil` with a reason when it is not one.
  ///
  /// - Parameters:
  ///   - defaultForecastStart: the first period after the history when the object has no
  ///     `forecast_start`.
  public static func parse(
    _ object: [String: Any], model: Scenario, defaultForecastStart: (Int) -> Int
  ) -> Result<StartState, StartStateError> {
    guard let period = (object["period"] as? NSNumber)?.intValue, period >= 0 else {
      return .failure(.init("no period ≥ 0"))
    }
    let forecastStart = (object["forecast_start"] as? NSNumber)?.intValue ?? defaultForecastStart(period)
    guard forecastStart >= period, forecastStart - period <= 1 else {
      return .failure(.init("forecast_start \(forecastStart) is not period \(period) or the one after"))
    }
    func row(_ table: Any?) -> Result<[Double], StartStateError> {
      guard let table = table as? [String: Any] else { return .failure(.init("counts are not a mapping {phase: count}")) }
      var out = [Double](repeating: 0, count: model.phaseCount)
      for (name, value) in table {
        guard let i = model.phaseIndex(named: name) else {
          return .failure(.init(
            "counts phase '\(name)', which the model does not have; expected phases of: \(model.phases.map(\.name).joined(separator: ", "))"))
        }
        guard let x = (value as? NSNumber)?.doubleValue, x >= 0, x.isFinite,
          x <= Double(ScenarioParser.maxCustomers)
        else { return .failure(.init("count of '\(name)' is not a number ≥ 0")) }
        out[i] = x.rounded()
      }
      return .success(out)
    }
    var names: [String] = []
    var counts: [[Double]] = []
    if let segments = object["segments"] as? [String: Any], !segments.isEmpty {
      // Model order first, then any others in name order.
      let order = model.segments.map(\.name).filter { segments[$0] != nil }
        + segments.keys.filter { name in !model.segments.contains { $0.name == name } }.sorted()
      for name in order {
        switch row(segments[name]) {
        case .success(let r):
          names.append(name)
          counts.append(r)
        case .failure(let e): return .failure(.init("segment '\(name)': \(e.message)"))
        }
      }
    } else {
      switch row(object["counts"]) {
      case .success(let r):
        names = ["all"]
        counts = [r]
      case .failure(let e): return .failure(e)
      }
    }
    var state = StartState(
      period: period, forecastStart: forecastStart, segments: names, counts: counts,
      adstock: planAdstock(model, through: period), adstockSource: .plan)
    if let table = object["adstock"] as? [String: Any] {
      for (name, value) in table {
        guard let c = model.channelIndex(named: name), let x = (value as? NSNumber)?.doubleValue, x >= 0, x.isFinite
        else { return .failure(.init("adstock of '\(name)' is not a paid channel's number ≥ 0")) }
        state.adstock[c] = x
      }
      state.adstockSource = AdstockSource(rawValue: object["adstock_source"] as? String ?? "") ?? .spend
    }
    guard state.phaseCounts.reduce(0, +) > 0 else { return .failure(.init("counts no customers; expected at least one")) }
    return .success(state)
  }
}

/// Why a JSON object is not a start state.
public struct StartStateError: Error, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
}
