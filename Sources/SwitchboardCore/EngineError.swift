/// Why the engine refused a command. A refused command changes nothing.
public enum EngineError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No queue has this name.
    case unknownQueue(String)
    /// No agent has logged in with this id.
    case unknownAgent(AgentID)
    /// No ticket has this id.
    case unknownTicket(TicketID)
    /// The agent is offline.
    case agentOffline(AgentID)
    /// The agent still holds tickets (logout) or offers.
    case agentBusy(AgentID, tickets: Int)
    /// The agent has no free capacity on the ticket's channel.
    case agentAtCapacity(AgentID, Channel)
    /// The ticket is not offered to this agent.
    case notOffered(TicketID, AgentID)
    /// The agent does not own the ticket.
    case notOwner(TicketID, AgentID)
    /// The ticket is in a state where the command does not apply.
    case invalidState(TicketID, TicketState)
    /// A field is out of range or malformed; the message names it.
    case invalidArgument(String)
    /// The status cannot be set directly.
    case invalidStatus(AgentStatus)
    /// Escalation cannot go above the highest tier on the floor.
    case tierTooHigh(Int)

    /// The protocol error code this maps to, one to one.
    public var code: String {
        switch self {
        case .unknownQueue: "UNKNOWN_QUEUE"
        case .unknownAgent: "UNKNOWN_AGENT"
        case .unknownTicket: "UNKNOWN_TICKET"
        case .agentOffline: "AGENT_OFFLINE"
        case .agentBusy: "AGENT_BUSY"
        case .agentAtCapacity: "AT_CAPACITY"
        case .notOffered: "NOT_OFFERED"
        case .notOwner: "NOT_OWNER"
        case .invalidState: "INVALID_STATE"
        case .invalidArgument: "BAD_ARGUMENT"
        case .invalidStatus: "BAD_STATUS"
        case .tierTooHigh: "TIER_TOO_HIGH"
        }
    }

    /// A message that names the bad value and what to do.
    public var description: String {
        switch self {
        case .unknownQueue(let name): "no queue named [\(name)]; create it first or check the spelling"
        case .unknownAgent(let id): "no agent [\(id)] has logged in"
        case .unknownTicket(let id): "no ticket [\(id)]"
        case .agentOffline(let id): "agent [\(id)] is offline; log in first"
        case .agentBusy(let id, let n): "agent [\(id)] still holds \(n) ticket(s); resolve or transfer them first"
        case .agentAtCapacity(let id, let channel): "agent [\(id)] has no free \(channel) capacity"
        case .notOffered(let t, let a): "ticket [\(t)] is not offered to agent [\(a)]"
        case .notOwner(let t, let a): "ticket [\(t)] is not owned by agent [\(a)]"
        case .invalidState(let t, let s): "ticket [\(t)] is \(s); the command does not apply"
        case .invalidArgument(let why): why
        case .invalidStatus(let s): "status [\(s)] cannot be set directly; use available or away"
        case .tierTooHigh(let tier): "tier [\(tier)] is above the highest tier allowed (\(RoutingEngine.maximumTier))"
        }
    }
}
