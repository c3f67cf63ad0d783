import ArgumentParser
import Foundation
import Reports
import Results
import Suites

/// Options that choose and shape benchmarks (shared by `run` and `list`).
struct SelectionOptions: ParsableArguments {
    @Option(name: .customLong("suite"), parsing: .upToNextOption,
            help: "Suites to run (default: all). Known: \(Catalog.suiteNames.joined(separator: ", ")).")
    var suites: [String] = []

    @Option(help: "Only benchmarks whose name matches this regular expression.")
    var filter: String?

    @Option(help: "Timed samples per benchmark (>= 2).")
    var samples: Int = UserMapConfig().samples

    @Option(help: "Untimed warm-up rounds per benchmark.")
    var warmup: Int = UserMapConfig().warmup

    @Option(help: "Operations per sample, equal for every map type and size.")
    var batch: Int = UserMapConfig().batch

    @Option(help: "Map sizes in entries, comma-separated.")
    var sizes: String = UserMapConfig().sizes.map(String.init).joined(separator: ",")

    func validate() throws {
        for s in suites where !Catalog.suiteNames.contains(s) {
            throw ValidationError("unknown suite '\(s)'; known: \(Catalog.suiteNames.joined(separator: ", "))")
        }
        if let filter, (try? Regex(filter)) == nil { throw ValidationError("--filter '\(filter)' is not a valid regular expression") }
        if samples < 2 { throw ValidationError("--samples must be at least 2") }
        if warmup < 0 { throw ValidationError("--warmup must be 0 or more") }
        if !(1 ... 1_000_000).contains(batch) { throw ValidationError("--batch must be between 1 and 1000000") }
        guard let sizes = parsedSizes else {
            throw ValidationError("--sizes must be comma-separated entry counts between 2 and 16777216, e.g. 1024,65536")
        }
        var config = UserMapConfig()
        config.sizes = sizes
        if batch > config.maxBatch {
            throw ValidationError("--batch \(batch) exceeds \(config.maxBatch), the keys of the least-filled map (LRU maps are filled to \(config.lruFillPercent) % of the smallest size); lower --batch or raise --sizes")
        }
    }

    var parsedSizes: [Int]? {
        let parts = sizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) >= 2 && ($0 ?? 0) <= 16_777_216 }) else { return nil }
        return parts.map { $0! }
    }

    func request(testbed: String? = nil) throws -> RunRequest {
        var request = RunRequest(suites: suites.isEmpty ? Catalog.suiteNames : suites,
                                 filter: try filter.map { try Regex($0) })
        request.userMaps.samples = samples
        request.userMaps.warmup = warmup
        request.xdpDemo.samples = samples
        request.xdpDemo.warmup = warmup
        request.userMaps.batch = batch
        request.userMaps.sizes = parsedSizes ?? request.userMaps.sizes
        request.testbedName = testbed
        return request
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run benchmarks; BMF on stdout (or --output), the table and progress on stderr.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: SelectionOptions

    @Option(help: "Write the BMF JSON to this file instead of stdout.")
    var output: String?

    @Option(help: "Also write the full results file (raw samples, testbed, run metadata) here.")
    var results: String?

    @Option(help: "Name of this testbed (default: automatic, from kernel, CPU and toolchain).")
    var testbed: String?

    @Flag(help: "Do not print the table and progress on stderr.")
    var quiet = false

    func validate() throws {
        for path in [output, results].compactMap({ $0 }) {
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var isDir: ObjCBool = false
            if !FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) || !isDir.boolValue || access(dir, W_OK) != 0 {
                throw ValidationError("cannot write '\(path)': its directory does not exist or is not writable")
            }
        }
        if let testbed, Naming.problem(withBenchmark: testbed) != nil || testbed.contains("/") {
            throw ValidationError("--testbed must be lower-case letters, digits, '.', '_' or '-'")
        }
    }

    func run() throws {
        global.apply()
        let request = try selection.request(testbed: testbed)
        if Catalog.plan(request).isEmpty {
            throw ValidationError("no benchmark matches --filter '\(selection.filter ?? "")' (see `bpfgate list`)")
        }
        let run = try Catalog.run(request) { if !quiet { note($0) } }
        let bmf = try BMF.encode(BMF.document(from: run))
        try Lifecycle.commit {
            if let results { try AtomicFile.write(try ResultsCodec.encode(run), to: results) }
            if let output { try AtomicFile.write(bmf, to: output) } else { FileHandle.standardOutput.write(bmf) }
        }
        if !quiet { note(TerminalTable.render(run)) }

        let failed = run.benchmarks.flatMap { b in b.measures.compactMap { m -> String? in
            if case let .failed(why) = m.status { return "\(b.name): \(why)" } else { return nil } } }
        if !failed.isEmpty {
            note("bpfgate: error: \(failed.count) benchmark(s) failed; first: \(failed[0])")
            throw Lifecycle.Exit(status: .benchmarkFailed)
        }
    }
}
