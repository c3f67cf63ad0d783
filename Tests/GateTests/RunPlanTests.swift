import BPFCatalog
import Configuration
import Foundation
import Results
import Testing

/// The run plan: built-in defaults, then a profile, then the flags, resolved in one place (no privilege).
@Suite struct RunPlanTests {
    @Test func flagsWinOverTheProfile_theProfileOverTheDefaults() throws {
        let config = GateConfig()
        var flags = RunFlags()
        flags.profile = "gate"
        flags.samples = 7
        let plan = try RunPlan.resolve(flags, config: config)
        #expect(plan.profile == "gate" && plan.suites == SuiteName.gated && !plan.suites.contains(SuiteName.memory.rawValue))
        #expect(plan.samples.values.allSatisfy { $0 == 7 } && plan.samples.count == SuiteName.all.count)
        #expect(plan.filter == GateConfig.gateFilter && plan.sizes == [1024] && plan.fills == [100] && plan.repeatCount == 300_000)
        #expect(plan.warmup == 2 && plan.kernelWarmup == nil)

        flags.samples = nil
        let perSuite = try RunPlan.resolve(flags, config: config)
        #expect(perSuite.samples[SuiteName.macro.rawValue] == 12 && perSuite.samples[SuiteName.xdpDemo.rawValue] == 30)

        let none = try RunPlan.resolve(RunFlags(), config: config)
        #expect(none.profile == nil && none.samples.isEmpty && none.filter == nil && none.warmup == nil)
        // Every suite but capacity (minutes of fixed-rate windows) unless named or in the profile.
        #expect(none.suites == SuiteName.all.filter { $0 != SuiteName.capacity.rawValue } && none.suites.contains(SuiteName.memory.rawValue))
        flags.profile = "guide"
        #expect(try RunPlan.resolve(flags, config: config).suites.contains(SuiteName.capacity.rawValue))
    }

    @Test func objectFilesAlone_runTheObjectsSuite() throws {
        var flags = RunFlags()
        flags.objectFiles = ["build/x.bpf.o"]
        let plan = try RunPlan.resolve(flags, config: GateConfig())
        #expect(plan.suites == [SuiteName.objects.rawValue])
        #expect(plan.objectFiles.count == 1 && plan.objectFiles[0].hasPrefix("/") && plan.objectFiles[0].hasSuffix("/build/x.bpf.o"))
    }

    @Test(arguments: [
        ({ var f = RunFlags(); f.profile = "nope"; return f }(), "unknown profile 'nope'"),
        ({ var f = RunFlags(); f.samples = 1; return f }(), "--samples must be at least 2"),
        ({ var f = RunFlags(); f.warmup = -1; return f }(), "--warmup must be 0 or more"),
        ({ var f = RunFlags(); f.batch = 0; return f }(), "--batch must be between 1 and 1000000"),
    ])
    func badSelections_areUsageErrors(flags: RunFlags, message: String) {
        do {
            _ = try RunPlan.resolve(flags, config: GateConfig())
            Issue.record("resolved: \(flags)")
        } catch let e as RunPlan.Invalid {
            #expect(e.exitStatus == .usage && e.description.hasPrefix(message), "\(e)")
        } catch {
            Issue.record("\(error)")
        }
    }

    /// A child run reads back exactly the plan its parent resolved, declarations included.
    @Test func plan_roundTripsThroughItsFile() throws {
        var config = GateConfig()
        config.objects = [ObjectDeclaration(object: "/p/x.bpf.o", program: "a", attach: .xdp, traffic: .generator(.udp, threads: 2)),
                          ObjectDeclaration(object: "/p/x.bpf.o", program: "b", traffic: .command(["sleep", "1"], seconds: 5))]
        var flags = RunFlags()
        flags.profile = "study"
        flags.load = ["cpu:50"]
        flags.sizes = [64, 128]
        let plan = try RunPlan.resolve(flags, config: config, testbed: "tb")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("plan.json")
        try plan.encoded().write(to: file)
        #expect(try RunPlan.read(path: file.path) == plan)
        try Data("{\"suites\": 3}".utf8).write(to: file)
        #expect(throws: BadInputError.self) { try RunPlan.read(path: file.path) }
    }
}
