import Foundation
import Results
import Testing
@testable import Tracking

/// What a hostile name or a second writer could do to the uploads, and cannot.
@Suite struct OutboxSafetyTests {
    @Test func newlinesInNames_neverMakeAnotherPoint() throws {
        var run = sampleRun()
        run.benchmarks[0].suite = "user-maps\nevil,host=x value=1 1"
        let text = try Influx.lines(run, target: InfluxTarget(url: "http://127.0.0.1:8086", database: "db",
                                                              branch: "main\ninjected,tag=1 field=2 3\r\tx"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        // Two ok benchmarks, two points: nothing a name holds starts a line of its own.
        #expect(lines.count == 2, "\(text)")
        #expect(!text.contains("\r") && !text.contains("\t"))
        #expect(lines.allSatisfy { !$0.hasPrefix("injected") && !$0.hasPrefix("evil") })
    }

    @Test func timesOutside1970To2200_areBadInput() {
        for time in ["2300-01-01T00:00:00.000Z", "1600-01-01T00:00:00.000Z"] {
            var run = sampleRun()
            run.run.finishedAt = time
            #expect { try Influx.lines(run, target: InfluxTarget(url: "http://h", database: "d")) } throws: {
                ($0 as? BadInputError)?.exitStatus == .badInput
            }
        }
    }

    static func entry(_ run: String) -> Outbox.Entry {
        Outbox.Entry(target: "influxdb", created: "2026-11-22T00:00:00.000Z", method: "POST", url: "http://127.0.0.1:9/write",
                     contentType: "text/plain", body: "m v=1 1", run: run, reason: "test")
    }

    @Test func entriesOfOneMoment_neverReplaceEachOther() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-outbox-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outbox = Outbox(directory: dir)
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        let paths = try (0 ..< 5).map { _ in try outbox.put(Self.entry("same-run"), date: date) }
        #expect(Set(paths).count == 5)
        #expect(outbox.paths().count == 5)
    }

    @Test func aFileWhereTheOutboxShouldBe_isAnUploadFailure() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-outbox-file-\(UUID())").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect { try Outbox(directory: file).put(Self.entry("r")) } throws: { ($0 as? ExitStatusProviding)?.exitStatus == .transportFailure }
    }

    @Test func twoFlushesAtOnce_sendEachEntryOnce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-outbox-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outbox = Outbox(directory: dir)
        for i in 0 ..< 20 { try outbox.put(Self.entry("run-\(i)")) }
        let transport = CountingTransport()
        let uploader = Uploader(transport: transport, policy: RetryPolicy(), outbox: outbox, credentials: Credentials())
        let errors = NSLock()
        var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            do { _ = try uploader.flush(log: { _ in }) } catch {
                errors.lock(); failures.append("\(error)"); errors.unlock()
            }
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(transport.count == 20, "each of the 20 entries is sent once, not \(transport.count) sends")
        #expect(outbox.paths().isEmpty)
    }
}

/// Accepts everything, slowly enough for two flushes to overlap, and counts.
final class CountingTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var sends = 0
    var count: Int { lock.lock(); defer { lock.unlock() }; return sends }
    func send(_ request: HTTPRequest) throws -> HTTPResponse {
        Thread.sleep(forTimeInterval: 0.005)
        lock.lock(); sends += 1; lock.unlock()
        return HTTPResponse(status: 204, headers: [:], body: Data())
    }
}
