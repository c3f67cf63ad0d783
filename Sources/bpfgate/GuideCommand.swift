import ArgumentParser
import Configuration
import Foundation
import Harness
import Reports
import Results
import Suites

/// `bpfgate guide`: the questions eBPF developers ask of costs, answered from this machine's measurements (`Guide`).
struct GuideCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guide",
        abstract: "Answer what maps, hooks, helpers, event submission, memory and event rates cost here.",
        discussion: """
            Measures its own runs (the guide profile idle, then the guide-load profile's map operations under \
            --load cpu:80 and vm:75; about 6 minutes here, as root) or reads results files (--from), and writes \
            one page: per question a sentence derived from the numbers, then the rows with their quartiles, run ids \
            and the published estimates beside them (marked when a measurement falls outside). Markdown on stdout \
            unless --html, --markdown or --json is given.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var configOptions: ConfigOptions

    @Option(name: .customLong("from"), help: "A results file to read instead of measuring (repeatable; the latest result of a benchmark wins).")
    var from: [String] = []

    @Option(help: "Measuring: the profile of the idle run (default guide).")
    var profile = "guide"

    @Option(name: .customLong("load-profile"), help: "Measuring: the profile run under each background load (default guide-load).")
    var loadProfile = "guide-load"

    @Option(name: .customLong("load"), help: "Measuring: the background loads (default cpu:80 and vm:75; repeatable; `none` for none).")
    var loads: [String] = []

    @Option(name: .customLong("object"),
            help: "Measuring: a BPF object of your own: its programs run in the idle run too, and the capacity section prices them (repeatable).")
    var objectFiles: [String] = []

    @Option(name: .customLong("results-dir"), help: "Measuring: also write each run's results file here (idle.json, cpu-80.json, ...), for `guide --from` later.")
    var resultsDir: String?

    @Option(help: "Write the guide as one self-contained HTML page (inline SVG charts).")
    var html: String?

    @Option(help: "Write the guide as Markdown.")
    var markdown: String?

    @Option(help: "Write the guide as JSON (sections with ids; capacity with its validation).")
    var json: String?

    var scenarios: [String] { loads.isEmpty ? ["cpu:80", "vm:75"] : loads.filter { $0 != "none" } }

    func validate() throws {
        try requireOutputs([html, markdown, json])
        if !from.isEmpty && (resultsDir != nil || !loads.isEmpty || !objectFiles.isEmpty) {
            throw ValidationError("--results-dir, --load and --object measure: give them without --from")
        }
        for file in objectFiles where !FileManager.default.isReadableFile(atPath: file) { throw ValidationError("--object '\(file)' is not a readable file") }
        for spec in scenarios where LoadScenario(spec) == nil { throw ValidationError("--load '\(spec)' is not cpu:P or vm:P with P in 1...100 (or none)") }
        if let resultsDir {
            var isDir: ObjCBool = false
            if !FileManager.default.fileExists(atPath: resultsDir, isDirectory: &isDir) || !isDir.boolValue {
                throw ValidationError("--results-dir '\(resultsDir)' is not a directory")
            }
        }
    }

    func run() throws {
        global.apply()
        let (results, sources) = from.isEmpty ? try measure() : (try from.map { try ResultsCodec.read(path: $0) }, from.map { URL(fileURLWithPath: $0).lastPathComponent })
        let doc = Guide.build(results, sources: sources, generatedAt: Timestamp.iso(Date()))
        if html == nil && markdown == nil && json == nil { print(doc.markdown(), terminator: ""); return }
        var outputs: [(String, Data)] = []
        if let html { outputs.append((html, Data(doc.html().utf8))) }
        if let markdown { outputs.append((markdown, Data(doc.markdown().utf8))) }
        if let json { outputs.append((json, try StableJSON.encode(doc))) }
        try Lifecycle.write(outputs)
    }

    /// The idle run, then one run per background load; a load stress-ng cannot make is left out with a line.
    func measure() throws -> ([ResultsFile], [String]) {
        let config = try configOptions.load()
        var runs: [(name: String, flags: RunFlags)] = []
        var idle = RunFlags()
        idle.profile = profile
        if !objectFiles.isEmpty {
            idle.objectFiles = objectFiles
            idle.suites = (config.profiles[profile]?.suites ?? Catalog.suiteNames) + [SuiteName.objects.rawValue]
        }
        runs.append(("idle", idle))
        for spec in scenarios {
            var loaded = RunFlags()
            loaded.profile = loadProfile
            loaded.load = [spec]
            runs.append((spec.replacingOccurrences(of: ":", with: "-"), loaded))
        }
        var results: [ResultsFile] = []
        var written: [(String, Data)] = []
        for (k, run) in runs.enumerated() {
            let label = "guide: run \(k + 1) of \(runs.count), \(run.name) (profile \(run.flags.profile ?? ""))"
            note(label)
            let request = try RunRequest(plan: RunPlan.resolve(run.flags, config: config, knownSuites: Catalog.suiteNames))
            do {
                let file = try Catalog.run(request) { note("guide: \(run.name): \($0)") }
                results.append(file)
                if let resultsDir { written.append(("\(resultsDir)/\(run.name).json", try ResultsCodec.encode(file))) }
            } catch let error as LoadError where k > 0 {
                note("guide: \(run.name) left out: \(error)")
            }
        }
        if !written.isEmpty { try Lifecycle.write(written) }
        return (results, runs.map(\.name))
    }
}
