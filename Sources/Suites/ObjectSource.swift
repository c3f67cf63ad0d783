import BPFObjects
import Foundation
import Results

/// Where a BPF object comes from: built into this binary, or an object file (A/B base or head sets).
public struct ObjectSource: Sendable {
    /// The object's name, e.g. `xdp_demo` (the file is `<name>.bpf.o`).
    public let name: String
    public let bytes: [UInt8]
    public let sha256: String
    /// "built-in" or the file's path.
    public let origin: String

    public static func embedded(_ name: String) -> ObjectSource? {
        EmbeddedBPFObject.named(name).map { ObjectSource(name: $0.name, bytes: $0.bytes, sha256: $0.sha256, origin: "built-in") }
    }

    /// `<dir>/<name>.bpf.o`; a missing or unreadable file is bad input (exit 65).
    public static func file(directory: String, name: String) throws -> ObjectSource {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("\(name).bpf.o").path
        return try file(path: path, name: name, missing: "no such BPF object (expected \(name).bpf.o in \(directory))")
    }

    /// A user's object file; its name is the file name without `.bpf.o` (or `.o`).
    public static func file(path: String) throws -> ObjectSource {
        let base = URL(fileURLWithPath: path).lastPathComponent
        let name = base.hasSuffix(".bpf.o") ? String(base.dropLast(6)) : base.hasSuffix(".o") ? String(base.dropLast(2)) : base
        return try file(path: path, name: name, missing: "no such BPF object file")
    }

    static func file(path: String, name: String, missing: String) throws -> ObjectSource {
        guard let data = FileManager.default.contents(atPath: path) else { throw BadInputError(path: path, problem: missing) }
        guard data.starts(with: [0x7f, 0x45, 0x4c, 0x46]) else {
            throw BadInputError(path: path, problem: "not an ELF object")
        }
        return ObjectSource(name: name, bytes: [UInt8](data), sha256: SHA256.hex(data), origin: path)
    }
}
