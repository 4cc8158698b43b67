import FuzzSupport
import JourneyReports

/// `optimize.json` as `journey report` reads it.
fuzzMain { input in _ = try ReportInputs.decode(OptimizationResult.self, data: input.data, file: "optimize.json") }
