import ArgumentParser
import Foundation
import Reports
import Results

/// `bpfgate guide`: the questions eBPF developers ask of costs, answered from results files (`Guide`).
struct GuideCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guide",
        abstract: "Answer what maps, hooks, helpers and event submission cost here, from results files.",
        discussion: """
            Reads results files (`bpfgate run --profile study --results FILE` measures every ingredient) and writes \
            one page: per question a sentence derived from the numbers, then the rows with their quartiles, run ids \
            and the published estimates beside them (marked when a measurement falls outside). Markdown on stdout \
            unless --markdown or --json is given.
            """)

    @Option(name: .customLong("from"), help: "A results file to read (repeatable; the latest result of a benchmark wins).")
    var from: [String] = []

    @Option(help: "Write the guide as Markdown.")
    var markdown: String?

    @Option(help: "Write the guide as JSON (sections with ids).")
    var json: String?

    func validate() throws {
        if from.isEmpty { throw ValidationError("give --from RESULTS (a `bpfgate run --results` file); measuring the guide's own runs is not built yet") }
        try requireOutputs([markdown, json])
    }

    func run() throws {
        let results = try from.map { try ResultsCodec.read(path: $0) }
        let doc = Guide.build(results, sources: from.map { URL(fileURLWithPath: $0).lastPathComponent }, generatedAt: Timestamp.iso(Date()))
        if markdown == nil && json == nil { print(doc.markdown(), terminator: ""); return }
        var outputs: [(String, Data)] = []
        if let markdown { outputs.append((markdown, Data(doc.markdown().utf8))) }
        if let json { outputs.append((json, try StableJSON.encode(doc))) }
        try Lifecycle.write(outputs)
    }
}
