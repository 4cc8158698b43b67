// swift-tools-version: 6.0
// libFuzzer targets for every reader of user input; see docs/fuzzing.md.
//
// Built only by scripts/fuzz, never by the main package's `swift build`/`swift test`:
//   swift build --package-path Fuzz --scratch-path .build-fuzz -c debug \
//     -Xswiftc -sanitize=fuzzer,address
import PackageDescription

/// One executable per reader: `fuzz-<name>`, source in `Sources/fuzz-<name>/`.
let readers = [
  "scenario", "budget", "budget-history", "covariance",
  "journey-log", "journey-log-inferred", "journey-log-chunks", "journey-paths", "raw-export", "events", "ga4", "source-categories", "name-map",
  "spend", "paths", "counts", "csv-blocks",
  "report-summary", "report-forecast", "report-optimize", "report-attribution", "reference",
]

let package = Package(
  name: "JourneyKitFuzz",
  platforms: [.macOS(.v13)],
  dependencies: [.package(name: "JourneyKit", path: "..")],
  targets: [
    .target(name: "CLibFuzzer"),
    .target(
      name: "FuzzSupport",
      dependencies: [
        "CLibFuzzer",
        .product(name: "JourneyModel", package: "JourneyKit"),
        .product(name: "JourneyFormats", package: "JourneyKit"),
        .product(name: "JourneyEstimation", package: "JourneyKit"),
        .product(name: "JourneyReports", package: "JourneyKit"),
        .product(name: "JourneyCheck", package: "JourneyKit"),
      ]
    )
  ]
    + readers.map { name in
      .executableTarget(
        name: "fuzz-\(name)",
        dependencies: [
          "FuzzSupport",
          .product(name: "JourneyModel", package: "JourneyKit"),
        .product(name: "JourneyFormats", package: "JourneyKit"),
          .product(name: "JourneyEstimation", package: "JourneyKit"),
          .product(name: "JourneyReports", package: "JourneyKit"),
          .product(name: "JourneyCheck", package: "JourneyKit"),
          .product(name: "JourneyAttribution", package: "JourneyKit"),
          .product(name: "JourneyImport", package: "JourneyKit"),
        ]
      )
    }
)
