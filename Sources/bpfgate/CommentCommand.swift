import ArgumentParser
import Foundation
import Gate
import Reports
import Results
import Tracking

/// `bpfgate comment`: the gate's Markdown report as one pull-request comment, updated in place on later runs.
struct CommentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "comment",
        abstract: "Post the gate's report as one pull-request comment, updated in place by later runs.",
        discussion: """
            Reads what GitHub Actions provides: GITHUB_TOKEN (or --secrets-file), GITHUB_API_URL, GITHUB_REPOSITORY and \
            the pull request's number from GITHUB_EVENT_PATH; the flags override them. The comment carries a hidden \
            marker (--marker) by which the next run finds it among the pull request's comments and edits it. A report \
            longer than GitHub's 65536 characters is cut at a line, with a link to the artifact. Exit codes: 0 \
            commented, 6 not commented (a read-only token, as on a fork's pull request; GitHub unreachable): never the \
            gate's verdict; 64 usage, 65 a bad input file. The token is never printed.
            """)

    @Option(help: "The Markdown to post (check --markdown).")
    var markdown: String?

    @Option(help: "A verdict file (check --verdict) to post as Markdown.")
    var verdict: String?

    @Option(help: "owner/name (env GITHUB_REPOSITORY).")
    var repository: String?

    @Option(name: .customLong("pull-request"), help: "The pull request's number (default: from the event file, GITHUB_EVENT_PATH).")
    var pullRequest: Int?

    @Option(name: .customLong("api-url"), help: "GitHub's REST API (env GITHUB_API_URL; default https://api.github.com).")
    var apiURL: String?

    @Option(help: "Which comment of the pull request is bpfgate's (one per marker).")
    var marker = "bpfgate"

    @Option(name: .customLong("artifact-url"), help: "Where the whole report is, linked when the comment is cut (default: this workflow run).")
    var artifactURL: String?

    @Option(help: "Attempts per request, the first included (default 5).")
    var attempts: Int = 5

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if (markdown == nil) == (verdict == nil) { throw ValidationError("give one of --markdown FILE or --verdict FILE") }
        if !(1 ... 100).contains(attempts) { throw ValidationError("--attempts must be 1...100") }
        if marker.isEmpty || marker.contains("--") || marker.contains(where: { $0.isNewline || Text.isControl($0) }) {
            throw ValidationError("--marker must be one line without '--'")
        }
        if let pullRequest, pullRequest <= 0 { throw ValidationError("--pull-request must be a positive number") }
        try requireNoCredentials(apiURL, option: "--api-url")
    }

    func run() throws {
        let env = connection.environment
        let text: String
        if let markdown {
            guard let data = FileManager.default.contents(atPath: markdown) else { throw BadInputError(path: markdown, problem: "cannot read the Markdown") }
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = try readVerdict(verdict ?? "").markdown()
        }
        guard let repository = repository ?? env["GITHUB_REPOSITORY"], repository.split(separator: "/").count == 2,
              !repository.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" }) else {
            throw ValidationError("give --repository owner/name (or GITHUB_REPOSITORY)")
        }
        var number = pullRequest
        if number == nil, let event = env["GITHUB_EVENT_PATH"] {
            guard let data = FileManager.default.contents(atPath: event) else { throw BadInputError(path: event, problem: "cannot read the event file") }
            number = PullRequestTarget.number(fromEvent: data)
            if number == nil { throw BadInputError(path: event, problem: "this event names no pull request (give --pull-request)") }
        }
        guard let number else { throw ValidationError("give --pull-request N (or run in a pull-request workflow: GITHUB_EVENT_PATH)") }
        guard let token = try connection.secrets(["GITHUB_TOKEN"])["GITHUB_TOKEN"], !token.isEmpty else {
            throw CommentFailure(message: "no GITHUB_TOKEN (environment or --secrets-file): nothing was posted")
        }
        let run = [env["GITHUB_SERVER_URL"], env["GITHUB_REPOSITORY"], env["GITHUB_RUN_ID"]]
        let artifact = artifactURL ?? (run.allSatisfy { $0 != nil } ? "\(run[0]!)/\(run[1]!)/actions/runs/\(run[2]!)" : nil)
        var policy = RetryPolicy()
        policy.attempts = attempts
        let client = PullRequestComment(transport: connection.transport(), policy: policy,
                                        target: PullRequestTarget(apiURL: apiURL ?? env["GITHUB_API_URL"] ?? "https://api.github.com",
                                                                  repository: repository, number: number), token: token)
        let tag = PullRequestComment.marker(marker)
        do {
            switch try client.upsert(body: PullRequestComment.body(markdown: text, marker: tag, artifact: artifact), marker: tag, log: { note("comment: \($0)") }) {
            case let .created(id, url): note("comment: created comment \(id) on \(repository)#\(number) \(url)")
            case let .updated(id, url): note("comment: updated comment \(id) on \(repository)#\(number) \(url)")
            }
        } catch let error as CommentError {
            throw CommentFailure(message: error.message)
        }
    }
}

/// The comment was not made: exit 6, as an upload that did not reach its server.
struct CommentFailure: Error, CustomStringConvertible, ExitStatusProviding {
    let message: String
    var description: String { "comment: \(message)" }
    var exitStatus: ExitStatus { .transportFailure }
}
