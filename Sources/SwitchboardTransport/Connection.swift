import Glibc
import Synchronization

/// One TCP connection, accepted by a `TCPListener` or opened by `TCPClient.connect`.
///
/// Every method may be called from any thread. Sending writes straight to the socket from the
/// caller's thread when nothing is queued; what the kernel does not take waits in a bounded
/// outbound buffer that the event loop flushes when the socket becomes writable. Reading,
/// framing and closing the descriptor happen on the event loop's thread only.
///
/// The connection is `Sendable` without `@unchecked`: its stored properties are constants, a
/// `Mutex` over the send state, and an `Atomic` flag.
public final class Connection: Sendable, Hashable, CustomStringConvertible {
    /// Unique among all connections of the process.
    public let id: UInt64
    /// The peer's address, `127.0.0.1:51234` or `[::1]:51234`.
    public let peer: String
    /// True for a connection accepted by a listener, false for one opened by `TCPClient`.
    public let isAccepted: Bool
    /// The limits in force for this connection.
    public let options: ConnectionOptions

    let fd: Int32
    let loop: EventLoop
    private let state: Mutex<SendState>
    private let authenticated = Atomic<Bool>(false)

    /// Everything the senders and the loop share, under `state`'s lock.
    struct SendState {
        /// Bytes the kernel has not taken yet.
        var buffer = OutboundBuffer()
        /// Whether sends are accepted. Once false no thread but the loop touches `fd` again,
        /// so the loop may close it after taking this lock once.
        var writable = true
        /// Whether `EPOLLOUT` is in the descriptor's interest set.
        var wantsWritable = false
        /// Whether `EPOLLIN` is out of the descriptor's interest set (`pauseReading`).
        var readingPaused = false
        /// The loop is closing the descriptor: nobody may use it (nor change its interest) again.
        var descriptorClosed = false
        /// Close once the buffer is flushed (`closeAfterFlush`, authentication timeout).
        var closeWhenFlushed = false
        /// The first reason the connection began to close; the reason reported.
        var closeReason: CloseReason?
        /// Sends that left bytes waiting (partial write or `EAGAIN`).
        var deferredSends = 0

        /// Stops sending for `reason` (unless another reason came first) and drops the buffer.
        mutating func fail(_ reason: CloseReason) {
            writable = false
            if closeReason == nil { closeReason = reason }
            buffer.removeAll()
        }
    }

    init(id: UInt64, fd: Int32, peer: String, isAccepted: Bool, options: ConnectionOptions, loop: EventLoop) {
        self.id = id
        self.fd = fd
        self.peer = peer
        self.isAccepted = isAccepted
        self.options = options
        self.loop = loop
        self.state = Mutex(SendState())
    }

    // MARK: - Sending

    /// Sends bytes, in order with every other send on this connection.
    ///
    /// - Returns: false when the connection is closing or closed (the bytes are dropped), or
    ///   when this send broke it (write error, or the outbound buffer would pass
    ///   `ConnectionOptions.maximumOutboundBytes`: the connection then closes with `slowReader`).
    @discardableResult
    public func send(contentsOf bytes: UnsafeRawBufferPointer) -> Bool {
        let outcome = state.withLock { state -> SendOutcome in
            guard state.writable else { return .refused }
            guard !bytes.isEmpty else { return .accepted }
            var rest = bytes
            if state.buffer.isEmpty {
                switch Posix.send(fd, bytes) {
                case .wrote(let count) where count == bytes.count:
                    return .accepted
                case .wrote(let count):
                    rest = UnsafeRawBufferPointer(rebasing: bytes[count...])
                case .wouldBlock:
                    break
                case .failed(let error):
                    state.fail(.error(Errno.describe(error)))
                    return .broken
                }
            }
            guard state.buffer.count + rest.count <= options.maximumOutboundBytes else {
                state.fail(.slowReader)
                return .broken
            }
            state.buffer.append(rest)
            state.deferredSends += 1
            if !state.wantsWritable {
                state.wantsWritable = true
                let error = setInterest(state)
                guard error == 0 else {
                    state.fail(.error(Errno.describe(error)))
                    return .broken
                }
            }
            return .accepted
        }
        switch outcome {
        case .accepted:
            return true
        case .refused:
            return false
        case .broken:
            loop.closeConnection(id: id)
            return false
        }
    }

    private enum SendOutcome {
        /// Written, or queued for the loop to write.
        case accepted
        /// The connection was already closing.
        case refused
        /// This send broke the connection; the loop must close it.
        case broken
    }

