import BPF
import BPFObjects
import CorpusObjects
import Foundation
import Testing

extension PrivilegedTests {
    /// What bpfgate does in a loader's place (`BPFObject.adoptLoaderDefaults`): the corpus's loader_sized object fails
    /// could not load as declared, and loads with the sizes of the map table once adopted, pinning nothing.
    @Suite struct LoaderDefaultsTests {
        @Test func mapsALoaderWouldFinish_getTheTablesSizes() throws {
            let source = try #require(Corpus.named("loader_sized"))
            // As declared (never loaded so: libbpf would pin `pinned_stats` in the host's bpffs).
            let asIs = try BPFObject(bytes: source.bytes, name: source.name)
            let declared = Dictionary(uniqueKeysWithValues: asIs.mapDefinitions.map { ($0.name, $0) })
            asIs.close()
            #expect(declared["start"]?.maxEntries == 0 && declared["rx_cnt"]?.maxEntries == 0 && declared["stackmap"]?.valueSize == 0)
            #expect(declared["events"]?.valueSize != 4, "the event type as value, as cilium/ebpf's examples declare it")

            let object = try BPFObject(bytes: source.bytes, name: source.name)
            defer { object.close() }
            let changed = try object.adoptLoaderDefaults()
            try object.load()
            func entries(_ name: String) throws -> Int { try object.map(named: name).maxEntries }
            #expect(try entries("start") == min(65536, BPFLibrary.pidMax))
            #expect(try entries("rx_cnt") == BPFLibrary.possibleCPUs)
            #expect(try entries("stackmap") == 1024)
            let events = try object.map(named: "events")
            #expect(events.keySize == 4 && events.valueSize == 4)
            let ring = try object.map(named: "ring")
            #expect(ring.keySize == 0 && ring.valueSize == 0)
            #expect(changed.count == 7, "entries of start, rx_cnt, stackmap; stackmap frames; events, ring; the pin: \(changed)")
            #expect(changed.contains { $0.hasPrefix("map pinned_stats: not pinned") }, "\(changed)")
            #expect(!FileManager.default.fileExists(atPath: "/sys/fs/bpf/pinned_stats"), "nothing is pinned in bpffs")
        }
    }
}
