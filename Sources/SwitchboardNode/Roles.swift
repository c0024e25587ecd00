import SwitchboardProtocol

/// What a connection may do, set by the token it authenticated with.
public enum Role: String, Sendable, CaseIterable, Codable {
    /// Everything.
    case admin
    /// The agent verbs and the queries.
    case agent
    /// Submitting and cancelling tickets, and the queries.
    case intake

    /// Whether this role may use the request's verb.
    public func permits(_ request: Request) -> Bool {
        switch request {
        case .auth, .ping, .quit, .ticket, .tickets, .agents, .queues, .status: true
        case .queue, .snapshot: self == .admin
        case .submit, .cancel: self == .admin || self == .intake
        case .login, .logout, .setStatus, .accept, .decline, .resolve, .escalate, .transfer: self == .admin || self == .agent
        }
    }
}

/// The tokens a node accepts. Lookups compare every configured token in constant time, so
/// the time taken says nothing about how much of a guess was right.
public struct TokenTable: Sendable {
    private let entries: [(token: [UInt8], role: Role)]

    /// A table; empty means the node is open (loopback only).
    public init(_ tokens: [(String, Role)]) {
        entries = tokens.map { (Array($0.0.utf8), $0.1) }
    }

    /// Whether no tokens are configured.
    public var isEmpty: Bool { entries.isEmpty }

    /// The role of a token, or nil when it matches none.
    public func role(for candidate: String) -> Role? {
        let bytes = Array(candidate.utf8)
        var found: Role?
        for entry in entries where Self.constantTimeEqual(entry.token, bytes) {
            found = entry.role
        }
        return found
    }

    /// Compares all bytes of the longer input whatever they hold.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        let length = max(a.count, b.count)
        for index in 0..<length {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
