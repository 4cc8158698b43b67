import Foundation
import JourneyFormats
import JourneyModel
import Testing

/// `currency:` in scenario and budget files, and the model fingerprint result files carry.
@Suite struct CurrencyTests {
  @Test(arguments: [("EUR", "EUR"), ("usd", "USD"), ("Gbp", "GBP"), ("JPY", "JPY")])
  func anISOCodeIsReadInUpperCase(text: String, code: String) throws {
    let scenario = try Scenario.parse(text: Fixtures.minimal(replacing: "seed: 3", with: "seed: 3\ncurrency: \(text)"), file: "mini.yaml")
    #expect(scenario.currency == code)
    let again = try Scenario.parse(text: scenario.yamlText(), file: "mini.yaml")
    #expect(again == scenario, "currency survives encoding")
    #expect(scenario.yamlText().contains("\ncurrency: \(code)\n"))
  }

  @Test func withoutTheKeyThereIsNoCurrency() throws {
    let scenario = try Scenario.parse(text: Fixtures.minimal, file: "mini.yaml")
    #expect(scenario.currency == nil)
    #expect(!scenario.yamlText().contains("currency"))
  }

  @Test(arguments: ["EURO", "XYZ", "€", "[EUR]", "\"\""])
  func anUnknownCodeIsReportedWithItsPath(text: String) throws {
    let errors = Fixtures.errors(Fixtures.minimal(replacing: "seed: 3", with: "seed: 3\ncurrency: \(text)"))
    #expect(errors.count == 1, "\(errors)")
    #expect(errors.first?.contains("mini.yaml:5:") == true && errors.first?.contains("currency") == true, "\(errors)")
  }

  @Test func aBudgetTakesTheModelsCurrencyOrNamesItsOwn() throws {
    let dir = NSTemporaryDirectory() + "currency-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let model = try String(contentsOfFile: Fixtures.scenarioPath("b2c.yaml"), encoding: .utf8)
    try model.write(toFile: dir + "/b2c.yaml", atomically: true, encoding: .utf8)
    try (model.replacingOccurrences(of: "\nseed:", with: "\ncurrency: EUR\nseed:"))
      .write(toFile: dir + "/b2c-eur.yaml", atomically: true, encoding: .utf8)
    func budget(_ model: String, _ extra: String = "") throws -> BudgetScenario {
      try BudgetScenario.parse(
        text: "name: b\nmodel: \(model)\n\(extra)plans: [ { name: base } ]\n", file: dir + "/budget.yaml", files: .disk)
    }
    #expect(try budget("b2c.yaml").model.currency == nil)
    #expect(try budget("b2c-eur.yaml").model.currency == "EUR")
    #expect(try budget("b2c.yaml", "currency: gbp\n").model.currency == "GBP")
    #expect(try budget("b2c-eur.yaml", "currency: EUR\n").model.currency == "EUR")
    let e = #expect(throws: InputErrors.self) { try budget("b2c-eur.yaml", "currency: USD\n") }
    #expect(e?.errors.first?.description.contains("budget.yaml:3:") == true)
    #expect(e?.errors.first?.description.contains("currency USD differs from the model's EUR") == true)
  }

  @Test func theFingerprintIgnoresWhatARunOverrides() throws {
    let scenario = try Scenario.parse(text: Fixtures.minimal, file: "mini.yaml")
    #expect(scenario.fingerprint.count == 16 && scenario.fingerprint.allSatisfy(\.isHexDigit))
    var run = scenario
    run.seed = 99
    run.horizon = 52
    run.currency = "EUR"
    run = try run.withPopulation(50_000)
    #expect(run.fingerprint == scenario.fingerprint)
    var other = scenario
    other.phases[1].value = 13
    #expect(other.fingerprint != scenario.fingerprint)
    var renamed = scenario
    renamed.channels[0].name = "radio"
    #expect(renamed.fingerprint != scenario.fingerprint)
  }
}
