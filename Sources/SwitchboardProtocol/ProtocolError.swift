/// Why a line was refused. Each case is one `ERR` code on the wire; `PROTOCOL.md` lists them
/// with what the client should do.
public struct ProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The code after `ERR`.
    public let code: Code
    /// A message naming the bad value and what to do.
    public let message: String

    /// Builds an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The `ERR` codes that the protocol layer itself produces (the engine's are in `EngineError.code`).
    public enum Code: String, Sendable, CaseIterable {
        /// The line is longer than the node's limit.
        case lineTooLong = "LINE_TOO_LONG"
        /// The line is not valid UTF-8.
        case badEncoding = "BAD_ENCODING"
        /// The line contains a NUL byte.
        case nulByte = "NUL_BYTE"
        /// Quoting or `key=value` syntax is broken.
        case badSyntax = "BAD_SYNTAX"
        /// The verb is not one the protocol knows.
        case unknownVerb = "UNKNOWN_VERB"
        /// A required argument is missing.
        case missingArgument = "MISSING_ARGUMENT"
        /// An argument's value is malformed or out of range.
        case badArgument = "BAD_ARGUMENT"
        /// An argument the verb does not take.
        case unknownArgument = "UNKNOWN_ARGUMENT"
        /// The line looks like HTTP; this port speaks the line protocol. The node disconnects.
        case httpNotSupported = "HTTP_NOT_SUPPORTED"
        /// `AUTH` must come first on this node.
        case authRequired = "AUTH_REQUIRED"
        /// The token is not valid.
        case badToken = "BAD_TOKEN"
        /// The connection's role may not use this verb.
        case forbidden = "FORBIDDEN"
        /// An agent verb was used before `LOGIN` on this connection.
        case notLoggedIn = "NOT_LOGGED_IN"
        /// The node cannot take the command now (shutting down, log failed).
        case unavailable = "UNAVAILABLE"
    }

    /// `ERR CODE message` without the newline.
    public var line: String { "ERR \(code.rawValue) \(message)" }

    public var description: String { line }
}
