import Foundation
import JourneyModel

/// The JSON form of a ``JourneyModel/StartState``: `history_end` in `summary.json` and
/// `start_state` in `forecast.json` (`fit.json`'s ``FitFile/HistoryEnd`` has the same keys
/// with whole counts):
///
/// ```json
/// {"period": 51, "forecast_start": 52,
///  "counts": {"aware": 1200, ...},
///  "segments": {"b2c": {"aware": 1000, ...}, "b2b": {"aware": 200, ...}},
///  "adstock": {"tv": 181000.5, ...}, "adstock_source": "plan"}
/// ```
///
/// `counts` (phase totals over the segments) is what older readers use; `forecast_start`,
/// `segments`, `adstock` and `adstock_source` are optional, so files written before they
/// existed still read (see ``state(model:defaultForecastStart:)``).
public struct StartStateFile: Codable, Sendable, Equatable {
  /// The calendar period the state stands at (customers at the start of that period).
  public var period: Int
  /// The first calendar period after the history (`period` or `period + 1`); absent in
  /// older files.
  public var forecastStart: Int?
  /// Customers per phase over every segment.
  public var counts: [String: Double]
  /// Customers per segment and phase; absent in older files (then `counts` is one pooled
  /// segment).
  public var segments: [String: [String: Double]]?
  /// Each paid channel's adstock carried into ``period``; absent in older files (then the
  /// model's own spend plan gives it).
  public var adstock: [String: Double]?
  /// `spend` (the history's recorded spend) or `plan` (the model's spend plan).
  public var adstockSource: String?

  enum CodingKeys: String, CodingKey {
    case period, counts, segments, adstock
    case forecastStart = "forecast_start"
    case adstockSource = "adstock_source"
  }

  public init(
    period: Int, forecastStart: Int? = nil, counts: [String: Double], segments: [String: [String: Double]]? = nil,
    adstock: [String: Double]? = nil, adstockSource: String? = nil
  ) {
    self.period = period
    self.forecastStart = forecastStart
    self.counts = counts
    self.segments = segments
    self.adstock = adstock
    self.adstockSource = adstockSource
  }

  /// The file form of `state` (adstock of paid channels only).
  public init(_ state: StartState, phases: [String], channels: [Channel]) {
    func byPhase(_ row: [Double]) -> [String: Double] { Dictionary(uniqueKeysWithValues: zip(phases, row)) }
    var adstockByName: [String: Double] = [:]
    for (c, channel) in channels.enumerated() where channel.isPaid && c < state.adstock.count {
      adstockByName[channel.name] = state.adstock[c]
    }
    self.init(
      period: state.period, forecastStart: state.forecastStart, counts: byPhase(state.phaseCounts),
      segments: Dictionary(uniqueKeysWithValues: zip(state.segments, state.counts.map(byPhase))),
      adstock: adstockByName, adstockSource: state.adstockSource.rawValue)
  }

  /// The latest calendar period a state may stand at (a history's length limit).
  public static let maxPeriod = 1 << 20

  /// Why a file's state does not fit the model.
  public struct Problem: Error, Sendable, Equatable {
    public var kind: InputError.Kind
    public var message: String

    public init(_ kind: InputError.Kind, _ message: String) {
      self.kind = kind
      self.message = message
    }
  }

  /// The state against `model`.
  ///
  /// Without `forecast_start` the state's forecast starts at `defaultForecastStart(period)`;
  /// without `segments` `counts` is one pooled segment (split over the model's segments by
  /// their shares when simulated); without `adstock` the model's own spend plan gives it
  /// (``JourneyModel/StartState/planAdstock(_:through:)``, source `plan`).
  ///
  /// - Returns: the state, or a ``Problem`` (unknown phase, channel or segment names are
  ///   `.unknownName`, bad numbers `.type`, an empty or inconsistent state `.range`).
  public func state(model: Scenario, defaultForecastStart: (Int) -> Int) -> Result<StartState, Problem> {
    guard period >= 0, period <= Self.maxPeriod else {
      return .failure(Problem(.range, "period \(period) is not between 0 and \(Self.maxPeriod)"))
    }
    let forecastStart = self.forecastStart ?? defaultForecastStart(period)
    guard forecastStart >= period, forecastStart - period <= 1 else {
      return .failure(Problem(.range, "forecast_start \(forecastStart) is not period \(period) or the one after"))
    }
    func row(_ table: [String: Double]) -> Result<[Double], Problem> {
      var out = [Double](repeating: 0, count: model.phaseCount)
      for (name, value) in table.sorted(by: { $0.key < $1.key }) {
        guard let i = model.phaseIndex(named: name) else {
          return .failure(Problem(
            .unknownName,
            "counts phase \(InputError.echo(name)), which the model does not have; expected phases of: \(model.phases.map(\.name).joined(separator: ", "))"))
        }
        guard value >= 0, value.isFinite, value <= Double(Limits.maxCustomers) else {
          return .failure(Problem(.type, "count of \(InputError.echo(name)) is not a number ≥ 0"))
        }
        out[i] = value.rounded()
      }
      return .success(out)
    }
    var names: [String] = []
    var rows: [[Double]] = []
    if let segments, !segments.isEmpty {
      // Model order first, then any others in name order.
      let order =
        model.segments.map(\.name).filter { segments[$0] != nil }
        + segments.keys.filter { name in !model.segments.contains { $0.name == name } }.sorted()
      for name in order {
        switch row(segments[name] ?? [:]) {
        case .success(let r):
          names.append(name)
          rows.append(r)
        case .failure(let e): return .failure(Problem(e.kind, "segment \(InputError.echo(name)): \(e.message)"))
        }
      }
    } else {
      switch row(counts) {
      case .success(let r):
        names = ["all"]
        rows = [r]
      case .failure(let e): return .failure(e)
      }
    }
    var state = StartState(
      period: period, forecastStart: forecastStart, segments: names, counts: rows,
      adstock: StartState.planAdstock(model, through: period), adstockSource: .plan)
    if let adstock {
      for (name, value) in adstock.sorted(by: { $0.key < $1.key }) {
        guard let c = model.channelIndex(named: name) else {
          return .failure(Problem(.unknownName, "has adstock of \(InputError.echo(name)), which the model does not have"))
        }
        guard value >= 0, value.isFinite else {
          return .failure(Problem(.type, "adstock of \(InputError.echo(name)) is not a number ≥ 0"))
        }
        // Organic channels carry no adstock.
        if model.channels[c].isPaid { state.adstock[c] = value }
      }
      state.adstockSource = adstockSource.flatMap(StartState.AdstockSource.init(rawValue:)) ?? .spend
    }
    guard state.phaseCounts.reduce(0, +) > 0 else {
      return .failure(Problem(.range, "counts no customers; expected at least one"))
    }
    return .success(state)
  }
}
