import BPFCatalog
import CBPFGateShim
import CLibBPF
import Foundation

/// A BPF map type (`enum bpf_map_type`), with the ones bpfgate benchmarks named.
public struct MapType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let hash = MapType(rawValue: BPF_MAP_TYPE_HASH.rawValue)
    public static let array = MapType(rawValue: BPF_MAP_TYPE_ARRAY.rawValue)
    public static let percpuHash = MapType(rawValue: BPF_MAP_TYPE_PERCPU_HASH.rawValue)
    public static let percpuArray = MapType(rawValue: BPF_MAP_TYPE_PERCPU_ARRAY.rawValue)
    public static let lruHash = MapType(rawValue: BPF_MAP_TYPE_LRU_HASH.rawValue)
    public static let lruPercpuHash = MapType(rawValue: BPF_MAP_TYPE_LRU_PERCPU_HASH.rawValue)

    /// libbpf's name, e.g. `percpu_hash`.
    public var name: String {
        guard let s = libbpf_bpf_map_type_str(bpf_map_type(rawValue)) else { return "type \(rawValue)" }
        return String(cString: s)
    }

    /// Every map type this libbpf knows by name (for the doctor).
    public static var known: [MapType] {
        (1...64).map { MapType(rawValue: UInt32($0)) }.filter { libbpf_bpf_map_type_str(bpf_map_type($0.rawValue)) != nil }
    }

    /// bpfgate's facts of this type (`MapTypeFacts`), or nil for a type newer than its table.
    public var facts: MapTypeFacts? { Self.factsByValue[rawValue] }

    private static let factsByValue: [UInt32: MapTypeFacts] = Dictionary(
        known.compactMap { t in MapTypeFacts.named(t.name).map { (t.rawValue, $0) } }, uniquingKeysWith: { a, _ in a })

    /// The type whose libbpf name is `name`.
    public init?(name: String) {
        guard let t = MapType.known.first(where: { $0.name == name }) else { return nil }
        self = t
    }

    /// Per-CPU maps hold one value per possible CPU, each rounded up to 8 bytes.
    public var isPerCPU: Bool { facts?.perCPU ?? false }

    /// Arrays: every index exists, elements cannot be deleted.
    public var isArray: Bool { facts?.array ?? false }

    /// LRU maps evict before they are full.
    public var isLRU: Bool { facts?.lru ?? false }
}

/// `map_flags` for map creation.
public struct MapFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let noPrealloc = MapFlags(rawValue: UInt32(BPF_F_NO_PREALLOC))
    public static let zeroSeed = MapFlags(rawValue: UInt32(BPF_F_ZERO_SEED))
}

/// Flags of `bpf_map_update_elem`.
public enum UpdateFlag: UInt64, Sendable {
    case any = 0, noExist = 1, exist = 2
}

/// A BPF map by fd: either created on its own (`BPFMap.create`, closed on deinit) or one of a loaded
/// object's maps (owned by the object). The `raw*` operations are the measuring hot path: no allocation,
/// no throwing, they return 0 or -errno as libbpf does.
public final class BPFMap {
    public let fd: Int32
    public let name: String
    public let type: MapType
    public let keySize: Int
    public let valueSize: Int
    public let maxEntries: Int
    public let flags: MapFlags
    private let owner: BPFObject?

    init(objectMap m: OpaquePointer, owner: BPFObject) {
        fd = bpf_map__fd(m)
        name = String(cString: bpf_map__name(m))
        type = MapType(rawValue: bpf_map__type(m).rawValue)
        keySize = Int(bpf_map__key_size(m))
        valueSize = Int(bpf_map__value_size(m))
        maxEntries = Int(bpf_map__max_entries(m))
        flags = MapFlags(rawValue: bpf_map__map_flags(m))
        self.owner = owner
    }

    private init(fd: Int32, name: String, type: MapType, keySize: Int, valueSize: Int, maxEntries: Int, flags: MapFlags) {
        self.fd = fd
        self.name = name
        self.type = type
        self.keySize = keySize
        self.valueSize = valueSize
        self.maxEntries = maxEntries
        self.flags = flags
        self.owner = nil
    }

