import BPF
import Foundation
import Harness
import Suites
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

/// The ids of loaded BPF programs and maps before and after `body` must match: nothing leaks. The kernel
/// frees them after an RCU grace period, so the check waits up to 3 s for the sets to agree.
func expectKernelLeftAsFound(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) throws {
    func snapshot() throws -> (programs: Set<UInt32>, maps: Set<UInt32>) {
        (Set(try BPFLibrary.loadedProgramIDs()), Set(try BPFLibrary.loadedMapIDs()))
    }
    // Programs of an earlier test may still be on their way out (RCU): wait until nothing changes for 100 ms.
    var before = try snapshot()
    let settleBy = Date().addingTimeInterval(3)
    while Date() < settleBy {
        usleep(100_000)
        let again = try snapshot()
        if again == before { break }
        before = again
    }
    try body()
    var after = try snapshot()
    let deadline = Date().addingTimeInterval(3)
    while after != before && Date() < deadline {
        usleep(20_000)
        after = try snapshot()
    }
    #expect(after.programs == before.programs, "BPF programs left loaded: \(after.programs.subtracting(before.programs).sorted())",
            sourceLocation: sourceLocation)
    #expect(after.maps == before.maps, "BPF maps left: \(after.maps.subtracting(before.maps).sorted())", sourceLocation: sourceLocation)
}

/// The qdiscs of `dev` as `tc` shows them (for checking that tc state is restored); fails if `tc` does.
func qdiscs(_ dev: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["tc", "qdisc", "show", "dev", dev]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard p.terminationStatus == 0, text.contains("qdisc") else {
        throw SystemCallError(call: "tc qdisc show dev \(dev)", errno: EIO)
    }
    return text
}
