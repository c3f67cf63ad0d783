import BPFObjects
import Foundation

extension Corpus {
    /// The corpus object of that name (`opensnoop`, `opensnoop_slow`).
    public static func named(_ name: String) -> EmbeddedBPFObject? {
        all.first { $0.name == name }
    }

    /// The originals: every object but the slow-down variants.
    public static var originals: [EmbeddedBPFObject] { all.filter { !$0.name.hasSuffix("_slow") } }

    /// The slow-down variants, each by the name of its original (`opensnoop_slow` -> `opensnoop`).
    public static var slowVariants: [(original: String, object: EmbeddedBPFObject)] {
        all.filter { $0.name.hasSuffix("_slow") }.map { (String($0.name.dropLast("_slow".count)), $0) }
    }

    /// Writes `objects` to `directory` as `<name>.bpf.o` (or under the names given) and returns the paths.
    @discardableResult
    public static func write(_ objects: [(name: String, object: EmbeddedBPFObject)], to directory: URL) throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try objects.map { name, object in
            let url = directory.appendingPathComponent("\(name).bpf.o")
            try Data(object.bytes).write(to: url)
            return url.path
        }
    }
}
