import BPFCatalog
import Foundation
import Results
import Statistics

// MARK: strict reading

extension GateConfig {
    /// Reads `path`; an unknown key, a wrong type or an out-of-range value is a `BadInputError` (exit 65)
    /// naming the key and what is allowed.
    /// `suites`: the suite names a profile may name in its per-suite sample counts (nil: any).
    public static func load(path: String, suites: [String]? = nil) throws -> GateConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BadInputError(path: path, problem: "cannot read the configuration file")
        }
        return try parse(data, path: path, suites: suites)
    }

    public static func parse(_ data: Data, path: String, suites: [String]? = nil) throws -> GateConfig {
        guard let top = try? JSONSerialization.jsonObject(with: data) else {
            throw BadInputError(path: path, problem: "not valid JSON")
        }
        var reader = StrictReader(path: path, suites: suites)
        return try reader.config(top)
    }
}

/// Walks the JSON with the allowed keys and ranges of every object, naming the key path in each error.
struct StrictReader {
    let path: String
    var suites: [String]? = nil

    func fail(_ key: String, _ problem: String) -> BadInputError {
        BadInputError(path: path, problem: "\(key): \(problem)")
    }

    func object(_ value: Any, _ key: String, allowed: [String]) throws -> [String: Any] {
        guard let dict = value as? [String: Any] else { throw fail(key, "must be an object") }
        if let unknown = dict.keys.sorted().first(where: { !allowed.contains($0) }) {
            let name = key.isEmpty ? unknown : "\(key).\(unknown)"
            throw fail(name, "unknown key (allowed here: \(allowed.joined(separator: ", ")))")
        }
        return dict
    }

    func number(_ dict: [String: Any], _ key: String, in range: ClosedRange<Double>, at parent: String) throws -> Double? {
        guard let raw = dict[key] else { return nil }
        let name = parent.isEmpty ? key : "\(parent).\(key)"
        guard let n = raw as? NSNumber, !StrictReader.isBoolean(raw) else {
            throw fail(name, "must be a number in \(describe(range))")
        }
        let v = n.doubleValue
        guard v.isFinite, range.contains(v) else { throw fail(name, "\(v) is out of range; allowed \(describe(range))") }
        return v
    }

    func integer(_ dict: [String: Any], _ key: String, in range: ClosedRange<Int>, at parent: String) throws -> Int? {
        guard let v = try number(dict, key, in: Double(range.lowerBound) ... Double(range.upperBound), at: parent) else { return nil }
        guard v == v.rounded() else { throw fail(parent.isEmpty ? key : "\(parent).\(key)", "must be a whole number") }
        return Int(v)
    }

    func string(_ dict: [String: Any], _ key: String, at parent: String) throws -> String? {
        guard let raw = dict[key] else { return nil }
        guard let s = raw as? String else { throw fail(parent.isEmpty ? key : "\(parent).\(key)", "must be a string") }
        return s
    }

    func bool(_ dict: [String: Any], _ key: String, at parent: String) throws -> Bool? {
        guard let raw = dict[key] else { return nil }
        guard StrictReader.isBoolean(raw), let b = raw as? Bool else {
            throw fail(parent.isEmpty ? key : "\(parent).\(key)", "must be true or false")
        }
        return b
    }

    func regex(_ dict: [String: Any], _ key: String, at parent: String) throws -> String? {
        guard let s = try string(dict, key, at: parent) else { return nil }
        if (try? Regex(s)) == nil { throw fail("\(parent).\(key)", "'\(s)' is not a valid regular expression") }
        return s
    }

    /// JSONSerialization gives true/false as a boolean NSNumber, which also casts to Bool and to numbers:
    /// tell them apart by type, so `"alpha": true` is refused rather than read as 1.
    static func isBoolean(_ raw: Any) -> Bool {
        String(describing: type(of: raw)).contains("Boolean") || type(of: raw) == Bool.self
    }

