import FuzzSupport
import JourneyCheck

/// `reference.json` as `journey check` reads it, and as `journey check --update` reads it
/// (which also accepts file-format version 1). The loaders only take a path: the input is
/// written to a scratch file each time.
fuzzMain { input in
  let path = input.file("reference.json")
  _ = try? Reference.loadForUpdate(path: path)
  _ = try Reference.load(path: path)
}
