import FuzzSupport
import JourneyFormats
import JourneyModel

/// A budget file's `start: {history: path}` file (fit report or simulation summary JSON).
/// The reader only takes a path: the input is written to a scratch file each time.
fuzzMain { input in
  _ = input.file("input.json")
  _ = try BudgetScenario.parse(
    text: "name: fuzz\nmodel: model.yaml\nstart: { history: input.json }\nplans: [ { name: base } ]\n",
    file: Fixtures.path("budget.yaml"), files: .disk)
}
