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

    static func start(tokens: [(String, Role)] = [], queues: [QueueConfig] = [QueueConfig(name: "hosting", defaultSkills: [SkillLevel("linux")])],
                      configure: (inout NodeConfiguration) -> Void = { _ in }) async throws -> NodeHarness {
        var configuration = NodeConfiguration()
        configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.tokens = tokens.map { (token: $0.0, role: $0.1) }
        configuration.queues = queues
        configure(&configuration)
        let node = try await Node.start(configuration, log: Log(minimum: .error))
        return NodeHarness(node: node, port: node.port)
    }

    func client(token: String? = nil) async throws -> SwitchboardClient {
        try await SwitchboardClient.connect(host: "127.0.0.1", port: port, token: token)
    }

    func stop() async { await node.stop() }
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
    func next(within seconds: Double = 5) async throws -> Push {
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
