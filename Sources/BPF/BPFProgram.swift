import CBPFGateShim
import CLibBPF
import Foundation

/// A program of a `BPFObject` (`struct bpf_program`). Valid while its object is open.
public struct BPFProgram {
    public let object: BPFObject
    let handle: OpaquePointer

    init(object: BPFObject, handle: OpaquePointer) {
        self.object = object
        self.handle = handle
    }

    /// The C function's name.
    public var name: String { String(cString: bpf_program__name(handle)) }
    /// The ELF section, e.g. `tracepoint/syscalls/sys_enter_getppid`.
    public var section: String { String(cString: bpf_program__section_name(handle)) }
    /// The program's fd once loaded, else -1.
    public var fd: Int32 { bpf_program__fd(handle) }
    /// libbpf's name for the program type, e.g. `tracepoint`.
    public var typeName: String {
        guard let s = libbpf_bpf_prog_type_str(bpf_program__type(handle)) else { return "unknown" }
        return String(cString: s)
    }

    /// Whether `bpf_object__load` loads this program (`bpf_program__set_autoload`); set before load.
    public func setAutoload(_ on: Bool) throws {
        let err = bpf_program__set_autoload(handle, on)
        if err != 0 { throw BPFError.call("bpf_program__set_autoload(\(name))", errno: -err) }
    }

    /// Makes it an XDP program (type and expected attach type), for sections libbpf >= 1.0 no longer reads as
    /// XDP (`SEC("xdp_pass")`, the older convention, whose loaders set the type themselves); before load.
    public func useXDPType() throws {
        var err = bpf_program__set_type(handle, BPF_PROG_TYPE_XDP)
        if err == 0 { err = bpf_program__set_expected_attach_type(handle, BPF_XDP) }
        if err != 0 { throw BPFError.call("bpf_program__set_type(\(name), xdp)", errno: -err) }
    }

    /// Attaches by the section's own description (`bpf_program__attach`): tracepoints, raw_tp, tp_btf,
    /// kprobes, fentry/fexit.
    public func attach() throws -> BPFLink {
        try link(bpf_program__attach(handle), call: "bpf_program__attach(\(name))")
    }

    /// Attaches an XDP program to an interface through a BPF link (`bpf_program__attach_xdp`):
    /// the kernel detaches it when the link's last fd closes, also if the process dies.
    public func attachXDP(ifindex: Int32) throws -> BPFLink {
        try Privileges.current().require(.attachNetwork)
        return try link(bpf_program__attach_xdp(handle, ifindex), call: "bpf_program__attach_xdp(\(name))")
    }

    /// Attaches to the perf event `fd` (`bpf_program__attach_perf_event`); the link owns the event from then on
    /// (destroying it disables and closes the event).
    public func attachPerfEvent(fd: Int32) throws -> BPFLink {
        try link(bpf_program__attach_perf_event(handle, fd), call: "bpf_program__attach_perf_event(\(name))")
    }

    /// Attaches a USDT program to the probe `provider:name` of the ELF file `binary`, in every process
    /// (`bpf_program__attach_usdt`; libbpf fills the object's USDT spec maps).
    public func attachUSDT(binary: String, provider: String, name: String) throws -> BPFLink {
        try link(bpf_program__attach_usdt(handle, -1, binary, provider, name, nil), call: "bpf_program__attach_usdt(\(self.name), \(provider):\(name))")
    }

    /// Attaches a uprobe (or uretprobe) to `function` of the ELF file `binary` (`bpf_program__attach_uprobe_opts`).
    public func attachUprobe(binary: String, function: String, retprobe: Bool = false) throws -> BPFLink {
        guard let l = bpfgate_attach_uprobe(handle, retprobe ? 1 : 0, binary, function) else {
            throw BPFError.call("bpf_program__attach_uprobe_opts(\(name), \(function))", errno: errno)
        }
        return BPFLink(handle: l, object: object, name: name)
    }

    /// Attaches a cgroup program to the cgroup directory at `path` (`bpf_program__attach_cgroup`).
    public func attachCgroup(path: String) throws -> BPFLink {
        let cgroup = open(path, O_RDONLY | O_DIRECTORY)
        if cgroup < 0 { throw BPFError.call("open(\(path))", errno: errno) }
        defer { Foundation.close(cgroup) }
        return try link(bpf_program__attach_cgroup(handle, cgroup), call: "bpf_program__attach_cgroup(\(name))")
    }

    private func link(_ raw: OpaquePointer?, call: String) throws -> BPFLink {
        let err = libbpf_get_error(UnsafeRawPointer(raw))
        guard let raw, err == 0 else { throw BPFError.call(call, errno: Int32(-err)) }
        return BPFLink(handle: raw, object: object, name: name)
    }

