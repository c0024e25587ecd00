import Foundation
import SwitchboardCore
import SwitchboardLog
import SwitchboardProtocol
import SwitchboardTransport

/// A running Switchboard node: an event loop serving the line protocol, feeding one
/// coordinator that owns the routing engine.
///
///     let node = try await Node.start(configuration, log: Log())
///     print(node.port)
///     await node.stop()
public final class Node: Sendable {
    /// The port the node listens on (the one chosen by the system when 0 was asked).
    public let port: Int
    /// The address the node listens on, as text.
    public let address: String
    let coordinator: Coordinator
    private let loop: EventLoop
    private let listener: TCPListener
    private let timer: Task<Void, Never>
    private let log: Log
    private let lock: DataDirectoryLock

    private init(port: Int, address: String, coordinator: Coordinator, loop: EventLoop, listener: TCPListener,
                 timer: Task<Void, Never>, log: Log, lock: DataDirectoryLock) {
        self.lock = lock
        self.port = port
        self.address = address
        self.coordinator = coordinator
        self.loop = loop
        self.listener = listener
        self.timer = timer
        self.log = log
    }

    /// Validates the configuration, builds the floor, and starts listening.
    ///
    /// - Throws: `ConfigurationError` for a bad configuration, `EngineError` for a queue the
    ///   engine refuses, `TransportError` when the address cannot be bound.
    ///   - onFatal: called once if the log fails (a write or fsync error): the node has stopped
    ///     acknowledging and must be stopped. The command-line node exits.
    ///   - logFileSystem: a test's fault-injecting file system for the log, or nil for the real one.
    public static func start(_ configuration: NodeConfiguration, log: Log,
                             onFatal: @escaping @Sendable (String) -> Void = { _ in },
                             logFileSystem: (any LogFileSystem)? = nil) async throws -> Node {
        try configuration.validate()
        let lock = try DataDirectoryLock.acquire(configuration.dataDirectory)
        let engine: RoutingEngine, appliedIndex: UInt64, writer: LogWriter
        do {
            (engine, appliedIndex, writer) = try NodeStorage.open(configuration, log: log, fileSystem: logFileSystem)
        } catch {
            lock.release()
            throw error
        }
        let loop: EventLoop
        do {
            loop = try EventLoop(name: "switchboard-io")
            try loop.start()
        } catch {
            try? writer.close()
            lock.release()
            throw error
        }
        let coordinator = Coordinator(configuration: configuration, log: log, engine: engine, appliedIndex: appliedIndex,
                                      writer: writer, loop: loop, onFatal: onFatal)
        writer.onBackgroundFailure { error in
            loop.schedule { coordinator.assumeIsolated { $0.fail("the log failed: \(error); stopping without acknowledging anything more") } }
        }
        let startup = NodeStorage.startupCommands(configuration, engine: engine)
        if !startup.isEmpty {
            await coordinator.carryOut(startup.map { PlannedStep(connection: nil, step: .later($0, nil, .none)) })
        }
        // The handler runs on the loop's thread, which is the coordinator's executor.
        let handler = InboundHandler { batch in coordinator.handleOnLoop(batch) }
        var options = ListenerOptions(
            maximumConnections: configuration.maximumConnections,
            authenticationTimeout: configuration.tokens.isEmpty ? .zero : .milliseconds(configuration.authTimeoutMs))
        options.connection = ConnectionOptions(
            maximumLineBytes: configuration.maximumLineBytes, maximumOutboundBytes: configuration.maximumOutboundBytes)
        let listener: TCPListener
        do {
            listener = try TCPListener(
                host: configuration.listen.host, port: configuration.listen.port, options: options, on: loop,
                handler: handler, onEvent: { event in Node.report(event, log: log) })
        } catch {
            loop.stop()
            await coordinator.closeLog()
            lock.release()
            throw error
        }
        let timer = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
                await coordinator.tickIfDue()
            }
        }
        log.info("started [\(configuration.id)] listening [\(listener.address)] tokens [\(configuration.tokens.isEmpty ? "none, loopback only" : "\(configuration.tokens.count)")] data [\(configuration.dataDirectory)] fsync [\(configuration.fsync)]")
        return Node(port: listener.port, address: listener.address, coordinator: coordinator, loop: loop,
                    listener: listener, timer: timer, log: log, lock: lock)
    }

    /// Stops listening, closes every connection, and waits for the coordinator to finish.
    public func stop() async {
        timer.cancel()
        listener.close()
        await coordinator.shutdown()
        loop.stop()
        await coordinator.closeLog()
        await coordinator.finishBackgroundSnapshot()
        lock.release()
        log.info("stopped")
    }

    private static func report(_ event: ListenerEvent, log: Log) {
        switch event {
        case .rejected(let peer, let reason): log.warning("connection refused from [\(peer)] [\(reason)]")
        case .descriptorsExhausted(let error, let dropped, let paused):
            log.error("out of file descriptors [\(error)] dropped [\(dropped)] paused [\(paused)]; raise the limit (ulimit -n) or lower max_connections")
        case .acceptFailed(let error): log.error("accept failed [\(error)]")
        }
    }
}
