import FuzzSupport
import JourneyFormats
import JourneyModel

/// Scenario files: YAML or JSON text → `Scenario`.
fuzzMain { input in _ = try Scenario.parse(text: InputText.decode(input.data, file: "scenario.yaml"), file: "scenario.yaml") }
