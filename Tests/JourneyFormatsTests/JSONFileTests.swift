import Testing
@testable import JourneyFormats
