// swift-tools-version: 6.0
import PackageDescription

// Floors (each imports only the floors below it):
//   bpfgate (CLI) -> Suites -> BPF / BPFObjects / Results -> Statistics, C modules
let swift5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "bpfgate",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "bpfgate", targets: ["bpfgate"]),
        .library(name: "BPFGate", targets: ["Suites", "BPF", "Results", "Gate", "Reports", "Statistics", "Tracking"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries, through pkg-config, and the small shim for what Swift cannot call.
        .systemLibrary(name: "CLibBPF", pkgConfig: "libbpf", providers: [.apt(["libbpf-dev", "libelf-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CBPFGateShim", dependencies: ["CLibBPF"]),
        // pipe2 and posix_spawn's chdir for Shell (GNU extensions Swift does not import).
        .target(name: "CSpawnShim"),

        // Pure floors: no kernel, no privilege.
        .target(name: "Statistics", swiftSettings: swift5),
        .target(name: "Results", dependencies: ["Statistics"], swiftSettings: swift5),

        .target(name: "Gate", dependencies: ["Results", "Statistics"], swiftSettings: swift5),
        .target(name: "Reports", dependencies: ["Gate", "Results", "Statistics"], swiftSettings: swift5),

        // The Swift libbpf layer.
        .target(name: "BPF", dependencies: ["CLibBPF", "CBPFGateShim"], swiftSettings: swift5),

        // bpf/*.bpf.c compiled by clang at build time and embedded as bytes.
        .plugin(name: "BPFObjectsPlugin", capability: .buildTool()),
        .target(name: "BPFObjects", swiftSettings: swift5, plugins: ["BPFObjectsPlugin"]),

        // Uploads to tracking servers through libcurl (Bencher, InfluxDB), retries, the outbox: no kernel.
        .target(name: "Tracking", dependencies: ["CCurl", "Gate", "Results", "Statistics"], swiftSettings: swift5),

        // Benchmarks, testbed detection and the doctor's live probes.
        .target(name: "Suites", dependencies: ["BPF", "BPFObjects", "Gate", "Results", "Statistics", "CCurl", "CSpawnShim"],
                swiftSettings: swift5),

        .executableTarget(
            name: "bpfgate",
            dependencies: ["Suites", "Results", "Gate", "Reports", "Tracking", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swift5),

        .testTarget(name: "ResultsTests", dependencies: ["Results", "Statistics", "Reports"],
                    exclude: ["Golden"], swiftSettings: swift5),
        .testTarget(name: "GateTests", dependencies: ["Gate", "Reports", "Results", "Statistics"], exclude: ["Golden"],
                    swiftSettings: swift5),
        .testTarget(name: "StatisticsTests", dependencies: ["Statistics"], exclude: ["Fixtures"], swiftSettings: swift5),
        .testTarget(name: "BPFIntegrationTests", dependencies: ["Suites", "BPF", "BPFObjects", "Gate", "Results", "Statistics"],
                    swiftSettings: swift5),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Gate", "Results", "Statistics"], exclude: ["Golden"],
                    swiftSettings: swift5),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking", "Gate", "Results", "Statistics"], swiftSettings: swift5),
        .testTarget(name: "CLITests", dependencies: ["bpfgate", "Results", "Tracking", "Suites"], swiftSettings: swift5),
    ]
)
