import FuzzSupport
import JourneyFormats
import JourneyReports

/// `attribution.json` as `journey report` reads it, then the page drawn from it.
fuzzMain { input in
  let file = try ReportInputs.decode(AttributionFile.self, data: input.data, file: "attribution.json")
  _ = HTMLReport(inputs: ReportInputs(attribution: file)).render()
}
