import Synchronization

/// Receives a connection's inbound batches on the event loop's thread.
///
/// A reference type so that many connections can share one: each loop iteration hands each
/// distinct handler one batch holding the items of all its connections. Make one handler for
/// a listener, and one for a pool of client connections. The body runs on the loop's thread
/// and must not block; move the batch elsewhere (an `AsyncStream`, a queue) for real work.
public final class InboundHandler: Sendable {
    let body: @Sendable (InboundBatch) -> Void

    /// A handler that calls `body` with each batch.
    public init(_ body: @escaping @Sendable (InboundBatch) -> Void) {
        self.body = body
    }
}

/// Hands out the 64-bit ids of connections, listeners and pending connects; 0 is the loop's
/// wake-up eventfd. Ids are never reused, so an epoll event for a closed descriptor finds
/// nothing instead of whatever now uses the same descriptor number.
enum Tokens {
    private static let counter = Atomic<UInt64>(1)

    static func next() -> UInt64 {
        counter.wrappingAdd(1, ordering: .relaxed).oldValue
    }
}
