import Foundation
import Results
import Testing

@Suite struct ResultsFileTests {
    @Test func resultsFile_matchesGoldenFile() throws {
        let data = try ResultsCodec.encode(Fixtures.results)
        #expect(try Fixtures.matchesGolden(data, "results.json"))
    }

    @Test func resultsFile_roundTripsEveryStatusAndFlag() throws {
        let decoded = try ResultsCodec.decode(try ResultsCodec.encode(Fixtures.results), path: "r.json")
        #expect(decoded == Fixtures.results)
        #expect(decoded.benchmarks[2].measures[0].status == .notApplicable("array elements cannot be deleted"))
        #expect(decoded.benchmarks[4].measures[0].flags == ["nonlinear"])
    }

    @Test func resultsFile_goldenFileStillDecodes() throws {
        let data = try Data(contentsOf: Fixtures.goldenDirectory.appendingPathComponent("results.json"))
        #expect(try ResultsCodec.decode(data, path: "results.json") == Fixtures.results)
    }

    static func mutated(_ change: (inout ResultsFile) -> Void) throws -> Data {
        var r = Fixtures.results
        change(&r)
        return try ResultsCodec.encode(r)
    }

    @Test func resultsFile_rejectsFutureSchema() throws {
        let data = try Self.mutated { $0.schemaVersion = 99 }
        #expect(throws: BadInputError.self) { try ResultsCodec.decode(data, path: "r.json") }
    }

    @Test func resultsFile_rejectsOkWithoutSamples() throws {
        let data = try Self.mutated { $0.benchmarks[0].measures[0].samples = [] }
        #expect { try ResultsCodec.decode(data, path: "r.json") } throws: { "\($0)".contains("ok but has no samples") }
    }

    @Test func resultsFile_rejectsDuplicateBenchmarks() throws {
        let data = try Self.mutated { $0.benchmarks.append($0.benchmarks[0]) }
        #expect { try ResultsCodec.decode(data, path: "r.json") } throws: { "\($0)".contains("appears twice") }
    }

    @Test func resultsFile_rejectsUnknownStatusAndGarbage() throws {
        let text = String(decoding: try ResultsCodec.encode(Fixtures.results), as: UTF8.self)
            .replacingOccurrences(of: "\"not-applicable\"", with: "\"maybe\"")
        #expect { try ResultsCodec.decode(Data(text.utf8), path: "r.json") } throws: { "\($0)".contains("unknown status") }
        #expect { try ResultsCodec.decode(Data("{".utf8), path: "r.json") } throws: { "\($0)" == "r.json: not valid JSON" || "\($0)".contains("JSON") }
        #expect { try ResultsCodec.decode(Data("{}".utf8), path: "r.json") } throws: { "\($0)".contains("missing") }
    }
}

@Suite struct TestbedTests {
    @Test func automaticName_isReadableAndStable() {
        #expect(Fixtures.testbed.name == Fixtures.testbed.automaticName)
        #expect(Fixtures.testbed.name.hasPrefix("x86_64-k6.18.44-2cpu-"))
        #expect(Naming.problem(withBenchmark: Fixtures.testbed.name) == nil)
    }

    @Test func automaticName_changesWithIdentityNotWithName() {
        var other = Fixtures.testbed
        other.libbpfVersion = "1.4"
        #expect(other.automaticName != Fixtures.testbed.automaticName)
        #expect(!other.isComparable(to: Fixtures.testbed))
        var renamed = Fixtures.testbed
        renamed.name = "ci-runner"
        #expect(renamed.isComparable(to: Fixtures.testbed))
    }
}

@Suite struct NamingTests {
    @Test(arguments: ["user/map/hash/1024/update", "kernel/helper/ktime_get_ns", "a", "x86_64-k6.18"])
    func validBenchmarkNames(name: String) { #expect(Naming.problem(withBenchmark: name) == nil) }

    @Test(arguments: ["", "/a", "a/", "a//b", "Map/x", "a b", "a\u{e9}", String(repeating: "a", count: 1025)])
    func invalidBenchmarkNames(name: String) { #expect(Naming.problem(withBenchmark: name) != nil) }

    @Test func measureSlugs() {
        #expect(Naming.problem(withMeasure: "memlock-bytes") == nil)
        #expect(Naming.problem(withMeasure: "memlock_bytes") != nil)
        #expect(Naming.problem(withMeasure: String(repeating: "a", count: 65)) != nil)
    }
}

@Suite struct ExitStatusTests {
    @Test func exitCodes_matchTheTable() {
        let table: [Results.ExitStatus: Int32] = [.ok: 0, .unexpected: 1, .regression: 2, .benchmarkFailed: 3, .noBaseline: 4,
                                          .missingPrivilegeOrFeature: 5, .transportFailure: 6, .usage: 64, .badInput: 65, .writeFailed: 74]
        for s in Results.ExitStatus.allCases { #expect(table[s] == s.rawValue) }
    }

    @Test func precedence_followsTheDocumentedOrder() {
        #expect(Results.ExitStatus.precedence.map(\.rawValue) == [64, 65, 74, 5, 3, 2, 4, 6, 1, 0])
        #expect(Results.ExitStatus.combined([.transportFailure, .regression]) == .regression)
        #expect(Results.ExitStatus.combined([.regression, .benchmarkFailed]) == .benchmarkFailed)
        #expect(Results.ExitStatus.combined([.noBaseline, .transportFailure]) == .noBaseline)
        #expect(Results.ExitStatus.combined([.badInput, .usage]) == .usage)
        #expect(Results.ExitStatus.combined([.unexpected, .transportFailure]) == .transportFailure)
        #expect(Results.ExitStatus.combined([]) == .ok)
    }
}

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func nistVectors(input: String, expected: String) {
        #expect(SHA256.hex(Data(input.utf8)) == expected)
    }

    @Test func millionA() {
        #expect(SHA256.hex(Data(repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
