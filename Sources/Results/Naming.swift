/// Benchmark names and measure slugs: stable, hierarchical, valid in BMF.
///
/// A benchmark name is `/`-separated segments of `[a-z0-9._-]`, e.g. `user/map/hash/1024/update`,
/// at most 1024 characters; a measure slug is `[a-z0-9-]`, at most 64 characters (Bencher's limits).
public enum Naming {
    public static let maxBenchmarkLength = 1024
    public static let maxMeasureLength = 64

    static func isSegmentCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLowercase || c.isNumber || c == "-" || c == "_" || c == ".")
    }

    /// `[a-z0-9._-]` on one byte (names are checked on every read of every results file: bytes are fast).
    static func isSegmentByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b == 0x2d || b == 0x5f || b == 0x2e
    }

    /// Why `name` is not a valid benchmark name, or nil when it is.
    public static func problem(withBenchmark name: String) -> String? {
        if name.isEmpty { return "benchmark name is empty" }
        // The common case, a valid name, on bytes: no empty segment, only [a-z0-9._-/].
        let bytes = name.utf8
        if bytes.count <= maxBenchmarkLength, bytes.first != 0x2f, bytes.last != 0x2f,
           !zip(bytes, bytes.dropFirst()).contains(where: { $0 == 0x2f && $1 == 0x2f }),
           bytes.allSatisfy({ $0 == 0x2f || isSegmentByte($0) }) {
            return nil
        }
        if name.count > maxBenchmarkLength { return "benchmark name longer than \(maxBenchmarkLength) characters" }
        for segment in name.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty { return "benchmark name '\(Text.oneLine(name))' has an empty segment" }
            if !segment.allSatisfy(isSegmentCharacter) {
                return "benchmark name '\(Text.oneLine(name))' has characters outside [a-z0-9._-/]"
            }
        }
        return nil
    }

    /// Why `slug` is not a valid measure slug, or nil when it is.
    public static func problem(withMeasure slug: String) -> String? {
        if slug.isEmpty { return "measure slug is empty" }
        if slug.utf8.count <= maxMeasureLength, slug.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }) {
            return nil
        }
        if slug.count > maxMeasureLength { return "measure slug '\(Text.oneLine(slug))' longer than \(maxMeasureLength) characters" }
        if !slug.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) {
            return "measure slug '\(Text.oneLine(slug))' has characters outside [a-z0-9-]"
        }
        return nil
    }

    /// Why `name` cannot be a testbed name, or nil. A testbed name becomes one directory under `baselines/`:
    /// `[a-z0-9._-]`, not starting with '.', at most 128 characters.
    public static func problem(withTestbed name: String) -> String? {
        if name.isEmpty { return "the testbed name is empty" }
        if name.count > 128 || name.hasPrefix(".") || !name.allSatisfy(isSegmentCharacter) {
            return "testbed name '\(Text.oneLine(String(name.prefix(130))))' is not 1-128 of [a-z0-9._-] (not starting with '.')"
        }
        return nil
    }

    /// Why `id` cannot be a run id, or nil. A run id ends the stored run's file name: `[A-Za-z0-9._-]`, not
    /// starting with '.', at most 128 characters (bpfgate writes UUIDs).
    public static func problem(withRunID id: String) -> String? {
        let ok = !id.isEmpty && id.count <= 128 && !id.hasPrefix(".")
            && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
        return ok ? nil : "run id '\(Text.oneLine(String(id.prefix(130))))' is not 1-128 of [A-Za-z0-9._-] (not starting with '.')"
    }

    /// Lower-cases and replaces anything outside `[a-z0-9._-]` by `-` (for names built from kernel strings).
    public static func slug(_ text: String) -> String {
        String(text.lowercased().map { isSegmentCharacter($0) ? $0 : "-" })
    }
}
