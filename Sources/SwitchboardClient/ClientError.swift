import SwitchboardCore
import SwitchboardProtocol

/// Why a client call failed.
public enum ClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The node answered `ERR`: it understood and refused. The code is one of the protocol's.
    case refused(Refusal)
    /// No connection could be made; the message says where it tried.
    case cannotConnect(String)
    /// The connection closed before the reply came.
    case connectionClosed
    /// The node sent something this client does not understand.
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .refused(let refusal): "\(refusal.code.rawValue): \(refusal.message)"
        case .cannotConnect(let message): "cannot connect: \(message)"
        case .connectionClosed: "the connection closed before the node answered"
        case .protocolViolation(let message): "the node sent something unexpected: \(message)"
        }
    }
}

/// A node's `ERR` reply: its code and message.
public struct Refusal: Hashable, Sendable, CustomStringConvertible {
    /// The `ERR` code.
    public let code: Code
    /// The node's message.
    public let message: String

    /// Every code a node may answer with (PROTOCOL.md lists them with what to do).
    public enum Code: Hashable, Sendable, CustomStringConvertible {
        /// A protocol-level refusal (bad syntax, authentication, role, limits …).
        case protocolError(ProtocolError.Code)
        /// A routing-engine refusal, by its code (`UNKNOWN_TICKET`, `NOT_OWNER`, …).
        case engine(String)

        /// Classifies a wire code.
        public init(_ raw: String) {
            if let code = ProtocolError.Code(rawValue: raw) { self = .protocolError(code) } else { self = .engine(raw) }
        }

        /// The code as on the wire.
        public var rawValue: String {
            switch self {
            case .protocolError(let code): code.rawValue
            case .engine(let raw): raw
            }
        }

        public var description: String { rawValue }
    }

    /// A refusal.
    public init(code: String, message: String) {
        self.code = Code(code)
        self.message = message
    }

    /// Whether this is the engine's refusal for `error`'s kind (compares codes).
    public func matches(_ error: EngineError) -> Bool { code.rawValue == error.code }

    public var description: String { "ERR \(code.rawValue) \(message)" }
}
