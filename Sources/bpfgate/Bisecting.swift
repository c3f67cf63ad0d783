import Configuration
import Foundation
import Gate
import Harness
import Reports
import Results
import Suites

/// The commits `bisect` searches: the bad revision's first-parent history back to the good one, oldest first, good
/// first and bad last (full hashes), read from the repository the command runs in. Git is only read.
struct GitRange {
    let top: String
    let commits: [String]
    let subjects: [String]

    init(good: String, bad: String) throws {
        top = Shell.run(["git", "rev-parse", "--show-toplevel"]).output
        guard !top.isEmpty else { throw BuildError(status: .usage, message: "bisect needs to run inside the git repository of the BPF sources") }
        let top = self.top
        let (g, b) = (try Self.resolve("--good", good, in: top), try Self.resolve("--bad", bad, in: top))
        if g == b { throw BuildError(status: .usage, message: "--good and --bad are the same commit (\(g.prefix(12)))") }
        if Shell.run(["git", "-C", top, "merge-base", "--is-ancestor", g, b]).status != 0 {
            throw BuildError(status: .usage, message: "--good \(g.prefix(12)) is not an ancestor of --bad \(b.prefix(12))")
        }
        // Hash and subject of each commit, NUL-separated (a subject may hold anything but a newline).
        let list = Shell.run(["git", "-C", top, "log", "--first-parent", "--ancestry-path", "--reverse", "--format=%H%x00%s", "\(g)..\(b)"])
        let after = list.stdout.split(separator: "\n").map { $0.split(separator: "\0", maxSplits: 1, omittingEmptySubsequences: false).map(String.init) }
        // The first commit after good must have good as its first parent: else good sits on a merged side branch,
        // and the merge would take the blame for the main line's commits since the fork.
        guard list.status == 0, after.last?.first == b, let first = after.first?.first,
              Shell.run(["git", "-C", top, "rev-parse", "--verify", "--quiet", "\(first)^1"]).output == g else {
            throw BuildError(status: .usage, message: "--good \(g.prefix(12)) is not on --bad \(b.prefix(12))'s first-parent history (a commit of a merged branch?)")
        }
        commits = [g] + after.map { $0[0] }
        subjects = [Shell.run(["git", "-C", top, "show", "-s", "--format=%s", g]).output] + after.map { $0.count > 1 ? $0[1] : "" }
    }

    private static func resolve(_ flag: String, _ rev: String, in top: String) throws -> String {
        let r = Shell.run(["git", "-C", top, "rev-parse", "--verify", "--quiet", "\(rev)^{commit}"])
        guard r.status == 0, !r.output.isEmpty else {
            throw BuildError(status: .usage, message: "\(flag) '\(Text.oneLine(rev))' is not a commit of \(top)")
        }
        return r.output
    }

    func label(_ i: Int) -> String { "\(commits[i].prefix(12)) \(Text.oneLine(String(subjects[i].prefix(60))))" }
}

/// The search itself: builds, digests and A/Bs, driven by `Bisection` (Gate).
struct BisectSearch {
    let history: GitRange
    let request: RunRequest
    let config: GateConfig
    let recipe: BuildRecipe?
    let demoPairsFactor: Int
    let rounds: Int
    let matches: (String) -> Bool

    private enum Built { case objects(directory: String, digest: String), failed(String) }

    func run(progress: @escaping (String) -> Void) throws -> BisectLog {
        let commits = history.commits
        var builds: [Int: Built] = [:]
        // One path for every commit's worktree (each is removed once built): paths a build writes into its objects
        // then match, and so do the digests of commits whose sources do.
        let checkout = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-bisect-\(getpid())-\(UUID().uuidString.prefix(8))").path
        func built(_ i: Int) throws -> Built {
            if let b = builds[i] { return b }
            let b: Built
            do {
                let dir = try ObjectBuilder.build(revision: commits[i], recipe: recipe, checkout: checkout, progress: progress)
                b = .objects(directory: dir, digest: try Self.digest(of: dir))
            } catch let error as BuildError where error.unbuildable {
                b = .failed(error.message)
            }
            builds[i] = b
            return b
        }
        func ends(_ i: Int, _ flag: String) throws -> (directory: String, digest: String) {
            switch try built(i) {
            case let .objects(directory, digest): return (directory, digest)
            case let .failed(why): throw BuildError(status: .benchmarkFailed, message: "\(flag) \(commits[i].prefix(12)) does not build: \(why)")
            }
        }
        let good = try ends(0, "--good"), bad = try ends(commits.count - 1, "--bad")
        if good.digest == bad.digest {
            throw BuildError(status: .badInput, message: "--good \(commits[0].prefix(12)) and --bad \(commits.last!.prefix(12)) build byte-identical objects: no slow-down of theirs to find")
        }
        var log = BisectLog(good: commits[0], bad: commits.last!, commitsBetween: commits.count - 2)
        let goodSet = ObjectSet(directory: good.directory)
        progress("A/B of bad \(history.label(commits.count - 1)) against good \(history.label(0)); \(commits.count - 2) commit(s) between them")
        let badSet = ObjectSet(directory: bad.directory)
        let badRequest = request.objects(builtIn: bad.directory, keepExisting: false)
        let outcome = try Catalog.runAB(badRequest, base: goodSet, head: badSet, demoPairsFactor: demoPairsFactor, progress: progress)
        let first = Comparison.ab(outcome.pairs.map { PairedSamples(benchmark: $0.benchmark, base: $0.base, head: $0.head, attached: $0.attached) },
                                  testbed: outcome.head.testbed.name, headRun: outcome.head.run.id, config: config)
        let report = try Confirmation.confirmAB(first, request: badRequest, base: goodSet, head: badSet, headExtraWork: 0,
                                                demoPairsFactor: demoPairsFactor, config: config, progress: progress)
        guard let target = Bisection.target(report, matches: matches), let change = target.change else {
            progress("no timing regressed between good and bad (\(report.findings.count) benchmark x measure rows judged)")
            return log
        }
        (log.benchmark, log.measure, log.change, log.ratioLower, log.ratioUpper, log.pairs) =
            (target.benchmark, target.measure, change, target.ratioLower, target.ratioUpper, target.observations)
        progress("following \(target.benchmark) \(target.measure): \(BisectLog.percent(change)) bad against good (\(target.observations) pairs)")

        var bisection = Bisection(commits: commits)
        var steps: [Int: BisectStep] = [
            0: BisectStep(commit: commits[0], subject: history.subjects[0], placement: .good, reason: "the good end", objectsDigest: good.digest, judgement: nil),
            commits.count - 1: BisectStep(commit: commits.last!, subject: history.subjects.last!, placement: .bad, reason: "the bad end",
                                          objectsDigest: bad.digest, judgement: nil),
        ]
        while let i = bisection.next {
            let step = try place(i, built: try built(i), placed: steps, target: target, effect: 1 + change, goodSet: goodSet, progress: progress)
            progress("\(history.label(i)): \(step.placement.rawValue) (\(step.reason))")
            bisection.place(i, step.placement)
            steps[i] = step
        }
        log.steps = steps.keys.sorted().map { steps[$0]! }
        log.firstBad = bisection.firstBad.map { commits[$0] }
        return log
    }

