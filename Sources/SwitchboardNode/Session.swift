import SwitchboardCore
import SwitchboardProtocol
import SwitchboardTransport

/// What the coordinator knows about one client connection.
struct Session {
    let connection: Connection
    /// Set by a good `AUTH` (or at once on an open node).
    var role: Role?
    /// The agent logged in on this connection, whose pushes it receives.
    var agent: AgentID?
    /// Bad `AUTH` attempts so far.
    var failedAuths = 0
    /// Set once the connection is to close (QUIT, an HTTP line, too many bad tokens): nothing
    /// it sends afterwards is read, even lines that arrived in the same write.
    var closing = false
    /// Output waiting behind an answer computed off the loop, in request order; empty when
    /// nothing is waiting, which is nearly always.
    var held: [HeldOutput] = []

    /// The engine's session tag for an agent logged in here: node and connection, so that the
    /// connection's loss marks exactly this session lost.
    func tag(node: String) -> String { "\(node)#\(connection.id)" }
}

/// A connection's output that waits for an earlier answer computed off the loop.
enum HeldOutput {
    /// The answer with this number, not computed yet.
    case waiting(UInt64)
    case ready([UInt8])
}

/// Output for connections collected while a batch is processed, sent once per connection at
/// the end so that a batch costs one `send` per connection, not one per reply.
struct OutboundLines {
    private var buffers: [UInt64: (connection: Connection, bytes: [UInt8], close: Bool)] = [:]
    private var order: [UInt64] = []

    mutating func append(_ connection: Connection, _ reply: Reply) {
        open(connection)
        reply.write(to: &buffers[connection.id]!.bytes)
    }

    mutating func append(_ connection: Connection, _ pushes: [Push]) {
        open(connection)
        for push in pushes { push.write(to: &buffers[connection.id]!.bytes) }
    }

    mutating func append(_ connection: Connection, bytes: [UInt8]) {
        open(connection)
        buffers[connection.id]!.bytes.append(contentsOf: bytes)
    }

    /// Marks for closing, once flushed, every connection with output here that `shouldClose` names.
    mutating func closeAfterFlushWhere(_ shouldClose: (UInt64) -> Bool) {
        for id in order where shouldClose(id) { buffers[id]?.close = true }
    }

    mutating func closeAfterFlush(_ connection: Connection) {
        open(connection)
        buffers[connection.id]!.close = true
    }

    private mutating func open(_ connection: Connection) {
        if buffers[connection.id] == nil {
            buffers[connection.id] = (connection, [], false)
            order.append(connection.id)
        }
    }

    /// Sends everything collected and starts over.
    mutating func flush() {
        for id in order {
            guard let entry = buffers[id] else { continue }
            if !entry.bytes.isEmpty { _ = entry.connection.send(entry.bytes) }
            if entry.close { entry.connection.closeAfterFlush() }
        }
        buffers.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
    }
}
