import FuzzSupport
import JourneyImport

/// Google Analytics 4 exports in both forms, told apart by content as `journey import ga4`
/// does: newline-delimited JSON (input starting with `{`) and the flattened CSV table
/// (anything else; seed `flattened.csv`), gzip recognised. The default stage map and
/// channel groups, names inferred; the history is accumulated and written as a journey
/// log, so every state the reader produces is replayed.
fuzzMain { input in
  var history = try GA4Import.read(
    bytes: input.bytes, name: "events.ndjson", settings: ImportSettings(), ga4: GA4Settings(), vocabulary: .inferred)
  _ = history.accumulate(holdout: 0.2)
  var bytes = 0
  try history.writeJourneyLog { bytes += $0.count }
}
