// swift-tools-version:6.0
import PackageDescription

// The concrete interpretation and the emulator keep their state in classes; checking exclusive
// access to it at run time costs a tenth of the fuzz loop. The test generator in DiffCheck calls
// small functions of SpecModel at every step; optimising across the module boundary lets them
// be inlined (2 % of the loop). Debug builds (and so the tests) keep the checks.
let releaseSpeed: [SwiftSetting] = [
  .unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization"], .when(configuration: .release))
]

let package = Package(
  name: "rvcheck",
  products: [
    .executable(name: "rvcheck", targets: ["rvcheck"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    .systemLibrary(
      name: "CZ3",
      pkgConfig: "z3",
      providers: [.apt(["libz3-dev"])]
    ),
    .target(name: "SpecModel", dependencies: ["CZ3"], swiftSettings: releaseSpeed),
    .target(name: "DiffCheck", dependencies: ["SpecModel"], swiftSettings: releaseSpeed),
    .executableTarget(
      name: "rvcheck",
      dependencies: [
        "SpecModel",
        "DiffCheck",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(name: "SpecModelTests", dependencies: ["SpecModel"]),
    .testTarget(name: "DiffCheckTests", dependencies: ["DiffCheck", "SpecModel"]),
    .testTarget(name: "EmulatorBackendTests", dependencies: ["DiffCheck", "SpecModel"]),
    .testTarget(name: "EndToEndTests", dependencies: ["rvcheck", "DiffCheck", "SpecModel"]),
  ],
  swiftLanguageModes: [.v6]
)
