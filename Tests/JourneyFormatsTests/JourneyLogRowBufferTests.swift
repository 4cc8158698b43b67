import JourneyModel
import Testing

@testable import JourneyFormats

/// ``JourneyLogFormat/RowBuffer`` writes what ``JourneyLogFormat/appendRow(customerField:period:phase:channels:segment:to:)``
/// appends, byte for byte.
struct JourneyLogRowBufferTests {
  static let channelSets: [[String]] = [
    [],
    ["search", "tv"],
    ["search", "e,mail", "=formula", "tv", "say \"hi\"", "radio", "print", "ooh"],
    (0..<12).map { "channel\($0)" } + ["+plus", "a\"b"],
  ]

  @Test(arguments: 0..<4, [false, true])
  func rowsAsAppendRow(set: Int, segmented: Bool) throws {
    let channels = Self.channelSets[set]
    for neutralise in [true, false] {
      let format = try JourneyLogFormat(
        phases: ["unaware", "=aware", "buying, now", "won"], channels: channels,
        segments: segmented ? ["smb", "@enterprise"] : nil, neutraliseFormulas: neutralise)
      let rows = format.rowBuffer(capacity: 16)
      var reference: [UInt8] = []
      var rng = SystemRandomNumberGenerator()
      let ids: [[UInt8]] = [[], Array("c1".utf8), Array("\"a,b\"".utf8), Array("a-customer-id-longer-than-sixteen".utf8)]
      for r in 0..<3_000 {
        let id = ids[r % ids.count]
        let period = [0, 7, 10, 99, 12_345, -3, Int.max, Int.min + 1][r % 8]
        let phase = Int(rng.next() % 4)
        let mask = channels.isEmpty ? 0 : rng.next() & ((1 << UInt64(channels.count)) - 1)
        let segment = Int(rng.next() % 2)
        format.appendRow(customerField: id, period: period, phase: phase, channels: mask, segment: segment, to: &reference)
        id.withUnsafeBufferPointer { rows.appendRow(customerField: $0, period: period, phase: phase, channels: mask, segment: segment) }
      }
      #expect(Array(rows.bytes) == reference)
      rows.removeAll()
      #expect(rows.count == 0)
    }
  }
}
