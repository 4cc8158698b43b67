import FuzzSupport
import JourneyAttribution

/// Journey logs read as customer paths (`journey attribute --journeys`) against the fixed
/// model's phases and channels.
fuzzMain { input in _ = try JourneyPaths.parse(input.bytes, file: "journeys.csv", scenario: Fixtures.model) }
