import FuzzSupport
import JourneyImport

/// Event tables (separator detected, gzip recognised): names inferred, epoch numbers in
/// milliseconds, unmapped names counted; the history is then accumulated and written as a
/// journey log, so every state the reader produces is replayed.
fuzzMain { input in
  var settings = ImportSettings()
  settings.time = TimeParser(epoch: .ms)
  settings.ignoreUnmapped = true
  var history = try EventImport.read(bytes: input.bytes, name: "events.csv", settings: settings, vocabulary: .inferred)
  _ = history.accumulate(holdout: 0.2)
  var bytes = 0
  try history.writeJourneyLog { bytes += $0.count }
}
