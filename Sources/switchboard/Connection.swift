import Foundation
import SwitchboardClient
import SwitchboardCore
import SwitchboardProtocol

/// The options every command that talks to a node takes.
struct NodeOptions {
    var host: String
    var port: Int
    var token: String?
    var json: Bool

    /// Takes `--node`, `--token` and `--json` out of the arguments, with the environment's defaults.
    init(_ options: inout OptionReader) throws {
        let environment = ProcessInfo.processInfo.environment
        let address = try options.value("--node") ?? environment["SWITCHBOARD_NODE"] ?? "127.0.0.1:7400"
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
              (1...65_535).contains(port) else {
            throw UsageError("--node takes HOST:PORT (IPv6 in brackets: [::1]:7400), not [\(address)]")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw UsageError("--node [\(address)] has no host") }
        self.host = host
        self.port = port
        token = try options.value("--token") ?? environment["SWITCHBOARD_TOKEN"]
        json = options.flag("--json")
    }

    var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Connects and authenticates, turning failures into the CLI's exit statuses.
    func connect() async throws -> SwitchboardClient {
        do {
            return try await SwitchboardClient.connect(host: host, port: port, token: token, timeout: .seconds(5))
        } catch {
            throw NodeError(error, node: address)
        }
    }
}

/// A failure talking to a node, with the exit status it means: 1 refused, 3 cannot connect.
struct NodeError: Error {
    let status: Int32
    let message: String

    init(status: Int32, message: String) {
        self.status = status
        self.message = message
    }

    init(_ error: ClientError, node: String) {
        switch error {
        case .cannotConnect(let why):
            status = 3
            message = "\(why). Is a node running at \(node)? Start one with 'switchboard node'."
        case .refused(let refusal):
            status = 1
            message = "the node refused: \(refusal.code.rawValue) \(refusal.message)"
        case .connectionClosed:
            status = 3
            message = "the connection to \(node) closed before the node answered"
        case .protocolViolation(let why):
            status = 1
            message = "the node at \(node) answered something unexpected: \(why)"
        }
    }
}

/// Runs a client call, mapping its errors to the CLI's.
func calling<T>(_ node: NodeOptions, _ body: () async throws(ClientError) -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        throw NodeError(error, node: node.address)
    }
}

/// Prints a JSON value (dictionaries with sorted keys) on standard output.
func printJSON(_ value: Any) {
    guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys]) else { return }
    print(String(decoding: data, as: UTF8.self))
}

/// Parses wire values from command-line options; a bad value is a usage error.
func parsingWire<T>(_ body: () throws(ProtocolError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw UsageError(error.message)
    }
}
