import Foundation
import Results

/// UDP datagrams over 127.0.0.1 between two sockets of this process: traffic that never leaves the machine.
public enum Loopback {
    /// Sends `count` datagrams to a fresh receiving socket; with `filterProgram`, the receiving socket first
    /// gets that socket-filter program (SO_ATTACH_BPF).
    public static func sendDatagrams(_ count: Int, filterProgram: Int32? = nil) throws {
        let rx = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        let tx = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(rx); close(tx) }
        guard rx >= 0, tx >= 0 else { throw SystemCallError(call: "socket", errno: errno) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &addr) { ptr in
            try ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                if bind(rx, sa, len) != 0 { throw SystemCallError(call: "bind", errno: errno) }
                if getsockname(rx, sa, &len) != 0 { throw SystemCallError(call: "getsockname", errno: errno) }
            }
        }
        if var fd = filterProgram {
            if setsockopt(rx, SOL_SOCKET, 50 /* SO_ATTACH_BPF */, &fd, socklen_t(MemoryLayout<Int32>.size)) != 0 {
                throw SystemCallError(call: "setsockopt(SO_ATTACH_BPF)", errno: errno)
            }
        }
        let payload = [UInt8](repeating: 0x42, count: 64)
        for _ in 0 ..< count {
            let sent = withUnsafePointer(to: &addr) { ptr in
                ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    payload.withUnsafeBytes { sendto(tx, $0.baseAddress, $0.count, 0, sa, len) }
                }
            }
            if sent < 0 { throw SystemCallError(call: "sendto", errno: errno) }
        }
    }
}

/// A failed system call outside libbpf.
public struct SystemCallError: Error, CustomStringConvertible, ExitStatusProviding {
    public let call: String
    public let errno: Int32
    public init(call: String, errno: Int32) { self.call = call; self.errno = errno }
    public var description: String { "\(call) failed: \(String(cString: strerror(errno)))" }
    /// A refused privilege is exit 5; anything else failed the benchmark that needed the call (3).
    public var exitStatus: ExitStatus { errno == EPERM || errno == EACCES ? .missingPrivilegeOrFeature : .benchmarkFailed }
}
