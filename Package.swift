// swift-tools-version: 6.0
import PackageDescription

// Opt-in build of the individual engine's Swift code for one CPU: JOURNEY_TARGET_CPU=x86-64-v4
// (or x86-64-v3, sapphirerapids, ...) adds `-target-cpu` to JourneySimulation only; the binary
// then needs that CPU. Unset (the default), nothing changes: the engine's AVX2/AVX-512 kernels
// (CJourneyKernels) are chosen at run time instead. See docs/performance.md.
let simulationSwiftSettings: [SwiftSetting] =
  Context.environment["JOURNEY_TARGET_CPU"].map { cpu in [.unsafeFlags(["-target-cpu", cpu])] } ?? []

let package = Package(
  name: "JourneyKit",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "journey", targets: ["journey"]),
    .library(name: "JourneyModel", targets: ["JourneyModel"]),
    .library(name: "JourneyFormats", targets: ["JourneyFormats"]),
    .library(name: "JourneySimulation", targets: ["JourneySimulation"]),
    .library(name: "JourneyLinearAlgebra", targets: ["JourneyLinearAlgebra"]),
    .library(name: "JourneyReports", targets: ["JourneyReports"]),
    .library(name: "JourneyEstimation", targets: ["JourneyEstimation"]),
    .library(name: "JourneyForecast", targets: ["JourneyForecast"]),
    .library(name: "JourneyAttribution", targets: ["JourneyAttribution"]),
    .library(name: "JourneyCheck", targets: ["JourneyCheck"]),
    .library(name: "JourneyPostgres", targets: ["JourneyPostgres"]),
    .library(name: "JourneyImport", targets: ["JourneyImport"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    // `swift package generate-documentation` for the DocC catalogues (Sources/<Module>/<Module>.docc);
    // a package plugin: nothing of it is built by `swift build` or `swift test`.
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
  ],
  targets: [
    .systemLibrary(
      name: "COpenBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]
    ),
    // libpq, loaded at run time when a command first needs it (Sources/CLibPQ/include/CLibPQ.h).
    .target(name: "CLibPQ", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
    .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
    .target(name: "JourneyLinearAlgebra", dependencies: ["COpenBLAS"]),
    .target(name: "JourneyPostgres", dependencies: ["CLibPQ", "JourneyModel", "JourneyFormats"]),
    .target(name: "JourneyModel", dependencies: [.product(name: "Yams", package: "Yams")]),
    .target(name: "JourneyFormats", dependencies: ["JourneyModel", "CZlib"]),
    .target(
      name: "JourneyEstimation", dependencies: ["JourneyModel", "JourneyFormats", "JourneyLinearAlgebra", "CJourneyKernels"]
    ),
    .target(name: "JourneyImport", dependencies: ["JourneyModel", "JourneyFormats", "JourneyEstimation"]),
    .target(name: "CJourneyKernels"),
    .target(
      name: "JourneySimulation", dependencies: ["JourneyModel", "JourneyFormats", "JourneyLinearAlgebra", "CJourneyKernels"],
      swiftSettings: simulationSwiftSettings
    ),
    .target(name: "JourneyReports", dependencies: ["JourneyModel", "JourneyFormats", "JourneySimulation"]),
    .target(
      name: "JourneyCheck", dependencies: ["JourneyModel", "JourneyFormats", "JourneySimulation", "JourneyForecast"]
    ),
    .target(
      name: "JourneyForecast", dependencies: ["JourneyModel", "JourneyFormats", "JourneySimulation", "JourneyLinearAlgebra"]
    ),
    .target(
      name: "JourneyAttribution",
      dependencies: [
        "JourneyModel", "JourneyFormats", "JourneySimulation", "JourneyLinearAlgebra", "JourneyForecast", "JourneyEstimation",
      ]
    ),
    .executableTarget(
      name: "journey",
      dependencies: [
        "JourneyModel", "JourneyFormats", "JourneySimulation", "JourneyLinearAlgebra", "JourneyReports",
        "JourneyCheck", "JourneyEstimation", "JourneyForecast", "JourneyAttribution", "JourneyImport", "JourneyPostgres",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .target(name: "_JourneyTestSupport", dependencies: ["JourneyModel", "JourneyFormats", "JourneySimulation"]),
    .testTarget(name: "JourneyLinearAlgebraTests", dependencies: ["JourneyLinearAlgebra", "JourneySimulation"]),
    .testTarget(
      name: "JourneyModelTests", dependencies: ["JourneyModel", "JourneyFormats", "JourneySimulation", "_JourneyTestSupport"]
    ),
    .testTarget(name: "JourneyFormatsTests", dependencies: ["JourneyFormats", "JourneyModel", "_JourneyTestSupport"]),
    .testTarget(
      name: "JourneySimulationTests",
      dependencies: ["JourneySimulation", "JourneyModel", "_JourneyTestSupport"]
    ),
    .testTarget(name: "JourneyReportsTests", dependencies: ["JourneyReports", "JourneyFormats", "CZlib", "_JourneyTestSupport"], exclude: ["Fixtures"]),
    .testTarget(
      name: "JourneyEstimationTests",
      dependencies: ["JourneyEstimation", "JourneyFormats", "JourneySimulation", "JourneyModel", "_JourneyTestSupport"],
      exclude: ["Data"]
    ),
    .testTarget(
      name: "JourneyImportTests",
      dependencies: [
        "JourneyImport", "JourneyEstimation", "JourneyFormats", "JourneySimulation", "JourneyModel", "_JourneyTestSupport",
      ]
    ),
    .testTarget(name: "JourneyCLITests", dependencies: ["JourneyFormats", "JourneyModel", "_JourneyTestSupport"], exclude: ["Snapshots"]),
    .testTarget(
      name: "JourneyAttributionTests",
      dependencies: ["JourneyAttribution", "JourneyModel", "JourneyFormats", "JourneySimulation", "_JourneyTestSupport"]
    ),
    .testTarget(
      name: "JourneyPostgresTests",
      dependencies: ["JourneyPostgres", "JourneyEstimation", "JourneyFormats", "JourneyModel", "JourneySimulation", "_JourneyTestSupport"]
    ),
    .testTarget(name: "JourneyCheckTests", dependencies: ["JourneyCheck", "JourneyFormats", "_JourneyTestSupport"]),
    .testTarget(
      name: "JourneyForecastTests",
      dependencies: [
        "JourneyForecast", "JourneyFormats", "JourneyModel", "JourneySimulation", "JourneyLinearAlgebra",
        "JourneyEstimation",
        "_JourneyTestSupport",
      ]
    ),
  ]
)
