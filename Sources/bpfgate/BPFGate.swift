import ArgumentParser
import Foundation
import Harness
import Results
import Suites

/// The root command: configuration only.
struct BPFGate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bpfgate",
        abstract: "Benchmark BPF maps, helpers and programs, and gate changes on regressions.",
        version: "0.1.0",
        subcommands: [RunCommand.self, CheckCommand.self, CompareCommand.self, BaselineCommand.self, ListCommand.self, ObjectsCommand.self,
                      DoctorCommand.self, UploadCommand.self, HistoryCommand.self, TrendCommand.self, ReportCommand.self, GuideCommand.self, CommentCommand.self, ObserveCommand.self, BisectCommand.self])
}

@main
enum Main {
    static func main() {
        let command: ParsableCommand
        do {
            command = try BPFGate.parseAsRoot()
        } catch {
            // --help and --version exit 0 with their text; usage errors give one line and exit 64.
            if BPFGate.exitCode(for: error) == .success { BPFGate.exit(withError: error) }
            let message = BPFGate.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid usage"
            FileHandle.standardError.write(Data("bpfgate: error: \(Text.oneLine(message)) (see 'bpfgate --help')\n".utf8))
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        if let stats = ProcessInfo.processInfo.environment["BPFGATE_STATS"], !["sysctl", "bpf_enable_stats"].contains(stats) {
            FileHandle.standardError.write(Data("bpfgate: error: BPFGATE_STATS='\(Text.oneLine(stats))' is not sysctl or bpf_enable_stats\n".utf8))
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        // What a killed bpfgate could not undo (tracefs mount, tc filters) is undone by the next one that works
        // with the kernel; the commands that only read and write files leave the kernel alone.
        if command is RunCommand || command is CheckCommand || command is DoctorCommand || command is BisectCommand || command is ObserveCommand {
            for line in LeftoverJournal.recover() { FileHandle.standardError.write(Data("bpfgate: \(line)\n".utf8)) }
        }
        do {
            var command = command
            try command.run()
            Lifecycle.exit(.ok)
        } catch let exit as Lifecycle.Exit {
            Lifecycle.exit(exit.status)
        } catch {
            // The root command "runs" by asking for its help: argument-parser's clean exit.
            if BPFGate.exitCode(for: error) == .success { BPFGate.exit(withError: error) }
            let (status, message) = Lifecycle.classify(error)
            Lifecycle.fail(status, message)
        }
    }
}
