import CBPFGateShim
import CLibBPF
import Foundation

/// A libbpf object (`struct bpf_object`): opened from bytes or a file, then loaded into the kernel.
/// Closing it (explicitly or on deinit) unloads its programs and maps; links must be destroyed first or
/// kept alive by their owner, which `BPFLink` does by holding the object.
public final class BPFObject {
    let handle: OpaquePointer
    /// The object's name (libbpf's `object_name`).
    public let name: String
    /// The ELF bytes, kept alive as long as libbpf may read them.
    private let storage: UnsafeMutableRawBufferPointer?
    private var isClosed = false

    /// Opens an object from its ELF bytes (`bpf_object__open_mem`).
    public init(bytes: [UInt8], name: String) throws {
        BPFLibrary.configure()
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        bytes.withUnsafeBytes { storage.copyMemory(from: $0) }
        guard let handle = bpfgate_object_open_mem(storage.baseAddress, bytes.count, name) else {
            let code = errno
            storage.deallocate()
            throw BPFError.call("bpf_object__open_mem(\(name))", errno: code)
        }
        self.handle = handle
        self.name = name
        self.storage = storage
    }

    /// Opens an object file (`bpf_object__open_file`).
    public init(path: String) throws {
        BPFLibrary.configure()
        guard let handle = bpfgate_object_open_file(path) else {
            throw BPFError.call("bpf_object__open_file(\(path))", errno: errno)
        }
        self.handle = handle
        self.name = String(cString: bpf_object__name(handle))
        self.storage = nil
    }

    deinit { close() }

    /// Every program of the object, in section order.
    public var programs: [BPFProgram] {
        var result: [BPFProgram] = []
        var index: Int32 = 0
        while let p = bpfgate_object_program_at(handle, index) {
            result.append(BPFProgram(object: self, handle: p))
            index += 1
        }
        return result
    }

    /// The program named `name` (the C function's name).
    public func program(named name: String) throws -> BPFProgram {
        guard let p = bpf_object__find_program_by_name(handle, name) else {
            throw BPFError.notFound(kind: "program", name: name, object: self.name)
        }
        return BPFProgram(object: self, handle: p)
    }

    /// Names of the object's maps (including libbpf's internal `.bss`/`.rodata` maps).
    public var mapNames: [String] {
        var names: [String] = []
        var index: Int32 = 0
        while let m = bpfgate_object_map_at(handle, index) {
            names.append(String(cString: bpf_map__name(m)))
            index += 1
        }
        return names
    }

    /// A map as the object declares it (known before load).
    public struct MapDefinition: Equatable, Sendable {
        public let name: String
        public let type: MapType
        public let keySize: Int
        public let valueSize: Int
        public let maxEntries: Int
        public let flags: UInt32
        /// libbpf's own maps for global data (`.bss`, `.data`, `.rodata`, `.kconfig`).
        public let isInternal: Bool
    }

    /// The object's maps as declared, in ELF order.
    public var mapDefinitions: [MapDefinition] {
        var out: [MapDefinition] = []
        var index: Int32 = 0
        while let m = bpfgate_object_map_at(handle, index) {
            out.append(MapDefinition(name: String(cString: bpf_map__name(m)), type: MapType(rawValue: bpf_map__type(m).rawValue),
                                     keySize: Int(bpf_map__key_size(m)), valueSize: Int(bpf_map__value_size(m)),
                                     maxEntries: Int(bpf_map__max_entries(m)), flags: bpf_map__map_flags(m),
                                     isInternal: bpf_map__is_internal(m)))
            index += 1
        }
        return out
    }

    /// A map of the loaded object. The map stays valid while the object is open.
    public func map(named name: String) throws -> BPFMap {
        guard let m = bpf_object__find_map_by_name(handle, name) else {
            throw BPFError.notFound(kind: "map", name: name, object: self.name)
        }
        return BPFMap(objectMap: m, owner: self)
    }

    /// Sets `max_entries` of a map before load (`bpf_map__set_max_entries`).
    public func setMaxEntries(_ entries: UInt32, ofMap name: String) throws {
        guard let m = bpf_object__find_map_by_name(handle, name) else {
            throw BPFError.notFound(kind: "map", name: name, object: self.name)
        }
        let err = bpf_map__set_max_entries(m, entries)
        if err != 0 { throw BPFError.call("bpf_map__set_max_entries(\(name))", errno: -err) }
    }

