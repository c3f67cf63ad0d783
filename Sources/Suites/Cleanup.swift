import Foundation

/// Undo actions for kernel state that does not die with the process (tracefs mounts, tc qdiscs, netns,
/// sysctls). Kernel-bound code registers an undo right after it changes something and removes it once it
/// has undone it itself; signal handlers, the timeout and error paths run what is left, newest first.
public final class Cleanup: @unchecked Sendable {
    public static let shared = Cleanup()
    private let lock = NSLock()
    private var actions: [(id: Int, what: String, undo: () -> Void)] = []
    private var nextID = 0

    /// Registers `undo`; returns a token for `done(_:)`.
    @discardableResult
    public func register(_ what: String, undo: @escaping () -> Void) -> Int {
        lock.lock(); defer { lock.unlock() }
        nextID += 1
        actions.append((nextID, what, undo))
        return nextID
    }

    /// Runs and forgets the action of `token` (normal path).
    public func run(_ token: Int) {
        lock.lock()
        let action = actions.first { $0.id == token }
        actions.removeAll { $0.id == token }
        lock.unlock()
        action?.undo()
    }

    /// Runs every pending action, newest first (exit paths).
    public func runAll() {
        lock.lock()
        let pending = actions.reversed()
        actions.removeAll()
        lock.unlock()
        for action in pending { action.undo() }
    }

    public var pending: [String] {
        lock.lock(); defer { lock.unlock() }
        return actions.map(\.what)
    }
}
