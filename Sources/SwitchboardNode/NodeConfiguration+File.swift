import Foundation
import SwitchboardCore
import SwitchboardProtocol

// MARK: - Reading the JSON config file
//
//     {
//       "id": "node-1",
//       "listen": "127.0.0.1:7400",
//       "data_dir": "./switchboard-data",
//       "fsync": "always",
//       "tokens": [{"role": "admin", "token": "…"}, {"role": "agent", "token": "…"}],
//       "queues": [{"name": "hosting", "skills": "linux:2", "tier": 1, "strategy": "least-loaded",
//                   "sla": "urgent:5m,high:30m,normal:4h,low:1d", "offer_timeout": "30s", "wrap_up": "1m"}],
//       "policy": {"affinity_window": "1d", "real_time_grace": "30s", "async_grace": "15m",
//                  "misses_before_away": 3, "sla_warning_percent": 80, "decline_cooldown": "1m"},
//       "limits": {"max_connections": 1024, "max_line_bytes": 65536, "max_outbound_bytes": 4194304, "auth_timeout": "10s",
//                  "snapshot_every": 100000},
//       "log_level": "info"
//     }

extension NodeConfiguration {
    /// Applies a config file over this configuration.
    public mutating func load(file path: String) throws(ConfigurationError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("cannot read config file [\(path)]: it does not exist or is not readable")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ConfigurationError("config file [\(path)] is not valid JSON: \(error.localizedDescription)")
        }
        guard let root = object as? [String: Any] else {
            throw ConfigurationError("config file [\(path)] must hold a JSON object at the top")
        }
        var file = JSONFields(root, path: path)
        if let id = try file.string("id") { self.id = id }
        if let listen = try file.string("listen") {
            do {
                self.listen = try ListenAddress(parsing: listen)
            } catch {
                throw ConfigurationError("\(path): \"listen\": \(error.message)")
            }
        }
        if let dir = try file.string("data_dir") { dataDirectory = dir }
        if let policy = try file.string("fsync") {
            do {
                fsync = try Self.parseFsync(policy)
            } catch {
                throw ConfigurationError("\(path): \"fsync\": \(error.message)")
            }
        }
        if let level = try file.string("log_level") {
            do {
                logLevel = try Self.parseLogLevel(level)
            } catch {
                throw ConfigurationError("\(path): \"log_level\": \(error.message)")
            }
        }
        if let tokens = try file.array("tokens") {
            for (index, item) in tokens.enumerated() {
                var entry = try JSONFields.object(item, path: "\(path): tokens[\(index)]")
                guard let roleText = try entry.string("role"), let role = Role(rawValue: roleText) else {
                    throw ConfigurationError("\(path): tokens[\(index)] needs \"role\": admin, agent or intake")
                }
                guard let token = try entry.string("token") else { throw ConfigurationError("\(path): tokens[\(index)] needs \"token\"") }
                try entry.finish()
                self.tokens.append((token, role))
            }
        }
        if let queues = try file.array("queues") {
            for (index, item) in queues.enumerated() {
                var entry = try JSONFields.object(item, path: "\(path): queues[\(index)]")
                guard let name = try entry.string("name") else { throw ConfigurationError("\(path): queues[\(index)] needs \"name\"") }
                let skills = try entry.string("skills")
                let sla = try entry.string("sla")
                let strategy = try entry.string("strategy")
                let settings = try Self.wire("\(path): queues[\(index)]") { () throws(ProtocolError) in
                    QueueSettings(
                        name: name,
                        skills: try skills.map { v throws(ProtocolError) in try WireValue.skills(v) },
                        tier: try entry.int("tier"),
                        sla: try sla.map { v throws(ProtocolError) in try WireValue.sla(v) },
                        strategy: try strategy.map { v throws(ProtocolError) in try WireValue.strategy(v) },
                        offerTimeoutMs: try entry.duration("offer_timeout"),
                        wrapUpMs: try entry.duration("wrap_up"))
                }
                try entry.finish()
                self.queues.append(settings.applied(to: nil))
            }
        }
        if let policyObject = try file.object("policy") {
            var entry = policyObject
            try Self.wire("\(path): policy") { () throws(ProtocolError) in
                if let v = try entry.duration("affinity_window") { policy.affinityWindowMs = v }
                if let v = try entry.duration("real_time_grace") { policy.realTimeGraceMs = v }
                if let v = try entry.duration("async_grace") { policy.asyncGraceMs = v }
                if let v = try entry.duration("decline_cooldown") { policy.declineCooldownMs = v }
                if let v = try entry.int("misses_before_away") { policy.missesBeforeAway = v }
                if let v = try entry.int("sla_warning_percent") { policy.slaWarningPercent = v }
            }
            try entry.finish()
        }
        if let limitsObject = try file.object("limits") {
            var entry = limitsObject
            try Self.wire("\(path): limits") { () throws(ProtocolError) in
                if let v = try entry.int("max_connections") { maximumConnections = v }
                if let v = try entry.int("max_line_bytes") { maximumLineBytes = v }
                if let v = try entry.int("max_outbound_bytes") { maximumOutboundBytes = v }
                if let v = try entry.duration("auth_timeout") { authTimeoutMs = v }
                if let v = try entry.int("snapshot_every") { snapshotEvery = v }
            }
            try entry.finish()
        }
        try file.finish()
    }

    /// Parses a log level name.
    public static func parseLogLevel(_ text: String) throws(ConfigurationError) -> Log.Level {
        guard let level = [Log.Level.debug, .info, .warning, .error].first(where: { $0.description == text }) else {
            throw ConfigurationError("log level [\(text)] must be debug, info, warning or error")
        }
        return level
    }

    /// Runs wire-value parsing and reports its errors as configuration errors at `place`.
    static func wire<T>(_ place: String, _ body: () throws(ProtocolError) -> T) throws(ConfigurationError) -> T {
        do {
            return try body()
        } catch {
            throw ConfigurationError("\(place): \(error.message)")
        }
    }
}

