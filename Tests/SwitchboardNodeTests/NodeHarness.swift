import Foundation
import SwitchboardClient
import SwitchboardCore
import SwitchboardNode
import SwitchboardProtocol
import Testing

/// A node started in-process on an ephemeral loopback port, stopped by `stop()`.
struct NodeHarness {
    let node: Node
    let port: Int
    /// The node's data directory: a fresh temporary one unless the test gives its own.
    let dataDirectory: String
    let ownsDataDirectory: Bool

    static func start(tokens: [(String, Role)] = [], queues: [QueueConfig] = [QueueConfig(name: "hosting", defaultSkills: [SkillLevel("linux")])],
                      configure: (inout NodeConfiguration) -> Void = { _ in }) async throws -> NodeHarness {
        var configuration = NodeConfiguration()
        configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.tokens = tokens.map { (token: $0.0, role: $0.1) }
        configuration.queues = queues
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-harness-\(UUID().uuidString)").path
        configuration.dataDirectory = scratch
        configure(&configuration)
        let owns = configuration.dataDirectory == scratch
        do {
            let node = try await Node.start(configuration, log: Log(minimum: .error))
            return NodeHarness(node: node, port: node.port, dataDirectory: configuration.dataDirectory, ownsDataDirectory: owns)
        } catch {
            if owns { try? FileManager.default.removeItem(atPath: scratch) }
            throw error
        }
    }

    func client(token: String? = nil) async throws -> SwitchboardClient {
        try await SwitchboardClient.connect(host: "127.0.0.1", port: port, token: token)
    }

    /// Stops the node and removes its data directory if the harness made it.
    func stop() async {
        await node.stop()
        if ownsDataDirectory { try? FileManager.default.removeItem(atPath: dataDirectory) }
    }
}

/// Collects a client's pushes from one long-lived task, so tests can wait for the next one
/// with a deadline (cancelling a pending `next()` would end the stream itself).
actor PushInbox {
    private var received: [Push] = []
    private var consumed = 0
    private var task: Task<Void, Never>?

    init(_ client: SwitchboardClient) {
        let stream = client.pushes
        Task { await self.start(stream) }
    }

    private func start(_ stream: AsyncStream<Push>) {
        task = Task { [weak self] in
            for await push in stream { await self?.append(push) }
        }
    }

    private func append(_ push: Push) { received.append(push) }

    /// The next push not yet taken, waiting up to `seconds` for it.
    func next(within seconds: Double = 10) async throws -> Push {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while consumed >= received.count {
            guard ContinuousClock.now < deadline else { throw PushTimeout() }
            try await Task.sleep(for: .milliseconds(2))
        }
        consumed += 1
        return received[consumed - 1]
    }
}

struct PushTimeout: Error {}

extension NodeHarness {
    /// A raw line connection to the node.
    func wire() throws -> WireConnection { try WireConnection(port: port) }
}

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct ScratchDirectory {
    let path: String

    init(_ label: String = "switchboard-nodetests") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory.
    func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Writes text to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
        return file(name)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

extension NodeHarness {
    /// Starts a node, runs `body` with it, and stops the node whether `body` succeeds or throws.
    static func with(tokens: [(String, Role)] = [],
                     queues: [QueueConfig] = [QueueConfig(name: "hosting", defaultSkills: [SkillLevel("linux")])],
                     configure: (inout NodeConfiguration) -> Void = { _ in },
                     _ body: (NodeHarness) async throws -> Void) async throws {
        let harness = try await start(tokens: tokens, queues: queues, configure: configure)
        do {
            try await body(harness)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }
}
