import CCurl
import Foundation

/// HTTP through libcurl, the only HTTP stack bpfgate uses. TLS peers are verified unless `insecure`;
/// `caFile` adds a CA (PEM) to the system's store (/etc/ssl/certs) instead of replacing it. libcurl takes the
/// proxy from the usual environment variables (http_proxy, https_proxy, no_proxy). Redirects are not
/// followed (a POST must not silently change target); only http and https are allowed.
public struct CurlTransport: HTTPTransport {
    public struct Options: Sendable {
        public var connectTimeout: Double = 10
        public var totalTimeout: Double = 60
        public var caFile: String?
        public var insecure = false
        public var userAgent: String

        public init(userAgent: String) { self.userAgent = userAgent }
    }

    public let options: Options

    public init(options: Options) {
        self.options = options
        _ = Self.initialized
    }

    /// curl_global_init is not thread-safe: once, before any handle.
    private static let initialized: Bool = curl_global_init(3 /* CURL_GLOBAL_ALL */) == CURLE_OK

    /// libcurl's version line (for the User-Agent and `doctor`).
    public static var version: String { String(cString: curl_version()) }

    /// Errors no retry can cure.
    static let permanentCodes: Set<UInt32> = [
        CURLE_UNSUPPORTED_PROTOCOL.rawValue, CURLE_URL_MALFORMAT.rawValue, CURLE_PEER_FAILED_VERIFICATION.rawValue,
        CURLE_SSL_CERTPROBLEM.rawValue, CURLE_SSL_CACERT_BADFILE.rawValue, CURLE_BAD_FUNCTION_ARGUMENT.rawValue,
    ]

    /// Collects the answer's body and headers; handed to libcurl's callbacks as an opaque pointer.
    private final class Sink {
        var body = Data()
        var headers: [String: String] = [:]
    }

    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        guard let curl = curl_easy_init() else { throw TransportError(code: -1, message: "curl_easy_init failed") }
        defer { curl_easy_cleanup(curl) }
        var headers: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headers) }
        // The body is consumed by libcurl after `perform`: Expect: 100-continue would add a round trip.
        for (name, value) in request.headers + [("Expect", "")] {
            headers = curl_slist_append(headers, value.isEmpty ? "\(name):" : "\(name): \(value)")
        }
        let sink = Sink()
        let context = Unmanaged.passUnretained(sink).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        // Never a NULL POSTFIELDS: libcurl would then read the body from stdin.
        let body = request.body.isEmpty ? [UInt8(0)] : [UInt8](request.body)

        let code: CURLcode = body.withUnsafeBufferPointer { bodyBytes in
            errorBuffer.withUnsafeMutableBufferPointer { errors in
                var rc = CURLE_OK
                func set(_ r: CURLcode) { if rc == CURLE_OK { rc = r } }
                set(bpfgate_curl_set_string(curl, CURLOPT_URL, request.url))
                set(bpfgate_curl_set_string(curl, CURLOPT_PROTOCOLS_STR, "http,https"))
                set(bpfgate_curl_set_string(curl, CURLOPT_CUSTOMREQUEST, request.method))
                if request.method != "GET" {
                    set(bpfgate_curl_set_long(curl, CURLOPT_POST, 1))
                    set(bpfgate_curl_set_size(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
                    set(bpfgate_curl_set_pointer(curl, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bodyBytes.baseAddress)))
                }
                set(bpfgate_curl_set_slist(curl, CURLOPT_HTTPHEADER, headers))
                set(bpfgate_curl_set_string(curl, CURLOPT_USERAGENT, options.userAgent))
                set(bpfgate_curl_set_long(curl, CURLOPT_NOSIGNAL, 1))
                set(bpfgate_curl_set_long(curl, CURLOPT_CONNECTTIMEOUT_MS, Int(options.connectTimeout * 1000)))
                set(bpfgate_curl_set_long(curl, CURLOPT_TIMEOUT_MS, Int(options.totalTimeout * 1000)))
                set(bpfgate_curl_set_long(curl, CURLOPT_FOLLOWLOCATION, 0))
                set(bpfgate_curl_set_long(curl, CURLOPT_SSL_VERIFYPEER, options.insecure ? 0 : 1))
                set(bpfgate_curl_set_long(curl, CURLOPT_SSL_VERIFYHOST, options.insecure ? 0 : 2))
                if let ca = options.caFile {
                    set(bpfgate_curl_set_string(curl, CURLOPT_CAINFO, ca))
                    if FileManager.default.fileExists(atPath: "/etc/ssl/certs") {
                        set(bpfgate_curl_set_string(curl, CURLOPT_CAPATH, "/etc/ssl/certs"))
                    }
                }
                set(bpfgate_curl_set_pointer(curl, CURLOPT_ERRORBUFFER, errors.baseAddress))
                set(bpfgate_curl_set_callback(curl, CURLOPT_WRITEFUNCTION, { data, size, count, context in
                    let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
                    if let data { sink.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count) }
                    return size * count
                }))
                set(bpfgate_curl_set_pointer(curl, CURLOPT_WRITEDATA, context))
                set(bpfgate_curl_set_callback(curl, CURLOPT_HEADERFUNCTION, { data, size, count, context in
                    let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
                    if let data {
                        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
                        if line.hasPrefix("HTTP/") { sink.headers = [:] }  // a new response (after 100 Continue)
                        if let colon = line.firstIndex(of: ":") {
                            sink.headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                                .trimmingCharacters(in: .whitespacesAndNewlines)
                        }
                    }
                    return size * count
                }))
                set(bpfgate_curl_set_pointer(curl, CURLOPT_HEADERDATA, context))
                if rc != CURLE_OK { return rc }
                return curl_easy_perform(curl)
            }
        }
        if code != CURLE_OK {
            let detail = String(cString: errorBuffer)
            throw TransportError(code: Int32(code.rawValue), message: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail,
                                 permanent: Self.permanentCodes.contains(code.rawValue))
        }
        var status = 0
        _ = bpfgate_curl_get_long(curl, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }
}
