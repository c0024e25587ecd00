import SwitchboardCore
import SwitchboardProtocol
import SwitchboardTransport

/// One logged-in agent's desk connection. The coordinator decides; the session delivers: it
/// takes each batch's pushes for its agent in one message and writes them to the agent's
/// connection in one send.
///
/// A session runs on the coordinator's event loop (its executor), so handing it a batch's
/// pushes is a call, not a thread hop: on a node that serves hundreds of desks, a hop per
/// agent per batch cost more than writing the pushes. Moving sessions to loops of their own
/// (one per core) later changes only their executor and turns `deliver` into a message.
actor AgentSession {
    /// The agent this session serves.
    nonisolated let agent: AgentID
    /// The connection the agent logged in on.
    nonisolated let connection: Connection
    private nonisolated let loop: EventLoop

    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }

    init(agent: AgentID, connection: Connection, loop: EventLoop) {
        self.agent = agent
        self.connection = connection
        self.loop = loop
    }

    /// Writes pushes, in order, after what `outbound` already holds for the agent's connection,
    /// so that a batch's replies and pushes to one desk leave in one send.
    /// `writer` is scratch space, kept by the caller from batch to batch. Nonisolated: it
    /// reads only the session's constants, and entering the actor (`assumeIsolated`) cost an
    /// allocation and an executor check per agent per batch.
    nonisolated func deliver(_ pushes: [Push], into outbound: inout OutboundLines, writer: inout LineWriter) {
        outbound.append(connection, pushes, writer: &writer)
    }
}
