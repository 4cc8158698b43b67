import FuzzSupport
import JourneyCheck

/// `reference.json` as `journey check` reads it. The loader only takes a path: the input is
/// written to a scratch file each time.
fuzzMain { input in _ = try Reference.load(path: input.file("reference.json")) }