    /// The ids of the maps the loaded program uses (`bpf_prog_info.map_ids`).
    public func mapIDs() throws -> [UInt32] {
        var ids = [UInt32](repeating: 0, count: 64)
        let n = bpfgate_prog_map_ids(fd, &ids, UInt32(ids.count))
        if n < 0 { throw BPFError.call("bpf_obj_get_info_by_fd(\(name)): map ids", errno: -n) }
        if Int(n) > ids.count {
            ids = [UInt32](repeating: 0, count: Int(n))
            let again = bpfgate_prog_map_ids(fd, &ids, UInt32(ids.count))
            if again < 0 { throw BPFError.call("bpf_obj_get_info_by_fd(\(name)): map ids", errno: -again) }
        }
        return Array(ids.prefix(Int(n)))
    }

    /// Kernel-side facts about the loaded program (`bpf_obj_get_info_by_fd`).
    public func info() throws -> ProgramInfo {
        try ProgramInfo(fd: fd, name: name)
    }

    /// The program's ns per run as bpf_stats counts it (run_time_ns / run_cnt, which must be on) over the runs that
    /// happen during `body`: the sum of every run's own time; nil if it did not run.
    public func nanosecondsPerRun(during body: () throws -> Void) throws -> Double? {
        let before = try info()
        try body()
        let after = try info()
        let runs = after.runCount &- before.runCount
        return runs > 0 ? Double(after.runTimeNanoseconds &- before.runTimeNanoseconds) / Double(runs) : nil
    }

    /// The same, for a body that makes the program run (a test run): no run counted means bpf_stats is off.
    public func nanosecondsPerRun(of body: () throws -> Void) throws -> Double {
        guard let ns = try nanosecondsPerRun(during: body) else {
            throw BPFError.call("bpf_stats of \(name): no runs counted (is bpf_stats on?)", errno: ENODATA)
        }
        return ns
    }

    /// BPF_PROG_TEST_RUN with a context and no packet (raw_tp programs: their u64 arguments), run once.
    public func testRun(context: [UInt64]) throws -> UInt32 {
        try testRun(data: [], context: context.withUnsafeBytes { Array($0) }, repeat: 0).returnValue
    }

    /// Runs the program once or `repeat` times on the packet `input`.
    public func testRun(input: [UInt8] = [], repeat count: UInt32 = 1) throws -> TestRunResult {
        try testRun(data: input, context: [], repeat: count)
    }

    /// BPF_PROG_TEST_RUN with packet data, a context or both (empty: none), `repeat` runs.
    public func testRun(data: [UInt8], context: [UInt8], repeat count: UInt32) throws -> TestRunResult {
        try testRun(data: data, context: context, repeat: count, keepOutput: false).result
    }

    /// The same, and the packet as the program left it (`keepOutput`; empty otherwise).
    public func testRun(data: [UInt8], context: [UInt8], repeat count: UInt32, keepOutput: Bool) throws -> (result: TestRunResult, output: [UInt8]) {
        var result = bpfgate_test_run_result()
        var output = [UInt8](repeating: 0, count: keepOutput ? data.count + 4096 : 0)
        var outSize = UInt32(output.count)
        let err = data.withUnsafeBytes { d in
            context.withUnsafeBytes { c in
                output.withUnsafeMutableBytes { o in
                    bpfgate_prog_test_run(fd, data.isEmpty ? nil : d.baseAddress, UInt32(d.count), context.isEmpty ? nil : c.baseAddress,
                                          UInt32(c.count), count, keepOutput ? o.baseAddress : nil, &outSize, &result)
                }
            }
        }
        if err != 0 { throw BPFError.call("bpf_prog_test_run_opts(\(name))", errno: -err) }
        return (TestRunResult(returnValue: result.retval, durationNanoseconds: result.duration_ns), Array(output.prefix(Int(outSize))))
    }

    /// The `struct bpf_sk_lookup` a test run of an sk_lookup program takes: a connection from `remote` to `local`
    /// (addresses of 4 or 16 bytes in network order, ports in host order); protocol 6 (TCP) or 17 (UDP).
    public static func skLookupContext(protocol proto: UInt8, remote: [UInt8], remotePort: UInt16, local: [UInt8], localPort: UInt16) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 128)
        let family = UInt32(remote.count == 16 ? AF_INET6 : AF_INET)
        let n = out.withUnsafeMutableBytes { o in
            bpfgate_sk_lookup_ctx(o.baseAddress, UInt32(o.count), family, UInt32(proto), remote, remotePort, local, localPort)
        }
        return Array(out.prefix(Int(n)))
    }
}

/// What the kernel reports about a loaded program.
public struct ProgramInfo: Sendable, Equatable {
    public let id: UInt32
    public let name: String
    /// Cumulative run time and run count; they advance only while bpf_stats is on.
    public let runTimeNanoseconds: UInt64
    public let runCount: UInt64
    public let verifiedInstructions: UInt32
    public let xlatedBytes: UInt32
    public let jitedBytes: UInt32
    /// The kernel's name of the program (cut to 15 characters), its type (`enum bpf_prog_type`) and its tag (the hash
    /// of its instructions, in hex, as bpftool shows it).
    public let kernelName: String
    public let typeID: UInt32
    public let tag: String

