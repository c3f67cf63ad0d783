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

    /// Why `name` is not a valid benchmark name, or nil when it is.
    public static func problem(withBenchmark name: String) -> String? {
        if name.isEmpty { return "benchmark name is empty" }
        if name.count > maxBenchmarkLength { return "benchmark name longer than \(maxBenchmarkLength) characters" }
        for segment in name.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty { return "benchmark name '\(name)' has an empty segment" }
            if !segment.allSatisfy(isSegmentCharacter) {
                return "benchmark name '\(name)' has characters outside [a-z0-9._-/]"
            }
        }
        return nil
    }

    /// Why `slug` is not a valid measure slug, or nil when it is.
    public static func problem(withMeasure slug: String) -> String? {
        if slug.isEmpty { return "measure slug is empty" }
        if slug.count > maxMeasureLength { return "measure slug '\(slug)' longer than \(maxMeasureLength) characters" }
        if !slug.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) {
            return "measure slug '\(slug)' has characters outside [a-z0-9-]"
        }
        return nil
    }

    /// Lower-cases and replaces anything outside `[a-z0-9._-]` by `-` (for names built from kernel strings).
    public static func slug(_ text: String) -> String {
        String(text.lowercased().map { isSegmentCharacter($0) ? $0 : "-" })
    }
}
