/// Why a ticket went back to waiting.
public enum RequeueReason: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// The agent declined the offer.
    case declined = 0
    /// The offer was not accepted in time.
    case expired
    /// The ticket was escalated to a higher tier.
    case escalated
    /// The ticket was transferred to a queue.
    case transferred
    /// The owner's session was lost for longer than the grace period.
    case sessionLost
    /// The owner logged out or its offer was withdrawn.
    case released
    /// The customer left (only as the reason a ticket was taken from its agent).
    case cancelled

    /// The wire name.
    public var description: String {
        switch self {
        case .declined: "declined"
        case .expired: "expired"
        case .escalated: "escalated"
        case .transferred: "transferred"
        case .sessionLost: "session-lost"
        case .released: "released"
        case .cancelled: "cancelled"
        }
    }
}

/// What happened as a command was applied, in the order it happened. The node turns these
/// into replies, pushes to agents, and log lines.
public enum Event: Hashable, Sendable {
    /// A queue was created or changed.
    case queueUpdated(String)
    /// The floor policy changed.
    case policyUpdated
    /// An agent logged in (or updated its profile).
    case agentLoggedIn(AgentID)
    /// An agent logged out.
    case agentLoggedOut(AgentID)
    /// An agent's status changed.
    case agentStatusChanged(AgentID, AgentStatus)
    /// An agent's session was lost (its node went down).
    case agentSessionLost(AgentID)
    /// An agent's session is back.
    case agentSessionRestored(AgentID)
    /// A ticket was created with this id.
    case ticketCreated(TicketID)
    /// A ticket waits for an agent.
    case ticketQueued(TicketID, reason: RequeueReason?)
    /// A ticket was offered to an agent until `expiresAt`.
    case ticketOffered(TicketID, AgentID, expiresAt: Timestamp)
    /// A ticket is now the agent's.
    case ticketAssigned(TicketID, AgentID)
    /// An offer or assigned ticket was taken from an agent by something other than the
    /// agent's own decline or resolve (escalation, transfer, cancel, session lost, logout).
    case ticketRevoked(TicketID, AgentID, reason: RequeueReason)
    /// An agent declined an offer.
    case offerDeclined(TicketID, AgentID)
    /// An offer was not accepted in time.
    case offerExpired(TicketID, AgentID)
    /// A ticket was resolved by its owner.
    case ticketResolved(TicketID, AgentID)
    /// A ticket's minimum tier was raised.
    case ticketEscalated(TicketID, tier: Int)
    /// A ticket moved to another queue or agent.
    case ticketTransferred(TicketID, to: TransferTarget)
    /// A ticket was cancelled.
    case ticketCancelled(TicketID)
    /// A ticket reached the warning share of its SLA target while still waiting.
    case slaWarning(TicketID)
    /// A ticket passed its SLA deadline while still waiting.
    case slaBreached(TicketID)
}