    /// One commit: skipped when it does not build, placed with a placed commit whose objects are the same bytes,
    /// else timed A/B against good (pairs pooled over up to `rounds` A/Bs while the placement is inconclusive).
    private func place(_ i: Int, built: Built, placed: [Int: BisectStep], target: Finding, effect: Double, goodSet: ObjectSet,
                       progress: @escaping (String) -> Void) throws -> BisectStep {
        let (commit, subject) = (history.commits[i], history.subjects[i])
        let directory: String, digest: String
        switch built {
        case let .failed(why):
            return BisectStep(commit: commit, subject: subject, placement: .skipped, reason: "does not build: \(why)", objectsDigest: nil, judgement: nil)
        case let .objects(d, sha):
            (directory, digest) = (d, sha)
        }
        if let twin = placed.keys.sorted().first(where: { placed[$0]!.objectsDigest == digest && placed[$0]!.placement != .skipped }) {
            return BisectStep(commit: commit, subject: subject, placement: placed[twin]!.placement,
                              reason: "same objects as \(history.commits[twin].prefix(12))", objectsDigest: digest, judgement: nil,
                              sameObjectsAs: history.commits[twin])
        }
        var request = self.request.objects(builtIn: directory, keepExisting: false)
        request.filter = try Regex(Confirmation.filter(for: [target.benchmark]))
        do {
            let (judgement, taken) = try CandidateJudgement.pool(rounds: rounds, effect: effect, level: 1 - config.alpha, inconclusive: { j in
                progress("\(history.label(i)): " + String(format: "inconclusive: %.2f [%.2f, %.2f] of the bad commit's change after %d pairs; more pairs",
                                                             j.fraction, j.fractionLower, j.fractionUpper, j.pairs))
            }) { round in
                progress("\(history.label(i)): A/B against good\(round > 1 ? ", round \(round) of \(rounds)" : "")")
                let outcome: ABOutcome
                do {
                    outcome = try Catalog.runAB(request, base: goodSet, head: ObjectSet(directory: directory), demoPairsFactor: demoPairsFactor, progress: progress)
                } catch let error as ExitStatusProviding where error.exitStatus == .badInput {
                    // Its objects cannot be timed against good's (one is missing, or unreadable): this commit only.
                    throw CandidateJudgement.Unmeasured("its objects cannot be timed: \(Text.oneLine("\(error)"))")
                }
                guard let pair = outcome.pairs.first(where: { $0.benchmark == target.benchmark && $0.head.measure == target.measure }),
                      pair.base.status == .ok, pair.head.status == .ok else {
                    let why = outcome.pairs.first { $0.benchmark == target.benchmark }.map { "\($0.head.status.label): \($0.head.status.reason ?? "")" }
                    throw CandidateJudgement.Unmeasured("its A/B failed: \(Text.oneLine(why ?? "not measured"))")
                }
                return (pair.base.samples, pair.head.samples)
            }
            if let judgement, let placement = judgement.placement {
                return BisectStep(commit: commit, subject: subject, placement: placement, reason: "timed", objectsDigest: digest, judgement: judgement)
            }
            let why = judgement.map {
                String(format: "inconclusive after %d A/Bs, %d pairs: %.2f [%.2f, %.2f] of the bad commit's change", taken, $0.pairs, $0.fraction,
                       $0.fractionLower, $0.fractionUpper)
            } ?? "too few pairs for an interval after \(taken) A/Bs"
            return BisectStep(commit: commit, subject: subject, placement: .skipped, reason: why, objectsDigest: digest, judgement: judgement)
        } catch let unmeasured as CandidateJudgement.Unmeasured {
            return BisectStep(commit: commit, subject: subject, placement: .skipped, reason: unmeasured.description, objectsDigest: digest, judgement: nil)
        }
    }

    /// The objects' names and bytes, as one SHA-256.
    static func digest(of directory: String) throws -> String {
        var text = ""
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))
            text += "\(name) \(SHA256.hex(data))\n"
        }
        return SHA256.hex(Data(text.utf8))
    }
}
