import BPF
import Foundation
import Harness
import Results

/// Programs loaded by others (Cilium, Falco, an agent), observed with bpf_stats on for the observation only: per
/// program and window, ns per run, runs per second and CPU (run time per second, in percent of one CPU).
public struct Observer {
    /// Which programs: by name (regex on the kernel's name, cut to 15 characters), id, type or owning process.
    public struct Filter {
        public var name: Regex<AnyRegexOutput>?
        public var ids: Set<UInt32> = []
        public var type: String?
        public var owner: Regex<AnyRegexOutput>?
        public init() {}
    }

    /// One observed program: stable naming parts (kernel name, tag, owner) and the kernel's id of the moment.
    public struct Program: Sendable, Equatable {
        public var id: UInt32
        public var name: String
        public var tag: String
        public var type: String
        /// `comm` of the processes holding a file descriptor of it (empty: held by a link or a pin only).
        public var owners: [String]

        /// `observe/<owner>/<name>/<tag>`: stable across reloads of the same code by the same tool (ids are not).
        public var benchmarkName: String {
            BenchmarkName(["observe", Self.segment(owners.first ?? "no-process"), Self.segment(name.isEmpty ? "unnamed" : name), tag]).description
        }

        static func segment(_ text: String) -> String {
            let s = String(text.lowercased().map { c in c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_" || c == ".") ? c : "-" })
            return s.isEmpty ? "-" : s
        }
    }

    public let filter: Filter
    public let seconds: Double
    public let windows: Int

    public init(filter: Filter, seconds: Double, windows: Int) {
        self.filter = filter
        self.seconds = seconds
        self.windows = windows
    }

    /// The loaded programs the filter selects, bpfgate's own excluded.
    public func programs() throws -> [Program] {
        let owners = Self.owners()
        return try BPFLibrary.loadedProgramIDs().compactMap { id -> Program? in
            guard let info = try BPFLibrary.programInfo(id: id) else { return nil }
            let p = Program(id: id, name: info.kernelName, tag: info.tag, type: ProgramType(rawValue: info.typeID).name,
                            owners: (owners[id] ?? []).filter { $0.pid != getpid() }.map(\.comm))
            if owners[id]?.contains(where: { $0.pid == getpid() }) == true && p.owners.isEmpty { return nil }
            if !filter.ids.isEmpty && !filter.ids.contains(id) { return nil }
            if let t = filter.type, p.type != t { return nil }
            if let r = filter.name, (try? r.firstMatch(in: p.name)) == nil { return nil }
            if let r = filter.owner, !p.owners.contains(where: { (try? r.firstMatch(in: $0)) != nil }) { return nil }
            return p
        }
    }

    /// Every program id held by a process's file descriptor, with the processes (/proc/<pid>/fdinfo: `prog_id:`).
    static func owners() -> [UInt32: [(pid: Int32, comm: String)]] {
        var out: [UInt32: [(pid: Int32, comm: String)]] = [:]
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
        for pid in pids {
            let dir = "/proc/\(pid)/fdinfo"
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            var comm: String?
            for fd in fds {
                guard let text = try? String(contentsOfFile: "\(dir)/\(fd)", encoding: .utf8), let range = text.range(of: "prog_id:") else { continue }
                let value = text[range.upperBound...].prefix { $0 != "\n" }.trimmingCharacters(in: .whitespaces)
                guard let id = UInt32(value) else { continue }
                if comm == nil {
                    comm = ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "pid \(pid)").trimmingCharacters(in: .whitespacesAndNewlines)
                }
                if !(out[id] ?? []).contains(where: { $0.pid == pid }) { out[id, default: []].append((pid, comm!)) }
            }
        }
        return out
    }

    /// Observes `programs` for `windows` windows of `seconds`, bpf_stats on only meanwhile; one result per program.
    public func observe(_ programs: [Program], progress: (String) -> Void) throws -> [BenchmarkResult] {
        try Privileges.current().require(.enableStats)
        let stats = try StatsSession()
        defer { stats.close() }
        var ns: [UInt32: [Double]] = [:], rate: [UInt32: [Double]] = [:], cpu: [UInt32: [Double]] = [:]
        var gone = Set<UInt32>()
        for w in 0 ..< windows {
            progress("window \(w + 1) of \(windows), \(seconds) s, \(programs.count) program(s)")
            var before: [UInt32: ProgramInfo] = [:]
            for p in programs { before[p.id] = try BPFLibrary.programInfo(id: p.id) }
            let t0 = DispatchTime.now().uptimeNanoseconds
            usleep(useconds_t(seconds * 1e6))
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            for p in programs {
                guard let a = before[p.id], let b = try BPFLibrary.programInfo(id: p.id) else { gone.insert(p.id); continue }
                let runs = Double(b.runCount &- a.runCount), time = Double(b.runTimeNanoseconds &- a.runTimeNanoseconds)
                rate[p.id, default: []].append(runs / elapsed)
                cpu[p.id, default: []].append(time / elapsed / 1e9 * 100)
                if runs > 0 { ns[p.id, default: []].append(time / runs) }
            }
        }
        return programs.map { p in
            var notes = ["id \(p.id), type \(p.type), tag \(p.tag), " + (p.owners.isEmpty ? "held by a link or a pin, no process" : "held by " + p.owners.joined(separator: ", "))]
            if gone.contains(p.id) { notes.append("unloaded during the observation") }
            if p.type == "ext" { notes.append("an freplace program: its runs are counted as its target's, not its own") }
            let latency: MeasureResult = ns[p.id].map { Measure.latency.result($0) }
                ?? .without(.latency, .notApplicable("no run in the windows (a program reached only by tail calls gets no stats of its own)"))
            return BenchmarkResult(name: p.benchmarkName, suite: Self.suite, measures: [
                latency, rate[p.id].map { Measure.runsPerSecond.result($0) } ?? .without(.runsPerSecond, .failed("unloaded")),
                cpu[p.id].map { Measure.programCPUPercent.result($0) } ?? .without(.programCPUPercent, .failed("unloaded")),
            ], notes: notes)
        }
    }

    /// The suite name of observed results (not a suite bpfgate runs: `observe` makes them).
    public static let suite = "observe"
}
