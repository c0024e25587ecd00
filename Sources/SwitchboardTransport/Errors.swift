import Glibc

/// Why a transport operation failed: a code to branch on and a message that names the host,
/// port or address involved and the system's reason.
public struct TransportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure it was.
    public let code: Code
    /// Says where it happened and why, e.g. `cannot bind 127.0.0.1:7070: EADDRINUSE (Address in use)`.
    public let message: String

    /// Builds an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The kinds of transport failure.
    public enum Code: String, Hashable, Sendable {
        /// The host is neither an IP literal nor a name that resolves, or the port is out of range.
        case badAddress
        /// A socket, epoll or eventfd descriptor could not be created (often: out of descriptors).
        case resourceExhausted
        /// `bind` or `listen` failed (address in use, not available, not permitted).
        case bindFailed
        /// No address of the host accepted the connection.
        case connectFailed
        /// Connecting did not finish within the timeout.
        case connectTimedOut
        /// The event loop is stopped (or was never able to start) and takes no more work.
        case loopStopped
        /// This C library lacks a call the transport needs (epoll needs Linux with glibc).
        case unsupportedPlatform
    }

    /// `code: message`, for logs.
    public var description: String { "\(code.rawValue): \(message)" }
}

/// Turns an `errno` into text for messages and close reasons.
enum Errno {
    private static let names: [Int32: String] = [
        EPIPE: "EPIPE", ECONNRESET: "ECONNRESET", ECONNREFUSED: "ECONNREFUSED",
        ECONNABORTED: "ECONNABORTED", ETIMEDOUT: "ETIMEDOUT", EHOSTUNREACH: "EHOSTUNREACH",
        ENETUNREACH: "ENETUNREACH", EADDRINUSE: "EADDRINUSE", EADDRNOTAVAIL: "EADDRNOTAVAIL",
        EACCES: "EACCES", EAFNOSUPPORT: "EAFNOSUPPORT", EMFILE: "EMFILE", ENFILE: "ENFILE",
        ENOBUFS: "ENOBUFS", ENOMEM: "ENOMEM", EINVAL: "EINVAL", EBADF: "EBADF", EPERM: "EPERM",
        ENOTCONN: "ENOTCONN",
    ]

    /// `ECONNRESET (Connection reset by peer)`.
    static func describe(_ code: Int32) -> String {
        let reason = strerror(code).map { String(cString: $0) } ?? "unknown error"
        if let name = names[code] { return "\(name) (\(reason))" }
        return "errno \(code) (\(reason))"
    }
}
