import JourneyModel
import Testing
import _JourneyTestSupport

@Suite struct PopulationScalingTests {
  @Test func arrivalsScaleWithTheSize() throws {
    let s = _JourneyTestSupport.Fixtures.webshop(size: 10_000, horizon: 26, arrivals: 50)
    let big = try s.withPopulation(30_000)
    #expect(big.population.size == 30_000)
    #expect(big.population.arrivals == 150)
    #expect(big.population.initial == s.population.initial)
    let small = try s.withPopulation(1_000)
    #expect(small.population.arrivals == 5)
  }

  @Test func scaledArrivalsAboveTheLimitAreAnError() throws {
    let s = _JourneyTestSupport.Fixtures.webshop(size: 10, horizon: 26, arrivals: 1_000_000_000_000)
    let e = #expect(throws: InputError.self) { try s.withPopulation(1_000_000_000_000) }
    #expect(e?.kind == .limit)
    #expect(e?.file == "--population")
    #expect(e?.message.contains("at most 1000000000000 (10^12) arrivals per period") == true)
  }

  @Test(arguments: [0, -1, 1_000_000_000_001])
  func sizesOutsideTheLimitsAreAnError(size: Int) throws {
    let s = _JourneyTestSupport.Fixtures.webshop()
    #expect(throws: InputError.self) { try s.withPopulation(size, option: "size") }
  }

  @Test func theHorizonTimesArrivalsMustBeCountable() throws {
    var s = _JourneyTestSupport.Fixtures.webshop(size: 1, horizon: 26, arrivals: 1_000_000_000_000)
    s.horizon = Int.max / 1_000_000_000_000 + 1
    let e = #expect(throws: InputError.self) { try s.withPopulation(1) }
    #expect(e?.message.contains("periods exceeds") == true)
  }
}
