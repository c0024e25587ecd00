import SwitchboardCore

/// The text forms of domain values on the wire, both ways. One place, so the node, the client
/// and the log agree.
public enum WireValue {
    // MARK: - Numbers and ids

    /// A whole number in a range.
    public static func integer(_ text: String, _ key: String, in range: ClosedRange<Int>) throws(ProtocolError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw ProtocolError(.badArgument, "\(key)=\(text) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A ticket id: a positive whole number.
    public static func ticket(_ text: String, _ key: String = "ticket") throws(ProtocolError) -> TicketID {
        guard let value = UInt64(text), value > 0 else {
            throw ProtocolError(.badArgument, "\(key)=\(text) must be a ticket number (1 or more)")
        }
        return TicketID(value)
    }

    /// `0`/`1`, `true`/`false`, `yes`/`no`.
    public static func boolean(_ text: String, _ key: String) throws(ProtocolError) -> Bool {
        switch text {
        case "1", "true", "yes": return true
        case "0", "false", "no": return false
        default: throw ProtocolError(.badArgument, "\(key)=\(text) must be 1 or 0")
        }
    }

    // MARK: - Durations

    /// A duration: milliseconds (`1500`, `1500ms`) or with a unit (`30s`, `5m`, `4h`, `1d`).
    public static func duration(_ text: String, _ key: String) throws(ProtocolError) -> Int64 {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Int64(text.dropLast(suffix.count)), value >= 0, value <= Int64.max / scale {
                return value * scale
            }
        }
        if let value = Int64(text), value >= 0 { return value }
        throw ProtocolError(.badArgument, "\(key)=\(text) must be a duration such as 1500, 30s, 5m, 4h or 1d")
    }

    /// The shortest exact text of a duration.
    public static func duration(_ ms: Int64) -> String {
        for (suffix, scale) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where ms != 0 && ms % scale == 0 {
            return "\(ms / scale)\(suffix)"
        }
        return "\(ms)"
    }

    // MARK: - Enumerations

    /// A channel name.
    public static func channel(_ text: String) throws(ProtocolError) -> Channel {
        try named(text, "channel", Channel.init(name:), "chat, email, phone or web")
    }

    /// A priority name.
    public static func priority(_ text: String) throws(ProtocolError) -> Priority {
        try named(text, "priority", Priority.init(name:), "urgent, high, normal or low")
    }

    /// An agent status name.
    public static func status(_ text: String) throws(ProtocolError) -> AgentStatus {
        try named(text, "status", AgentStatus.init(name:), "available or away")
    }

    /// A ticket state name.
    public static func state(_ text: String) throws(ProtocolError) -> TicketState {
        try named(text, "state", TicketState.init(name:), "queued, offered, assigned, resolved or cancelled")
    }

    /// A routing strategy name.
    public static func strategy(_ text: String) throws(ProtocolError) -> RoutingStrategy {
        try named(text, "strategy", RoutingStrategy.init(name:), "least-loaded, longest-idle or round-robin")
    }

    /// One of a set of names, with an error that lists them.
    private static func named<T>(_ text: String, _ key: String, _ parse: (String) -> T?, _ expected: String) throws(ProtocolError) -> T {
        guard let value = parse(text) else { throw ProtocolError(.badArgument, "\(key)=\(text) must be \(expected)") }
        return value
    }

    // MARK: - Lists

    /// `linux:3,dns,mail:2` (level 1 when omitted). Empty text is no skills.
    public static func skills(_ text: String, _ key: String = "skills") throws(ProtocolError) -> [SkillLevel] {
        guard !text.isEmpty else { return [] }
        var bytes = text
        // Nearly every list is ASCII and is read as bytes. Any other is split by Characters, as it
        // always was: there a comma followed by a combining mark is not a comma.
        let ascii = bytes.withUTF8 { utf8 in utf8.allSatisfy { $0 < 0x80 } ? asciiSkills(utf8, text: text, key: key) : nil }
        return try (ascii ?? characterSkills(text, key: key)).get()
    }

    private static func asciiSkills(_ bytes: UnsafeBufferPointer<UInt8>, text: String, key: String) -> Result<[SkillLevel], ProtocolError> {
        func string(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
        var result: [SkillLevel] = []
        var start = 0
        while true {
            var end = start
            var colon: Int?
            var colons = 0
            while end < bytes.count && bytes[end] != UInt8(ascii: ",") {
                if bytes[end] == UInt8(ascii: ":") {
                    colons += 1
                    colon = colon ?? end
                }
                end += 1
            }
            let nameEnd = colon ?? end
            guard colons <= 1, nameEnd > start else {
                return .failure(ProtocolError(.badArgument, "\(key)=\(text): [\(string(start..<end))] must be a skill name, optionally with :LEVEL"))
            }
            var level = 1
            if let colon {
                let digits = colon + 1..<end
                if digits.count == 1, (UInt8(ascii: "1")...UInt8(ascii: "5")).contains(bytes[colon + 1]) {
                    level = Int(bytes[colon + 1] - UInt8(ascii: "0"))
                } else if let parsed = Int(string(digits)), SkillLevel.levels.contains(parsed) {
                    level = parsed
                } else {
                    return .failure(ProtocolError(.badArgument, "\(key)=\(text): level of [\(string(start..<nameEnd))] must be 1 to 5"))
                }
            }
            result.append(SkillLevel(string(start..<nameEnd), level: level))
            guard end < bytes.count else { return .success(result) }
            start = end + 1
        }
    }

    private static func characterSkills(_ text: String, key: String) -> Result<[SkillLevel], ProtocolError> {
        var result: [SkillLevel] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2, let name = parts.first, !name.isEmpty else {
                return .failure(ProtocolError(.badArgument, "\(key)=\(text): [\(item)] must be a skill name, optionally with :LEVEL"))
            }
            var level = 1
            if parts.count == 2 {
                guard let parsed = Int(parts[1]), SkillLevel.levels.contains(parsed) else {
                    return .failure(ProtocolError(.badArgument, "\(key)=\(text): level of [\(name)] must be 1 to 5"))
                }
                level = parsed
            }
            result.append(SkillLevel(String(name), level: level))
        }
        return .success(result)
    }

    /// The text of a skill list.
    public static func skills(_ skills: [SkillLevel]) -> String {
        skills.map(\.description).joined(separator: ",")
    }

    /// `chat:3,email:5,phone:1,web:2,total:6`; channels not named take nothing.
    public static func capacity(_ text: String) throws(ProtocolError) -> Capacity {
        var capacity = Capacity()
        for item in pieces(text, ",") {
            let parts = pieces(item, ":", omittingEmpty: false)
            guard parts.count == 2, let value = Int(parts[1]), value >= 0 else {
                throw ProtocolError(.badArgument, "capacity=\(text): [\(item)] must be CHANNEL:N or total:N")
            }
            if parts[0] == "total" {
                capacity.total = value
            } else if let channel = Channel(name: String(parts[0])) {
                capacity[channel] = value
            } else {
                throw ProtocolError(.badArgument, "capacity=\(text): [\(parts[0])] is not chat, email, phone, web or total")
            }
        }
        return capacity
    }

    /// `urgent:5m,high:30m,normal:4h,low:1d`; priorities not named keep `base`'s target.
    public static func sla(_ text: String, base: SLATargets = .standard) throws(ProtocolError) -> SLATargets {
        var targets = base
        for item in pieces(text, ",") {
            let parts = pieces(item, ":", omittingEmpty: false)
            guard parts.count == 2, let priority = Priority(name: String(parts[0])) else {
                throw ProtocolError(.badArgument, "sla=\(text): [\(item)] must be PRIORITY:DURATION, e.g. urgent:5m")
            }
            targets[priority] = try duration(String(parts[1]), "sla \(priority)")
        }
        return targets
    }

    /// `text` split at an ASCII separator, as `split` splits it. An ASCII text is cut at bytes,
    /// where every byte is a Character; any other is split by Characters (grapheme breaking
    /// made `split` the dearest part of reading a LOGIN), where a separator followed by a
    /// combining mark is not a separator.
    private static func pieces(_ text: Substring, _ separator: Character, omittingEmpty: Bool = true) -> [Substring] {
        guard let byte = separator.asciiValue, text.utf8.allSatisfy({ $0 < 0x80 }) else {
            return text.split(separator: separator, omittingEmptySubsequences: omittingEmpty)
        }
        var result: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            if text.utf8[index] == byte {
                if !omittingEmpty || start < index { result.append(text[start..<index]) }
                start = text.utf8.index(after: index)
            }
            index = text.utf8.index(after: index)
        }
        if !omittingEmpty || start < text.endIndex { result.append(text[start..<text.endIndex]) }
        return result
    }

    private static func pieces(_ text: String, _ separator: Character) -> [Substring] { pieces(text[...], separator) }

    /// The text of SLA targets.
    public static func sla(_ targets: SLATargets) -> String {
        Priority.allCases.map { "\($0):\(duration(targets[$0]))" }.joined(separator: ",")
    }
}
