import SwitchboardCore
import Testing
@testable import SwitchboardProtocol

/// Seeded random commands of every kind, with awkward text (blanks, quotes, backslashes, `=`,
/// line breaks, non-ASCII), through their log line and back: by the general path
/// (`LineParser` + `LogEntry(_:)`) and by the in-place one (`LogEntry.decode(payload:)`). Then
/// the same lines damaged at random, where the two paths must give the same entry or the same
/// error. A failure names the seed and the line.
@Suite struct LogEntryPropertyTests {
    static let seeds: [UInt64] = [1, 0x5EED, 20_251_126]
    static let commandsPerSeed = 3_000

    @Test("every random command survives its log line, by either path", arguments: seeds)
    func aRandomCommandSurvivesItsLogLine(seed: UInt64) throws {
        var random = RandomCommands(seed: seed)
        for number in 0..<Self.commandsPerSeed {
            let entry = LogEntry(time: Timestamp(milliseconds: Int64(random.below(Int(Timestamp.latest.milliseconds) + 1))), command: random.command())
            let text = entry.line.description
            let general = try LineParser.parse(text).map { line throws(ProtocolError) in try LogEntry(line) }
            #expect(general == entry, "seed \(seed), command \(number): \(text)")
            let bytes = Array(text.utf8)
            let inPlace = try bytes.withUnsafeBufferPointer { buffer throws(ProtocolError) in try LogEntry.decode(payload: buffer) }
            #expect(inPlace == entry, "seed \(seed), command \(number): \(text)")
        }
    }

    @Test("a damaged log line gets the same entry or the same error by either path", arguments: seeds)
    func aDamagedLineGetsTheSameAnswerByEitherPath(seed: UInt64) {
        var random = RandomCommands(seed: seed)
        let damage: [[UInt8]] = [" ", "\t", "=", "\"", "\\", ",", ":", "x", "X", "0", "9", "-", "é", "\r", "\0", "ticket=1 "]
            .map { Array($0.utf8) }
        for number in 0..<Self.commandsPerSeed {
            var bytes = Array(LogEntry(time: Timestamp(milliseconds: Int64(random.below(1 << 41))), command: random.command()).line.description.utf8)
            for _ in 0...random.below(3) {
                let at = random.below(bytes.count + 1)
                switch random.below(4) {
                case 0 where at < bytes.count: bytes.remove(at: at)
                case 1 where at < bytes.count: bytes.replaceSubrange(at..<at + 1, with: damage[random.below(damage.count)])
                case 2: bytes.insert(contentsOf: damage[random.below(damage.count)], at: at)
                default:
                    // Repeats a field, or moves text from one place to another.
                    let from = random.below(bytes.count)
                    let piece = bytes[from..<min(bytes.count, from + 12)]
                    bytes.insert(contentsOf: piece, at: at)
                }
            }
            let inPlace = bytes.withUnsafeBufferPointer { buffer in
                Result { () throws(ProtocolError) in try LogEntry.decode(payload: buffer) }
            }
            let general = bytes.withUnsafeBufferPointer { buffer in
                Result { () throws(ProtocolError) in try LineParser.parse(buffer).map { line throws(ProtocolError) in try LogEntry(line) } }
            }
            #expect(inPlace == general, "seed \(seed), line \(number): \(String(decoding: bytes, as: UTF8.self))")
        }
    }

    @Test("the lines the node writes for the hot verbs are read in place, not through a Line")
    func plainLinesAreReadInPlace() throws {
        let commands: [Command] = [
            .submit(TicketSubmission(customer: "cust-42", channel: .chat, priority: .high, queue: "hosting",
                                     skills: [SkillLevel("linux", level: 2), SkillLevel("dns")], minimumTier: 1, subject: "site down")),
            .accept(TicketID(7), by: AgentID("agent-1")),
            .decline(TicketID(7), by: AgentID("agent-1")),
            .resolve(TicketID(7), by: AgentID("agent-1")),
            .setStatus(AgentID("agent-1"), .away),
            .login(AgentProfile(id: AgentID("agent-1"), skills: [SkillLevel("linux", level: 4)], tier: 2,
                                capacity: Capacity(chat: 3, email: 5), session: "node-1#1")),
            .tick,
        ]
        for command in commands {
            let entry = LogEntry(time: Timestamp(milliseconds: 1_764_144_000_123), command: command)
            let bytes = Array(entry.line.description.utf8)
            #expect(bytes.withUnsafeBufferPointer { PayloadArguments.plainEntry($0) } == entry, "\(entry.line)")
        }
    }
}

