import Configuration
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Gate
import Reports
import Results
import Testing

/// The reports of one fixed comparison, against golden files (`BPFGATE_RECORD_GOLDEN=1` re-records them).
@Suite struct ReportTests {
    static var report: GateReport {
        var head = Build.run(id: 9, value: 240, memlock: 8200)
        head.benchmarks.append(BenchmarkResult(name: "b/broken", suite: "s", measures: [.without(.latency, .failed("verifier: R0 invalid mem access 'map_value_or_null'"))]))
        head.benchmarks.append(BenchmarkResult(name: "b/new", suite: "s", measures: [Measure.latency.result([10, 11, 12])]))
        var config = GateConfig()
        config.waivers = [Waiver(benchmark: "b/mem", measure: "memlock-bytes", reason: "bigger table <on purpose>", expires: "2026-12-31")]
        return Comparison.stored(baseline: Build.baseline(), head: head, config: config, today: "2026-11-22")
    }

    static func matches(_ text: String, _ name: String) throws -> Bool {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
        if ProcessInfo.processInfo.environment["BPFGATE_RECORD_GOLDEN"] == "1" {
            try Data(text.utf8).write(to: url)
            return true
        }
        return try String(contentsOf: url, encoding: .utf8) == text
    }

    @Test func terminal_matchesGolden() throws {
        let text = Self.report.terminal()
        #expect(try Self.matches(text, "report.txt"), "\(text)")
        let lines = text.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("+ ") && $0.contains(" b/x ") })
        #expect(lines.contains { $0.hasPrefix("! ") && $0.contains(" b/broken ") })
        #expect(lines.contains { $0.hasPrefix("new ") } && lines.contains { $0.hasPrefix("waived ") })
    }

    @Test func markdown_matchesGolden() throws {
        let text = Self.report.markdown()
        #expect(try Self.matches(text, "report.md"), "\(text)")
        #expect(text.hasPrefix("## bpfgate: 1 regression(s), 1 failure(s)"))
    }

    @Test func junit_matchesGoldenAndIsWellFormed() throws {
        let text = Self.report.junit()
        #expect(try Self.matches(text, "report.xml"), "\(text)")
        let doc = try XMLDocument(data: Data(text.utf8))
        #expect(try doc.nodes(forXPath: "//testcase").count == Self.report.findings.count)
        #expect(try doc.nodes(forXPath: "//failure").count == 2)
        #expect(text.contains("&lt;on purpose&gt;"))
    }

    @Test func verdictJSON_roundTrips() throws {
        let data = try StableJSON.encode(Self.report)
        #expect(try Self.matches(String(decoding: data, as: UTF8.self), "verdict.json"))
        #expect(try JSONDecoder().decode(GateReport.self, from: data) == Self.report)
    }
}
