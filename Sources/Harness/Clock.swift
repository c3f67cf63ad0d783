import Foundation

/// CLOCK_MONOTONIC in nanoseconds: the clock every timing in bpfgate reads (vDSO, ~20 ns).
@inline(__always) public func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}
