import ArgumentParser
import BPFObjects
import Foundation
import Results

struct ObjectsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "objects",
        abstract: "List or export the BPF objects built into this bpfgate.",
        subcommands: [List.self, Export.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Name, size, sha256 and compiler of each built-in object.")
        func run() throws {
            for o in EmbeddedBPFObject.all { print("\(o.name).bpf.o  \(o.bytes.count) bytes  sha256 \(o.sha256)  \(o.compiler)") }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write each built-in object to DIR/<name>.bpf.o (for bpftool, or as A/B --base-objects).")
        @Argument(help: "The directory (created if missing).") var directory: String

        func run() throws {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw ValidationError("cannot create the directory '\(Text.oneLine(directory))'")
            }
            try requireOutputs(EmbeddedBPFObject.all.map { "\(directory)/\($0.name).bpf.o" })
            try Lifecycle.write(EmbeddedBPFObject.all.map { ("\(directory)/\($0.name).bpf.o", Data($0.bytes)) })
            note("exported \(EmbeddedBPFObject.all.count) objects to \(directory)")
        }
    }
}
