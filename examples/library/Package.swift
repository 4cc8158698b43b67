// swift-tools-version: 6.0
// JourneyKit used as a library: this package depends on the repository's root package by
// path and uses four of its library products (docs/library.md).
import PackageDescription

let package = Package(
  name: "JourneyLibraryExample",
  platforms: [.macOS(.v13)],
  dependencies: [
    .package(name: "JourneyKit", path: "../..")
  ],
  targets: [
    .executableTarget(
      name: "journey-library-example",
      dependencies: [
        .product(name: "JourneyModel", package: "JourneyKit"),
        .product(name: "JourneyFormats", package: "JourneyKit"),
        .product(name: "JourneySimulation", package: "JourneyKit"),
        .product(name: "JourneyEstimation", package: "JourneyKit"),
      ],
      path: "Sources"
    )
  ]
)
