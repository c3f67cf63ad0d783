import BPF
import BPFCatalog
import BPFObjects
import CBPFLayouts
import Foundation
import Harness
import Suites
import Testing

/// Workloads that run on the host (the packet ones need bpfgate's veth pair; the uprobe one, a uprobe; the iterate
/// one, an iterator).
private let hostWorkloads = TrafficKind.allCases.filter { !$0.isPacket && $0 != .uprobe && $0 != .iterate }

/// The workload table (`TrafficKind.facts`) checked against this kernel: every workload makes events, and
/// every syscall and tracepoint the table says it fires does fire, about once per event or more.
extension PrivilegedTests {
    @Suite struct WorkloadTests {
        /// A counting program (bpf/probes.bpf.c) on tracepoint `category/name`, counting only this process's
        /// events or every process's.
        final class Counter {
            let object: BPFObject
            let link: BPFLink
            let name: String

            init(_ event: String, onlyThisProcess: Bool) throws {
                name = event
                let parts = event.split(separator: "/").map(String.init)
                object = try BPFObject(bytes: EmbeddedBPFObject.probes.bytes, name: "probes")
                do {
                    try object.autoloadOnly("probe_tracepoint")
                    try object.load()
                    if onlyThisProcess { try HookAttach.countOnlyThisProcess(object) }
                    link = try object.program(named: "probe_tracepoint").attachTracepoint(category: parts[0], name: parts[1])
                } catch {
                    object.close()
                    throw error
                }
            }

            var hits: UInt64 { (try? object.map(named: "hits").sumPerCPU(UInt32(PROBE_TRACEPOINT.rawValue))) ?? 0 }

            func close() {
                link.destroy()
                object.close()
            }
        }

        @Test(arguments: hostWorkloads)
        func workload_firesWhatTheTableSays(kind: TrafficKind) throws {
            try expectKernelLeftAsFound {
                let mounted = try HookAttach.mountTraceFSIfAbsent()
                defer { if let mounted { Cleanup.shared.run(mounted) } }
                let facts = kind.facts
                // Syscalls: only this process's (unless the events come from our children); other events: every
                // process's (softirqs and block completions run in whatever context is current).
                let own = !facts.otherProcesses
                var counters: [Counter] = []
                defer { counters.forEach { $0.close() } }
                for call in facts.syscalls {
                    do { counters.append(try Counter("syscalls/sys_enter_\(call)", onlyThisProcess: own)) } catch let e as BPFError where e.errno == ENOENT {
                        // A syscall this kernel is built without (init_module and the rest without CONFIG_MODULES) has
                        // no tracepoint; the workload must still run (it gets ENOSYS).
                        continue
                    }
                }
                for event in facts.events { counters.append(try Counter(event, onlyThisProcess: false)) }
                let workloadDirectories = Set(Self.workloadDirectories())

                let traffic = try TrafficGenerator(kind: kind, threads: 1, maxSeconds: 0.15)
                usleep(200_000)
                traffic.stop()
                #expect(traffic.failure == nil, "\(kind): \(traffic.failure.map(String.init(describing:)) ?? "")")
                let events = traffic.events
                #expect(events >= 16, "\(kind) made \(events) events")
                for counter in counters {
                    // Everything fires at least once per event, but a task's free, which waits for an RCU grace period.
                    let least = counter.name.hasSuffix("sched_process_free") ? events / 2 : events
                    #expect(counter.hits >= least, "\(kind): \(counter.name) fired \(counter.hits) times for \(events) events")
                }
                #expect(Set(Self.workloadDirectories()) == workloadDirectories, "\(kind) left its directory behind")
                #expect(!Cleanup.shared.pending.contains { $0.contains("workload") }, "\(kind): \(Cleanup.shared.pending)")
            }
        }

        /// The iterate workload reads the iterator attached at the moment, whichever it is (the counting iterator
        /// on tasks, then moved to maps), runs nothing when none is attached, and every pass runs the program once
        /// per element.
        @Test(arguments: ["task", "bpf_map"])
        func iterateWorkload_readsTheAttachedIterator(target: String) throws {
            try expectKernelLeftAsFound {
                let object = try BPFObject(bytes: EmbeddedBPFObject.probes.bytes, name: "probes")
                defer { object.close() }
                try object.autoloadOnly(Hook.iter.family.probe)
                let program = try object.program(named: Hook.iter.family.probe)
                try program.setAttachTarget(function: target)
                try object.load()
                let slot = try IteratorSlot()
                #expect(try slot.readOnce() == false, "nothing attached: nothing read")
                let traffic = try TrafficGenerator(kind: .iterate, threads: 1, maxSeconds: 2, iterator: slot)
                defer { traffic.stop() }
                usleep(50_000)
                #expect(traffic.events == 0, "\(traffic.events) passes with no iterator attached")
                let detach = try HookAttach.attach(.iter, program, at: .iterator(slot))
                usleep(100_000)
                try detach()
                let passes = traffic.events
                usleep(50_000)
                #expect(traffic.events == passes, "passes went on after the detach")
                traffic.stop()
                #expect(traffic.failure == nil, "\(String(describing: traffic.failure))")
                let runs = try object.map(named: "hits").sumPerCPU(UInt32(Hook.iter.family.probeIndex))
                // Each pass: once per element (this machine has tasks, and BPF maps: the probes object's own) and
                // once at the end.
                #expect(passes >= 16 && runs >= passes * 2, "\(passes) passes, \(runs) runs")
            }
        }