    func describe(_ r: ClosedRange<Double>) -> String {
        func f(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x) }
        if r.upperBound == .greatestFiniteMagnitude { return ">= \(f(r.lowerBound))" }
        return "\(f(r.lowerBound))...\(f(r.upperBound))"
    }

    static let any = -Double.greatestFiniteMagnitude ... Double.greatestFiniteMagnitude
    static let nonNegative = 0 ... Double.greatestFiniteMagnitude

    mutating func config(_ top: Any) throws -> GateConfig {
        let dict = try object(top, "", allowed: ["gate", "rules", "waivers", "profiles", "objects", "build"])
        var c = GateConfig()
        if let build = dict["build"] {
            let b = try object(build, "build", allowed: ["command", "objects"])
            guard let command = try string(b, "command", at: "build"), !command.isEmpty else {
                throw fail("build.command", "is required (a shell command run at the top of a checkout, e.g. \"make -C bpf\")")
            }
            guard let objects = try string(b, "objects", at: "build") else {
                throw fail("build.objects", "is required (the folder, relative to the top of the repository, where the objects appear)")
            }
            if let problem = BuildRecipe.problem(withObjects: objects) { throw fail("build.objects", problem) }
            c.build = BuildRecipe(command: command, objects: objects)
        }
        if let gate = dict["gate"] {
            let g = try object(gate, "gate", allowed: ["minEffect", "abMinEffect", "abAttachedMinEffect", "alpha", "correction", "normalize", "speedAdjust", "minBaselineRuns",
                                                       "baselineRuns", "history", "maxSpread", "model"])
            c.minEffect = try number(g, "minEffect", in: 0 ... 10, at: "gate") ?? c.minEffect
            c.abMinEffect = try number(g, "abMinEffect", in: 0 ... 10, at: "gate") ?? c.abMinEffect
            c.abAttachedMinEffect = try number(g, "abAttachedMinEffect", in: 0 ... 10, at: "gate") ?? c.abAttachedMinEffect
            c.alpha = try number(g, "alpha", in: 0.000001 ... 0.5, at: "gate") ?? c.alpha
            if let s = try string(g, "correction", at: "gate") {
                guard let corr = GateConfig.Correction(rawValue: s) else { throw fail("gate.correction", "'\(s)' is not one of holm, bh, none") }
                c.correction = corr
            }
            c.normalize = try bool(g, "normalize", at: "gate") ?? c.normalize
            c.speedAdjust = try bool(g, "speedAdjust", at: "gate") ?? c.speedAdjust
            c.minBaselineRuns = try integer(g, "minBaselineRuns", in: 2 ... 1000, at: "gate") ?? c.minBaselineRuns
            c.baselineRuns = try integer(g, "baselineRuns", in: 1 ... 1000, at: "gate") ?? c.baselineRuns
            c.history = try integer(g, "history", in: 1 ... 1000, at: "gate") ?? c.history
            c.maxSpread = try number(g, "maxSpread", in: 0 ... 100, at: "gate") ?? c.maxSpread
            if let m = g["model"] { c.model = try model(m, at: "gate.model") }
        }
        if let rules = dict["rules"] {
            guard let list = rules as? [Any] else { throw fail("rules", "must be a list") }
            c.rules = try list.enumerated().map { i, item in
                let at = "rules[\(i)]"
                let r = try object(item, at, allowed: ["benchmark", "measure", "minEffect", "model", "tolerance", "normalize"])
                guard let bench = try regex(r, "benchmark", at: at) else { throw fail("\(at).benchmark", "is required (a regex)") }
                return Rule(benchmark: bench, measure: try string(r, "measure", at: at),
                            minEffect: try number(r, "minEffect", in: 0 ... 10, at: at),
                            model: try r["model"].map { try model($0, at: "\(at).model") },
                            tolerance: try number(r, "tolerance", in: StrictReader.nonNegative, at: at),
                            normalize: try bool(r, "normalize", at: at))
            }
        }
        if let waivers = dict["waivers"] {
            guard let list = waivers as? [Any] else { throw fail("waivers", "must be a list") }
            c.waivers = try list.enumerated().map { i, item in
                let at = "waivers[\(i)]"
                let w = try object(item, at, allowed: ["benchmark", "measure", "reason", "expires"])
                guard let bench = try string(w, "benchmark", at: at), let measure = try string(w, "measure", at: at),
                      let reason = try string(w, "reason", at: at), !reason.isEmpty, let expires = try string(w, "expires", at: at) else {
                    throw fail(at, "needs benchmark, measure, reason (non-empty) and expires (YYYY-MM-DD)")
                }
                guard (try? Regex(#"^\d{4}-\d{2}-\d{2}$"#).wholeMatch(in: expires)) != nil else { throw fail("\(at).expires", "'\(expires)' is not YYYY-MM-DD") }
                return Waiver(benchmark: bench, measure: measure, reason: reason, expires: expires)
            }
        }
        if let objects = dict["objects"] {
            guard let list = objects as? [Any] else { throw fail("objects", "must be a list of declarations") }
            let base = FilePath.directory(of: FilePath.absolute(path))
            c.objects = try list.enumerated().map { i, item in
                let at = "objects[\(i)]"
                let d = try object(item, at, allowed: ["object", "program", "attach", "traffic", "hostWide", "rodata", "maxEntries", "target"])
                guard let file = try string(d, "object", at: at), !file.isEmpty else { throw fail("\(at).object", "is required (a path to a BPF object file)") }
                guard let program = try string(d, "program", at: at), !program.isEmpty else { throw fail("\(at).program", "is required (the program's name)") }
                var attach: Hook?
                if let name = try string(d, "attach", at: at) {
                    guard let hook = Hook(rawValue: name), hook.family.declarable else {
                        throw fail("\(at).attach", "'\(name)' is not one of \(Hook.declarable.map(\.rawValue).joined(separator: ", "))")
                    }
                    attach = hook
                }
                var traffic: ObjectDeclaration.Traffic?
                if let t = d["traffic"] {
                    let tt = try object(t, "\(at).traffic", allowed: ["generator", "threads", "command", "seconds"])
                    if let g = try string(tt, "generator", at: "\(at).traffic") {
                        guard let generator = TrafficKind(rawValue: g) else {
                            throw fail("\(at).traffic.generator", "'\(g)' is not one of \(TrafficKind.allCases.map(\.rawValue).joined(separator: ", "))")
                        }
                        if tt["command"] != nil || tt["seconds"] != nil { throw fail("\(at).traffic", "takes a generator or a command, not both") }
                        traffic = .generator(generator, threads: try integer(tt, "threads", in: 1 ... 64, at: "\(at).traffic") ?? 1)
                    } else if let cmd = tt["command"] {
                        guard let argv = cmd as? [String], !argv.isEmpty, !argv[0].isEmpty else {
                            throw fail("\(at).traffic.command", "must be a non-empty list of strings (argv)")
                        }
                        if tt["threads"] != nil { throw fail("\(at).traffic.threads", "applies to a generator only") }
                        traffic = .command(argv, seconds: try number(tt, "seconds", in: 1 ... 3600, at: "\(at).traffic") ?? 60)
                    } else {
                        throw fail("\(at).traffic", "needs a generator or a command")
                    }
                }
                let resolved = FilePath.absolute(file, from: base)
                var rodata: [String: Int64] = [:]
                if let r = d["rodata"] {
                    guard let values = r as? [String: Any] else { throw fail("\(at).rodata", "must be an object of variable names and values") }
                    for (name, raw) in values {
                        if StrictReader.isBoolean(raw), let b = raw as? Bool {
                            rodata[name] = b ? 1 : 0
                        } else if let n = raw as? NSNumber, n.doubleValue == n.doubleValue.rounded(), abs(n.doubleValue) < 9.2e18 {
                            rodata[name] = n.int64Value
                        } else {
                            throw fail("\(at).rodata.\(name)", "must be a whole number or true or false")
                        }
                    }
                }
                var maxEntries: [String: Int] = [:]
                if let m = d["maxEntries"] {
                    guard let sizes = m as? [String: Any] else { throw fail("\(at).maxEntries", "must be an object of map names and entry counts") }
                    for name in sizes.keys.sorted() {
                        maxEntries[name] = try integer(sizes, name, in: 1 ... 16_777_216, at: "\(at).maxEntries")
                    }
                }
                var target: ProbeTarget?
                if let t = d["target"] {
                    let tt = try object(t, "\(at).target", allowed: ["binary", "function", "provider", "name"])
                    guard let binary = try string(tt, "binary", at: "\(at).target"), !binary.isEmpty else {
                        throw fail("\(at).target.binary", "is required (the ELF file the uprobe or USDT probe is in)")
                    }
                    // A binary is a path like the object's (relative: to the configuration), or a library name.
                    let file = binary.contains("/") ? FilePath.absolute(binary, from: base) : binary
                    let (function, provider, name) = (try string(tt, "function", at: "\(at).target"), try string(tt, "provider", at: "\(at).target"),
                                                      try string(tt, "name", at: "\(at).target"))
                    if let function, !function.isEmpty, provider == nil, name == nil {
                        target = ProbeTarget(binary: file, function: function)
                    } else if function == nil, let provider, let name, !provider.isEmpty, !name.isEmpty {
                        target = ProbeTarget(binary: file, provider: provider, name: name)
                    } else {
                        throw fail("\(at).target", "takes a function (uprobes) or a provider and a name (USDT)")
                    }
                    if let attach, ![Hook.uprobe, .uretprobe, .usdt].contains(attach) {
                        throw fail("\(at).target", "applies to uprobe, uretprobe and usdt programs, not \(attach.rawValue)")
                    }
                }
                return ObjectDeclaration(object: resolved, program: program, attach: attach, traffic: traffic,
                                         hostWide: try bool(d, "hostWide", at: at) ?? false, rodata: rodata, maxEntries: maxEntries,
                                         target: target)
            }
        }
        if let profiles = dict["profiles"] {
            guard let map = profiles as? [String: Any] else { throw fail("profiles", "must be an object of profiles") }
            for (name, value) in map {
                let at = "profiles.\(name)"
                let p = try object(value, at, allowed: ["suites", "filter", "samples", "warmup", "batch", "sizes", "repeat", "fills"])
                var profile = c.profiles[name] ?? Profile()
                if let suites = p["suites"] {
                    guard let list = suites as? [String], !list.isEmpty else { throw fail("\(at).suites", "must be a non-empty list of suite names") }
                    profile.suites = list
                }
                profile.filter = try regex(p, "filter", at: at) ?? profile.filter
                if let perSuite = p["samples"] as? [String: Any] {
                    let allowed = suites ?? perSuite.keys.sorted()
                    let checked = try object(perSuite, "\(at).samples", allowed: allowed)
                    for key in checked.keys { profile.suiteSamples[key] = try integer(checked, key, in: 2 ... 100_000, at: "\(at).samples") }
                } else {
                    profile.samples = try integer(p, "samples", in: 2 ... 100_000, at: at) ?? profile.samples
                    if p["samples"] != nil { profile.suiteSamples = [:] }
                }
                profile.warmup = try integer(p, "warmup", in: 0 ... 10_000, at: at) ?? profile.warmup
                profile.batch = try integer(p, "batch", in: 1 ... 1_000_000, at: at) ?? profile.batch
                profile.repeatCount = try integer(p, "repeat", in: 1 ... 100_000_000, at: at) ?? profile.repeatCount
                if let sizes = p["sizes"] {
                    guard let list = sizes as? [NSNumber], !list.isEmpty, !list.contains(where: StrictReader.isBoolean),
                          list.allSatisfy({ $0.doubleValue == $0.doubleValue.rounded() && $0.intValue >= 2 && $0.intValue <= 16_777_216 }) else {
                        throw fail("\(at).sizes", "must be a non-empty list of entry counts in 2...16777216")
                    }
                    profile.sizes = list.map(\.intValue)
                }
                if let fills = p["fills"] {
                    guard let list = fills as? [NSNumber], !list.isEmpty, !list.contains(where: StrictReader.isBoolean),
                          list.allSatisfy({ $0.doubleValue == $0.doubleValue.rounded() && $0.intValue >= 1 && $0.intValue <= 100 }) else {
                        throw fail("\(at).fills", "must be a non-empty list of percents in 1...100")
                    }
                    profile.fills = list.map(\.intValue)
                }
                c.profiles[name] = profile
            }
        }
        return c
    }

    func model(_ value: Any, at: String) throws -> ModelSpec {
        let m = try object(value, at, allowed: ["test", "lowerBoundary", "upperBoundary", "maxSampleSize"])
        guard let name = try string(m, "test", at: at), let test = ThresholdTest(rawValue: name) else {
            throw fail("\(at).test", "must be one of \(ThresholdTest.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let lower = try number(m, "lowerBoundary", in: StrictReader.any, at: at)
        let upper = try number(m, "upperBoundary", in: StrictReader.any, at: at)
        for (key, b) in [("lowerBoundary", lower), ("upperBoundary", upper)] {
            if let b, let problem = ThresholdModels.validate(test, boundary: b) {
                throw fail("\(at).\(key)", "\(b) is out of range for \(test.rawValue): \(problem)")
            }
        }
        if lower == nil && upper == nil { throw fail(at, "needs lowerBoundary, upperBoundary or both") }
        return ModelSpec(test: test, lowerBoundary: lower, upperBoundary: upper,
                         maxSampleSize: try integer(m, "maxSampleSize", in: 2 ... 1000, at: at) ?? 64)
    }
}
