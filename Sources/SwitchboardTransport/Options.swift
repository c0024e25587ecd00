/// Limits that apply to one connection, accepted or connected.
public struct ConnectionOptions: Hashable, Sendable {
    /// The longest line accepted, in bytes, not counting the `\n` or a `\r` before it. A longer
    /// line is delivered as `.oversizedLine` and its bytes are discarded up to the next `\n`.
    public var maximumLineBytes: Int
    /// The most bytes that may wait in the outbound buffer. A send that would leave more waiting
    /// closes the connection with `CloseReason.slowReader`.
    public var maximumOutboundBytes: Int
    /// How long `closeAfterFlush()` waits for the outbound bytes to drain and the peer to close
    /// before it closes the descriptor anyway.
    public var closeTimeout: Duration

    /// Limits with the defaults: 65,536-byte lines, 4 MiB outbound, 2 s close timeout.
    public init(maximumLineBytes: Int = 65_536, maximumOutboundBytes: Int = 4 << 20, closeTimeout: Duration = .seconds(2)) {
        self.maximumLineBytes = max(1, maximumLineBytes)
        self.maximumOutboundBytes = max(1, maximumOutboundBytes)
        self.closeTimeout = closeTimeout
    }
}

/// How a listener accepts connections.
public struct ListenerOptions: Hashable, Sendable {
    /// The most connections this listener keeps open at once. Past it, a new connection gets
    /// `ERR UNAVAILABLE too many connections (limit N)` and is closed. Clamped to the process's
    /// descriptor limit (`RLIMIT_NOFILE`) minus `reservedDescriptors`; see
    /// `TCPListener.maximumConnections` for the value in force.
    public var maximumConnections: Int
    /// A connection not marked authenticated (`Connection.markAuthenticated()`) this long after
    /// it was accepted gets `ERR AUTH_REQUIRED no AUTH within N s` and is closed with
    /// `CloseReason.idleTimeout`. Zero disables the check.
    public var authenticationTimeout: Duration
    /// The `listen` backlog.
    public var backlog: Int32
    /// Limits for each accepted connection.
    public var connection: ConnectionOptions

    /// Descriptors kept free for the rest of the process (log files, peers, clients).
    public static let reservedDescriptors = 64

    /// Options with the defaults: 1024 connections, 10 s to authenticate, backlog 1024.
    public init(maximumConnections: Int = 1024, authenticationTimeout: Duration = .seconds(10), backlog: Int32 = 1024,
                connection: ConnectionOptions = ConnectionOptions()) {
        self.maximumConnections = maximumConnections
        self.authenticationTimeout = authenticationTimeout
        self.backlog = backlog
        self.connection = connection
    }

    /// `maximumConnections` clamped to at least 1 and below the descriptor limit minus the reserve.
    var effectiveMaximumConnections: Int {
        var limit = max(1, maximumConnections)
        if let descriptors = Posix.descriptorLimit() {
            limit = min(limit, max(1, descriptors - Self.reservedDescriptors))
        }
        return limit
    }
}
