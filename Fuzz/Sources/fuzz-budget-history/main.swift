import FuzzSupport
import JourneyFormats
import JourneyModel

/// A budget file's `start: {history: path}` file (fit report or simulation summary JSON),
/// read against the fixed model as `BudgetScenario.parse` reads it after loading that file:
/// `HistoryEnd.state(data:file:model:)`. The model is parsed once, so that every execution
/// goes to the history reader (reading it by path is the `budget` target's part).
fuzzMain { input in
  _ = try HistoryEnd.state(data: input.data, file: "history.json", model: Fixtures.model)
}
