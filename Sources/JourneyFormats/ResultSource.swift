/// Where a result file came from: the scenario or budget file that was run and the model
/// it ran (`source` in `summary.json`, `forecast.json` and `optimize.json`).
///
/// `journey report` compares the sources of the files in one folder: files of different
/// models (by ``modelFingerprint``) are unrelated runs and the report refuses them; a
/// forecast and an optimisation of different budgets over one model are related and the
/// report says so. Files written before `source` existed carry none and are compared by
/// their scenario and model names.
///
/// ```json
/// "source" : { "kind" : "budget", "name" : "q1-budget-shift", "model" : "b2c-webshop",
///              "model_fingerprint" : "9f3a0c1d2e4b5a67" }
/// ```
public struct ResultSource: Codable, Sendable, Equatable {
  /// `scenario` (journey simulate) or `budget` (journey forecast, journey optimize).
  public var kind: String
  /// The scenario's or the budget's `name`.
  public var name: String
  /// The model's `name`.
  public var model: String?
  /// The model's fingerprint (16 hex digits; `Scenario.fingerprint` in JourneyModel).
  public var modelFingerprint: String?

  enum CodingKeys: String, CodingKey {
    case kind, name, model
    case modelFingerprint = "model_fingerprint"
  }

  public init(kind: String, name: String, model: String? = nil, modelFingerprint: String? = nil) {
    self.kind = kind
    self.name = name
    self.model = model
    self.modelFingerprint = modelFingerprint
  }
}