    /// Sends bytes; see `send(contentsOf:)`.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { send(contentsOf: $0) }
    }

    /// Sends each string followed by `\n`, with one write.
    @discardableResult
    public func sendLines(_ lines: [String]) -> Bool {
        var total = 0
        for line in lines { total += line.utf8.count + 1 }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(total)
        for line in lines {
            bytes.append(contentsOf: line.utf8)
            bytes.append(0x0A)
        }
        return send(bytes)
    }

    // MARK: - Closing

    /// Closes the connection now; bytes not yet sent are dropped. The handler gets
    /// `.closed(.closedLocally)` (or the reason that came first).
    public func close() {
        state.withLock { $0.fail(.closedLocally) }
        loop.closeConnection(id: id)
    }

    /// Stops accepting sends, sends what is buffered, then closes the write side and waits
    /// (up to `ConnectionOptions.closeTimeout`) for the peer to close before closing the
    /// descriptor, so the peer reads every byte instead of a reset. Lines that arrive
    /// meanwhile are discarded. The handler gets `.closed(.closedLocally)`.
    public func closeAfterFlush() {
        if stopSendingAfterFlush(reason: .closedLocally) {
            loop.closeConnectionGracefully(id: id)
        }
    }

    /// Starts a graceful close for `reason`; false if the connection was already closing.
    func stopSendingAfterFlush(reason: CloseReason) -> Bool {
        state.withLock { state in
            guard state.writable else { return false }
            state.writable = false
            state.closeWhenFlushed = true
            state.closeReason = reason
            return true
        }
    }

    // MARK: - Input flow control

    /// Stops reading from the socket until `resumeReading()`: lines already read are still
    /// delivered, then nothing more, and the peer's sends back up into its own buffers (TCP
    /// flow control). Use it to bound the requests a connection may have unanswered. A paused
    /// connection does not notice that its peer closed until it resumes.
    public func pauseReading() {
        setReadingPaused(true)
    }

    /// Reads from the socket again after `pauseReading()`.
    public func resumeReading() {
        setReadingPaused(false)
    }

    func setReadingPaused(_ paused: Bool) {
        state.withLock { state in
            guard !state.descriptorClosed, state.readingPaused != paused else { return }
            state.readingPaused = paused
            _ = setInterest(state)
        }
    }

    // MARK: - Authentication

    /// Marks the connection authenticated, which exempts it from the listener's
    /// authentication timeout. Call it after a good `AUTH`.
    public func markAuthenticated() {
        authenticated.store(true, ordering: .releasing)
    }

    /// Whether `markAuthenticated()` was called.
    public var isAuthenticated: Bool { authenticated.load(ordering: .acquiring) }

    // MARK: - State

    /// Whether sends are still accepted.
    public var isOpen: Bool { state.withLock { $0.writable } }

    /// Bytes waiting in the outbound buffer.
    public var bufferedBytes: Int { state.withLock { $0.buffer.count } }

    /// Sends that could not be written completely at once (partial write or full socket buffer).
    var deferredSends: Int { state.withLock { $0.deferredSends } }

    // MARK: - Event loop side (loop thread only)

    /// The outcome of flushing the buffer when the socket became writable.
    enum FlushOutcome {
        /// Bytes remain; `EPOLLOUT` stays armed.
        case pending
        /// The buffer is empty and `EPOLLOUT` disarmed; `closeWhenFlushed` as set.
        case drained(closeWhenFlushed: Bool)
        /// The write failed or sending stopped for another reason; close the connection.
        case failed
    }

    /// Writes buffered bytes until the buffer empties or the socket is full.
    func flush() -> FlushOutcome {
        state.withLock { state -> FlushOutcome in
            var failure: Int32 = 0
            while !state.buffer.isEmpty && failure == 0 {
                var progressed = false
                state.buffer.consume { bytes in
                    switch Posix.send(fd, bytes) {
                    case .wrote(let count):
                        progressed = count == bytes.count
                        return count
                    case .wouldBlock:
                        return 0
                    case .failed(let error):
                        failure = error
                        return 0
                    }
                }
                // A short write means the socket buffer is full: wait for the next EPOLLOUT.
                if !progressed { break }
            }
            if failure != 0 {
                state.fail(.error(Errno.describe(failure)))
                return .failed
            }
            guard state.buffer.isEmpty else { return .pending }
            if state.wantsWritable {
                state.wantsWritable = false
                _ = setInterest(state)
            }
            return .drained(closeWhenFlushed: state.closeWhenFlushed)
        }
    }

    /// Whether nothing waits to be sent.
    var isFlushed: Bool { state.withLock { $0.buffer.isEmpty } }

    /// Stops all sending before the loop closes the descriptor, and returns the reason to
    /// report: the first one recorded, else `fallback`. After this returns no other thread
    /// will touch `fd`: senders check `writable` under the same lock.
    func markClosed(fallback: CloseReason) -> CloseReason {
        state.withLock { state in
            state.fail(fallback)
            state.descriptorClosed = true
            return state.closeReason ?? fallback
        }
    }

    /// Sets the descriptor's epoll interest from `state`: reading unless paused, writing while
    /// bytes wait. Called under the lock with the descriptor open.
    private func setInterest(_ state: SendState) -> Int32 {
        let events = (state.readingPaused ? 0 : Linux.epollIn) | (state.wantsWritable ? Linux.epollOut : 0)
        return loop.setInterest(fd: fd, token: id, events: events)
    }

    // MARK: - Identity

    /// Connections are equal only to themselves.
    public static func == (lhs: Connection, rhs: Connection) -> Bool { lhs === rhs }

    public func hash(into hasher: inout Hasher) { hasher.combine(id) }

    /// `connection 12 [127.0.0.1:51234]`, for logs.
    public var description: String { "connection \(id) [\(peer)]" }
}
