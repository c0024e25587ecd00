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
/// the end so that a batch costs one `send` per connection, not one per reply. Byte buffers are
/// kept from batch to batch and reused.
struct OutboundLines {
    private struct Entry {
        let connection: Connection
        var bytes: [UInt8]
        var close = false
    }

    private var entries = BatchTable<UInt64, Entry>()
    /// Emptied buffers from earlier batches, with their capacity.
    private var spare: [[UInt8]] = []
    /// At most this many buffers (of at most 64 KiB each) are kept for reuse.
    private static let spareLimit = 256

    mutating func append(_ connection: Connection, _ writer: borrowing LineWriter) {
        let position = open(connection)
        writer.append(to: &entries[at: position].bytes)
    }

    /// Appends pushes, written one after another with `writer` (scratch space; left empty).
    mutating func append(_ connection: Connection, _ pushes: [Push], writer: inout LineWriter) {
        for push in pushes { push.write(into: &writer) }
        append(connection, writer)
        writer.removeAll()
    }

    mutating func append(_ connection: Connection, bytes: [UInt8]) {
        let position = open(connection)
        entries[at: position].bytes.append(contentsOf: bytes)
    }

    /// Marks for closing, once flushed, every connection with output here that `shouldClose` names.
    mutating func closeAfterFlushWhere(_ shouldClose: (UInt64) -> Bool) {
        for (position, id) in entries.keys.enumerated() where shouldClose(id) { entries[at: position].close = true }
    }

    mutating func closeAfterFlush(_ connection: Connection) {
        entries[at: open(connection)].close = true
    }

    private mutating func open(_ connection: Connection) -> Int {
        entries.position(of: connection.id) { Entry(connection: connection, bytes: spare.popLast() ?? []) }
    }

    /// Sends everything collected and starts over.
    mutating func flush() {
        for position in 0..<entries.count {
            let entry = entries[at: position]
            if !entry.bytes.isEmpty { _ = entry.connection.send(entry.bytes) }
            if entry.close { entry.connection.closeAfterFlush() }
        }
        entries.removeAll { entry in
            guard spare.count < Self.spareLimit, entry.bytes.capacity <= 1 << 16 else { return }
            var bytes: [UInt8] = []
            swap(&bytes, &entry.bytes)
            bytes.removeAll(keepingCapacity: true)
            spare.append(bytes)
        }
    }
}
