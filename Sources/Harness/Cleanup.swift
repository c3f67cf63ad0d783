import Foundation

/// Undo actions for kernel state that does not die with the process (tracefs mounts, tc qdiscs, netns,
/// sysctls). Kernel-bound code makes such a change through `change(_:_:undo:)`, which makes it and registers
/// its undo as one step under a lock; signal handlers, the timeout and error paths call `runAll()`, which
/// takes the same lock, so clean-up never runs between a change and the registration of its undo. Once
/// clean-up has started, a new registration runs its undo at once.
public final class Cleanup: @unchecked Sendable {
    public static let shared = Cleanup()
    private let lock = NSRecursiveLock()
    private var actions: [(id: Int, what: String, undo: () -> Void)] = []
    private var nextID = 0
    private var closing = false

    /// Runs `body` with clean-up held off (for work that must finish whole, e.g. writing the outputs).
    public func critical<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }

    /// Makes a change to kernel state and registers its undo, as one step. Returns the change's value and
    /// the token for `run(_:)`. `leftover`: for state that outlives a killed process, the journal entry
    /// (`LeftoverJournal`) that lets the next bpfgate undo it; the undo drops the entry.
    public func change<T>(_ what: String, _ make: () throws -> T, leftover: ((T) -> Leftover)? = nil,
                          undo: @escaping (T) -> Void) rethrows -> (value: T, token: Int) {
        try critical {
            let value = try make()
            let journal = leftover.flatMap { LeftoverJournal.record($0(value)) }
            let token = register(what) {
                undo(value)
                if let journal { LeftoverJournal.forget(journal) }
            }
            return (value, token)
        }
    }

    /// Registers `undo` for a change already made; returns a token for `run(_:)`.
    @discardableResult
    public func register(_ what: String, undo: @escaping () -> Void) -> Int {
        lock.lock(); defer { lock.unlock() }
        nextID += 1
        if closing {
            undo()
        } else {
            actions.append((nextID, what, undo))
        }
        return nextID
    }

    /// Runs and forgets the action of `token` (the normal path).
    public func run(_ token: Int) {
        lock.lock(); defer { lock.unlock() }
        let action = actions.first { $0.id == token }
        actions.removeAll { $0.id == token }
        action?.undo()
    }

    /// Forgets the action of `token` without running it (what it would undo has ended by itself).
    public func forget(_ token: Int) {
        lock.lock(); defer { lock.unlock() }
        actions.removeAll { $0.id == token }
    }

    /// Runs every pending action, newest first (exit paths). Later registrations undo at once.
    public func runAll() {
        lock.lock(); defer { lock.unlock() }
        closing = true
        let pending = actions.reversed()
        actions.removeAll()
        for action in pending { action.undo() }
    }

    /// What is registered now (for tests and diagnostics).
    public var pending: [String] {
        lock.lock(); defer { lock.unlock() }
        return actions.map(\.what)
    }
}
