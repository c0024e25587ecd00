import Glibc

/// The field keys the protocol and the log use, so that the tokenizer hands out one shared
/// `String` for a key it knows instead of making a new one for every field of every line:
/// making a `String` cost more than finding the key here.
enum KnownKeys {
    private static let keys = [
        "affinity-window", "agent", "assigned", "async-grace", "at", "auto-accept", "breached", "by", "bytes",
        "cancelled", "capacity", "channel", "connections", "created", "customer", "deadline", "decline-cooldown",
        "detail", "digest", "event", "expires", "id", "index", "load", "misses", "misses-before-away", "name", "node",
        "offer-timeout", "offered", "oldest-wait", "owner", "priority", "queue", "queued", "real-time-grace",
        "reason", "resolved", "role", "session", "session-lost", "skills", "sla", "sla-warning-percent", "state",
        "status", "strategy", "subject", "ticket", "tickets", "tier", "to", "waiting", "warned", "wrap-up",
    ]

    /// The keys by their length in bytes, each with its bytes.
    private static let byLength: [[(bytes: [UInt8], key: String)]] = {
        var table = [[(bytes: [UInt8], key: String)]](repeating: [], count: keys.map(\.utf8.count).max()! + 1)
        for key in keys { table[key.utf8.count].append((Array(key.utf8), key)) }
        return table
    }()

    /// The shared `String` for these bytes, or nil when they are not a known key.
    static func key(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard bytes.count < byLength.count, let start = bytes.baseAddress else { return nil }
        for candidate in byLength[bytes.count] where candidate.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, start, bytes.count) == 0 }) {
            return candidate.key
        }
        return nil
    }
}
