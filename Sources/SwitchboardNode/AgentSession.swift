import SwitchboardCore
import SwitchboardProtocol
import SwitchboardTransport

/// One logged-in agent's desk connection. The coordinator decides; the session delivers:
/// it takes each batch's pushes for its agent in one message and writes them to the agent's
/// connection, so formatting and writing pushes run beside the coordinator, not in it, and
/// the coordinator never waits for an agent.
actor AgentSession {
    /// The agent this session serves.
    nonisolated let agent: AgentID
    /// The connection the agent logged in on.
    nonisolated let connection: Connection
    private let mailbox: AsyncStream<[Push]>.Continuation

    /// Starts a session; its delivery loop runs until `close()`.
    static func start(agent: AgentID, connection: Connection) -> AgentSession {
        let (stream, mailbox) = AsyncStream<[Push]>.makeStream(bufferingPolicy: .unbounded)
        let session = AgentSession(agent: agent, connection: connection, mailbox: mailbox)
        Task { await session.deliverAll(from: stream) }
        return session
    }

    private init(agent: AgentID, connection: Connection, mailbox: AsyncStream<[Push]>.Continuation) {
        self.agent = agent
        self.connection = connection
        self.mailbox = mailbox
    }

    /// Queues pushes for the agent, in order; returns at once.
    nonisolated func deliver(_ pushes: [Push]) {
        mailbox.yield(pushes)
    }

    /// Ends the delivery loop after what is queued; the connection stays as it is.
    nonisolated func close() {
        mailbox.finish()
    }

    private func deliverAll(from stream: AsyncStream<[Push]>) async {
        for await pushes in stream {
            var bytes: [UInt8] = []
            for push in pushes {
                bytes.append(contentsOf: push.text.utf8)
                bytes.append(UInt8(ascii: "\n"))
            }
            connection.send(bytes)
        }
    }
}
