import Foundation

/// A BPF object compiled from `bpf/<name>.bpf.c` at build time and carried inside the binary.
public struct EmbeddedBPFObject: Sendable {
    /// The source's stem, e.g. `probes` for `bpf/probes.bpf.c`.
    public let name: String
    /// sha256 of the object's bytes, recorded in every run's metadata.
    public let sha256: String
    /// The first line of `clang --version` of the compiler that built it.
    public let compiler: String
    let base64: String

    public init(name: String, sha256: String, compiler: String, base64: String) {
        self.name = name
        self.sha256 = sha256
        self.compiler = compiler
        self.base64 = base64
    }

    /// The ELF bytes of the object.
    public var bytes: [UInt8] {
        // The literal was written by base64(1) at build time; failing to decode it is a build defect.
        guard let data = Data(base64Encoded: base64) else { fatalError("corrupt embedded BPF object \(name)") }
        return [UInt8](data)
    }

    /// The object of that name, if this binary carries one.
    public static func named(_ name: String) -> EmbeddedBPFObject? {
        all.first { $0.name == name }
    }
}
