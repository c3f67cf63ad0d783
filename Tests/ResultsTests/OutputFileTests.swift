import Foundation
import Results
import Testing

/// Outputs never replace what is not a regular file: devices and FIFOs are written in place, symlinks keep
/// their link, and a command's outputs are written all or none.
@Suite struct OutputFileTests {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-out-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
    func mode(_ path: String) -> mode_t { var st = stat(); lstat(path, &st); return st.st_mode }
    func cleanUp() { try? FileManager.default.removeItem(atPath: dir) }
    /// makedev(3) for majors below 4096 and minors below 256.
    static func device(_ major: dev_t, _ minor: dev_t) -> dev_t { (major << 8) | minor }

    @Test func regularFile_isReplacedWholeAndKeepsItsMode() throws {
        defer { cleanUp() }
        let path = "\(dir)/out.json"
        try StagedOutputs.write([(path, Data("one".utf8))])
        chmod(path, 0o600)
        try StagedOutputs.write([(path, Data("two".utf8))])
        #expect(read(path) == "two")
        #expect(mode(path) & 0o777 == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.json"])
    }

    @Test(.enabled(if: getuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true", "mknod needs root"))
    func characterDevice_isWrittenInPlace_neverReplaced() throws {
        defer { cleanUp() }
        let node = "\(dir)/null"
        try #require(mknod(node, S_IFCHR | 0o666, Self.device(1, 3)) == 0, "mknod: \(String(cString: strerror(errno)))")
        try StagedOutputs.write([(node, Data("discarded".utf8))])
        #expect(mode(node) & S_IFMT == S_IFCHR)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["null"])
    }

    @Test func fifo_isWrittenInPlace() throws {
        defer { cleanUp() }
        let fifo = "\(dir)/pipe"
        try #require(mkfifo(fifo, 0o600) == 0)
        let received = Mutex("")
        let reader = Thread {
            let data = FileHandle(forReadingAtPath: fifo)?.readDataToEndOfFile()
            received.set(data.map { String(decoding: $0, as: UTF8.self) } ?? "unreadable")
        }
        reader.start()
        try StagedOutputs.write([(fifo, Data("through the pipe".utf8))])
        let deadline = Date().addingTimeInterval(10)
        while received.value.isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(received.value == "through the pipe")
        #expect(mode(fifo) & S_IFMT == S_IFIFO)
    }

    @Test func symlink_keepsTheLinkAndReplacesItsTarget() throws {
        defer { cleanUp() }
        try FileManager.default.createDirectory(atPath: "\(dir)/real", withIntermediateDirectories: true)
        let target = "\(dir)/real/report.md", link = "\(dir)/link.md"
        try StagedOutputs.write([(target, Data("old".utf8))])
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real/report.md")
        try StagedOutputs.write([(link, Data("new".utf8))])
        #expect(mode(link) & S_IFMT == S_IFLNK)
        #expect(read(target) == "new")
        // A dangling link: its target is made, the link kept.
        let dangling = "\(dir)/dangling.json"
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: "real/made.json")
        try StagedOutputs.write([(dangling, Data("made".utf8))])
        #expect(mode(dangling) & S_IFMT == S_IFLNK)
        #expect(read("\(dir)/real/made.json") == "made")
    }

    @Test func badPaths_areRefusedBeforeAnythingIsWritten() throws {
        defer { cleanUp() }
        let fine = "\(dir)/fine.json"
        for bad in ["", "/", dir, "\(dir)/", "\(dir)/missing/out.json", "\(dir)/a\nb.json"] {
            #expect(throws: OutputPathError.self, "\(bad.debugDescription)") { try StagedOutputs.write([(fine, Data("x".utf8)), (bad, Data())]) }
            #expect((try? OutputTarget.resolve(bad)) == nil)
        }
        #expect(read(fine) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        let error = OutputPathError(path: "x", problem: "y")
        #expect(error.exitStatus == .usage)
        // Two outputs naming one file.
        #expect(throws: OutputPathError.self) { try StagedOutputs.write([(fine, Data()), ("\(dir)/./fine.json", Data())]) }
    }

    @Test(.enabled(if: getuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true", "mknod needs root"))
    func blockDevice_isRefused() throws {
        defer { cleanUp() }
        let node = "\(dir)/disk"
        try #require(mknod(node, S_IFBLK | 0o600, Self.device(7, 200)) == 0)
        #expect(throws: OutputPathError.self) { try OutputTarget.resolve(node) }
    }

    @Test func exclusiveCreate_neverReplaces() throws {
        defer { cleanUp() }
        let path = "\(dir)/run.json"
        #expect(try ExclusiveFile.create(Data("first".utf8), at: path))
        #expect(try !ExclusiveFile.create(Data("second".utf8), at: path))
        #expect(read(path) == "first")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["run.json"])
    }

}

/// Not in OutputFileTests: its suite makes a directory for every test, which this one would leave in $TMPDIR.
@Suite struct OneLineTests {
    @Test func oneLine_escapesControlCharacters() {
        #expect(Text.oneLine("a\nb\tc\u{1b}[31m") == "a\\nb\\tc\\u{1b}[31m")
        #expect(Text.oneLine("plain é") == "plain é")
    }
}

/// A value shared with a thread.
final class Mutex<T>: @unchecked Sendable {
    private var stored: T
    private let lock = NSLock()
    init(_ value: T) { stored = value }
    var value: T { lock.lock(); defer { lock.unlock() }; return stored }
    func set(_ value: T) { lock.lock(); stored = value; lock.unlock() }
}
