import SwitchboardCore

/// Something a node tells an agent's connection without being asked. Pushes start with `* `,
/// which no reply does, so a client tells them apart from replies at the first byte.
///
///     * OFFER ticket=42 queue=hosting channel=chat priority=high customer=acme expires=1764144000000 subject="Site down"
///     * ASSIGNED ticket=42 queue=hosting channel=chat priority=high customer=acme subject="Site down"
///     * REVOKED ticket=42 reason=expired
///     * STATUS agent=alice status=away
public enum Push: Hashable, Sendable {
    /// A ticket offered to the agent, to accept or decline before `expiresAt`.
    case offer(TicketSummary, expiresAt: Timestamp)
    /// A ticket now the agent's (accepted, auto-accepted, or transferred to it).
    case assigned(TicketSummary)
    /// An offer or ticket taken away from the agent, and why
    /// (`expired`, `cancelled`, `escalated`, `transferred`, `session-lost`, `released`).
    case revoked(TicketID, reason: String)
    /// The agent's status changed without its asking (missed offers, wrap-up ended).
    case status(AgentID, AgentStatus)

    /// The marker every push starts with.
    public static let marker = "* "

    /// Appends the push as it goes on the wire: marker, line, `\n`.
    /// Written straight into bytes (the same text as `text`): an offer goes out for nearly
    /// every ticket, so it skips building a `Line`.
    public func write(to out: inout [UInt8]) {
        var writer = LineWriter(capacity: 384)
        write(into: &writer)
        writer.append(to: &out)
    }

    /// Writes the push as it goes on the wire (marker, line, `\n`) with `writer`.
    public func write(into writer: inout LineWriter) {
        writer.raw(Push.marker)
        switch self {
        case .offer(let ticket, let expiresAt):
            writer.verb("OFFER")
            ticket.write(to: &writer)
            writer.field("expires", expiresAt.milliseconds)
        case .assigned(let ticket):
            writer.verb("ASSIGNED")
            ticket.write(to: &writer)
        case .revoked(let ticket, let reason):
            writer.verb("REVOKED")
            writer.field("ticket", ticket.raw)
            writer.field("reason", reason)
        case .status(let agent, let status):
            writer.verb("STATUS")
            writer.field("agent", agent.name)
            writer.field("status", status.description)
        }
        writer.endLine()
    }

    /// The push as a line, marker included, without the newline (what `write(to:)` writes).
    public var text: String {
        var bytes: [UInt8] = []
        write(to: &bytes)
        return String(decoding: bytes.dropLast(), as: UTF8.self)
    }

    /// Reads a push line (with or without the marker).
    public init(_ text: String) throws(ProtocolError) {
        let body = text.hasPrefix(Push.marker) ? String(text.dropFirst(Push.marker.count)) : text
        guard let line = try LineParser.parse(body) else { throw ProtocolError(.badSyntax, "empty push") }
        var reader = ArgumentReader(line)
        switch line.verb {
        case "OFFER":
            let ticket = try TicketSummary(&reader)
            let expires = try WireValue.integer(try reader.required("expires"), "expires", in: 0...Int.max)
            self = .offer(ticket, expiresAt: Timestamp(milliseconds: Int64(expires)))
        case "ASSIGNED":
            self = .assigned(try TicketSummary(&reader))
        case "REVOKED":
            self = .revoked(try reader.ticket(), reason: try reader.required("reason"))
        case "STATUS":
            self = .status(AgentID(try reader.required("agent")), try WireValue.status(try reader.required("status")))
        default:
            throw ProtocolError(.unknownVerb, "unknown push [\(line.verb)]")
        }
        try reader.finish()
    }
}

/// What an agent's desk needs to show about a ticket it is offered or given.
public struct TicketSummary: Hashable, Sendable {
    public var id: TicketID
    public var queue: String
    public var channel: Channel
    public var priority: Priority
    public var customer: String
    public var subject: String

    /// A summary.
    public init(id: TicketID, queue: String, channel: Channel, priority: Priority, customer: String, subject: String) {
        self.id = id
        self.queue = queue
        self.channel = channel
        self.priority = priority
        self.customer = customer
        self.subject = subject
    }

    /// The summary of a ticket the engine reports.
    public init(_ brief: TicketBrief) {
        self.init(id: brief.id, queue: brief.queue, channel: brief.channel, priority: brief.priority,
                  customer: brief.customer, subject: brief.subject)
    }

    public init(_ info: TicketInfo) {
        self.init(id: info.id, queue: info.queue, channel: info.channel, priority: info.priority,
                  customer: info.customer, subject: info.subject)
    }

    func write(to writer: inout LineWriter) {
        writer.field("ticket", id.raw)
        writer.field("queue", queue)
        writer.field("channel", channel.description)
        writer.field("priority", priority.description)
        writer.field("customer", customer)
        writer.field("subject", subject)
    }

    init(_ reader: inout ArgumentReader) throws(ProtocolError) {
        id = try reader.ticket()
        queue = try reader.required("queue")
        channel = try WireValue.channel(try reader.required("channel"))
        priority = try WireValue.priority(try reader.required("priority"))
        customer = try reader.required("customer")
        subject = try reader.required("subject")
    }
}
