import Glibc

/// Opens client connections on an event loop: the client library, the CLI and the benchmark
/// share the server's machinery (framing, batching, bounded outbound buffers).
public enum TCPClient {
    /// Connects to `host` and `port`, trying each address of the host in turn.
    ///
    /// The connection reports to `handler` like an accepted one: `.opened`, its lines,
    /// `.closed`. Give many connections the same handler to get one batch per loop iteration
    /// for all of them.
    ///
    /// - Parameters:
    ///   - host: an IPv4 or IPv6 literal, `localhost` (tries `127.0.0.1`, then `::1`) or a host
    ///     name (resolved with `getaddrinfo`, which may block the calling thread).
    ///   - timeout: for all attempts together.
    /// - Throws: `TransportError` `.connectFailed` or `.connectTimedOut` listing every
    ///   address tried and why it failed; `.badAddress`; `.loopStopped` when the loop is not
    ///   running (it must be started: it completes the connect and runs the timeout).
    public static func connect(host: String, port: Int, on loop: EventLoop, handler: InboundHandler,
                               options: ConnectionOptions = ConnectionOptions(),
                               timeout: Duration = .seconds(5)) async throws(TransportError) -> Connection {
        let addresses = try SocketAddress.resolve(host: host, port: port, forListening: false)
        guard loop.isRunning else {
            // The loop finishes connects and runs their timeouts: without it this would wait forever.
            throw TransportError(.loopStopped, "cannot connect to \(host) port \(port): event loop [\(loop.name)] is not running; start() it first")
        }
        let deadline = Posix.monotonicNanoseconds() &+ timeout.nanoseconds
        var attempts: [String] = []
        var timedOut = false
        for address in addresses {
            guard Posix.monotonicNanoseconds() < deadline else {
                attempts.append("\(address): not tried, out of time")
                timedOut = true
                break
            }
            switch await attempt(address, deadline: deadline, on: loop, handler: handler, options: options) {
            case .success(let connection):
                return connection
            case .failure(let failure):
                if failure.kind == .loopStopped {
                    throw TransportError(.loopStopped, "cannot connect to \(host) port \(port): event loop [\(loop.name)] is stopped")
                }
                if failure.kind == .timedOut { timedOut = true }
                attempts.append("\(address): \(failure.reason)")
            }
        }
        let code: TransportError.Code = timedOut ? .connectTimedOut : .connectFailed
        throw TransportError(code, "cannot connect to \(host) port \(port) (timeout \(timeout.secondsText) s); tried "
                                 + attempts.joined(separator: "; "))
    }

    /// One non-blocking connect, finished by the loop.
    private static func attempt(_ address: SocketAddress, deadline: UInt64, on loop: EventLoop, handler: InboundHandler,
                                options: ConnectionOptions) async -> Result<Connection, ConnectFailure> {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Linux.nonBlocking | Linux.closeOnExec, 0)
        guard fd >= 0 else { return .failure(ConnectFailure(.failed, "cannot create a socket: \(Errno.describe(errno))")) }
        Posix.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        if address.withSockAddr({ Glibc.connect(fd, $0, $1) }) != 0 {
            let error = errno
            // EINTR: the connect goes on asynchronously, like EINPROGRESS.
            guard error == EINPROGRESS || error == EINTR else {
                Posix.close(fd)
                return .failure(ConnectFailure(.failed, Errno.describe(error)))
            }
        }
        let id = Tokens.next()
        return await withCheckedContinuation { continuation in
            let queued = loop.execute { core in
                core.addPendingConnect(PendingConnect(id: id, fd: fd, address: address, deadline: deadline, options: options,
                                                      handler: handler, continuation: continuation))
            }
            if !queued {
                Posix.close(fd)
                continuation.resume(returning: .failure(ConnectFailure(.loopStopped, "the event loop is stopped")))
            }
        }
    }
}
