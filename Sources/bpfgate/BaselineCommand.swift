import ArgumentParser
import Configuration
import Foundation
import Gate
import Harness
import Results
import Suites

/// Where baselines live (shared by `baseline` and `check`).
struct StoreOptions: ParsableArguments {
    @Option(help: "The baselines directory (kept in git).")
    var baselines = "baselines"

    var store: BaselineStore { BaselineStore(root: baselines) }

    func validate() throws {
        var isDir: ObjCBool = false
        if baselines.isEmpty || baselines.contains(where: Text.isControl) { throw ValidationError("--baselines needs a directory") }
        if FileManager.default.fileExists(atPath: baselines, isDirectory: &isDir), !isDir.boolValue {
            throw ValidationError("--baselines '\(baselines)' is not a directory")
        }
    }
}

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Record, show and manage the stored baselines (baselines/<testbed>/runs/).",
        subcommands: [Save.self, Accept.self, Show.self, List.self, Delete.self])

    /// Options of `save` and `accept`: what to store.
    struct RecordOptions: ParsableArguments {
        @Option(help: "Runs to record, each in its own process (default: the configuration's baselineRuns).")
        var runs: Int?

        @Option(name: .customLong("results"), parsing: .upToNextOption, help: "Store these results files instead of running.")
        var resultsFiles: [String] = []

        @Flag(help: "Store runs of another testbed identity too.")
        var force = false

        @Option(help: "Name of this testbed (default: automatic; with --results, the runs are stored under it).")
        var testbed: String?

        func validate() throws {
            if let runs, !(1 ... 1000).contains(runs) { throw ValidationError("--runs must be between 1 and 1000") }
            try requireTestbedName(testbed)
        }
    }

    static func record(kind: StoredRun.Kind, reason: String?, options: RecordOptions, store: StoreOptions, config: ConfigOptions,
                       selection: SelectionOptions) throws {
        let cfg = try config.load()
        var runs: [ResultsFile]
        if !options.resultsFiles.isEmpty {
            runs = try options.resultsFiles.map { path in
                var run = try ResultsCodec.read(path: path)
                if let name = options.testbed { run.testbed.name = name }  // store them under that name
                return run
            }
        } else {
            let request = try selection.request(config: cfg, defaultProfile: "gate", testbed: options.testbed)  // fails fast on a bad selection
            // The first run's time left: what the profile's suites took in this testbed's last stored run, else here.
            let stored = (try? store.store.history(testbed: Environment.testbed(name: options.testbed).name).map(\.results)) ?? []
            let expected = RunClock.expected(for: request.plan, history: stored)
            let running = request.plan.suites.filter { $0 != SuiteName.objects.rawValue || !request.objectSuite.isEmpty }
            let seconds = Set(running).isSubset(of: expected.keys) ? running.compactMap { expected[$0] }.reduce(0, +) : nil
            runs = try ChildRuns.run(count: options.runs ?? cfg.baselineRuns, plan: request.plan, seconds: seconds) { note("baseline: \($0)") }
        }
        let current = Environment.testbed(name: options.testbed)
        // Every store these runs go to must read whole before the first is written: a malformed stored run found
        // while storing the second would otherwise leave the first stored and the command failed.
        for name in Set(runs.map(\.testbed.name)) { _ = try store.store.history(testbed: name) }
        for (i, run) in runs.enumerated() {
            do {
                // Held off from the timeout and signals: a run is stored whole or not at all.
                let path = try Cleanup.shared.critical {
                    try store.store.save(run, kind: i == 0 ? kind : .save, reason: i == 0 ? reason : nil, history: cfg.history,
                                         currentTestbed: current, force: options.force)
                }
                note("baseline: stored \(path)")
            } catch let BaselineError.alreadyStored(path) {
                note("baseline: run \(run.run.id.prefix(8)) is already stored in \(path): not stored again")
            }
        }
    }

    struct Save: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record runs into this testbed's baseline (commit them).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @OptionGroup var configOptions: ConfigOptions
        @OptionGroup var selection: SelectionOptions
        @OptionGroup var record: RecordOptions

        func run() throws {
            global.apply()
            try BaselineCommand.record(kind: .save, reason: nil, options: record, store: store, config: configOptions, selection: selection)
        }
    }

    struct Accept: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Accept an intended change: record new runs that start a new baseline, with a reason.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @OptionGroup var configOptions: ConfigOptions
        @OptionGroup var selection: SelectionOptions
        @OptionGroup var record: RecordOptions

        @Option(help: "Why the new numbers are right (kept with the runs).")
        var reason: String

        func validate() throws {
            if reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--reason must say why") }
            if reason.contains(where: Text.isControl) { throw ValidationError("--reason must be one line without control characters") }
        }

        func run() throws {
            global.apply()
            try BaselineCommand.record(kind: .accept, reason: reason, options: record, store: store, config: configOptions, selection: selection)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the stored runs of a testbed.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The testbed (default: this machine's).")
        var testbed: String?

        func validate() throws { try requireTestbedName(testbed) }

        func run() throws {
            let name = testbed ?? Environment.testbed().name
            let runs = try store.store.history(testbed: name)
            if runs.isEmpty { throw BaselineError.missing("no stored runs for testbed '\(name)' in \(store.baselines)") }
            let baselineStart = runs.lastIndex { $0.kind == .accept } ?? 0
            print("testbed \(name): \(runs.count) run(s), the baseline is the last \(runs.count - baselineStart)")
            for (i, r) in runs.enumerated() {
                let git = r.results.run.git.map { String($0.commit.prefix(12)) + ($0.dirty ? "+dirty" : "") } ?? "-"
                print("\(i >= baselineStart ? "*" : " ") \(r.savedAt)  \(r.kind.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0))  run \(r.results.run.id.prefix(8))  commit \(git)  \(r.results.benchmarks.count) benchmarks\(r.reason.map { "  reason: \($0)" } ?? "")")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the testbeds with stored runs.")
        @OptionGroup var store: StoreOptions

        func run() throws {
            let testbeds = store.store.testbeds()
            if testbeds.isEmpty { note("no baselines in \(store.baselines)") }
            let current = Environment.testbed().name
            for t in testbeds { print("\(t.name)  \(t.runs) run(s)\(t.name == current ? "  (this machine)" : "")") }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete one stored run (--run ID) or all of a testbed's (--all).")
        @OptionGroup var store: StoreOptions
        @Option(help: "The testbed.") var testbed: String
        @Option(name: .customLong("run"), help: "The run id (or a prefix of it that matches exactly one run).") var runID: String?
        @Flag(help: "Delete every run of the testbed.") var all = false

        func validate() throws {
            if (runID == nil) == !all { throw ValidationError("give exactly one of --run ID and --all") }
            if let runID, runID.isEmpty { throw ValidationError("--run needs a run id or a prefix of one") }
            try requireTestbedName(testbed)
        }

        func run() throws {
            let n = try store.store.delete(testbed: testbed, runID: all ? nil : runID)
            note("baseline: deleted \(n) run(s) of \(testbed)")
        }
    }
}