    deinit {
        if owner == nil && fd >= 0 { close(fd) }
    }

    /// Creates a map on its own (`bpf_map_create`); the kernel frees it when this value goes away.
    public static func create(type: MapType, name: String, keySize: Int, valueSize: Int, maxEntries: Int,
                              flags: MapFlags = []) throws -> BPFMap {
        BPFLibrary.configure()
        let fd = bpfgate_map_create(bpf_map_type(type.rawValue), name, UInt32(keySize), UInt32(valueSize),
                                    UInt32(maxEntries), flags.rawValue)
        if fd < 0 {
            if fd == -EPERM { try Privileges.current().require(.createMaps) }
            throw BPFError.call("bpf_map_create(\(type.name), \(name))", errno: -fd)
        }
        return BPFMap(fd: fd, name: name, type: type, keySize: keySize, valueSize: valueSize,
                      maxEntries: maxEntries, flags: flags)
    }

    /// Bytes of one value as user space passes it: `valueSize`, or for per-CPU maps
    /// `round_up(valueSize, 8) * possible CPUs`.
    public var valueBufferSize: Int {
        type.isPerCPU ? ((valueSize + 7) & ~7) * BPFLibrary.possibleCPUs : valueSize
    }

    // MARK: hot path

    @inline(__always) public func rawUpdate(_ key: UnsafeRawPointer, _ value: UnsafeRawPointer, flags: UpdateFlag = .any) -> Int32 {
        bpf_map_update_elem(fd, key, value, flags.rawValue)
    }

    @inline(__always) public func rawLookup(_ key: UnsafeRawPointer, _ value: UnsafeMutableRawPointer) -> Int32 {
        bpf_map_lookup_elem(fd, key, value)
    }

    @inline(__always) public func rawDelete(_ key: UnsafeRawPointer) -> Int32 {
        bpf_map_delete_elem(fd, key)
    }

    // MARK: checked operations

    /// `bpf_map_update_elem`.
    public func update(key: UnsafeRawPointer, value: UnsafeRawPointer, flags: UpdateFlag = .any) throws {
        let err = rawUpdate(key, value, flags: flags)
        if err != 0 { throw BPFError.call("bpf_map_update_elem(\(name))", errno: -err) }
    }

    /// `bpf_map_lookup_elem`; false when the key is absent.
    public func lookup(key: UnsafeRawPointer, value: UnsafeMutableRawPointer) throws -> Bool {
        let err = rawLookup(key, value)
        if err == -ENOENT { return false }
        if err != 0 { throw BPFError.call("bpf_map_lookup_elem(\(name))", errno: -err) }
        return true
    }

    /// `bpf_map_delete_elem`; false when the key was absent.
    public func delete(key: UnsafeRawPointer) throws -> Bool {
        let err = rawDelete(key)
        if err == -ENOENT { return false }
        if err != 0 { throw BPFError.call("bpf_map_delete_elem(\(name))", errno: -err) }
        return true
    }

    /// `bpf_map_get_next_key`; false after the last key.
    public func nextKey(after key: UnsafeRawPointer?, into next: UnsafeMutableRawPointer) throws -> Bool {
        let err = bpf_map_get_next_key(fd, key, next)
        if err == -ENOENT { return false }
        if err != 0 { throw BPFError.call("bpf_map_get_next_key(\(name))", errno: -err) }
        return true
    }

    /// `bpf_map_update_batch`: `count` keys and values laid out back to back. Returns -errno or 0.
    @inline(__always) public func rawUpdateBatch(keys: UnsafeRawPointer, values: UnsafeRawPointer, count: inout UInt32) -> Int32 {
        bpfgate_map_update_batch(fd, keys, values, &count, 0)
    }

