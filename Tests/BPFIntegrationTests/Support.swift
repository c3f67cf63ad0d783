import BPF
import Foundation
import Testing

/// Privileged tests run as root here and in CI. In CI (CI=true) they never skip: missing privileges fail
/// them. Outside CI they skip, saying why.
enum Privileged {
    static var isCI: Bool { ["true", "1"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "") }

    /// Capabilities the privileged tests need that this process lacks.
    static var missing: [Capability] {
        let p = Privileges.current()
        let actions: [PrivilegedAction] = [.loadPrograms, .enableStats, .attachNetwork]
        return Set(actions.flatMap { p.missing(for: $0) }).sorted { $0.rawValue < $1.rawValue }
    }

    /// Whether to run the privileged suites: always in CI, else only with the needed capabilities.
    static var enabled: Bool { isCI || missing.isEmpty }
}

/// The ids of loaded BPF programs before and after `body` must match: nothing leaks. The kernel frees
/// programs after an RCU grace period, so the check waits up to 3 s for the sets to agree.
func expectKernelLeftAsFound(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let before = Set(try BPFLibrary.loadedProgramIDs())
    try body()
    var after = Set(try BPFLibrary.loadedProgramIDs())
    let deadline = Date().addingTimeInterval(3)
    while after != before && Date() < deadline {
        usleep(20_000)
        after = Set(try BPFLibrary.loadedProgramIDs())
    }
    #expect(after == before, "BPF programs left loaded: \(after.subtracting(before).sorted())", sourceLocation: sourceLocation)
}

/// The qdiscs of `dev` as `tc` shows them (for checking that tc state is restored).
func qdiscs(_ dev: String) -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["tc", "qdisc", "show", "dev", dev]
    let pipe = Pipe()
    p.standardOutput = pipe
    try? p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
