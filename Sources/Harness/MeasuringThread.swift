import BPF
import Foundation

/// Runs measurements on a thread with a file-descriptor table of its own (unshare(CLONE_FILES)).
///
/// Every bpf(2) call looks up its map or program fd; the kernel takes a fast path, without atomic reference
/// counting, only while the fd table is not shared by several threads. bpfgate has helper threads (signal
/// handling, the timeout), which make every map operation slower (ARCHITECTURE.md, decisions). The measuring thread therefore unshares the table: its copy is its own, and the BPF objects
/// and maps a suite creates live and die there. Suites must not let them escape to other threads.
public enum MeasuringThread {
    /// Runs `body` on the measuring thread and waits for its result. `ownFileTable: false` gives a plain
    /// thread of its own (for per-thread kernel state such as `unshare(CLONE_NEWNET)`).
    public static func run<T>(ownFileTable: Bool = true, _ body: @escaping () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            if ownFileTable { FileTable.unshare() }  // if refused, measure anyway: only slower
            box.result = Result { try body() }
            done.signal()
        }
        thread.stackSize = 16 << 20
        thread.start()
        done.wait()
        return try box.result!.get()
    }
}

/// Carries the measuring thread's result back (written before the semaphore is signalled, read after).
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
