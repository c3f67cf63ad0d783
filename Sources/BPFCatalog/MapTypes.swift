/// What bpfgate knows of each BPF map type: the one table of map types. The BPF layer's `MapType` (the
/// kernel's enum value, libbpf's name) looks its facts up here by name; the doctor, the user-space and
/// in-kernel suites and your objects' maps read them.
public struct MapTypeFacts: Sendable, Equatable {
    /// libbpf's name (`libbpf_bpf_map_type_str`), e.g. `lru_percpu_hash`.
    public let name: String
    /// One value per possible CPU, each rounded up to 8 bytes.
    public let perCPU: Bool
    /// Plain arrays (array, percpu_array): every index exists, elements cannot be deleted.
    public let array: Bool
    /// Evicts the least recently used element when full (filled only partly before timing).
    public let lru: Bool
    /// Timed from user space, one `bpf(2)` call per element (`user/map/...` and your objects' maps).
    public let timedFromUserSpace: Bool
    /// Sizes the kernel accepts for a map created with nothing else (the doctor's probe; others get EINVAL,
    /// which is not "unsupported").
    public let probeKeySize: Int
    public let probeValueSize: Int
    public let probeMaxEntries: Int
    /// Created only with BPF_F_NO_PREALLOC.
    public let needsNoPrealloc: Bool
    /// What creation needs besides sizes, or nil: such a type is not probed by creation alone.
    public let needsContext: String?
    /// Entries bpfgate gives a map of this type declared with none (`max_entries` 0: its project's loader sizes it
    /// at run time, `bpf_map__set_max_entries`), or nil: left as declared (libbpf sizes perf event arrays itself;
    /// local storage has no entries).
    public let loaderSizedEntries: LoaderSize?

    /// What a loader typically sizes a map to.
    public enum LoaderSize: Sendable, Equatable {
        case entries(Int)
        /// One entry per possible CPU (cpumap: at most the CPUs there are; xdp-tools' per-CPU arrays).
        case possibleCPUs
        /// The kernel's pid_max (hashes keyed by pid), at most `cap` entries, so that a preallocated map stays in the
        /// megabytes on a machine whose pid_max is 4194304.
        case pidMax(cap: Int)
    }
    /// libbpf-tools' usual MAX_ENTRIES.
    static let sized = LoaderSize.entries(10240)
    /// Hashes: pid_max, as tools size their pid-keyed maps.
    static let pids = LoaderSize.pidMax(cap: 65536)

    /// The type's segment in benchmark names: `lru-percpu-hash`.
    public var slug: String { String(name.map { $0 == "_" ? "-" : $0 }) }

    public init(_ name: String, perCPU: Bool = false, array: Bool = false, lru: Bool = false, timed: Bool = false,
         key: Int = 4, value: Int = 8, entries: Int = 16, noPrealloc: Bool = false, needs: String? = nil, loaderSized: LoaderSize? = nil) {
        self.name = name
        self.perCPU = perCPU
        self.array = array
        self.lru = lru
        timedFromUserSpace = timed
        probeKeySize = key
        probeValueSize = value
        probeMaxEntries = entries
        needsNoPrealloc = noPrealloc
        needsContext = needs
        loaderSizedEntries = loaderSized
    }

    /// Every map type of the kernel's `enum bpf_map_type` up to 6.18, in its order.
    public static let all: [MapTypeFacts] = [
        .init("hash", timed: true, loaderSized: pids),
        .init("array", array: true, timed: true, loaderSized: sized),
        .init("prog_array", value: 4),
        .init("perf_event_array", value: 4),
        .init("percpu_hash", perCPU: true, timed: true, loaderSized: pids),
        .init("percpu_array", perCPU: true, array: true, timed: true, loaderSized: .possibleCPUs),
        .init("stack_trace", value: 8 * 127, loaderSized: .entries(1024)),
        .init("cgroup_array", value: 4),
        .init("lru_hash", lru: true, timed: true, loaderSized: pids),
        .init("lru_percpu_hash", perCPU: true, lru: true, timed: true, loaderSized: pids),
        .init("lpm_trie", key: 8, noPrealloc: true, loaderSized: sized),
        .init("array_of_maps", value: 4, needs: "an inner map"),
        .init("hash_of_maps", value: 4, needs: "an inner map"),
        .init("devmap", value: 4, loaderSized: .entries(256)),
        .init("sockmap", value: 4),
        .init("cpumap", value: 4, loaderSized: .possibleCPUs),
        .init("xskmap", value: 4),
        .init("sockhash", value: 4),
        .init("cgroup_storage", key: 12, entries: 0, needs: "a cgroup program that uses it"),
        .init("reuseport_sockarray", value: 4),
        .init("percpu_cgroup_storage", perCPU: true, key: 12, entries: 0, needs: "a cgroup program that uses it"),
        .init("queue", key: 0, loaderSized: sized),
        .init("stack", key: 0, loaderSized: sized),
        .init("sk_storage", entries: 0, noPrealloc: true, needs: "BTF for its value (a loaded object)"),
        .init("devmap_hash", value: 4, loaderSized: .entries(256)),
        .init("struct_ops", key: 0, value: 0, needs: "a kernel struct_ops type"),
        .init("ringbuf", key: 0, value: 0, entries: 4096, loaderSized: .entries(256 << 10)),
        .init("inode_storage", entries: 0, noPrealloc: true, needs: "BTF for its value (a loaded object)"),
        .init("task_storage", entries: 0, noPrealloc: true, needs: "BTF for its value (a loaded object)"),
        .init("bloom_filter", key: 0, loaderSized: sized),
        .init("user_ringbuf", key: 0, value: 0, entries: 4096),
        .init("cgrp_storage", entries: 0, noPrealloc: true, needs: "BTF for its value (a loaded object)"),
        .init("arena", key: 0, value: 0),
    ]

    /// The facts of libbpf's `name`, or nil for a type newer than this table.
    public static func named(_ name: String) -> MapTypeFacts? { all.first { $0.name == name } }
}
