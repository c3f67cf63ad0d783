import BPF
import CHarness
import Foundation

/// Two network namespaces joined by a veth pair, for packet traffic that touches nothing outside them.
///
/// The namespaces have no name and no bind mount: each is made by `unshare(CLONE_NEWNET)` on a short-lived
/// thread and kept alive only by an open nsfs fd of this process, so they — and the veth pair inside them —
/// disappear when the fds close or the process dies, however it dies (SIGKILL included). Nothing is made in
/// the namespace bpfgate runs in. Links and addresses are set with `ip` run under `nsenter --net=<fd path>`
/// (not `ip netns exec`, which remounts /sys).
///
/// The sender side `tx` (10.200.0.1/30, device `bg-tx`) sends UDP datagrams to the receiver side `rx`
/// (10.200.0.2/30, device `bg-rx`, UDP port 6765), where a bound socket takes them (and drops what it has no room for);
/// or, with `tcp`, 64-byte sends on a TCP connection to the same port, drained on the far end by a thread.
public final class PacketPath {
    public static let txAddress = "10.200.0.1"
    public static let rxAddress = "10.200.0.2"
    public static let rxDevice = "bg-rx"
    public static let txDevice = "bg-tx"
    /// A Fibonacci number, so that the XDP demo passes the datagrams (`bpf/xdp_fib.h`).
    public static let port: UInt16 = 6765

    /// nsfs fds of the two namespaces.
    public let tx: Int32
    public let rx: Int32
    /// The connected sending socket (in tx) and the bound receiving socket (in rx).
    public let sender: Int32
    public let receiver: Int32
    /// `bg-rx`'s ifindex inside rx.
    public let rxIfindex: Int32

    /// TCP only: the listening socket (rx) and the thread that drains the accepted connection.
    private var listener: Int32 = -1
    private var drained: DispatchSemaphore?

    /// `cgroup`: make the receiving socket inside it (for cgroup_skb ingress programs). `tcp`: a TCP
    /// connection instead of UDP datagrams; `receiver` is then the accepted socket, drained by a thread.
    public init(cgroup: OwnCgroup? = nil, tcp: Bool = false) throws {
        try Privileges.current().require(.attachNetwork)
        var made: [Int32] = []
        do {
            let tx = try Self.newNamespace()
            made.append(tx)
            let rx = try Self.newNamespace()
            made.append(rx)
            let pid = getpid()
            try Self.ip(in: tx, ["link", "add", Self.txDevice, "type", "veth", "peer", "name", Self.rxDevice, "netns", "/proc/\(pid)/fd/\(rx)"])
            try Self.ip(in: tx, ["addr", "add", "\(Self.txAddress)/30", "dev", Self.txDevice])
            try Self.ip(in: tx, ["link", "set", Self.txDevice, "up"])
            try Self.ip(in: rx, ["addr", "add", "\(Self.rxAddress)/30", "dev", Self.rxDevice])
            try Self.ip(in: rx, ["link", "set", Self.rxDevice, "up"])
            let type = tcp ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue)
            let makeReceiver = { try Self.inside(rx) { try Self.socket(type, bind: Self.rxAddress, connect: nil) } }
            var receiver = try cgroup.map { try $0.inside(makeReceiver) } ?? makeReceiver()
            made.append(receiver)
            if tcp && listen(receiver, 1) != 0 { throw SystemCallError(call: "listen", errno: errno) }
            let sender = try Self.inside(tx) { try Self.socket(type, bind: nil, connect: Self.rxAddress) }
            made.append(sender)
            if tcp {
                var one: Int32 = 1
                setsockopt(sender, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                // A send that cannot finish in a second gives up (the loop then sees its stop flag).
                var timeout = timeval(tv_sec: 1, tv_usec: 0)
                setsockopt(sender, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                let conn = accept(receiver, nil, nil)
                if conn < 0 { throw SystemCallError(call: "accept", errno: errno) }
                made.append(conn)
                listener = receiver
                receiver = conn
                let done = DispatchSemaphore(value: 0)
                let drain = Thread {
                    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 65536, alignment: 8)
                    defer { buffer.deallocate(); done.signal() }
                    while recv(conn, buffer, 65536, 0) > 0 {}
                }
                drain.name = "bpfgate-tcp-drain"
                drain.start()
                drained = done
            }
            let index = try Self.inside(rx) { Int32(if_nametoindex(Self.rxDevice)) }
            guard index > 0 else { throw SystemCallError(call: "if_nametoindex(\(Self.rxDevice))", errno: ENODEV) }
            (self.tx, self.rx, self.sender, self.receiver, rxIfindex) = (tx, rx, sender, receiver, index)
        } catch {
            made.forEach { Foundation.close($0) }
            throw error
        }
    }

    deinit { close() }

    private var closed = false
    /// Closes the sockets and the namespace fds: the kernel then removes the namespaces and the veth pair.
    public func close() {
        guard !closed else { return }
        closed = true
        if let drained {
            // The far end sees EOF and its drain thread returns before the socket is closed under it.
            shutdown(sender, Int32(SHUT_RDWR))
            shutdown(receiver, Int32(SHUT_RDWR))
            drained.wait()
        }
        for fd in [sender, receiver, listener, tx, rx] where fd >= 0 { Foundation.close(fd) }
    }

