import Foundation
import Harness
import Suites
import Testing

/// `Shell.run`, the one way bpfgate and its tests run a child: nothing is lost, nothing blocks.
@Suite struct ShellTests {
    @Test func bothPipes_areReadWhole_evenWhenStderrFillsFirst() {
        // 1 MiB on stderr before a byte on stdout: reading stdout to its end first would block the child.
        let script = "head -c 1048576 /dev/zero | tr '\\0' e >&2; head -c 1048576 /dev/zero | tr '\\0' o; echo; exit 7"
        let r = Shell.run(["/bin/sh", "-c", script])
        #expect(r.status == 7)
        #expect(r.stderr.count == 1_048_576 && r.stderr.allSatisfy { $0 == "e" })
        #expect(r.stdout.count == 1_048_577)
        #expect(r.output.count == 1_048_576)
    }

    @Test func manyShortRuns_neverComeBackEmpty() {
        // The pre-commit hook once read an empty `git rev-parse --show-toplevel`: every run must say its line.
        for i in 0 ..< 200 {
            let r = Shell.run(["/bin/sh", "-c", "echo out\(i); echo err\(i) >&2"])
            #expect(r.status == 0 && r.output == "out\(i)" && r.stderr == "err\(i)\n", "run \(i): \(r)")
        }
    }

    @Test func environment_workingDirectory_andPathLookup() {
        let r = Shell.run(["sh", "-c", "printf '%s %s' \"$BPFGATE_SHELL_TEST\" \"$(pwd)\""], environment: ["BPFGATE_SHELL_TEST": "seen"],
                          workingDirectory: "/tmp")
        #expect(r.status == 0)
        #expect(r.stdout == "seen /tmp")
    }

    @Test func signal_andMissingExecutable_haveTheirStatus() {
        let killed = Shell.run(["/bin/sleep", "30"], signal: SIGTERM, after: 0.2)
        #expect(killed.status == 128 + SIGTERM)
        let missing = Shell.run(["/nonexistent/bpfgate-no-such-binary"])
        #expect(missing.status == 127)
        #expect(!missing.stderr.isEmpty)
        #expect(Shell.run([]).status == 127)
    }
}