/// Reads the fields of one JSON object, with errors naming the file and field, and refuses
/// fields it does not know (a misspelt key is a mistake, not a default).
struct JSONFields {
    private let values: [String: Any]
    private let path: String
    private var used: Set<String> = []

    init(_ values: [String: Any], path: String) {
        self.values = values
        self.path = path
    }

    static func object(_ value: Any, path: String) throws(ConfigurationError) -> JSONFields {
        guard let values = value as? [String: Any] else { throw ConfigurationError("\(path) must be a JSON object") }
        return JSONFields(values, path: path)
    }

    mutating func string(_ key: String) throws(ConfigurationError) -> String? {
        used.insert(key)
        guard let value = values[key] else { return nil }
        if let number = value as? NSNumber, !(value is Bool) { return number.stringValue }
        guard let text = value as? String else { throw ConfigurationError("\(path): \"\(key)\" must be a string") }
        return text
    }

    mutating func int(_ key: String) throws(ProtocolError) -> Int? {
        used.insert(key)
        guard let value = values[key] else { return nil }
        guard let number = value as? NSNumber, !(value is Bool), let exact = Int(exactly: number.doubleValue) else {
            throw ProtocolError(.badArgument, "\"\(key)\" must be a whole number")
        }
        return exact
    }

    mutating func duration(_ key: String) throws(ProtocolError) -> Int64? {
        used.insert(key)
        guard let value = values[key] else { return nil }
        if let number = value as? NSNumber, !(value is Bool), let exact = Int64(exactly: number.doubleValue), exact >= 0 {
            return exact
        }
        guard let text = value as? String else { throw ProtocolError(.badArgument, "\"\(key)\" must be a duration such as \"30s\"") }
        return try WireValue.duration(text, key)
    }

    mutating func array(_ key: String) throws(ConfigurationError) -> [Any]? {
        used.insert(key)
        guard let value = values[key] else { return nil }
        guard let array = value as? [Any] else { throw ConfigurationError("\(path): \"\(key)\" must be a JSON array") }
        return array
    }

    mutating func object(_ key: String) throws(ConfigurationError) -> JSONFields? {
        used.insert(key)
        guard let value = values[key] else { return nil }
        return try Self.object(value, path: "\(path): \(key)")
    }

    func finish() throws(ConfigurationError) {
        if let unknown = values.keys.sorted().first(where: { !used.contains($0) }) {
            throw ConfigurationError("\(path): unknown field \"\(unknown)\"; see the config example in README.md")
        }
    }
}
