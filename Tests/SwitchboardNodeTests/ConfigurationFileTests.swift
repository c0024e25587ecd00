import SwitchboardCore
import SwitchboardNode
import Testing

/// `NodeConfiguration.load(file:)`: every field of a complete file, and a clear error naming the
/// file and the field for each kind of mistake.
@Suite struct ConfigurationFileTests {
    static let complete = """
    {
      "id": "node-7",
      "listen": "127.0.0.1:7411",
      "data_dir": "/var/lib/switchboard",
      "fsync": "interval:250",
      "tokens": [{"role": "admin", "token": "change-me-admin"},
                 {"role": "agent", "token": "change-me-agents"},
                 {"role": "intake", "token": "change-me-intake"}],
      "queues": [{"name": "hosting", "skills": "linux:2,dns", "tier": 2, "sla": "urgent:5m,high:30m,normal:4h,low:1d",
                  "strategy": "longest-idle", "offer_timeout": "45s", "wrap_up": "1m"},
                 {"name": "billing", "offer_timeout": 1500}],
      "policy": {"affinity_window": "2d", "real_time_grace": "40s", "async_grace": "20m",
                 "misses_before_away": 4, "sla_warning_percent": 75, "decline_cooldown": "90s"},
      "limits": {"max_connections": 512, "max_line_bytes": 32768, "max_outbound_bytes": 2097152,
                 "auth_timeout": "7s", "snapshot_every": 5000},
      "log_level": "warning"
    }
    """

