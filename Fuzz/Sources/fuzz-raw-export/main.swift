import FuzzSupport
import JourneyEstimation

/// Raw exports: stage events and touchpoints CSV (the input cut at its first NUL), names inferred.
fuzzMain { input in
  _ = try RawExportReader.read(
    stages: input.halves.first, stagesName: "stages.csv", touchpoints: input.halves.second,
    touchpointsName: "touchpoints.csv", vocabulary: .inferred)
}
