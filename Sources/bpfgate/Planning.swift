import ArgumentParser
import Configuration
import Foundation
import Results
import Suites

// From options to a run: the configuration file, the flags as data, the plan (`RunPlan.resolve`) and the
// request each suite is built from. The option groups (RunCommand.swift) hold the parsed values and their checks.

extension ConfigOptions {
    /// The configuration; a malformed file exits 65 naming the key.
    func load() throws -> GateConfig {
        if let config { return try GateConfig.load(path: config, suites: Catalog.suiteNames) }
        if FileManager.default.fileExists(atPath: "bpfgate.json") { return try GateConfig.load(path: "bpfgate.json", suites: Catalog.suiteNames) }
        return GateConfig()
    }
}

extension SelectionOptions {
    /// The flags as data.
    var flags: RunFlags {
        var f = RunFlags()
        f.profile = profile
        f.suites = suites
        f.filter = filter
        f.samples = samples
        f.warmup = warmup
        f.batch = batch
        f.sizes = sizes.flatMap(Self.parse(sizes:))
        f.objectDirectory = objects
        f.load = load
        f.objectFiles = objectFiles
        f.together = together
        f.pcaps = pcaps
        return f
    }

    /// The plan: built-in defaults, then the profile (if any), then explicit flags (`RunPlan.resolve`).
    func plan(config: GateConfig, defaultProfile: String? = nil, testbed: String? = nil) throws -> RunPlan {
        try RunPlan.resolve(flags, config: config, defaultProfile: defaultProfile, testbed: testbed, knownSuites: Catalog.suiteNames)
    }

    /// The run request of the plan (each suite's settings).
    func request(config: GateConfig, defaultProfile: String? = nil, testbed: String? = nil) throws -> RunRequest {
        try RunRequest(plan: plan(config: config, defaultProfile: defaultProfile, testbed: testbed))
    }
}
