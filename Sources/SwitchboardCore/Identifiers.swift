/// A ticket's identity. The engine hands them out in submission order, starting at 1,
/// so every node that applies the same commands names tickets the same way.
public struct TicketID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The number as it appears on the wire and in listings.
    public let raw: UInt64

    /// Wraps a ticket number.
    public init(_ raw: UInt64) { self.raw = raw }

    public static func < (lhs: TicketID, rhs: TicketID) -> Bool { lhs.raw < rhs.raw }
    public var description: String { String(raw) }
}

/// An agent's identity: the login name the agent's desk uses (e.g. `alice`).
public struct AgentID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The login name.
    public let name: String

    /// Wraps a login name.
    public init(_ name: String) { self.name = name }

    public static func < (lhs: AgentID, rhs: AgentID) -> Bool { lhs.name < rhs.name }
    public var description: String { name }
}

/// A point in time, in milliseconds since an origin the caller chooses (the node uses the
/// Unix epoch). The engine never reads a clock: time arrives with every command.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since the origin.
    public var milliseconds: Int64

    /// Wraps a count of milliseconds.
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// The origin itself.
    public static let zero = Timestamp(milliseconds: 0)

    /// The latest time the engine accepts: the end of year 9999 after the Unix epoch. Every
    /// duration the engine adds is at most a year, so nothing it computes can overflow.
    public static let latest = Timestamp(milliseconds: 253_402_300_799_999)

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// This time moved forward by `milliseconds`.
    public func adding(milliseconds delta: Int64) -> Timestamp {
        let (sum, overflow) = milliseconds.addingReportingOverflow(delta)
        return Timestamp(milliseconds: overflow ? Int64.max : sum)
    }

    public var description: String { "\(milliseconds)ms" }
}
