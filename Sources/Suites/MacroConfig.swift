import Foundation

/// Settings of the macro suite.
public struct MacroConfig: Sendable {
    /// Latency windows (bpf_stats on) and overhead window pairs (bpf_stats off) per benchmark.
    public var samples = 20
    /// Length of one window.
    public var windowMilliseconds = 40
    /// Traffic generator threads.
    public var threads = 1
    /// Loads timed per program (load-ns samples); the last load is the one measured under traffic.
    public var loads = 3
    /// A/B: copies of each side loaded and taken in turn, window pair by window pair: a program's cost
    /// depends on where its JIT image lands (ARCHITECTURE.md, decisions).
    public var abLoads = 4
    /// A window pair in which a side saw no run of its program or the traffic made no event is timed again:
    /// up to this many times per pair, and `maxRetries` times per benchmark (nil: `samples`).
    public var retriesPerPair = 3
    public var maxRetries: Int? = nil
    /// Your objects' tracing programs with their siblings attached for the whole benchmark (`MacroCase.companions`).
    public var together = false

    public init() {}

    public var settings: [String: String] {
        ["macro.samples": String(samples), "macro.window-ms": String(windowMilliseconds), "macro.threads": String(threads),
         "macro.loads": String(loads), "macro.ab-loads": String(abLoads),
         "macro.together": together ? "your objects' tracing programs with their siblings on the same hook family attached" : "each program alone",
         "macro.retries": "a window pair in which a side saw no run of its program or the traffic made no event is timed again, "
             + "up to \(retriesPerPair) times per pair and \(maxRetries.map(String.init) ?? "samples") times per benchmark",
         "macro.latency": "delta run_time_ns / delta run_cnt per window, bpf_stats on (bpf_enable_stats, fd-scoped; "
             + "the kernel.bpf_stats_enabled sysctl, restored after, only without it or with BPFGATE_STATS=sysctl)",
         "macro.overhead": "workload rate with and without the program in ABBA windows, bpf_stats off"]
    }
}
