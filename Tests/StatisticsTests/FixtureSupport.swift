import Foundation

/// Loads the scipy reference values that ci/fixtures/make_stats_fixtures.py writes beside the tests.
enum Fixture {
    static func load<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(T.self, from: Data(contentsOf: url))
    }
}

/// Agreement to `relative` of the expected value; the floor of 1e-300 lets values that underflow
/// in one implementation and not quite in the other still compare (both are "zero" for a p-value).
func isClose(_ actual: Double, _ expected: Double, relative: Double = 1e-9) -> Bool {
    if actual == expected { return true }
    if expected.isNaN { return actual.isNaN }
    return abs(actual - expected) <= relative * max(abs(expected), 1e-300)
}
