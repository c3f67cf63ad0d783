import Foundation

/// The network namespace test runs happen in, so that what a program finds there (routes, neighbours, forwarding)
/// does not depend on the host: a veth pair `bgt0`/`bgt1` with 10.13.0.1/24 and fd00:13::1/64 on `bgt0`, the
/// standard inputs' destinations (10.12.0.0/16, fd00:12::/48, `Frames`) routed via 10.13.0.2 / fd00:13::2, each a
/// permanent neighbour, and forwarding on. A test run's packet arrives on the namespace's `lo`
/// (BPF_PROG_TEST_RUN without a context), so a forwarding program's `bpf_fib_lookup` succeeds with `bgt0`.
///
/// Like `PacketPath`'s, the namespace has no name and no mount: an nsfs fd of this process keeps it, so it and
/// its devices go when the fd closes or the process dies, however it dies.
public final class TestRunNamespace {
    public static let gateway4 = "10.13.0.2", gateway6 = "fd00:13::2"
    public static let gatewayMAC = "02:00:00:00:13:02"

    let fd: Int32

    public init() throws {
        fd = try PacketPath.newNamespace()
        do {
            for args in [
                ["link", "set", "lo", "up"],
                ["link", "add", "bgt0", "type", "veth", "peer", "name", "bgt1"],
                ["link", "set", "bgt0", "up"], ["link", "set", "bgt1", "up"],
                ["addr", "add", "10.13.0.1/24", "dev", "bgt0"],
                ["-6", "addr", "add", "fd00:13::1/64", "dev", "bgt0", "nodad"],
                ["neigh", "add", Self.gateway4, "lladdr", Self.gatewayMAC, "dev", "bgt0", "nud", "permanent"],
                ["-6", "neigh", "add", Self.gateway6, "lladdr", Self.gatewayMAC, "dev", "bgt0", "nud", "permanent"],
                ["route", "add", "10.12.0.0/16", "via", Self.gateway4, "dev", "bgt0"],
                ["-6", "route", "add", "fd00:12::/48", "via", Self.gateway6, "dev", "bgt0"],
            ] {
                try PacketPath.ip(in: fd, args)
            }
            try inside {
                for (path, value) in [("/proc/sys/net/ipv4/ip_forward", "1"), ("/proc/sys/net/ipv6/conf/all/forwarding", "1")] {
                    // /proc/sys/net is the namespace of the thread that opens it.
                    guard let handle = FileHandle(forWritingAtPath: path) else { throw SystemCallError(call: "open(\(path))", errno: errno) }
                    defer { try? handle.close() }
                    try handle.write(contentsOf: Data(value.utf8))
                }
            }
        } catch {
            Foundation.close(fd)
            throw error
        }
    }

    /// Runs `body` on this thread inside the namespace, then returns the thread to its own.
    public func inside<T>(_ body: () throws -> T) throws -> T {
        try PacketPath.inside(fd, body)
    }

    public func close() { Foundation.close(fd) }
}