    /// Reads the info of the program behind `fd`.
    public init(fd: Int32, name: String) throws {
        var raw = bpfgate_prog_info()
        let err = bpfgate_prog_info(fd, &raw)
        if err != 0 { throw BPFError.call("bpf_obj_get_info_by_fd(\(name))", errno: -err) }
        id = raw.id
        self.name = name
        runTimeNanoseconds = raw.run_time_ns
        runCount = raw.run_cnt
        verifiedInstructions = raw.verified_insns
        xlatedBytes = raw.xlated_prog_len
        jitedBytes = raw.jited_prog_len
        kernelName = withUnsafeBytes(of: raw.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        typeID = raw.type
        tag = withUnsafeBytes(of: raw.tag) { $0.map { String(format: "%02x", $0) }.joined() }
    }
}

/// The answer of one BPF_PROG_TEST_RUN.
public struct TestRunResult: Sendable, Equatable {
    public let returnValue: UInt32
    /// Average ns per run as the kernel measured it (only for types that support `repeat`).
    public let durationNanoseconds: UInt32
}

/// An attachment (`struct bpf_link`). Destroying it detaches the program; deinit destroys it too.
public final class BPFLink {
    private var handle: OpaquePointer?
    /// Keeps the program's object open while attached.
    private let object: BPFObject
    public let programName: String

    init(handle: OpaquePointer, object: BPFObject, name: String) {
        self.handle = handle
        self.object = object
        self.programName = name
    }

    deinit { destroy() }

    /// The link's file descriptor (-1 once destroyed): an iterator's is what BPF_ITER_CREATE takes.
    public var fd: Int32 { handle.map { bpf_link__fd($0) } ?? -1 }

    /// Detaches (`bpf_link__destroy`). Idempotent.
    public func destroy() {
        if let h = handle { bpf_link__destroy(h) }
        handle = nil
    }
}

/// bpf_stats through `bpf_enable_stats(BPF_STATS_RUN_TIME)`: on while this value's fd is open, so it
/// restores itself when closed or when the process dies; never through the sysctl.
public final class BPFStatsSession {
    private var fd: Int32

    public init() throws {
        try Privileges.current().require(.enableStats)
        let fd = bpf_enable_stats(BPF_STATS_RUN_TIME)
        if fd < 0 { throw BPFError.call("bpf_enable_stats(BPF_STATS_RUN_TIME)", errno: -fd) }
        self.fd = fd
    }

    deinit { close() }

    public func close() {
        if fd >= 0 { Foundation.close(fd) }
        fd = -1
    }
}

extension BPFProgram {
    /// Attaches a tc program to `ifindex` (clsact through `bpf_tc_hook_create` + `bpf_tc_attach`). libbpf 1.1
    /// has no tcx, so this is not a link: the returned attachment detaches, and removes the clsact qdisc if it
    /// made it, when destroyed or deinitialized.
    public func attachTC(ifindex: Int32, egress: Bool = false) throws -> TCAttachment {
        try Privileges.current().require(.attachNetwork)
        var created: Int32 = 0
        var handle: UInt32 = 0
        var priority: UInt32 = 0
        let err = bpfgate_tc_attach(ifindex, egress ? 1 : 0, fd, &created, &handle, &priority)
        if err != 0 { throw BPFError.call("bpf_tc_attach(\(name))", errno: -err) }
        return TCAttachment(ifindex: ifindex, egress: egress, handle: handle, priority: priority,
                            createdQdisc: created != 0, object: object)
    }
}

/// A tc filter attached by `attachTC`; `destroy()` undoes exactly what the attach did.
public final class TCAttachment {
    public let ifindex: Int32
    public let egress: Bool
    public let handle: UInt32
    public let priority: UInt32
    public let createdQdisc: Bool
    private let object: BPFObject
    private var attached = true

    init(ifindex: Int32, egress: Bool, handle: UInt32, priority: UInt32, createdQdisc: Bool, object: BPFObject) {
        self.ifindex = ifindex
        self.egress = egress
        self.handle = handle
        self.priority = priority
        self.createdQdisc = createdQdisc
        self.object = object
    }

    deinit { try? destroy() }

    /// Detaches a filter an earlier process attached and could not undo (a journaled leftover): the same
    /// call `destroy()` makes, from the recorded ifindex, handle and priority.
    public static func detach(ifindex: Int32, egress: Bool, handle: UInt32, priority: UInt32, destroyQdisc: Bool) -> Bool {
        bpfgate_tc_detach(ifindex, egress ? 1 : 0, handle, priority, destroyQdisc ? 1 : 0) == 0
    }

    public func destroy() throws {
        guard attached else { return }
        attached = false
        let err = bpfgate_tc_detach(ifindex, egress ? 1 : 0, handle, priority, createdQdisc ? 1 : 0)
        if err != 0 { throw BPFError.call("bpf_tc_detach", errno: -err) }
    }
}