    /// `bpf_map_lookup_batch`: from `start` (nil: the beginning of the map; else the token a previous call
    /// left in its `next`), writes the resume token to `next` (8 bytes suffice for u32 keys). `count` in: room,
    /// out: returned. Returns 0, -ENOENT when the map ended (count still valid), or -errno.
    @inline(__always) public func rawLookupBatch(from start: UnsafeMutableRawPointer?, next: UnsafeMutableRawPointer,
                                                 keys: UnsafeMutableRawPointer, values: UnsafeMutableRawPointer,
                                                 count: inout UInt32) -> Int32 {
        bpfgate_map_lookup_batch(fd, start, next, keys, values, &count)
    }

    /// Pushes a value into a queue, stack or bloom filter (an update without a key).
    public func push(value: UnsafeRawPointer) throws {
        let err = bpf_map_update_elem(fd, nil, value, 0)
        if err != 0 { throw BPFError.call("bpf_map_update_elem(\(name), push)", errno: -err) }
    }

    // MARK: typed convenience (tests, set-up)

    /// Updates a fixed-size key with a fixed-size value.
    public func update<K, V>(_ key: K, _ value: V, flags: UpdateFlag = .any) throws {
        precondition(MemoryLayout<K>.size == keySize && MemoryLayout<V>.size == valueBufferSize,
                     "update(_:_:) needs a key of keySize and a value of valueBufferSize bytes")
        var k = key, v = value
        try withUnsafeBytes(of: &k) { kb in try withUnsafeBytes(of: &v) { vb in
            try update(key: kb.baseAddress!, value: vb.baseAddress!, flags: flags)
        } }
    }

    /// Looks up a key of a non-per-CPU map into a value of type V.
    public func lookup<K, V>(_ key: K, as: V.Type) throws -> V? {
        precondition(!type.isPerCPU && MemoryLayout<V>.size == valueSize && MemoryLayout<K>.size == keySize,
                     "lookup(_:as:) needs a key of keySize and a plain value of valueSize bytes")
        var k = key
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: valueSize, alignment: 8)
        defer { buffer.deallocate() }
        let found = try withUnsafeBytes(of: &k) { try lookup(key: $0.baseAddress!, value: buffer) }
        return found ? buffer.loadUnaligned(as: V.self) : nil
    }

    /// Sums a per-CPU u64 value over all possible CPUs.
    public func sumPerCPU<K>(_ key: K) throws -> UInt64 {
        precondition(type.isPerCPU && valueSize == 8 && MemoryLayout<K>.size == keySize, "sumPerCPU needs a per-CPU map of u64")
        var k = key
        let cpus = BPFLibrary.possibleCPUs
        var values = [UInt64](repeating: 0, count: cpus)
        let found = try withUnsafeBytes(of: &k) { kb in
            try values.withUnsafeMutableBytes { try lookup(key: kb.baseAddress!, value: $0.baseAddress!) }
        }
        return found ? values.reduce(0, &+) : 0
    }

    // MARK: kernel accounting

    /// The kernel's id of the map.
    public func id() throws -> UInt32 {
        var id: UInt32 = 0
        let err = bpfgate_map_id(fd, &id)
        if err != 0 { throw BPFError.call("bpf_obj_get_info_by_fd(map)", errno: -err) }
        return id
    }

    /// The map's memlock bytes as the kernel accounts them (`memlock:` in /proc/self/fdinfo/<fd>).
    public func memlockBytes() throws -> Int {
        let path = "/proc/thread-self/fdinfo/\(fd)"
        let file = open(path, O_RDONLY)
        if file < 0 { throw BPFError.call("open(\(path))", errno: errno) }
        defer { close(file) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { read(file, $0.baseAddress, $0.count) }
        if n < 0 { throw BPFError.call("read(\(path))", errno: errno) }
        let text = String(decoding: buffer.prefix(n), as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("memlock:") {
            if let n = Int(line.dropFirst("memlock:".count).trimmingCharacters(in: .whitespaces)) { return n }
        }
        throw BPFError.call("read(\(path)): no memlock field", errno: ENOENT)
    }
}
