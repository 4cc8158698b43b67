import FuzzSupport
import JourneyFormats
import JourneyModel

/// Budget scenario files, beside `model.yaml`, `fit.json` and `history.json` (see `Fixtures`).
fuzzMain { input in
  _ = try BudgetScenario.parse(
    text: InputText.decode(input.data, file: "budget.yaml"), file: Fixtures.path("budget.yaml"), files: .disk)
}
