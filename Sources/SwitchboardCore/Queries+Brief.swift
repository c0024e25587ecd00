/// What a reply to a ticket command or a push about a ticket says: the ticket's routing facts
/// without its history or required skills, so the node's hot path does not build a full
/// `TicketInfo` for every answer.
public struct TicketBrief: Hashable, Sendable {
    public var id: TicketID
    /// The queue's name.
    public var queue: String
    public var channel: Channel
    public var priority: Priority
    /// The customer's name.
    public var customer: String
    public var subject: String
    public var state: TicketState
    /// The agent offered or holding the ticket.
    public var owner: AgentID?
    public var minimumTier: Int
}

extension RoutingEngine {
    /// A ticket's brief, or nil for an unknown ticket.
    public func ticketBrief(_ id: TicketID) -> TicketBrief? {
        guard let index = try? ticketSlot(id) else { return nil }
        let ticket = tickets[index]
        return TicketBrief(
            id: id, queue: queues[Int(ticket.queue)].config.name, channel: ticket.channel, priority: ticket.priority,
            customer: customers[ticket.customer], subject: ticketSubjects[index], state: ticket.state,
            owner: ticket.owner >= 0 ? agents[Int(ticket.owner)].id : nil,
            minimumTier: Int(requirements[Int(ticket.requirement)].tier))
    }
}

extension RoutingEngine {
    /// Where a ticket stands: state, owner and minimum tier (what the node answers to a
    /// ticket command), or nil for an unknown ticket.
    public func ticketStanding(_ id: TicketID) -> (state: TicketState, owner: AgentID?, minimumTier: Int)? {
        guard let index = try? ticketSlot(id) else { return nil }
        let ticket = tickets[index]
        return (ticket.state, ticket.owner >= 0 ? agents[Int(ticket.owner)].id : nil, Int(requirements[Int(ticket.requirement)].tier))
    }
}
