import BPF
import Foundation
import Harness
import Results

/// The measuring hot path: buffers allocated once, raw libbpf calls, nothing else inside the timed loops.
final class MapBench {
    let map: BPFMap
    let batch: Int
    let valueStride: Int
    /// Bytes per key: key i is the little-endian UInt32 i in the first four bytes, zeros after.
    let keyStride: Int
    let keys: UnsafeMutableRawBufferPointer
    let missKeys: UnsafeMutableRawBufferPointer
    let values: UnsafeMutableRawBufferPointer
    let scratchKeys: UnsafeMutableRawBufferPointer
    let scratchValues: UnsafeMutableRawBufferPointer
    /// Where `batch-lookup` resumes its walk through the map (the kernel's token), and whether it has one.
    var walkFrom: UInt64 = 0
    var walkNext: UInt64 = 0
    var walking = false

    init(map: BPFMap, batch: Int) {
        self.map = map
        self.batch = batch
        valueStride = map.valueBufferSize
        keyStride = map.keySize
        keys = .allocate(byteCount: keyStride * batch, alignment: 8)
        missKeys = .allocate(byteCount: keyStride * batch, alignment: 8)
        scratchKeys = .allocate(byteCount: keyStride * batch, alignment: 8)
        keys.initializeMemory(as: UInt8.self, repeating: 0)
        missKeys.initializeMemory(as: UInt8.self, repeating: 0)
        values = .allocate(byteCount: valueStride * batch, alignment: 8)
        scratchValues = .allocate(byteCount: valueStride * batch, alignment: 8)
        for i in 0 ..< values.count { values[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
    }

    func deallocate() {
        keys.deallocate()
        missKeys.deallocate()
        scratchKeys.deallocate()
        values.deallocate()
        scratchValues.deallocate()
    }

    /// Writes key `k` at slot `i` of `buffer` (the first four bytes; the rest stay zero).
    @inline(__always)
    func store(_ k: UInt32, at i: Int, in buffer: UnsafeMutableRawBufferPointer) {
        buffer.baseAddress!.storeBytes(of: k.littleEndian, toByteOffset: i * keyStride, as: UInt32.self)
    }

    @inline(__always)
    func key(at i: Int, in buffer: UnsafeMutableRawBufferPointer) -> UInt32 {
        UInt32(littleEndian: buffer.baseAddress!.loadUnaligned(fromByteOffset: i * keyStride, as: UInt32.self))
    }

    /// Inserts keys 0..<count (untimed) and returns the keys present afterwards (LRU maps may evict early).
    func fill(count: Int, checkPresence: Bool) throws -> [UInt32] {
        let key = UnsafeMutableRawBufferPointer.allocate(byteCount: keyStride, alignment: 8)
        defer { key.deallocate() }
        key.initializeMemory(as: UInt8.self, repeating: 0)
        func at(_ k: UInt32) -> UnsafeMutableRawPointer {
            key.baseAddress!.storeBytes(of: k.littleEndian, as: UInt32.self)
            return key.baseAddress!
        }
        for k in 0 ..< UInt32(count) { try map.update(key: at(k), value: values.baseAddress!, flags: .any) }
        guard checkPresence else { return Array(0 ..< UInt32(count)) }
        return try (0 ..< UInt32(count)).filter { k in try map.lookup(key: at(k), value: scratchValues.baseAddress!) }
    }

    /// The round's keys: the next `batch` keys of `order`, wrapping; miss keys are never inserted.
    func prepareRound(keys order: [UInt32], round: Int, missOffset: UInt32) {
        let start = (round * batch) % max(order.count, 1)
        for i in 0 ..< batch {
            let k = order.isEmpty ? UInt32(i) : order[(start + i) % order.count]
            store(k, at: i, in: keys)
            store(k &+ missOffset, at: i, in: missKeys)
        }
    }

    /// Times `body` over the round's keys (or miss keys); stops at the first answer other than `expect`.
    @inline(__always)
    private func timeEach(_ keys: UnsafeMutableRawBufferPointer, expect: Int32, call: String,
                          _ body: (UnsafeRawPointer) -> Int32) -> (ns: UInt64, failure: Failure?) {
        var failure: Failure?
        let base = UnsafeRawPointer(keys.baseAddress!), stride = keyStride
        let t0 = monotonicNanoseconds()
        for i in 0 ..< batch {
            let err = body(base + i * stride)
            if err != expect { failure = Failure(call: call, err: err, key: key(at: i, in: keys)); break }
        }
        let t1 = monotonicNanoseconds()
        return (t1 &- t0, failure)
    }

    struct Failure {
        let call: String
        let err: Int32
        let key: UInt32
    }

    /// ns per element of one timed batch, or the status that ends this operation.
    func time(_ op: MapOperation) -> Result<Double, StatusError> {
        let value = UnsafeRawPointer(values.baseAddress!)
        let out = scratchValues.baseAddress!
        let map = self.map
        var elements = batch
        let measured: (ns: UInt64, failure: Failure?)
        switch op {
        case .update:
            measured = timeEach(keys, expect: 0, call: "bpf_map_update_elem") { map.rawUpdate($0, value, flags: .any) }
        case .insert:
            measured = timeEach(keys, expect: 0, call: "bpf_map_update_elem(BPF_NOEXIST)") { map.rawUpdate($0, value, flags: .noExist) }
        case .lookup:
            measured = timeEach(keys, expect: 0, call: "bpf_map_lookup_elem") { map.rawLookup($0, out) }
        case .lookupMiss:
            measured = timeEach(missKeys, expect: -ENOENT, call: "bpf_map_lookup_elem (expecting ENOENT)") { map.rawLookup($0, out) }
        case .delete:
            measured = timeEach(keys, expect: 0, call: "bpf_map_delete_elem") { map.rawDelete($0) }
        case .batchUpdate:
            var count = UInt32(batch)
            let t0 = monotonicNanoseconds()
            let err = map.rawUpdateBatch(keys: keys.baseAddress!, values: value, count: &count)
            let t1 = monotonicNanoseconds()
            if err != 0 { return .failure(Self.batchStatus("bpf_map_update_batch", err)) }
            elements = Int(count)
            measured = (t1 &- t0, nil)
        case .batchLookup:
            // Walk on through the map round after round. A call that hits the map's end returns fewer
            // elements (their per-element cost carries the whole syscall): start over and time a full batch.
            var count = UInt32(batch)
            var t0: UInt64 = 0, t1: UInt64 = 0
            for _ in 0 ..< 2 {
                count = UInt32(batch)
                t0 = monotonicNanoseconds()
                let err = walking
                    ? map.rawLookupBatch(from: &walkFrom, next: &walkNext, keys: scratchKeys.baseAddress!, values: out, count: &count)
                    : map.rawLookupBatch(from: nil, next: &walkNext, keys: scratchKeys.baseAddress!, values: out, count: &count)
                t1 = monotonicNanoseconds()
                if err != 0 && err != -ENOENT { return .failure(Self.batchStatus("bpf_map_lookup_batch", err)) }
                walking = err == 0
                walkFrom = walkNext
                if err == 0 { break }
            }
            elements = Int(count)
            measured = (t1 &- t0, nil)
        }
        if let f = measured.failure {
            let answer = f.err == 0 ? "succeeded" : "failed: \(Errno.describe(-f.err))"
            return .failure(StatusError(.failed("\(f.call) on \(map.type.name) key \(f.key) \(answer)")))
        }
        guard elements > 0 else { return .failure(StatusError(.failed("the batch returned no elements"))) }
        return .success(Double(measured.ns) / Double(elements))
    }

    static func batchStatus(_ call: String, _ err: Int32) -> StatusError {
        if Errno.meansUnsupported(-err) {
            return StatusError(.unsupported("\(call) is not offered for this map type here: \(Errno.describe(-err))"))
        }
        return StatusError(.failed("\(call) failed: \(Errno.describe(-err))"))
    }
}

/// A Status carried through `Result`.
struct StatusError: Error {
    let status: Status
    init(_ status: Status) { self.status = status }
}
