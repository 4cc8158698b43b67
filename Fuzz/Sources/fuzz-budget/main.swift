import FuzzSupport
import JourneyModel

/// Budget scenario files, beside `model.yaml`, `fit.json` and `history.json` (see `Fixtures`).
fuzzMain { input in
  _ = try input.text.map { try BudgetScenario.parse(text: $0, file: Fixtures.path("budget.yaml")) }
}