    /// Attaches a socket filter program to the receiving socket (SO_ATTACH_BPF) / detaches it.
    public func attachSocketFilter(_ programFD: Int32) throws {
        var fd = programFD
        if setsockopt(receiver, SOL_SOCKET, SO_ATTACH_BPF, &fd, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            throw SystemCallError(call: "setsockopt(SO_ATTACH_BPF)", errno: errno)
        }
    }

    public func detachSocketFilter() throws {
        var zero: Int32 = 0
        if setsockopt(receiver, SOL_SOCKET, SO_DETACH_BPF, &zero, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            throw SystemCallError(call: "setsockopt(SO_DETACH_BPF)", errno: errno)
        }
    }

    /// Runs `body` on the calling thread inside namespace `ns`, then returns the thread to where it was.
    public static func inside<T>(_ ns: Int32, _ body: () throws -> T) throws -> T {
        let home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        if home < 0 { throw SystemCallError(call: "open(/proc/thread-self/ns/net)", errno: errno) }
        defer { Foundation.close(home) }
        let err = bpfgate_setns_net(ns)
        if err != 0 { throw SystemCallError(call: "setns(CLONE_NEWNET)", errno: -err) }
        defer { _ = bpfgate_setns_net(home) }
        return try body()
    }

    /// A new network namespace, held by the returned fd only: made on a thread of its own, which leaves.
    static func newNamespace() throws -> Int32 {
        // The fd table must stay shared: the fd is the caller's.
        try MeasuringThread.run(ownFileTable: false) {
            let err = bpfgate_unshare_net()
            if err != 0 { throw SystemCallError(call: "unshare(CLONE_NEWNET)", errno: -err) }
            let fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw SystemCallError(call: "open(/proc/thread-self/ns/net)", errno: errno) }
            return fd
        }
    }

    /// `nsenter --net=/proc/<pid>/fd/<ns> ip ARGS`; throws with ip's message when it fails.
    static func ip(in ns: Int32, _ args: [String]) throws {
        let r = Shell.run(["nsenter", "--net=/proc/\(getpid())/fd/\(ns)", "ip"] + args)
        guard r.status == 0 else {
            throw SystemCallError(call: "ip \(args.joined(separator: " ")) (\(r.error.trimmingCharacters(in: .whitespacesAndNewlines)))", errno: EIO)
        }
    }

    static func socket(_ type: Int32, bind address: String?, connect peer: String?) throws -> Int32 {
        let fd = Glibc.socket(AF_INET, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw SystemCallError(call: "socket(AF_INET, \(type == Int32(SOCK_STREAM.rawValue) ? "SOCK_STREAM" : "SOCK_DGRAM"))", errno: errno) }
        if type == Int32(SOCK_STREAM.rawValue) {
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        func sockaddr(_ a: String) -> sockaddr_in {
            var s = sockaddr_in()
            s.sin_family = sa_family_t(AF_INET)
            s.sin_addr.s_addr = inet_addr(a)
            s.sin_port = port.bigEndian
            return s
        }
        let len = socklen_t(MemoryLayout<sockaddr_in>.size)
        for (target, call) in [(address, "bind"), (peer, "connect")] {
            guard let target else { continue }
            var sa = sockaddr(target)
            let err = withUnsafePointer(to: &sa) { p in
                p.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) { call == "bind" ? Glibc.bind(fd, $0, len) : Glibc.connect(fd, $0, len) }
            }
            if err != 0 {
                let e = errno
                Foundation.close(fd)
                throw SystemCallError(call: "\(call)(\(target):\(port))", errno: e)
            }
        }
        return fd
    }
}

/// A cgroup v2 directory of bpfgate's own (`bpfgate-<pid>` beside the cgroup bpfgate runs in), for
/// cgroup_skb programs: sockets made while the process is in it belong to it for life, so the program sees
/// their packets and no other process's. Removed on every exit path; after SIGKILL the next start removes it
/// (journaled).
public final class OwnCgroup {
    public let path: String
    private let home: String
    private let token: Int

    public init() throws {
        home = try HookAttach.ownCgroupPath()
        path = "\(home)/bpfgate-\(getpid())"
        let target = path
        token = try Cleanup.shared.change("remove cgroup \(target)", {
            if mkdir(target, 0o755) != 0 && errno != EEXIST { throw SystemCallError(call: "mkdir(\(target))", errno: errno) }
        }, leftover: { .cgroup(path: target) }, undo: { _ = rmdir(target) }).token
    }

    /// Runs `body` with this process in the cgroup, then moves it back.
    public func inside<T>(_ body: () throws -> T) throws -> T {
        try Self.move(getpid(), to: path)
        defer { try? Self.move(getpid(), to: home) }
        return try body()
    }

    static func move(_ pid: Int32, to dir: String) throws {
        let procs = "\(dir)/cgroup.procs"
        guard let handle = FileHandle(forWritingAtPath: procs) else { throw SystemCallError(call: "open(\(procs))", errno: errno) }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("\(pid)\n".utf8)) } catch {
            throw SystemCallError(call: "write(\(procs))", errno: (error as NSError).code == 0 ? EIO : Int32((error as NSError).code))
        }
    }

    /// Removes the cgroup (its sockets must be closed first for the kernel to free it; rmdir works anyway).
    public func close() { Cleanup.shared.run(token) }
    deinit { close() }
}
