import Foundation
import Gate
import Results
import Testing

/// The baseline store never loses a run, never writes outside its directory and never deletes more than
/// one run by a prefix.
@Suite struct StoreSafetyTests {
    static func store() -> (BaselineStore, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-safety-\(UUID())")
        return (BaselineStore(root: dir.appendingPathComponent("baselines").path), dir)
    }

    /// Runs whose ids share their first 8 characters, as UUIDs may.
    static func run(_ i: Int, startedAt: String = "2026-11-22T00:00:00.000Z") -> ResultsFile {
        var r = Build.run(id: i, value: 200)
        r.run.id = String(format: "abcdefgh-0000-4000-8000-%012d", i)
        r.run.startedAt = startedAt
        return r
    }

    @Test func thirtyRunsSavedInOneMillisecond_areAllKept() throws {
        let (store, dir) = Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for i in 0 ..< 30 { try store.save(Self.run(i), kind: .save, reason: nil, history: 64, currentTestbed: Build.testbed, force: false, now: now) }
        let all = try store.history(testbed: "tb")
        #expect(all.count == 30)
        #expect(Set(all.map(\.results.run.id)).count == 30)
        // The same run again is refused by its id, and replaces nothing.
        #expect(throws: BaselineError.self) {
            try store.save(Self.run(7), kind: .save, reason: nil, history: 64, currentTestbed: Build.testbed, force: false, now: now)
        }
    }

    @Test func concurrentWriters_loseNothing() throws {
        let (store, dir) = Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let errors = ErrorList()
        DispatchQueue.concurrentPerform(iterations: 24) { i in
            do { try store.save(Self.run(i), kind: .save, reason: nil, history: 64, currentTestbed: Build.testbed, force: false, now: now) }
            catch { errors.add(error) }
        }
        #expect(errors.all.isEmpty, "\(errors.all)")
        #expect(try store.history(testbed: "tb").count == 24)
    }

    @Test func history_isInTheOrderTheRunsStarted_andOldNamesStillRead() throws {
        let (store, dir) = Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Saved in the reverse of the order they ran (a late `baseline save --results`).
        let starts = ["2026-11-22T03:00:00.000Z", "2026-11-22T02:00:00.000Z", "2026-11-22T01:00:00.000Z"]
        for (i, start) in starts.enumerated() {
            try store.save(Self.run(i, startedAt: start), kind: i == 1 ? .accept : .save, reason: i == 1 ? "r" : nil, history: 64,
                           currentTestbed: Build.testbed, force: false, now: Date(timeIntervalSince1970: 1_800_000_000 + Double(i)))
        }
        let all = try store.history(testbed: "tb")
        #expect(all.map(\.results.run.startedAt) == starts.reversed())
        // The baseline starts at the accept (the middle start time), and holds what started after it.
        #expect(try store.baseline(testbed: "tb").map(\.results.run.startedAt) == [starts[1], starts[0]])
        // A run stored under the old name (first 8 characters of its id) is read, and not stored twice.
        let old = Self.run(9, startedAt: "2026-11-22T04:00:00.000Z")
        let oldName = "\(store.directory(testbed: "tb"))/20261122T040000.000Z-\(old.run.id.prefix(8)).json"
        try StableJSON.encode(StoredRun(kind: .save, reason: nil, savedAt: "2026-11-22T04:00:00.000Z", results: old))
            .write(to: URL(fileURLWithPath: oldName))
        #expect(try store.history(testbed: "tb").last?.results.run.id == old.run.id)
        #expect(throws: BaselineError.self) {
            try store.save(old, kind: .save, reason: nil, history: 64, currentTestbed: Build.testbed, force: false)
        }
    }

    @Test(arguments: ["../../escaped", "..", "a/b", "UPPER", "", "x\ny"])
    func testbedNamesThatAreNotOneSegment_areBadInput(name: String) throws {
        let (store, dir) = Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        var r = Self.run(1)
        r.testbed.name = name
        #expect { try store.save(r, kind: .save, reason: nil, history: 64, currentTestbed: Build.testbed, force: true) } throws: {
            ($0 as? BadInputError)?.exitStatus == .badInput && !"\($0)".contains("\n")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path), "nothing may be written")
    }

    @Test(arguments: ["a/b", "../../escaped", "", ".hidden", String(repeating: "x", count: 129)])
    func runIDsThatAreNotOneSegment_areBadInput(id: String) throws {
        let (store, dir) = Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        var r = Self.run(1)
        r.run.id = id
        #expect { try store.save(r, kind: .save, reason: nil, history: 64, currentTestbed: Build.testbed, force: true) } throws: {
            ($0 as? BadInputError)?.exitStatus == .badInput
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path))
        #expect(ResultsCodec.validate(r) != nil)
    }

    @Test func delete_needsAPrefixOfExactlyOneRun() throws {
        let (store, dir) = Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        for i in 0 ..< 3 { try store.save(Self.run(i), kind: .save, reason: nil, history: 64, currentTestbed: Build.testbed, force: false) }
        #expect { try store.delete(testbed: "tb", runID: "") } throws: { ($0 as? BaselineError)?.exitStatus == .usage }
        #expect { try store.delete(testbed: "tb", runID: "abcdefgh") } throws: { "\($0)".contains("matches 3 runs") }
        #expect(try store.history(testbed: "tb").count == 3)
        #expect(try store.delete(testbed: "tb", runID: Self.run(1).run.id) == 1)
        #expect(try store.history(testbed: "tb").map(\.results.run.id) == [Self.run(0).run.id, Self.run(2).run.id])
    }
}

/// Errors gathered from several threads.
final class ErrorList: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error] = []
    func add(_ e: Error) { lock.lock(); errors.append(e); lock.unlock() }
    var all: [Error] { lock.lock(); defer { lock.unlock() }; return errors }
}
