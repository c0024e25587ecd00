import Foundation
import SwitchboardCore
import SwitchboardLog
import SwitchboardProtocol

/// Everything a node needs to start: from defaults, then a JSON config file, then flags.
public struct NodeConfiguration: Sendable {
    /// The node's name in logs and `STATUS`.
    public var id = "node-1"
    /// Where the node listens for the line protocol.
    public var listen = ListenAddress(host: "127.0.0.1", port: 7400)
    /// Where the node keeps its data.
    public var dataDirectory = "./switchboard-data"
    /// Accepted tokens and their roles; empty means open, which only loopback allows.
    public var tokens: [(token: String, role: Role)] = []
    /// Queues to create (or update) at start.
    public var queues: [QueueConfig] = []
    /// Floor-wide routing rules.
    public var policy = FloorPolicy()
    /// At most this many client connections at once.
    public var maximumConnections = 1024
    /// The longest request line, in bytes.
    public var maximumLineBytes = 65_536
    /// How much unread output a connection may pile up before it is dropped, in bytes.
    public var maximumOutboundBytes = 4 << 20
    /// How long a connection may stay without a good `AUTH` (when tokens are configured), in milliseconds.
    public var authTimeoutMs: Int64 = 10_000
    /// How much the node logs.
    public var logLevel = Log.Level.info
    /// When the log is synced: `always` (a command is acknowledged once on disk, with group
    /// commit), every N milliseconds, or `never` (left to the operating system).
    public var fsync = FsyncPolicy.always
    /// Truncate the log at a damaged record instead of refusing to start (what is dropped is logged).
    public var repair = false
    /// Take a snapshot after this many log records (and drop the log segments it covers).
    public var snapshotEvery = 100_000

    /// The defaults: a single open node on 127.0.0.1:7400.
    public init() {}

    /// Checks what cannot be checked field by field.
    public func validate() throws(ConfigurationError) {
        if tokens.isEmpty && !listen.isLoopback {
            throw ConfigurationError(
                "listening on [\(listen)] needs tokens: anyone on the network could use this node. "
                + "Add --token admin:SECRET (and agent:/intake: tokens), or a \"tokens\" list in the config file, "
                + "or listen on 127.0.0.1")
        }
        for (index, entry) in tokens.enumerated() where entry.token.count < 8 || entry.token.contains(where: \.isWhitespace) {
            throw ConfigurationError("token #\(index + 1) (\(entry.role)) must be at least 8 characters with no spaces")
        }
        guard (1...1_000_000).contains(maximumConnections) else {
            throw ConfigurationError("max_connections is \(maximumConnections); it must be 1 to 1000000")
        }
        guard (256...(16 << 20)).contains(maximumLineBytes) else {
            throw ConfigurationError("max_line_bytes is \(maximumLineBytes); it must be 256 to 16777216")
        }
        guard snapshotEvery >= 1 else {
            throw ConfigurationError("snapshot_every is \(snapshotEvery); it must be at least 1 record")
        }
        guard maximumOutboundBytes >= maximumLineBytes else {
            throw ConfigurationError("max_outbound_bytes (\(maximumOutboundBytes)) must be at least max_line_bytes (\(maximumLineBytes))")
        }
    }
}

/// A host and port to listen on or connect to: `127.0.0.1:7400`, `[::1]:7400`, `localhost:7400`.
public struct ListenAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// An address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`, with IPv6 hosts in brackets.
    public init(parsing text: String) throws(ConfigurationError) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ConfigurationError("address [\(text)] must look like [::1]:7400")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), text.firstIndex(of: ":") == colon else {
                throw ConfigurationError("address [\(text)] must look like 127.0.0.1:7400 (IPv6 in brackets: [::1]:7400)")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw ConfigurationError("address [\(text)] has no host") }
        guard let port = Int(portText), (0...65_535).contains(port) else {
            throw ConfigurationError("address [\(text)] has port [\(portText)]; a port is 0 to 65535")
        }
        self.init(host: String(host), port: port)
    }

    /// Whether only this machine can reach the address.
    /// Only literal loopback addresses count: a host name such as `127.example.com` could
    /// resolve anywhere.
    public var isLoopback: Bool {
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127"
            && octets.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCII) && UInt8($0) != nil }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension NodeConfiguration {
    /// Parses `always`, `interval:MS` or `never`.
    public static func parseFsync(_ text: String) throws(ConfigurationError) -> FsyncPolicy {
        switch text {
        case "always": return .always
        case "never": return .never
        default:
            if text.hasPrefix("interval:"), let ms = Int(text.dropFirst("interval:".count)), (1...60_000).contains(ms) {
                return .interval(milliseconds: ms)
            }
            throw ConfigurationError("fsync [\(text)] must be always, never or interval:MS with MS from 1 to 60000")
        }
    }
}

/// A configuration mistake, with a message that names the field and the fix.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