        /// The XDP workloads: UDP over bpfgate's veth pair with the helper program of each on `bg-rx` makes the
        /// XDP events the table names (the devmap and cpumap ones fire per bulk of frames, not per frame).
        @Test(arguments: TrafficKind.allCases.filter { XDPWorkload.program(for: $0) != nil })
        func xdpWorkload_firesItsEvents(kind: TrafficKind) throws {
            try expectKernelLeftAsFound {
                let mounted = try HookAttach.mountTraceFSIfAbsent()
                defer { if let mounted { Cleanup.shared.run(mounted) } }
                var counters: [Counter] = []
                defer { counters.forEach { $0.close() } }
                for event in kind.facts.events { counters.append(try Counter(event, onlyThisProcess: false)) }
                let path = try PacketPath()
                defer { path.close() }
                let helper = try #require(try XDPWorkload.attach(kind, on: path))
                defer { helper.close() }
                let traffic = try TrafficGenerator(kind: kind, threads: 1, maxSeconds: 0.15, socket: path.sender)
                usleep(200_000)
                traffic.stop()
                #expect(traffic.failure == nil && traffic.events >= 64, "\(kind): \(String(describing: traffic.failure)), \(traffic.events) events")
                for counter in counters {
                    let bulk = counter.name.hasSuffix("devmap_xmit") || counter.name.contains("cpumap")
                    #expect(counter.hits >= (bulk ? 16 : traffic.events / 2), "\(kind): \(counter.name) fired \(counter.hits) times for \(traffic.events) datagrams")
                }
            }
        }

        /// The jailed workloads change nothing the host can see: its name, its clock, its mounts, its swap, its
        /// modules. (What the jail guarantees is structural: no capability left, checked by the child with capget.)
        @Test func jailedWorkloads_changeNothing() throws {
            let hostname = ProcessInfo.processInfo.hostName
            let mounts = try String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)
            let swaps = try String(contentsOfFile: "/proc/swaps", encoding: .utf8)
            let modules = try? String(contentsOfFile: "/proc/modules", encoding: .utf8)  // absent without CONFIG_MODULES
            let jailed: [TrafficKind] = [.sethostname, .settimeofday, .clockSettime, .mount, .umount, .swapon, .reboot, .chroot, .acct,
                                         .initModule, .finitModule, .deleteModule, .swapoff]
            for kind in jailed {
                let before = Date()
                let traffic = try TrafficGenerator(kind: kind, threads: 1, maxSeconds: 0.05)
                usleep(100_000)
                traffic.stop()
                #expect(traffic.failure == nil && traffic.events > 0, "\(kind): \(String(describing: traffic.failure)), \(traffic.events) events")
                #expect(abs(Date().timeIntervalSince(before)) < 5, "\(kind): the clock moved")
            }
            #expect(ProcessInfo.processInfo.hostName == hostname)
            #expect(try String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) == mounts)
            #expect(try String(contentsOfFile: "/proc/swaps", encoding: .utf8) == swaps)
            #expect((try? String(contentsOfFile: "/proc/modules", encoding: .utf8)) == modules)
        }

        /// A workload that cannot go on stops and says why: its directory removed under it, `unlink` cannot
        /// create the next file.
        @Test func failedEvent_isTheWorkloadsFailure() throws {
            let before = Set(Self.workloadDirectories())
            let traffic = try TrafficGenerator(kind: .unlink, threads: 1, maxSeconds: 5)
            let made = Set(Self.workloadDirectories()).subtracting(before)
            try #require(made.count == 1, "\(made)")
            usleep(20_000)
            // Moved away, not removed: the workload's next file would race a recursive removal.
            let directory = try #require(made.first), moved = directory + "-moved"
            try FileManager.default.moveItem(atPath: directory, toPath: moved)
            defer { try? FileManager.default.removeItem(atPath: moved) }
            usleep(50_000)
            let events = traffic.events
            usleep(50_000)
            #expect(traffic.events == events, "still making events without its directory")
            traffic.stop()
            let failure = try #require(traffic.failure)
            #expect(failure.errno == ENOENT && "\(failure)".hasPrefix("the unlink workload failed"), "\(failure)")
            #expect(Cleanup.shared.pending.isEmpty)
        }

        static func workloadDirectories() -> [String] {
            ["/var/tmp", "/tmp", ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"].flatMap { base in
                ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [])
                    .filter { $0.hasPrefix(WorkloadDirectory.prefix) }.map { "\(base)/\($0)" }
            }
        }
    }
}
