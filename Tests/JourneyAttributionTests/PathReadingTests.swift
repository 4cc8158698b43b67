import Foundation
import JourneyAttribution
import JourneyModel
import Testing

func readPaths(_ text: String, vocabulary: [String]? = nil, columns: PathColumns = PathColumns())
  throws(InputError) -> PathTable
{
  try PathTable.parsePaths(Array(text.utf8), file: "paths.csv", columns: columns, vocabulary: vocabulary)
}

@Suite struct PathReadingTests {
  @Test func readsChannelAttributionFormat() throws {
    let t = try readPaths(
      "path,total_conversions,total_null,total_conversion_value\r\nsearch > tv,3,5,120.5\n\"tv > email, web\",1,0,40\n\nsearch,0,2,0\n"
    )
    #expect(t.channels == ["search", "tv", "email, web"])
    #expect(t.count == 3)
    #expect(Array(t.path(0)) == [0, 1])
    #expect(t.conversions == [3, 1, 0])
    #expect(t.nulls == [5, 0, 2])
    #expect(t.values == [120.5, 40, 0])
  }

  @Test func columnNamesAreSelectable() throws {
    var columns = PathColumns()
    columns.path = "journey"
    columns.conversions = "conv"
    let t = try readPaths("journey,conv\na>b,2\n", columns: columns)
    #expect(t.conversions == [2])
    #expect(t.nulls == [0])
  }

  @Test func badInputNamesLineAndColumn() {
    func message(_ text: String, vocabulary: [String]? = nil) -> String {
      do {
        _ = try readPaths(text, vocabulary: vocabulary)
        return "no error"
      } catch { return error.description }
    }
    #expect(
      message("path,total_conversions\nsearch > > tv,1\n").hasPrefix(
        "paths.csv:2:1: path: malformed path 'search > > tv'"))
    #expect(
      message("path,total_conversions\nsearch,-1\n").hasPrefix(
        "paths.csv:2:8: total_conversions: '-1' is not a count"))
    #expect(
      message("path,total_conversions\nsearch,nan\n").contains("expected a finite number ≥ 0"))
    #expect(
      message("path,total_conversions\nradio,1\n", vocabulary: ["search"]).hasPrefix(
        "paths.csv:2:1: path: unknown channel 'radio'; expected one of: search"))
    #expect(message("").contains("empty"))
    #expect(message("path,total_conversions\n").contains("no rows"))
    #expect(
      message("path,conversions\na,1\n").hasPrefix("paths.csv:1: total_conversions: missing column")
    )
    #expect(message("path,total_conversions\n\"a,1\n").contains("unterminated quoted field"))
    #expect(message("path,total_conversions\na,1,2\n").contains("3 fields; expected 2"))
  }

  /// Channel names are kept as text: a new name whose bytes are not UTF-8 is reported, so
  /// that two such names of different bytes do not become two channels that read alike.
  @Test func channelNamesThatAreNotUTF8() {
    let bytes = Array("path,total_conversions\nsearch > ".utf8) + [0x74, 0xFF] + Array(",1\n".utf8)
    #expect(throws: InputError.self) { try PathTable.parsePaths(bytes, file: "paths.csv") }
    do {
      _ = try PathTable.parsePaths(bytes, file: "paths.csv")
    } catch {
      #expect(error.description == "paths.csv:2:1: path: channel 't\\u{fffd}' is not valid UTF-8 text; expected a name in UTF-8")
    }
  }

  @Test func tooManyChannelsIsALimit() {
    var text = "path,total_conversions\n"
    for c in 0...PathTable.maxChannels { text += "c\(c),1\n" }
    #expect(throws: InputError.self) { try readPaths(text) }
  }
}
