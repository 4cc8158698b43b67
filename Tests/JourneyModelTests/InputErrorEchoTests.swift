import JourneyModel
import Testing

@Suite struct InputErrorEchoTests {
  @Test func shortValuesAreQuotedWhole() {
    #expect(InputError.echo("abc") == "'abc'")
    #expect(InputError.echo("") == "''")
  }

  @Test func longValuesAreCutWithTheirLength() {
    let value = String(repeating: "9", count: 1_000_000)
    let shown = InputError.echo(value)
    #expect(shown == "'" + String(repeating: "9", count: InputError.echoLimit) + "…' (1000000 bytes)")
  }

  @Test func controlCharactersAreVisible() {
    #expect(InputError.echo("a\nb\u{0}") == "'a\\nb\\u{0}'")
  }
}
