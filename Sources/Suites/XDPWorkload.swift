import BPF
import BPFCatalog
import BPFObjects
import Foundation
import Harness

/// The helper XDP program of a workload that makes XDP's own events (bpf/workloads.bpf.c): attached on `bg-rx` of
/// bpfgate's veth pair for one benchmark, and `wl_pass` on `bg-tx` when frames are redirected out to it (veth
/// accepts them only there is an XDP program on the receiving side). Both namespaces are bpfgate's own; `close()`
/// detaches and unloads, and so does the end of the process.
public final class XDPWorkload {
    private let object: BPFObject
    private var links: [BPFLink] = []

    /// The helper program of `kind`, or nil when it needs none.
    public static func program(for kind: TrafficKind) -> String? {
        switch kind {
        case .xdpAborted: return "wl_aborted"
        case .xdpRedirectError: return "wl_redirect_err"
        case .xdpRedirect: return "wl_redirect"
        case .xdpDevmap: return "wl_devmap_redirect"
        case .xdpCpumap: return "wl_cpumap_redirect"
        default: return nil
        }
    }

    /// The helper of `kind` attached on `path`, or nil when the workload needs none.
    public static func attach(_ kind: TrafficKind, on path: PacketPath?) throws -> XDPWorkload? {
        guard let name = program(for: kind), let path else { return nil }
        return try XDPWorkload(program: name, kind: kind, path: path)
    }

    private init(program name: String, kind: TrafficKind, path: PacketPath) throws {
        object = try BPFObject(bytes: EmbeddedBPFObject.workloads.bytes, name: "workloads")
        do {
            let outward = [.xdpRedirect, .xdpDevmap].contains(kind)
            for p in object.programs { try p.setAutoload(p.name == name || (outward && p.name == "wl_pass")) }
            try object.load()
            try PacketPath.inside(path.rx) {
                // Map entries that name devices are resolved in the namespace of the thread that writes them.
                try object.map(named: "wl_redirect_to").update(UInt32(0), UInt32(path.rxIfindex))
                if kind == .xdpDevmap { try object.map(named: "wl_devmap").update(UInt32(0), UInt32(path.rxIfindex)) }
                if kind == .xdpCpumap { try object.map(named: "wl_cpumap").update(UInt32(0), CPUMapValue(qsize: 192, program: 0)) }
            }
            if outward {
                let pass = try object.program(named: "wl_pass")
                links.append(try PacketPath.inside(path.tx) { try pass.attachXDP(ifindex: Int32(if_nametoindex(PacketPath.txDevice))) })
            }
            let helper = try object.program(named: name)
            links.append(try PacketPath.inside(path.rx) { try helper.attachXDP(ifindex: path.rxIfindex) })
        } catch {
            close()
            throw error
        }
    }

    /// `struct bpf_cpumap_val`: the queue size and no program of its own.
    private struct CPUMapValue {
        let qsize: UInt32
        let program: Int32
    }

    public func close() {
        for link in links.reversed() { link.destroy() }
        links.removeAll()
        object.close()
    }

    deinit { close() }
}
