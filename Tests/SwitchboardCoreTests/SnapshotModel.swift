import SwitchboardCore

/// The snapshot format, version 2, as `RoutingEngine+Snapshot.swift` documents it, decoded into
/// plain values and encoded back: written from the documentation, independently of the engine,
/// so the tests can check that `snapshot()` writes what the format says, read stored fields
/// without touching the engine's internals, and build damaged snapshots with a correct checksum.
struct SnapshotModel: Equatable {
    struct Skill: Equatable { var id: UInt32; var level: UInt8 }
    struct Requirement: Equatable { var skills: [Skill]; var tier: Int64 }
    struct Queue: Equatable {
        var name: String
        var skills: [Skill]
        var tier: Int64
        var sla: [Int64]
        var strategy: UInt8
        var offerTimeout: Int64
        var wrapUp: Int64
    }
    struct Agent: Equatable {
        var id: String
        var name: String
        var skills: [Skill]
        var tier: Int64
        var capacity: [Int64]
        var hasTotal: Bool
        var total: Int64
        var autoAccept: Bool
        var session: String
        var status: UInt8
        var sessionLost: Bool
        var lostAt: Int64
        var misses: Int64
        var wrapUpEnd: Int64
        var order: UInt32
        var idleSince: Int64
        var lastOffer: UInt64
        var tickets: [UInt32]
    }
    struct Step: Equatable { var at: Int64; var kind: UInt8; var agent: Int32; var detail: Int32 }
    /// An agent a ticket avoids, and until when (each avoided agent has its own end).
    struct Avoided: Equatable { var agent: Int32; var until: Int64 }
    struct Ticket: Equatable {
        var customer: String
        var subject: String
        var queue: UInt32
        var channel: UInt8
        var priority: UInt8
        var state: UInt8
        var own: Requirement
        var requirement: Requirement
        var minimumTier: Int64
        var created: Int64
        var deadline: Int64
        var owner: Int32
        var offerExpiry: Int64
        var rank: UInt8
        var warned: Bool
        var breached: Bool
        var avoided: [Avoided]
        var history: [Step]
    }
    struct Affinity: Equatable { var customer: String; var agent: Int32; var at: Int64 }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    var version: UInt16 = 2
    /// Affinity window, real-time grace, async grace, misses before away, warning %, cool-down.
    var policy: [Int64]
    var now: Int64
    var nextTicketID: UInt64
    var nextAgentOrder: UInt32
    var offerSequence: UInt64
    var skills: [String]
    var queues: [Queue]
    var agents: [Agent]
    var tickets: [Ticket]
    var affinity: [Affinity]

    init(_ bytes: [UInt8]) throws {
        guard bytes.count >= 18, Array(bytes.prefix(8)) == Array("SWBSNAP".utf8) + [0] else { throw Malformed(description: "magic") }
        var hash = StateHash()
        hash.combine(bytes.dropLast(8))
        var reader = Reader(bytes: Array(bytes.dropLast(8)), offset: 8)
        var trailer = Reader(bytes: Array(bytes.suffix(8)), offset: 0)
        guard try trailer.u64() == hash.value else {
            throw Malformed(description: "checksum")
        }
        version = UInt16(try reader.u8()) | UInt16(try reader.u8()) << 8
        policy = try (0..<6).map { _ in try reader.i64() }
        now = try reader.i64()
        nextTicketID = try reader.u64()
        nextAgentOrder = try reader.u32()
        offerSequence = try reader.u64()
        skills = try reader.list { try $0.string() }
        queues = try reader.list { r in
            Queue(name: try r.string(), skills: try r.skills(), tier: try r.i64(), sla: try (0..<4).map { _ in try r.i64() },
                  strategy: try r.u8(), offerTimeout: try r.i64(), wrapUp: try r.i64())
        }
        agents = try reader.list { r in
            Agent(id: try r.string(), name: try r.string(), skills: try r.skills(), tier: try r.i64(),
                  capacity: try (0..<4).map { _ in try r.i64() }, hasTotal: try r.bool(), total: try r.i64(),
                  autoAccept: try r.bool(), session: try r.string(), status: try r.u8(), sessionLost: try r.bool(),
                  lostAt: try r.i64(), misses: try r.i64(), wrapUpEnd: try r.i64(), order: try r.u32(),
                  idleSince: try r.i64(), lastOffer: try r.u64(), tickets: try r.list { try $0.u32() })
        }
        tickets = try reader.list { r in
            Ticket(customer: try r.string(), subject: try r.string(), queue: try r.u32(), channel: try r.u8(),
                   priority: try r.u8(), state: try r.u8(), own: try r.requirement(), requirement: try r.requirement(),
                   minimumTier: try r.i64(), created: try r.i64(), deadline: try r.i64(), owner: try r.i32(),
                   offerExpiry: try r.i64(), rank: try r.u8(), warned: try r.bool(), breached: try r.bool(),
                   avoided: try r.list { a in Avoided(agent: try a.i32(), until: try a.i64()) },
                   history: try r.list { s in Step(at: try s.i64(), kind: try s.u8(), agent: try s.i32(), detail: try s.i32()) })
        }
        affinity = try reader.list { r in Affinity(customer: try r.string(), agent: try r.i32(), at: try r.i64()) }
        guard reader.offset == reader.bytes.count else { throw Malformed(description: "trailing bytes at \(reader.offset)") }
    }

