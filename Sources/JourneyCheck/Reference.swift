import JourneyFormats

/// A stored reference result that `journey check` guards: `reference.json`, owned by
/// ``ReferenceFile`` in JourneyFormats.
public typealias Reference = ReferenceFile
