import BPFCatalog
import Foundation
import Results
import Statistics

extension Guide {
    /// The map operations of the idle runs beside the same operations of runs under a background load (`run --load
    /// cpu:80`, `vm:75`), answered by each load's median ratio to idle and the operation it slows most.
    static func load(_ results: [ResultsFile]) -> GuideSection {
        let idle = Latest(results.filter { $0.run.load.isEmpty })
        let labels = Set(results.map { $0.run.load.joined(separator: "+") }).subtracting([""]).sorted()
        var rows: [GuideRow] = []
        var sentences: [String] = []
        for label in labels {
            let loaded = Latest(results.filter { $0.run.load.joined(separator: "+") == label })
            var ratios: [(item: String, ratio: Double)] = []
            for name in loaded.names where idle.latest[name] != nil {
                guard let (item, _) = mapOperation(name), let base = idle.row(name, item: item, published: nil),
                      var row = loaded.row(name, item: item, published: nil), base.value > 0 else { continue }
                row.load = label
                row.ratioToIdle = row.value / base.value
                ratios.append((item, row.value / base.value))
                if !rows.contains(where: { $0.benchmark == name && $0.load == "idle" }) {
                    var idleRow = base
                    idleRow.load = "idle"
                    idleRow.ratioToIdle = 1
                    rows.append(idleRow)
                }
                rows.append(row)
            }
            guard let median = Descriptive.median(ratios.map(\.ratio)), let most = ratios.max(by: { $0.ratio < $1.ratio }) else { continue }
            sentences.append(String(format: "under %@ map operations took %.2fx their idle time (median of %d), %@ %.2fx", label, median,
                                    ratios.count, most.item, most.ratio))
        }
        let answer = sentences.isEmpty
            ? "No map operation was measured both idle and under a background load here (`bpfgate run --load cpu:80`, `--load vm:75`)."
            : sentences.joined(separator: "; ").prefix(1).uppercased() + sentences.joined(separator: "; ").dropFirst() + "."
        return GuideSection(id: "load", title: "Map operations under CPU and memory pressure", answer: answer,
                            rows: rows.sorted { ($0.benchmark, $0.load ?? "") < ($1.benchmark, $1.load ?? "") }, missing: [])
    }

    /// What maps take: the kernel memory charged for each (`memory` suite) beside its memlock, with memlock's error,
    /// answered by preallocated against BPF_F_NO_PREALLOC hashes and by where memlock is furthest off.
    static func memory(_ results: [ResultsFile]) -> GuideSection {
        var rows: [String: GuideRow] = [:]
        var missing: [String: Set<String>] = [:]  // reason: map types
        for run in results {
            for b in run.benchmarks {
                guard let n = BenchmarkName(parsing: b.name).mapMemory, let memlock = b.measure(Measure.memlockBytes.slug),
                      memlock.status == .ok, let accounted = memlock.samples.first else { continue }
                let charged = b.measure(Measure.chargedBytes.slug).flatMap { $0.status == .ok ? Summary($0.samples) : nil }
                if charged == nil { missing[b.measure(Measure.chargedBytes.slug)?.status.reason ?? "not measured", default: []].insert(n.type) }
                let published = Published.mapMemory[b.name]
                let value = charged?.median ?? accounted
                rows[b.name] = GuideRow(
                    item: "\(n.type) \(n.entries) x \(n.valueBytes) B, \(n.state)", benchmark: b.name, value: value, unit: "bytes",
                    q1: charged?.q1 ?? accounted, q3: charged?.q3 ?? accounted, runID: run.run.id, published: published,
                    outsidePublished: published.map { !$0.contains(accounted) }, memlockBytes: accounted,
                    memlockErrorPercent: charged.flatMap { $0.median > 0 ? (accounted / $0.median - 1) * 100 : nil })
            }
        }
        let sorted = rows.values.sorted { $0.benchmark < $1.benchmark }
        var sentences: [String] = []
        // Preallocated against not, at the most entries and the smallest values measured.
        let hashes = sorted.compactMap { r in BenchmarkName(parsing: r.benchmark).mapMemory.map { (r, $0) } }
            .filter { $0.1.type == "hash" && rows[$0.0.benchmark.replacingOccurrences(of: "/hash/", with: "/hash-noprealloc/")] != nil }
        if let top = hashes.max(by: { (Int($0.1.entries) ?? 0, -(Int($0.1.valueBytes) ?? 0)) < (Int($1.1.entries) ?? 0, -(Int($1.1.valueBytes) ?? 0)) }) {
            for state in ["empty", "full"] {
                let name = BenchmarkName.mapMemory(type: "hash", entries: Int(top.1.entries) ?? 0, valueBytes: Int(top.1.valueBytes) ?? 0, state: state)
                guard let pre = rows[name.description],
                      let no = rows[name.description.replacingOccurrences(of: "/hash/", with: "/hash-noprealloc/")], no.value > 0, pre.value > 0 else { continue }
                let ratio = pre.value / no.value
                let what = sentences.isEmpty ? "a preallocated hash of \(top.1.entries) entries x \(top.1.valueBytes) B takes " : ""
                sentences.append(String(format: "%@, %@%.1fx %@ memory than one with BPF_F_NO_PREALLOC (%@ against %@)", state, what,
                                        ratio >= 1 ? ratio : 1 / ratio, ratio >= 1 ? "more" : "less", value(pre.value, "B"), value(no.value, "B")))
            }
        }
        if let worst = sorted.filter({ $0.memlockErrorPercent != nil }).max(by: { abs($0.memlockErrorPercent!) < abs($1.memlockErrorPercent!) }) {
            sentences.append(String(format: "memlock is furthest from the charge for %@: %+.0f %%", worst.item, worst.memlockErrorPercent!))
        }
        let answer = sentences.isEmpty ? "No map's memory was measured here (`bpfgate run --suite memory`)."
            : sentences.joined(separator: "; ").prefix(1).uppercased() + sentences.joined(separator: "; ").dropFirst() + "."
        return GuideSection(id: "memory", title: "What a map takes in memory", answer: answer, rows: sorted,
                            missing: missing.keys.sorted().map { "the charged memory of \(missing[$0, default: []].sorted().joined(separator: ", ")): \($0)" })
    }
}
