import JourneyFormats
import JourneyModel
import Testing

@Suite struct ResultsFolderTests {
  @Test(arguments: ["b2c-webshop", "q1 budget", "a.b", "ü"])
  func safeNamesNameAFolderUnderResults(name: String) throws {
    #expect(try ResultsFolder.path(for: name, file: "s.yaml") == "results/" + name)
  }

  @Test(arguments: ["", "..", "../x", "a/b", "a\\b", ".hidden", "a\nb", String(repeating: "x", count: 101)])
  func unsafeNamesAreRefused(name: String) throws {
    let e = #expect(throws: InputError.self) { try ResultsFolder.path(for: name, file: "s.yaml") }
    #expect(e?.file == "s.yaml")
    #expect(e?.path == "name")
    #expect((e?.description.count ?? 0) < 300)
  }
}
