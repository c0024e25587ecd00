import Glibc

/// Something that happened to a listener rather than to one connection; for the node's log.
public enum ListenerEvent: Hashable, Sendable {
    /// A connection was turned away without being opened: it got an `ERR UNAVAILABLE` line and
    /// was closed. `reason` is `.tooManyConnections` at the connection limit.
    case rejected(peer: String, reason: CloseReason)
    /// `accept` failed with `EMFILE` or `ENFILE`: the process or the system is out of file
    /// descriptors. `dropped` connections were accepted with the reserved spare descriptor and
    /// closed at once so the accept loop does not spin; `paused` says the listener stops
    /// accepting for 100 ms because no spare descriptor could be kept.
    case descriptorsExhausted(error: String, dropped: Int, paused: Bool)
    /// `accept` (or watching the socket) failed for another reason; the listener pauses for
    /// 100 ms.
    case acceptFailed(error: String)
}

/// A listening TCP socket on an event loop. Accepted connections are non-blocking, have
/// `TCP_NODELAY`, and report to `handler`: `.opened`, their lines, `.closed`.
///
///     let handler = InboundHandler { batch in continuation.yield(batch) }
///     let listener = try TCPListener(host: "::1", port: 0, on: loop, handler: handler)
///     print(listener.port) // the ephemeral port chosen
///
/// `Sendable` without `@unchecked`: its properties are constants. Its mutable state (open
/// connections, the authentication queue, the spare descriptor) is a `ListenerSlot` on the loop
/// thread.
public final class TCPListener: Sendable {
    /// The listener's id (in the same space as connection ids).
    public let id: UInt64
    /// The bound address, `127.0.0.1:7070` or `[::1]:7070`.
    public let address: String
    /// The bound port: the one asked for, or the one the system chose for port 0.
    public let port: Int
    /// The connection limit in force: `ListenerOptions.maximumConnections` clamped below the
    /// descriptor limit minus `ListenerOptions.reservedDescriptors`.
    public let maximumConnections: Int
    /// The options it was created with.
    public let options: ListenerOptions
    /// The loop it runs on.
    public let loop: EventLoop

    /// Binds and listens on `host` and `port`, then starts accepting on `loop` (at once if it
    /// runs, else when it starts).
    ///
    /// - Parameters:
    ///   - host: an IPv4 literal (`127.0.0.1`, `0.0.0.0`), an IPv6 literal (`::1`, `::`,
    ///     `[::1]`), `localhost` (which means `127.0.0.1`) or a host name (first address).
    ///   - port: 0 to 65535; 0 lets the system choose (see `port`).
    ///   - handler: receives the batches of every accepted connection.
    ///   - onEvent: told about rejected connections and accept failures, on the loop thread.
    /// - Throws: `TransportError` naming the address: `.badAddress`, `.bindFailed`,
    ///   `.resourceExhausted`, or `.loopStopped`.
    public init(host: String, port: Int, options: ListenerOptions = ListenerOptions(), on loop: EventLoop,
                handler: InboundHandler, onEvent: (@Sendable (ListenerEvent) -> Void)? = nil) throws(TransportError) {
        let address = try SocketAddress.resolve(host: host, port: port, forListening: true)[0]
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Linux.nonBlocking | Linux.closeOnExec, 0)
        guard fd >= 0 else {
            throw TransportError(.resourceExhausted, "cannot create a socket to listen on \(address): \(Errno.describe(errno))")
        }
        Posix.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        if address.withSockAddr({ Glibc.bind(fd, $0, $1) }) != 0 {
            let error = errno
            Posix.close(fd)
            let hint = error == EADDRINUSE ? "; another process listens there: stop it or pick another port"
                : error == EADDRNOTAVAIL ? "; this machine has no such address" : ""
            throw TransportError(.bindFailed, "cannot bind \(address): \(Errno.describe(error))\(hint)")
        }
        if Glibc.listen(fd, options.backlog) != 0 {
            let error = errno
            Posix.close(fd)
            throw TransportError(.bindFailed, "cannot listen on \(address): \(Errno.describe(error))")
        }
        let bound = SocketAddress.local(of: fd) ?? address
        let id = Tokens.next()
        let setup = ListenerSetup(
            id: id, fd: fd, spare: ListenerSlot.openSpare(), address: bound.description, options: options,
            maximumConnections: options.effectiveMaximumConnections, handler: handler, onEvent: onEvent)
        guard loop.execute({ core in core.addListener(setup) }) else {
            Posix.close(fd)
            if setup.spare >= 0 { Posix.close(setup.spare) }
            throw TransportError(.loopStopped, "cannot listen on \(bound): event loop [\(loop.name)] is stopped")
        }
        self.id = id
        self.address = bound.description
        self.port = Int(bound.port)
        self.maximumConnections = setup.maximumConnections
        self.options = options
        self.loop = loop
    }

    /// Stops accepting and closes the listening socket (on the loop thread, soon after this
    /// returns). Connections already accepted stay open.
    public func close() {
        loop.execute { [id] core in core.removeListener(id: id) }
    }
}

/// What the loop needs to run a listener; made on the caller's thread, handed to the loop.
struct ListenerSetup: Sendable {
    let id: UInt64
    let fd: Int32
    /// A descriptor on `/dev/null` held in reserve for `EMFILE`; -1 if none could be opened.
    let spare: Int32
    let address: String
    let options: ListenerOptions
    let maximumConnections: Int
    let handler: InboundHandler
    let onEvent: (@Sendable (ListenerEvent) -> Void)?
}