    /// Does before load what a project's own loader does for maps and bpfgate must do in its place, and says what
    /// it changed (one line per map):
    /// - a map declared without entries (`max_entries` 0: the loader sizes it, e.g. to its `-m` option or the CPU
    ///   count) gets the entries of its type's row (`MapTypeFacts.loaderSizedEntries`); a stack trace map without
    ///   a value size gets 127 frames (`PERF_MAX_STACK_DEPTH`);
    /// - a perf event array or ring buffer declared with other key and value sizes (cilium/ebpf's examples declare
    ///   the event type there for bpf2go) gets the kernel's (4 and 4; none), as cilium/ebpf's loader does;
    /// - a map pinned by name (`LIBBPF_PIN_BY_NAME`) is not pinned: bpfgate never creates files in bpffs, and never
    ///   shares a pinned map of the host's.
    @discardableResult
    public func adoptLoaderDefaults() throws -> [String] {
        var changed: [String] = []
        var index: Int32 = 0
        while let m = bpfgate_object_map_at(handle, index) {
            index += 1
            if bpf_map__is_internal(m) { continue }
            let name = String(cString: bpf_map__name(m))
            if let pinned = bpf_map__pin_path(m) {
                let path = String(cString: pinned)
                let err = bpf_map__set_pin_path(m, nil)
                if err != 0 { throw BPFError.call("bpf_map__set_pin_path(\(name), NULL)", errno: -err) }
                changed.append("map \(name): not pinned at \(path) (bpfgate leaves bpffs as it is)")
            }
            let type = MapType(rawValue: bpf_map__type(m).rawValue)
            if bpf_map__max_entries(m) == 0, let size = type.facts?.loaderSizedEntries {
                let entries: Int
                switch size {
                case let .entries(n): entries = n
                case .possibleCPUs: entries = BPFLibrary.possibleCPUs
                case let .pidMax(cap): entries = min(cap, BPFLibrary.pidMax)
                }
                let err = bpf_map__set_max_entries(m, UInt32(entries))
                if err != 0 { throw BPFError.call("bpf_map__set_max_entries(\(name))", errno: -err) }
                changed.append("map \(name): \(entries) entries (declared with none: its loader sizes it)")
            }
            // cilium/ebpf's loader gives event arrays their kernel sizes whatever the C says (`__type(value, struct
            // event)` only feeds bpf2go's type generation).
            if type.facts?.name == "perf_event_array", bpf_map__key_size(m) != 4 || bpf_map__value_size(m) != 4 {
                var err = bpf_map__set_key_size(m, 4)
                if err == 0 { err = bpf_map__set_value_size(m, 4) }
                if err != 0 { throw BPFError.call("bpf_map__set_value_size(\(name))", errno: -err) }
                changed.append("map \(name): 4-byte keys and values (a perf event array's; declared otherwise for a type generator)")
            }
            if type.facts?.name == "ringbuf", bpf_map__key_size(m) != 0 || bpf_map__value_size(m) != 0 {
                var err = bpf_map__set_key_size(m, 0)
                if err == 0 { err = bpf_map__set_value_size(m, 0) }
                if err != 0 { throw BPFError.call("bpf_map__set_value_size(\(name))", errno: -err) }
                changed.append("map \(name): no key or value size (a ring buffer's; declared otherwise for a type generator)")
            }
            if type.facts?.name == "stack_trace", bpf_map__value_size(m) == 0 {
                let err = bpf_map__set_value_size(m, 127 * 8)
                if err != 0 { throw BPFError.call("bpf_map__set_value_size(\(name))", errno: -err) }
                changed.append("map \(name): 127 frames per stack (declared with no value size)")
            }
        }
        return changed
    }

    /// The size in bytes of the `.rodata` integer `name` (a `const volatile` switch), or why it cannot be set.
    public func readOnlyVariableSize(_ name: String) -> Result<Int, BPFError> {
        let r = bpfgate_rodata_size(handle, name)
        return r > 0 ? .success(Int(r)) : .failure(.call("the .rodata variable '\(name)'", errno: -r))
    }

    /// Sets the `.rodata` integer `name` before load, as a tool's loader sets its command-line switches.
    public func setReadOnly(_ name: String, to value: Int64) throws {
        let r = bpfgate_rodata_set(handle, name, value)
        if r != 0 { throw BPFError.call("setting the .rodata variable '\(name)' to \(value)", errno: -r) }
    }

