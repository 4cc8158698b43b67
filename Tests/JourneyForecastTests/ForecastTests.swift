import Testing
@testable import JourneyForecast
@Test func placeholder() {}
