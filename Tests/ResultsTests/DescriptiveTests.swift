import Foundation
import Statistics
import Testing

/// Checked against numpy/scipy (fixture made by ci/fixtures/make_descriptive_fixture.py).
@Suite struct DescriptiveTests {
    struct Case: Decodable {
        let samples: [Double]
        let quantiles: [String: Double]
        let mean: Double
        let sd: Double?
        let cv: Double?
    }

    static func cases() throws -> [Case] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/descriptive.json")
        return try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
    }

    static func close(_ a: Double?, _ b: Double?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return abs(a - b) <= 1e-9 * max(1, abs(b))
    }

    @Test func quantilesMeanSdCv_matchNumpy() throws {
        let cases = try Self.cases()
        #expect(cases.count == 6)
        for c in cases {
            for (p, expected) in c.quantiles {
                #expect(Self.close(Descriptive.quantile(c.samples, Double(p)!), expected), "p=\(p) of \(c.samples)")
            }
            #expect(Self.close(Descriptive.mean(c.samples), c.mean))
            #expect(Self.close(Descriptive.standardDeviation(c.samples), c.sd))
            #expect(Self.close(Descriptive.coefficientOfVariation(c.samples), c.cv))
        }
    }

    @Test func emptyInput_givesNil() {
        #expect(Descriptive.quantile([], 0.5) == nil)
        #expect(Summary([]) == nil)
        #expect(Descriptive.standardDeviation([1]) == nil)
    }

    @Test func seededGenerator_isAFixedPermutation() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        let p = a.permuted(Array(0 ..< 100))
        #expect(p == b.permuted(Array(0 ..< 100)))
        #expect(p.sorted() == Array(0 ..< 100))
        #expect(p != Array(0 ..< 100))
        var c = SeededGenerator(seed: 1)
        #expect(c.next() == 0x910a_2dec_8902_5cc1)  // SplitMix64 reference value for seed 1
    }
}
