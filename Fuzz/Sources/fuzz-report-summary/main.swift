import FuzzSupport
import JourneyReports

/// `summary.json` as `journey report` reads it.
fuzzMain { input in _ = try ReportInputs.decode(SimulationSummary.self, data: input.data, file: "summary.json") }