    @Test func aCompleteFileSetsEveryField() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write("node.json", Self.complete)
        var configuration = NodeConfiguration()
        try configuration.load(file: path)
        #expect(configuration.id == "node-7")
        #expect(configuration.listen == ListenAddress(host: "127.0.0.1", port: 7411))
        #expect(configuration.dataDirectory == "/var/lib/switchboard")
        #expect(configuration.tokens.map { $0.token } == ["change-me-admin", "change-me-agents", "change-me-intake"])
        #expect(configuration.tokens.map { $0.role } == [.admin, .agent, .intake])
        #expect(configuration.queues == [
            QueueConfig(name: "hosting", defaultSkills: [SkillLevel("linux", level: 2), SkillLevel("dns", level: 1)], minimumTier: 2,
                        sla: .standard, strategy: .longestIdle, offerTimeoutMs: 45_000, wrapUpMs: 60_000),
            QueueConfig(name: "billing", offerTimeoutMs: 1500),
        ])
        #expect(configuration.policy == FloorPolicy(affinityWindowMs: 2 * 86_400_000, realTimeGraceMs: 40_000, asyncGraceMs: 1_200_000,
                                                    missesBeforeAway: 4, slaWarningPercent: 75, declineCooldownMs: 90_000))
        #expect(configuration.maximumConnections == 512)
        #expect(configuration.maximumLineBytes == 32_768)
        #expect(configuration.maximumOutboundBytes == 2_097_152)
        #expect(configuration.authTimeoutMs == 7000)
        #expect(configuration.fsync == .interval(milliseconds: 250))
        #expect(configuration.snapshotEvery == 5000)
        #expect(configuration.logLevel == .warning)
        try configuration.validate()
    }

    @Test func theREADMEExampleLoads() throws {
        // The example in README.md's "Configuration" section, verbatim.
        let readme = try String(contentsOfFile: #filePath.replacingOccurrences(
            of: "Tests/SwitchboardNodeTests/ConfigurationFileTests.swift", with: "README.md"), encoding: .utf8)
        guard let start = readme.range(of: "```json\n"), let end = readme.range(of: "\n```", range: start.upperBound..<readme.endIndex) else {
            Issue.record("README.md has no ```json block")
            return
        }
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write("readme.json", String(readme[start.upperBound..<end.lowerBound]))
        var configuration = NodeConfiguration()
        try configuration.load(file: path)
        #expect(configuration.queues.map(\.name) == ["hosting"])
        #expect(configuration.tokens.count == 3)
        try configuration.validate()
    }

    @Test func aPartialFileKeepsTheDefaultsOfWhatItDoesNotSay() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write("partial.json", #"{"policy": {"misses_before_away": 5}}"#)
        var configuration = NodeConfiguration()
        try configuration.load(file: path)
        var expected = FloorPolicy()
        expected.missesBeforeAway = 5
        #expect(configuration.policy == expected)
        #expect(configuration.listen == ListenAddress(host: "127.0.0.1", port: 7400))
        #expect(configuration.tokens.isEmpty)
        #expect(configuration.authTimeoutMs == 10_000)
    }

    /// A mistake, and the words its error must contain besides the file's path.
    struct Mistake: CustomStringConvertible, Sendable {
        let kind: String
        let json: String
        let mentions: [String]
        var description: String { kind }
    }

    static let mistakes: [Mistake] = [
        Mistake(kind: "bad JSON", json: #"{"id": "node-1", "listen": }"#, mentions: ["not valid JSON"]),
        Mistake(kind: "not an object", json: #"["id"]"#, mentions: ["JSON object"]),
        Mistake(kind: "unknown top-level field", json: #"{"listen_on": "127.0.0.1:1"}"#, mentions: ["unknown field", "listen_on"]),
        Mistake(kind: "unknown queue field", json: #"{"queues": [{"name": "q", "timeout": "3s"}]}"#,
                mentions: ["queues[0]", "unknown field", "timeout"]),
        Mistake(kind: "unknown policy field", json: #"{"policy": {"grace": "3s"}}"#, mentions: ["policy", "unknown field", "grace"]),
        Mistake(kind: "unknown limits field", json: #"{"limits": {"max_lines": 3}}"#, mentions: ["limits", "unknown field", "max_lines"]),
        Mistake(kind: "unknown token field", json: #"{"tokens": [{"role": "admin", "token": "long-enough", "scope": "all"}]}"#,
                mentions: ["tokens[0]", "unknown field", "scope"]),
        Mistake(kind: "wrong type: string field", json: #"{"id": true}"#, mentions: ["\"id\"", "must be a string"]),
        Mistake(kind: "wrong type: array field", json: #"{"tokens": {"role": "admin"}}"#, mentions: ["\"tokens\"", "JSON array"]),
        Mistake(kind: "wrong type: object field", json: #"{"policy": 3}"#, mentions: ["policy", "JSON object"]),
        Mistake(kind: "wrong type: number field", json: #"{"queues": [{"name": "q", "tier": "two"}]}"#,
                mentions: ["queues[0]", "\"tier\"", "whole number"]),
        Mistake(kind: "wrong type: limit", json: #"{"limits": {"max_connections": 10.5}}"#,
                mentions: ["limits", "\"max_connections\"", "whole number"]),
        Mistake(kind: "bad duration", json: #"{"queues": [{"name": "q", "offer_timeout": "30 parsecs"}]}"#,
                mentions: ["queues[0]", "offer_timeout", "duration"]),
        Mistake(kind: "bad policy duration", json: #"{"policy": {"real_time_grace": "soon"}}"#,
                mentions: ["policy", "real_time_grace", "duration"]),
        Mistake(kind: "negative duration", json: #"{"limits": {"auth_timeout": -5}}"#, mentions: ["limits", "auth_timeout"]),
        Mistake(kind: "bad skill level", json: #"{"queues": [{"name": "q", "skills": "linux:9"}]}"#,
                mentions: ["queues[0]", "skills", "linux", "1 to 5"]),
        Mistake(kind: "bad strategy", json: #"{"queues": [{"name": "q", "strategy": "random"}]}"#,
                mentions: ["queues[0]", "strategy=random"]),
        Mistake(kind: "queue without a name", json: #"{"queues": [{"skills": "linux"}]}"#, mentions: ["queues[0]", "\"name\""]),
        Mistake(kind: "unknown role", json: #"{"tokens": [{"role": "root", "token": "long-enough"}]}"#,
                mentions: ["tokens[0]", "\"role\"", "admin, agent or intake"]),
        Mistake(kind: "token without a token", json: #"{"tokens": [{"role": "admin"}]}"#, mentions: ["tokens[0]", "\"token\""]),
    ]

    /// Two top-level values whose errors come from shared parsers.
    static let valueMistakes: [Mistake] = [
        Mistake(kind: "bad listen address", json: #"{"listen": "localhost"}"#, mentions: ["listen", "localhost", "127.0.0.1:7400"]),
        Mistake(kind: "bad log level", json: #"{"log_level": "verbose"}"#, mentions: ["log_level", "verbose", "debug, info, warning or error"]),
        Mistake(kind: "bad fsync policy", json: #"{"fsync": "sometimes"}"#, mentions: ["fsync", "sometimes", "always, never or interval:MS"]),
        Mistake(kind: "fsync interval out of range", json: #"{"fsync": "interval:0"}"#, mentions: ["fsync", "interval:0"]),
    ]

    @Test func aSnapshotEveryBelowOneRecordIsRefused() throws {
        var configuration = NodeConfiguration()
        configuration.snapshotEvery = 0
        #expect(throws: ConfigurationError("snapshot_every is 0; it must be at least 1 record")) { try configuration.validate() }
    }

    @Test(arguments: mistakes)
    func eachKindOfMistakeGivesAnErrorNamingTheFileAndTheField(_ mistake: Mistake) throws {
        try expectError(for: mistake)
    }

    @Test(arguments: valueMistakes)
    func aBadListenAddressOrLogLevelInTheFileGivesAnErrorNamingTheFileAndTheField(_ mistake: Mistake) throws {
        try expectError(for: mistake)
    }

    private func expectError(for mistake: Mistake, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write("broken.json", mistake.json)
        var configuration = NodeConfiguration()
        do {
            try configuration.load(file: path)
            Issue.record("\(mistake.kind): the file loaded", sourceLocation: sourceLocation)
        } catch {
            // `error` is a ConfigurationError (typed throws).
            let message = error.message
            let missing = ([path] + mistake.mentions).filter { !message.contains($0) }
            #expect(missing.isEmpty, "\(mistake.kind): [\(message)] does not mention \(missing)", sourceLocation: sourceLocation)
        }
    }

    @Test func aMissingFileGivesAnErrorNamingIt() throws {
        var configuration = NodeConfiguration()
        let path = "/nonexistent/switchboard-\(UInt64.random(in: 0...UInt64.max)).json"
        #expect {
            try configuration.load(file: path)
        } throws: { error in
            (error as? ConfigurationError)?.message.contains(path) == true
        }
    }
}
