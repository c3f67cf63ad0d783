import Foundation
import Results

/// One HTTP request as the uploaders build it. Header values may hold secrets: never print them.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(method: String = "POST", url: String, headers: [(name: String, value: String)] = [], body: Data) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// What the server answered.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lower-cased; the last value of a repeated header.
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body as text, cut to `limit` characters on one line (for messages).
    public func bodyText(limit: Int = 300) -> String {
        let text = String(decoding: body, as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ")
        return text.count > limit ? String(text.prefix(limit)) + "..." : text
    }
}

/// The request never got an HTTP answer (refused, reset, timed out, TLS failed ...): libcurl's code and text.
public struct TransportError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    /// Retrying cannot help: a malformed URL, an unsupported scheme, a certificate that does not verify.
    public let permanent: Bool

    public init(code: Int32, message: String, permanent: Bool = false) {
        self.code = code
        self.message = message
        self.permanent = permanent
    }

    public var description: String { "\(message) (libcurl error \(code))" }
}

/// Sends one request and returns the answer, whatever its status; throws `TransportError` without one.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) throws -> HTTPResponse
}

/// Values that must never reach a terminal, log, results or outbox file (API keys, passwords).
public struct Secrets: Sendable {
    public private(set) var values: [String] = []

    public init(_ values: [String] = []) { values.forEach { add($0) } }

    public mutating func add(_ value: String) {
        // Very short values would redact ordinary text: a real key or password is longer.
        if value.count >= 4 && !values.contains(value) { values.append(value) }
    }

    /// `text` with every secret replaced by `***` (a server may echo what it was sent).
    public func redact(_ text: String) -> String {
        values.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }
}
