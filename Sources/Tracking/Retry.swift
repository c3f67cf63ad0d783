import Foundation

/// Retries with exponential backoff and jitter on connection errors, 429 and 5xx, honouring Retry-After;
/// any other answer is final at once (2xx accepted, 4xx rejected with the server's message).
public struct RetryPolicy: Sendable {
    /// Attempts in all (the first included).
    public var attempts = 5
    /// Backoff before retry k (1-based): base * 2^(k-1), capped at `maxDelay`, of which a random half is
    /// jitter (equal jitter: [d/2, d]), so runners that failed together do not retry together.
    public var baseDelay = 1.0
    public var maxDelay = 30.0
    /// A server's Retry-After is honoured up to this many seconds (the Bencher CLI clamps to 1...30 s).
    public var maxRetryAfter = 60.0

    public init() {}

    /// Seconds to wait before retry `retry` (1 for the first retry).
    public func backoff(retry: Int, retryAfter: Double?, random: Double = Double.random(in: 0 ... 1)) -> Double {
        if let retryAfter { return min(max(retryAfter, 0), maxRetryAfter) }
        let d = min(maxDelay, baseDelay * pow(2, Double(retry - 1)))
        return d / 2 + random * d / 2
    }

    /// Whether an answer with this status is worth another attempt.
    public static func isRetryable(status: Int) -> Bool { status == 429 || (500 ... 599).contains(status) }

    /// Retry-After: delta-seconds or an HTTP-date (RFC 9110), as seconds from `now`; nil when absent or bad.
    public static func retryAfter(_ value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0, seconds.isFinite { return seconds }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = f.date(from: value) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}

/// How one delivery ended.
public enum DeliveryOutcome: Sendable {
    /// 2xx.
    case accepted(HTTPResponse, attempts: Int)
    /// An answer no retry changes (4xx other than 429, 3xx ...): the server's message is in the response.
    case rejected(HTTPResponse, attempts: Int)
    /// Every attempt failed to get a final answer: the last problem, in words.
    case unreachable(String, attempts: Int)
}

/// Sends a request under a retry policy. `log` gets one line per failed attempt (no secrets: only the
/// method, the URL and the problem); `sleep` is injectable for tests.
public struct Delivery: Sendable {
    public let transport: any HTTPTransport
    public let policy: RetryPolicy
    public let secrets: Secrets

    public init(transport: any HTTPTransport, policy: RetryPolicy, secrets: Secrets) {
        self.transport = transport
        self.policy = policy
        self.secrets = secrets
    }

    public func send(_ request: HTTPRequest, log: (String) -> Void,
                     sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }) -> DeliveryOutcome {
        var last = "no attempt"
        for attempt in 1 ... max(1, policy.attempts) {
            var retryAfter: Double?
            do {
                let response = try transport.send(request)
                if (200 ... 299).contains(response.status) { return .accepted(response, attempts: attempt) }
                guard RetryPolicy.isRetryable(status: response.status) else { return .rejected(response, attempts: attempt) }
                retryAfter = RetryPolicy.retryAfter(response.headers["retry-after"])
                last = "HTTP \(response.status): \(secrets.redact(response.bodyText()))"
            } catch let error as TransportError {
                last = secrets.redact(error.description)
                if error.permanent { return .unreachable(last, attempts: attempt) }
            } catch {
                last = secrets.redact("\(error)")
            }
            guard attempt < policy.attempts else { break }
            let wait = policy.backoff(retry: attempt, retryAfter: retryAfter)
            log("\(request.method) \(secrets.redact(request.url)): attempt \(attempt) of \(policy.attempts) failed (\(last)); "
                + "retrying in \(String(format: "%.1f", wait)) s")
            sleep(wait)
        }
        return .unreachable(last, attempts: policy.attempts)
    }
}