    /// Makes `bpf_object__load` load only the program `name` (the others stay unloaded); set before load.
    public func autoloadOnly(_ name: String) throws {
        try autoloadOnly([name])
    }

    /// Makes `bpf_object__load` load only the programs `names`; set before load.
    public func autoloadOnly(_ names: Set<String>) throws {
        for p in programs { try p.setAutoload(names.contains(p.name)) }
    }

    /// Loads every program whose autoload is on and creates the maps (`bpf_object__load`).
    /// On failure the error carries libbpf's messages, which include the verifier log.
    public func load() throws {
        try Privileges.current().require(.loadPrograms)
        bpfgate_log_capture_begin()
        let err = bpf_object__load(handle)
        let captured = bpfgate_log_capture_end()
        let log = captured.map { String(cString: $0) } ?? ""
        free(captured)
        if err != 0 {
            throw BPFError.load(object: name, errno: -err, verifierLog: BPFObject.verifierSection(of: log))
        }
    }

    /// Unloads programs and maps and frees libbpf's state (`bpf_object__close`). Idempotent.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        bpf_object__close(handle)
        storage?.deallocate()
    }

    /// The verifier's own lines if libbpf framed them, else everything libbpf said.
    static func verifierSection(of log: String) -> String {
        guard let start = log.range(of: "-- BEGIN PROG LOAD LOG --") else { return log }
        let rest = log[start.upperBound...]
        let end = rest.range(of: "-- END PROG LOAD LOG --")?.lowerBound ?? rest.endIndex
        return String(rest[..<end]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Process-wide libbpf settings.
public enum BPFLibrary {
    private static let once: Void = { bpfgate_log_install() }()

    /// Installs bpfgate's print callback (silent unless verbose); called before any libbpf use.
    public static func configure() { _ = once }

    /// Echo libbpf's messages to stderr: 0 silent, 1 warnings, 2 everything.
    public static func setVerbosity(_ level: Int) { bpfgate_log_set_verbose(Int32(level)) }

    /// libbpf's version, e.g. "1.1".
    public static var version: String { "\(libbpf_major_version()).\(libbpf_minor_version())" }

    /// Number of possible CPUs (the per-CPU value stride).
    public static var possibleCPUs: Int { Int(max(libbpf_num_possible_cpus(), 1)) }

    /// /proc/sys/kernel/pid_max (32768 if it cannot be read).
    public static var pidMax: Int {
        (try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 32768
    }

    /// Ids of every BPF program loaded in the kernel right now (`bpf_prog_get_next_id`).
    public static func loadedProgramIDs() throws -> [UInt32] {
        try ids(bpf_prog_get_next_id, "bpf_prog_get_next_id")
    }

    /// The info of the loaded program `id` (`bpf_prog_get_fd_by_id`, the fd closed again), or nil when it is gone.
    public static func programInfo(id: UInt32) throws -> ProgramInfo? {
        let fd = bpf_prog_get_fd_by_id(id)
        if fd < 0 {
            let code = -fd == ENOENT || errno == ENOENT ? ENOENT : (fd < -1 ? -fd : errno)
            if code == ENOENT { return nil }
            throw BPFError.call("bpf_prog_get_fd_by_id(\(id))", errno: code)
        }
        defer { close(fd) }
        return try ProgramInfo(fd: fd, name: "program \(id)")
    }

    /// Ids of every BPF map in the kernel right now (`bpf_map_get_next_id`).
    public static func loadedMapIDs() throws -> [UInt32] {
        try ids(bpf_map_get_next_id, "bpf_map_get_next_id")
    }

    private static func ids(_ next: (UInt32, UnsafeMutablePointer<UInt32>?) -> Int32, _ call: String) throws -> [UInt32] {
        var ids: [UInt32] = []
        var id: UInt32 = 0
        while true {
            var following: UInt32 = 0
            let err = next(id, &following)
            if err != 0 {
                // libbpf returns -errno (and sets errno too): the returned code is the one that belongs to this call.
                let code = err < 0 ? -err : errno
                if code == ENOENT { return ids }
                throw BPFError.call(call, errno: code)
            }
            ids.append(following)
            id = following
        }
    }
}
