import FuzzSupport
import JourneyEstimation
import JourneyFormats

/// Counts files (`journey fit --counts`, the export of `journey sql`'s query): parsed, then
/// read into a summary against the fixed model and with inferred names.
fuzzMain { input in
  let counts = try CountsFile.parse(bytes: input.bytes, file: "counts.csv")
  _ = try? JourneyLogSummary(counts: counts, vocabulary: Fixtures.vocabulary)
  _ = try JourneyLogSummary(counts: counts, vocabulary: .inferred)
}
