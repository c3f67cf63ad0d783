import CHarness
import Foundation

/// A rate-limited workload: getppid() at a fixed rate, in 1 ms slots (`bpfgate_paced_getppid`).
public enum PacedWorkload {
    /// Runs on the calling thread for `seconds`; returns the calls made and the thread's CPU time over them (ns).
    public static func getppid(rate: Int, seconds: Double) throws -> (events: Int, cpuNanoseconds: UInt64) {
        var stop: Int32 = 0
        var cpu: UInt64 = 0
        let events = bpfgate_paced_getppid(UInt64(rate), UInt64(seconds * 1e9), &stop, &cpu)
        guard events > 0 else { throw SystemCallError(call: "the paced getppid() workload", errno: Int32(-min(events, 0))) }
        return (events, cpu)
    }
}
