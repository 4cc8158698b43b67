import FuzzSupport
import JourneyEstimation

/// Journey logs with the phase and channel names inferred from the data.
fuzzMain { input in
  _ = try JourneyLogReader.read(bytes: input.bytes, file: "journeys.csv", vocabulary: .inferred)
}
