import FuzzSupport
import JourneyImport
import JourneyModel

/// Map files (`--channel-map`, `--stage-map`): the input read as a channel map (regular
/// expressions allowed) and as a stage map, then applied to a small fixed event table.
/// The table's names are short, so a user's pattern that backtracks exponentially stays
/// bounded here (see docs/fuzzing.md).
let events = Array(
  """
  customer_id,timestamp,stage,channel
  a,2024-01-01,lead,google-ads
  a,2024-01-08,mql,newsletter
  b,2024-01-02,lead,tv
  b,2024-01-09,won,bing

  """.utf8)

fuzzMain { input in
  let path = input.file("map.csv")
  var settings = ImportSettings()
  settings.ignoreUnmapped = true
  settings.channelMap = try? NameMap(path: path, target: "channel", allowPatterns: true)
  settings.stageMap = try? NameMap(path: path, target: "phase", allowPatterns: false)
  guard settings.channelMap != nil || settings.stageMap != nil else { return }
  _ = try EventImport.read(bytes: events, name: "events.csv", settings: settings, vocabulary: .inferred)
}
