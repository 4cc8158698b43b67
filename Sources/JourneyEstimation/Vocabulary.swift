import JourneyModel

/// The phase and channel names a journey log is read against.
///
/// Fixed when a scenario is given (unknown names are errors); otherwise inferred from the
/// data, phases and channels in first-seen order.
public struct Vocabulary: Sendable, Equatable {
  public internal(set) var phases: [String]
  public internal(set) var channels: [String]
  /// `true` when names not yet known are added as they are met.
  public let isInferred: Bool
  /// Length of the model's seasonality cycle (0 without): transitions are then also keyed
  /// by `period mod seasonLength`, stored in bits 56–63 of the pattern, so the fit can
  /// use the known seasonal multipliers as offsets.
  public var seasonLength: Int = 0

  public init(phases: [String], channels: [String]) {
    self.phases = phases
    self.channels = channels
    isInferred = false
  }

  /// The vocabulary of a scenario, with its seasonality cycle when it has one (and at
  /// most 56 channels and 256 seasons, so that the season fits the pattern's high bits).
  public init(model: Scenario) {
    self.init(phases: model.phases.map(\.name), channels: model.channels.map(\.name))
    if let cycle = model.seasonality?.count, cycle > 1, cycle <= 256, model.channelCount <= TransitionCounts.seasonShift {
      seasonLength = cycle
    }
  }

  /// An empty vocabulary that grows with the data.
  public static var inferred: Vocabulary { Vocabulary(inferring: ()) }

  private init(inferring: Void) {
    phases = []
    channels = []
    isInferred = true
  }
}
