import JourneyFormats
import JourneyModel
import Testing

@Suite struct ScenarioEncodingTests {
  @Test(arguments: Fixtures.shippedScenarios)
  func shippedScenarioRoundTrips(file: String) throws {
    let scenario = try Scenario.load(path: Fixtures.scenarioPath(file))
    let text = scenario.yamlText()
    let again = try Scenario.parse(text: text, file: file)
    #expect(again == scenario)
  }

  @Test func minimalScenarioRoundTrips() throws {
    let scenario = try Scenario.parse(text: Fixtures.minimal, file: "mini.yaml")
    #expect(try Scenario.parse(text: scenario.yamlText(), file: "mini.yaml") == scenario)
  }

  @Test func namesAreQuotedWhenNeeded() throws {
    var scenario = try Scenario.parse(text: Fixtures.minimal, file: "mini.yaml")
    scenario.name = "yes: \"quoted\" #1"
    scenario.phases[0].name = "on"
    scenario.phases[1].name = "2nd step"
    scenario.channels[0].name = "null"
    scenario.segments[0].name = "- dash"
    scenario.segments[0].share = 0.1 + 0.15
    let text = scenario.yamlText()
    #expect(text.contains("name: \"yes: \\\"quoted\\\" #1\""))
    #expect(try Scenario.parse(text: text, file: "mini.yaml") == scenario)
  }
}
