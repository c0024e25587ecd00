import Dispatch
import Foundation
import SwitchboardNode

/// `switchboard node`: runs a node until SIGINT or SIGTERM.
enum NodeCommand {
    static let help = """
    USAGE: switchboard node [options]

    Runs a Switchboard node. With no options: a single node on 127.0.0.1:7400 with its data in
    ./switchboard-data, no tokens (loopback only). Options override the config file. At start
    the node replays its log, so a restarted node has the floor it had when it stopped.

    OPTIONS:
      --config FILE          a JSON config file (see README.md for an example)
      --listen HOST:PORT     where to listen (IPv6 in brackets: [::1]:7400); port 0 picks a free one
      --data DIR             the data directory (the log is in DIR/log; default ./switchboard-data)
      --fsync POLICY         always (default: acknowledged once on disk, with group commit),
                             interval:MS (synced every MS), or never
      --snapshot-every N     write a snapshot after at least N log records (default 100000),
                         and once the log since the last one is as large as that snapshot
      --repair               start even if the log is damaged, dropping the damaged record and
                             everything after it (what is dropped is logged)
      --id NAME              the node's name in logs and STATUS
      --token ROLE:TOKEN     accept TOKEN for ROLE (admin, agent or intake); repeatable
      --max-connections N    client connections at once (default 1024)
      --max-line-bytes N     longest request line (default 65536)
      --log-level LEVEL      debug, info, warning or error (default info)
      --port-file FILE       write the bound port to FILE once listening (for scripts and tests)

    A node that listens on anything but loopback refuses to start without tokens.
    Stop it with Ctrl-C (SIGINT) or SIGTERM.
    """

    static func run(_ arguments: [String]) async throws {
        var options = OptionReader(arguments, command: "node")
        if options.flag("--help") || options.flag("-h") {
            print(help)
            return
        }
        var configuration = NodeConfiguration()
        do {
            if let file = try options.value("--config") { try configuration.load(file: file) }
            if let listen = try options.value("--listen") { configuration.listen = try ListenAddress(parsing: listen) }
            if let data = try options.value("--data") { configuration.dataDirectory = data }
            if let policy = try options.value("--fsync") { configuration.fsync = try NodeConfiguration.parseFsync(policy) }
            if options.flag("--repair") { configuration.repair = true }
            if let n = try options.integer("--snapshot-every", in: 1...Int(Int32.max)) { configuration.snapshotEvery = n }
            if let id = try options.value("--id") { configuration.id = id }
            while let token = try options.value("--token") {
                guard let colon = token.firstIndex(of: ":"), let role = Role(rawValue: String(token[..<colon])) else {
                    throw UsageError("node: --token takes ROLE:TOKEN with ROLE admin, agent or intake")
                }
                configuration.tokens.append((String(token[token.index(after: colon)...]), role))
            }
            if let n = try options.integer("--max-connections", in: 1...1_000_000) { configuration.maximumConnections = n }
            if let n = try options.integer("--max-line-bytes", in: 256...(16 << 20)) { configuration.maximumLineBytes = n }
            if let level = try options.value("--log-level") { configuration.logLevel = try NodeConfiguration.parseLogLevel(level) }
        } catch let error as ConfigurationError {
            throw UsageError("node: \(error.message)")
        }
        let portFile = try options.value("--port-file")
        try options.finish()

        let log = Log(minimum: configuration.logLevel)
        let node: Node
        do {
            // A failed log write or fsync: stop at once, acknowledging nothing more.
            node = try await Node.start(configuration, log: log, onFatal: { _ in exit(1) })
        } catch let error as ConfigurationError {
            throw UsageError("node: \(error.message)")
        }
        if let portFile {
            try String(node.port).write(toFile: portFile, atomically: true, encoding: .utf8)
        }
        let signal = await SignalWaiter.wait(for: [SIGINT, SIGTERM])
        log.info("stopping on [\(signal == SIGINT ? "SIGINT" : "SIGTERM")]")
        await node.stop()
    }
}

/// Waits for one of some signals, through Dispatch so that no code runs in a signal handler.
enum SignalWaiter {
    static func wait(for signals: [Int32]) async -> Int32 {
        await withCheckedContinuation { continuation in
            install(signals) { continuation.resume(returning: $0) }
        }
    }

    /// Created outside any actor: a Dispatch handler made in main-actor code would inherit
    /// main-actor isolation and trap when it runs on another queue.
    private nonisolated static func install(_ signals: [Int32], _ done: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "switchboard-signals")
        let fired = SignalLatch(done)
        for number in signals {
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { fired.fire(number) }
            source.resume()
            fired.keep(source)
        }
    }
}

/// Resumes its callback once, whichever signal comes first, and keeps the sources alive.
/// `@unchecked Sendable` is safe: every member is touched only on the one serial signal queue,
/// or before the sources are resumed.
private final class SignalLatch: @unchecked Sendable {
    private var done: (@Sendable (Int32) -> Void)?
    private var sources: [DispatchSourceSignal] = []

    init(_ done: @escaping @Sendable (Int32) -> Void) { self.done = done }

    func keep(_ source: DispatchSourceSignal) { sources.append(source) }

    func fire(_ number: Int32) {
        done?(number)
        done = nil
    }
}
