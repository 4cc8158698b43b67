import FuzzSupport
import JourneyEstimation

/// Journey logs (`customer_id,period,phase,channels`) against the fixed model's names and seasons.
fuzzMain { input in
  _ = try JourneyLogReader.read(
    bytes: input.bytes, file: "journeys.csv", vocabulary: Fixtures.vocabulary, holdoutFraction: 0.2)
}
