import FuzzSupport
import JourneyModel

/// Scenario files: YAML or JSON text → `Scenario`.
fuzzMain { input in _ = try input.text.map { try Scenario.parse(text: $0, file: "scenario.yaml") } }
