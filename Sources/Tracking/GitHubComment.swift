import Foundation

/// Where a pull request's comment goes: GitHub's REST API (`GITHUB_API_URL`), the repository (`owner/name`) and the
/// pull request's number.
public struct PullRequestTarget: Sendable, Equatable {
    public var apiURL: String
    public var repository: String
    public var number: Int

    public init(apiURL: String, repository: String, number: Int) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.repository = repository
        self.number = number
    }

    /// The pull request's number from a GitHub Actions event file (`GITHUB_EVENT_PATH`): `pull_request.number`, else
    /// `issue.number` (a comment on a pull request), else `number`.
    public static func number(fromEvent data: Data) -> Int? {
        guard let event = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        for key in ["pull_request", "issue"] {
            if let n = (event[key] as? [String: Any])?["number"] as? Int { return n }
        }
        return event["number"] as? Int
    }
}

/// How the comment ended.
public enum CommentOutcome: Equatable, Sendable {
    case created(id: Int, url: String)
    case updated(id: Int, url: String)
}

/// The comment could not be made (exit 6, like an upload: it never changes the gate's verdict). Never holds the token.
public struct CommentError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// One pull-request comment that later runs update in place: found by a hidden marker among the pull request's
/// comments (paged through, 100 a page), edited when found, created when not.
public struct PullRequestComment: Sendable {
    /// GitHub's limit on a comment's body, in characters.
    public static let limit = 65_536
    public let delivery: Delivery
    public let target: PullRequestTarget
    let token: String

    public init(transport: any HTTPTransport, policy: RetryPolicy, target: PullRequestTarget, token: String) {
        self.init(delivery: Delivery(transport: transport, policy: policy, secrets: Secrets([token])), target: target, token: token)
    }

    init(delivery: Delivery, target: PullRequestTarget, token: String) {
        self.delivery = delivery
        self.target = target
        self.token = token
    }

    /// The hidden line that finds the comment again (`id`: one comment per id and pull request).
    public static func marker(_ id: String) -> String { "<!-- bpfgate-comment: \(id) -->" }

    /// The marker, then the Markdown, cut at a line boundary to fit GitHub's limit with a line that says so and links
    /// `artifact` (where the whole report is). Counted in Unicode scalars (a CRLF is two, as GitHub counts it).
    public static func body(markdown: String, marker: String, artifact: String?) -> String {
        let head = marker + "\n"
        let whole = head + markdown
        if whole.unicodeScalars.count <= limit { return whole }
        let note = "\n\n_The report was cut to fit a comment (\(markdown.unicodeScalars.count) characters)"
            + (artifact.map { "; the whole of it: \($0)" } ?? "") + "._\n"
        var kept = String(String.UnicodeScalarView(markdown.unicodeScalars.prefix(max(0, limit - head.unicodeScalars.count - note.unicodeScalars.count))))
        if let lastLine = kept.unicodeScalars.lastIndex(of: "\n") { kept = String(kept.unicodeScalars[..<lastLine]) }
        return String(String.UnicodeScalarView((head + kept + note).unicodeScalars.prefix(limit)))
    }

    func request(_ method: String, _ path: String, body: [String: Any]? = nil) throws -> HTTPRequest {
        HTTPRequest(method: method, url: target.apiURL + path, headers: [
            ("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28"), ("Authorization", "Bearer \(token)"),
            ("Content-Type", "application/json"),
        ], body: try body.map { try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) } ?? Data())
    }

    func send(_ request: HTTPRequest, log: (String) -> Void) throws -> HTTPResponse {
        switch delivery.send(request, log: log) {
        case let .accepted(response, _): return response
        case let .rejected(response, _):
            let hint = [401: " (is the token valid?)", 403: " (a read-only token, as on a fork's pull request, cannot comment)", 404: " (no such repository or pull request, or the token cannot see it)"][response.status] ?? ""
            throw CommentError(message: "GitHub answered \(request.method) \(request.url) with HTTP \(response.status)\(hint): "
                + delivery.secrets.redact(response.bodyText()))
        case let .unreachable(problem, attempts):
            throw CommentError(message: "GitHub was not reached after \(attempts) attempt(s): \(problem)")
        }
    }

    /// The id and address of the first comment of the pull request whose body holds `marker`, paging through them.
    public func find(marker: String, log: (String) -> Void) throws -> (id: Int, url: String)? {
        var page = 1
        while page <= 1000 {
            let response = try send(try request("GET", "/repos/\(target.repository)/issues/\(target.number)/comments?per_page=100&page=\(page)"), log: log)
            guard let comments = try? JSONSerialization.jsonObject(with: response.body) as? [[String: Any]] else {
                throw CommentError(message: "GitHub's list of comments was not a JSON array: \(delivery.secrets.redact(response.bodyText()))")
            }
            if let hit = comments.first(where: { ($0["body"] as? String)?.contains(marker) == true }), let id = hit["id"] as? Int {
                return (id, hit["html_url"] as? String ?? "")
            }
            let more = response.headers["link"].map { $0.contains("rel=\"next\"") } ?? (comments.count == 100)
            if !more || comments.isEmpty { return nil }
            page += 1
        }
        return nil
    }

    /// Edits the comment with `marker`, or creates it.
    public func upsert(body: String, marker: String, log: (String) -> Void) throws -> CommentOutcome {
        if let found = try find(marker: marker, log: log) {
            let response = try send(try request("PATCH", "/repos/\(target.repository)/issues/comments/\(found.id)", body: ["body": body]), log: log)
            return .updated(id: found.id, url: Self.address(response) ?? found.url)
        }
        // One attempt: a POST whose answer was lost may have created the comment, and a retry would make a second.
        let once = PullRequestComment(delivery: Delivery(transport: delivery.transport, policy: { var p = delivery.policy; p.attempts = 1; return p }(),
                                                         secrets: delivery.secrets), target: target, token: token)
        let response = try once.send(try request("POST", "/repos/\(target.repository)/issues/\(target.number)/comments", body: ["body": body]), log: log)
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any], let id = object["id"] as? Int else {
            throw CommentError(message: "GitHub created the comment but its answer had no id: \(delivery.secrets.redact(response.bodyText()))")
        }
        return .created(id: id, url: object["html_url"] as? String ?? "")
    }

    static func address(_ response: HTTPResponse) -> String? {
        (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["html_url"] as? String
    }
}
