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
///
/// A batch touches few connections, most of them more than once (a reply, then pushes): they
/// are kept in a small array searched from the last one used, with a dictionary beside it
/// only once a batch touches many. Byte buffers are kept from batch to batch and reused.
struct OutboundLines {
    private struct Entry {
        let connection: Connection
        var bytes: [UInt8]
        var close = false
    }

    private var entries: [Entry] = []
    /// Positions in `entries` by connection id, filled only past `linearLimit` entries.
    private var positions: [UInt64: Int] = [:]
    /// Emptied buffers from earlier batches, with their capacity.
    private var spare: [[UInt8]] = []
    private static let linearLimit = 16
    /// At most this many buffers (of at most 64 KiB each) are kept for reuse.
    private static let spareLimit = 256

    mutating func append(_ connection: Connection, _ writer: borrowing LineWriter) {
        let position = open(connection)
        writer.append(to: &entries[position].bytes)
    }

    mutating func append(_ connection: Connection, _ pushes: [Push]) {
        let position = open(connection)
        for push in pushes { push.write(to: &entries[position].bytes) }
    }

    mutating func append(_ connection: Connection, bytes: [UInt8]) {
        let position = open(connection)
        entries[position].bytes.append(contentsOf: bytes)
    }

    /// Marks for closing, once flushed, every connection with output here that `shouldClose` names.
    mutating func closeAfterFlushWhere(_ shouldClose: (UInt64) -> Bool) {
        for position in entries.indices where shouldClose(entries[position].connection.id) { entries[position].close = true }
    }

    mutating func closeAfterFlush(_ connection: Connection) {
        entries[open(connection)].close = true
    }

    private mutating func open(_ connection: Connection) -> Int {
        if let position = find(connection.id) { return position }
        entries.append(Entry(connection: connection, bytes: spare.popLast() ?? []))
        if entries.count > Self.linearLimit {
            if positions.isEmpty {
                for (position, entry) in entries.enumerated() { positions[entry.connection.id] = position }
            } else {
                positions[connection.id] = entries.count - 1
            }
        }
        return entries.count - 1
    }

    private func find(_ id: UInt64) -> Int? {
        if !positions.isEmpty { return positions[id] }
        var position = entries.count
        while position > 0 {
            position -= 1
            if entries[position].connection.id == id { return position }
        }
        return nil
    }

    /// Sends everything collected and starts over.
    mutating func flush() {
        for position in entries.indices {
            let entry = entries[position]
            if !entry.bytes.isEmpty { _ = entry.connection.send(entry.bytes) }
            if entry.close { entry.connection.closeAfterFlush() }
        }
        for position in entries.indices where spare.count < Self.spareLimit && entries[position].bytes.capacity <= 1 << 16 {
            var bytes: [UInt8] = []
            swap(&bytes, &entries[position].bytes)
            bytes.removeAll(keepingCapacity: true)
            spare.append(bytes)
        }
        entries.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
    }
}
