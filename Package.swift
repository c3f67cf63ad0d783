// swift-tools-version: 6.0
import PackageDescription

// Floors (each imports only what it declares here; ci/floors.py checks it, ARCHITECTURE.md draws it):
//   bpfgate (CLI) -> Suites -> Harness -> BPF, BPFObjects, C modules       (kernel-bound)
//   Reports, Tracking -> Gate -> Configuration -> Results, BPFCatalog -> Statistics   (pure)
let swift5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "bpfgate",
    // No library product yet (ARCHITECTURE.md, decisions): the modules are the tool's floors, not an API.
    products: [
        .executable(name: "bpfgate", targets: ["bpfgate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries, through pkg-config, and the small shim for what Swift cannot call.
        .systemLibrary(name: "CLibBPF", pkgConfig: "libbpf", providers: [.apt(["libbpf-dev", "libelf-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CBPFGateShim", dependencies: ["CLibBPF"]),
        // The harness's C: traffic loops, CPU affinity, unshare/setns, the uprobe target, pipe2, posix_spawn chdir.
        .target(name: "CHarness"),
        // The structs bpf/*.bpf.c share with user space (links to bpf/*.h).
        .target(name: "CBPFLayouts"),

        // Pure floors: no kernel, no privilege.
        .target(name: "Statistics", swiftSettings: swift5),
        // What bpfgate knows of BPF as tables: hook families, map types, traffic kinds.
        .target(name: "BPFCatalog", swiftSettings: swift5),
        .target(name: "Results", dependencies: ["Statistics"], swiftSettings: swift5),

        // The configuration (bpfgate.json): gate settings, rules, waivers, profiles, object declarations, strict reader.
        .target(name: "Configuration", dependencies: ["BPFCatalog", "Results", "Statistics"], swiftSettings: swift5),
        .target(name: "Gate", dependencies: ["Configuration", "Results", "Statistics"], swiftSettings: swift5),
        .target(name: "Reports", dependencies: ["BPFCatalog", "Configuration", "Gate", "Results", "Statistics"], swiftSettings: swift5),

        // The Swift libbpf layer.
        .target(name: "BPF", dependencies: ["BPFCatalog", "CLibBPF", "CBPFGateShim"], swiftSettings: swift5),

        // bpf/*.bpf.c compiled by clang at build time and embedded as bytes.
        .plugin(name: "BPFObjectsPlugin", capability: .buildTool()),
        .target(name: "BPFObjects", swiftSettings: swift5, plugins: ["BPFObjectsPlugin"]),
        // The tests' corpus: BPF programs in the patterns of real tools (Tests/CorpusObjects/bpf), built by the
        // same plugin but never part of the product.
        .target(name: "CorpusObjects", dependencies: ["BPFObjects"], path: "Tests/CorpusObjects", exclude: ["bpf"],
                swiftSettings: swift5, plugins: ["BPFObjectsPlugin"]),

        // Uploads to tracking servers through libcurl (Bencher, InfluxDB), retries, the outbox: no kernel.
        .target(name: "Tracking", dependencies: ["CCurl", "Configuration", "Results", "Statistics"], swiftSettings: swift5),

        // The measuring harness: clean-up and journal, machine locks, child processes and load scenarios, packet
        // path and cgroup, tracefs, attaching each hook family, traffic, bpf_stats, the measuring thread.
        .target(name: "Harness", dependencies: ["BPF", "BPFCatalog", "CBPFLayouts", "CHarness", "Results"], swiftSettings: swift5),

        // Benchmarks, testbed detection and the doctor's live probes.
        .target(name: "Suites", dependencies: ["BPF", "BPFCatalog", "BPFObjects", "CBPFLayouts", "Configuration", "Harness", "Results", "Statistics"],
                swiftSettings: swift5),

        .executableTarget(
            name: "bpfgate",
            dependencies: ["Suites", "BPF", "BPFObjects", "Configuration", "Harness", "Results", "Gate", "Reports", "Statistics", "Tracking", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swift5),

        .testTarget(name: "ResultsTests", dependencies: ["Results", "Statistics"],
                    exclude: ["Golden"], swiftSettings: swift5),
        .testTarget(name: "GateTests", dependencies: ["BPFCatalog", "Configuration", "Gate", "Reports", "Results", "Statistics"], exclude: ["Golden"],
                    swiftSettings: swift5),
        .testTarget(name: "StatisticsTests", dependencies: ["Statistics"], exclude: ["Fixtures"], swiftSettings: swift5),
        .testTarget(name: "BPFIntegrationTests", dependencies: ["Suites", "BPF", "BPFCatalog", "BPFObjects", "CBPFLayouts", "Configuration", "CorpusObjects", "Gate", "Harness", "Results", "Statistics"],
                    swiftSettings: swift5),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "BPFCatalog", "Configuration", "Gate", "Results", "Statistics"], exclude: ["Golden"],
                    swiftSettings: swift5),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking", "Configuration", "Gate", "Results", "Statistics"], swiftSettings: swift5),
        .testTarget(name: "CLITests", dependencies: ["bpfgate", "BPFCatalog", "CorpusObjects", "Harness", "Results", "Tracking", "Suites"], swiftSettings: swift5),
    ]
)
