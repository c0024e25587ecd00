/// Why a connection closed. Every connection's last item in its handler's batches is
/// `.closed(reason)`.
public enum CloseReason: Hashable, Sendable, CustomStringConvertible {
    /// The peer closed its end (read returned end of file). A peer that only half-closes is
    /// treated the same way, as Redis does.
    case peerClosed
    /// A read or write failed; the text names the errno, e.g. `ECONNRESET (Connection reset by peer)`.
    case error(String)
    /// The peer did not read and the outbound buffer passed its bound.
    case slowReader
    /// The connection did not authenticate within the listener's authentication timeout.
    case idleTimeout
    /// The event loop stopped.
    case serverStopped
    /// `close()` or `closeAfterFlush()` was called on this side.
    case closedLocally
    /// The listener was at its connection limit. Such connections are never opened: the
    /// listener reports them as `ListenerEvent.rejected`.
    case tooManyConnections

    /// The reason in words, for logs.
    public var description: String {
        switch self {
        case .peerClosed: "peer closed"
        case .error(let text): "error: \(text)"
        case .slowReader: "slow reader: outbound buffer over its limit"
        case .idleTimeout: "no authentication in time"
        case .serverStopped: "server stopped"
        case .closedLocally: "closed locally"
        case .tooManyConnections: "too many connections"
        }
    }
}
