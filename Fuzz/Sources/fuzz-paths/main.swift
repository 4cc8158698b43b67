import FuzzSupport
import JourneyAttribution

/// Path files in ChannelAttribution's layout (`path,total_conversions[,total_null][,total_conversion_value]`).
fuzzMain { input in _ = try PathTable.parsePaths(input.bytes, file: "paths.csv") }
