import FuzzSupport
import JourneyReports

/// `forecast.json` as `journey report` reads it.
fuzzMain { input in _ = try ReportInputs.decode(ForecastResult.self, data: input.data, file: "forecast.json") }