/// Commands of every kind with random, often awkward, values.
struct RandomCommands {
    private var random: SplitMix64
    private static let pieces = ["a", "b", "z", "0", "7", "-", "_", ".", "#", " ", "\"", "\\", "=", "\n", "\r", "\t", "é", "✓", ",", ":"]

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// A number in `0..<bound`.
    mutating func below(_ bound: Int) -> Int { Int(random.next(below: UInt64(bound))) }
    /// A number in `range`, which may be as wide as `0...Int.max`.
    private mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(random.next(below: UInt64(range.upperBound - range.lowerBound) + 1))
    }
    private mutating func chance(_ oneIn: Int) -> Bool { below(oneIn) == 0 }

    /// Mostly plain names; one in four has awkward characters.
    mutating func text(allowEmpty: Bool = true) -> String {
        if chance(4) {
            let count = int((allowEmpty ? 0 : 1)...8)
            return (0..<count).map { _ in Self.pieces[int(0...Self.pieces.count - 1)] }.joined()
        }
        return ["acme", "cust-\(int(0...9999))", "hosting", "agent-\(int(0...99))", "node-1#3", "site down since 9:00"][int(0...5)]
    }

    /// Skill names cannot hold `,` or `:`, the list's separators, and are never empty.
    mutating func skills() -> [SkillLevel] {
        (0..<int(0...3)).map { _ in
            var name = text(allowEmpty: false).filter { $0 != "," && $0 != ":" }
            if name.isEmpty { name = "dns" }
            return SkillLevel(name, level: int(1...5))
        }
    }

    mutating func agent() -> AgentID { AgentID(text()) }
    mutating func ticket() -> TicketID { TicketID(UInt64(int(1...Int.max))) }
    mutating func ms() -> Int64 { chance(3) ? Int64(int(0...Int(Int64.max))) : Int64(int(0...100_000_000)) }

    mutating func command() -> Command {
        switch int(0...14) {
        case 0:
            return .upsertQueue(QueueConfig(
                name: text(), defaultSkills: skills(), minimumTier: int(1...RoutingEngine.maximumTier),
                sla: SLATargets(urgent: ms(), high: ms(), normal: ms(), low: ms()),
                strategy: RoutingStrategy.allCases[int(0...RoutingStrategy.allCases.count - 1)],
                offerTimeoutMs: ms(), wrapUpMs: ms()))
        case 1:
            return .setPolicy(FloorPolicy(
                affinityWindowMs: ms(), realTimeGraceMs: ms(), asyncGraceMs: ms(), missesBeforeAway: int(0...Int(Int32.max)),
                slaWarningPercent: int(0...1000), declineCooldownMs: ms()))
        case 2:
            return .login(AgentProfile(
                id: agent(), name: text(), skills: skills(), tier: int(1...RoutingEngine.maximumTier),
                capacity: Capacity(chat: int(0...5), email: int(0...5), phone: int(0...1), web: int(0...5), total: chance(2) ? int(0...9) : nil),
                autoAccept: chance(2), session: text()))
        case 3: return .logout(agent())
        case 4: return .setStatus(agent(), AgentStatus.allCases[int(0...AgentStatus.allCases.count - 1)])
        case 5:
            return .submit(TicketSubmission(
                customer: text(), channel: Channel.allCases[int(0...3)], priority: Priority.allCases[int(0...3)], queue: text(),
                skills: skills(), minimumTier: int(1...RoutingEngine.maximumTier), subject: text()))
        case 6: return .accept(ticket(), by: agent())
        case 7: return .decline(ticket(), by: agent())
        case 8: return .resolve(ticket(), by: agent())
        case 9: return .escalate(ticket(), by: chance(2) ? agent() : nil, toTier: chance(2) ? int(1...RoutingEngine.maximumTier) : nil)
        case 10: return .transfer(ticket(), by: chance(2) ? agent() : nil, to: chance(2) ? .queue(text()) : .agent(agent()))
        case 11: return .cancel(ticket())
        case 12: return .nodeDown(text())
        case 13: return .nodeUp(text())
        default: return .tick
        }
    }
}