    /// The bytes, checksum included.
    func encoded() -> [UInt8] {
        var w = Writer()
        w.bytes = Array("SWBSNAP".utf8) + [0]
        w.u8(UInt8(version & 0xFF))
        w.u8(UInt8(version >> 8))
        policy.forEach { w.i64($0) }
        w.i64(now)
        w.u64(nextTicketID)
        w.u32(nextAgentOrder)
        w.u64(offerSequence)
        w.list(skills) { $0.string($1) }
        w.list(queues) { w, q in
            w.string(q.name); w.skills(q.skills); w.i64(q.tier); q.sla.forEach { w.i64($0) }
            w.u8(q.strategy); w.i64(q.offerTimeout); w.i64(q.wrapUp)
        }
        w.list(agents) { w, a in
            w.string(a.id); w.string(a.name); w.skills(a.skills); w.i64(a.tier); a.capacity.forEach { w.i64($0) }
            w.bool(a.hasTotal); w.i64(a.total); w.bool(a.autoAccept); w.string(a.session); w.u8(a.status)
            w.bool(a.sessionLost); w.i64(a.lostAt); w.i64(a.misses); w.i64(a.wrapUpEnd); w.u32(a.order)
            w.i64(a.idleSince); w.u64(a.lastOffer); w.list(a.tickets) { $0.u32($1) }
        }
        w.list(tickets) { w, t in
            w.string(t.customer); w.string(t.subject); w.u32(t.queue); w.u8(t.channel); w.u8(t.priority); w.u8(t.state)
            w.requirement(t.own); w.requirement(t.requirement); w.i64(t.minimumTier); w.i64(t.created); w.i64(t.deadline)
            w.i32(t.owner); w.i64(t.offerExpiry); w.u8(t.rank); w.bool(t.warned); w.bool(t.breached)
            w.list(t.avoided) { w, a in w.i32(a.agent); w.i64(a.until) }
            w.list(t.history) { w, s in w.i64(s.at); w.u8(s.kind); w.i32(s.agent); w.i32(s.detail) }
        }
        w.list(affinity) { w, a in w.string(a.customer); w.i32(a.agent); w.i64(a.at) }
        var hash = StateHash()
        hash.combine(w.bytes)
        w.u64(hash.value)
        return w.bytes
    }

    private struct Reader {
        var bytes: [UInt8]
        var offset: Int

        mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, bytes.count - offset >= n else { throw Malformed(description: "truncated at \(offset)") }
            defer { offset += n }
            return bytes[offset..<offset + n]
        }
        mutating func u8() throws -> UInt8 { try take(1).first! }
        mutating func bool() throws -> Bool {
            let b = try u8()
            guard b <= 1 else { throw Malformed(description: "bool \(b) at \(offset - 1)") }
            return b == 1
        }
        mutating func u32() throws -> UInt32 { try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        mutating func i32() throws -> Int32 { Int32(bitPattern: try u32()) }
        mutating func u64() throws -> UInt64 { try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        mutating func i64() throws -> Int64 { Int64(bitPattern: try u64()) }
        mutating func string() throws -> String {
            let n = Int(try u32())
            guard let s = String(validating: try take(n), as: UTF8.self) else { throw Malformed(description: "UTF-8") }
            return s
        }
        mutating func list<T>(_ item: (inout Reader) throws -> T) throws -> [T] {
            let n = Int(try u32())
            guard n <= bytes.count - offset else { throw Malformed(description: "count \(n) at \(offset)") }
            var items: [T] = []
            for _ in 0..<n { items.append(try item(&self)) }
            return items
        }
        mutating func skills() throws -> [Skill] { try list { Skill(id: try $0.u32(), level: try $0.u8()) } }
        mutating func requirement() throws -> Requirement { Requirement(skills: try skills(), tier: try i64()) }
    }

    private struct Writer {
        var bytes: [UInt8] = []
        mutating func u8(_ v: UInt8) { bytes.append(v) }
        mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
        mutating func u32(_ v: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) } }
        mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
        mutating func u64(_ v: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) } }
        mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
        mutating func string(_ v: String) { u32(UInt32(v.utf8.count)); bytes.append(contentsOf: v.utf8) }
        mutating func list<T>(_ items: [T], _ item: (inout Writer, T) -> Void) {
            u32(UInt32(items.count))
            for value in items { item(&self, value) }
        }
        mutating func skills(_ s: [Skill]) { list(s) { $0.u32($1.id); $0.u8($1.level) } }
        mutating func requirement(_ r: Requirement) { skills(r.skills); i64(r.tier) }
    }
}
