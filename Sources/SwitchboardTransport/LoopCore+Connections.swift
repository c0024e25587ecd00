import Glibc

/// The loop's record of one open connection (loop thread only).
final class ConnectionSlot {
    let connection: Connection
    let handler: InboundHandler
    /// The listener that accepted it, for its count of open connections; nil for clients.
    let listener: ListenerSlot?
    var framer: LineFramer
    /// The iteration whose batch `batchIndex` and `batchConnection` refer to.
    var batchGeneration: UInt64 = 0
    var batchIndex = 0
    var batchConnection: UInt32 = 0
    /// The descriptor is closed; the slot is out of the registry.
    var isClosed = false
    /// Set when a graceful close began: by then the descriptor is closed regardless.
    var closeDeadline: UInt64?
    /// `shutdown(SHUT_WR)` was done: the peer has seen every byte and our end of file.
    var wroteShutdown = false
    /// Incoming bytes are read (to see the peer's end of file) but not framed.
    var discardsInput = false

    init(connection: Connection, handler: InboundHandler, listener: ListenerSlot?) {
        self.connection = connection
        self.handler = handler
        self.listener = listener
        self.framer = LineFramer(maximumLineBytes: connection.options.maximumLineBytes)
    }
}

extension LoopCore {
    // MARK: - Registering

    /// Watches a connected descriptor for reading (`operation` is `EPOLL_CTL_ADD`, or `MOD`
    /// for a client socket already watched while connecting) and reports it opened.
    ///
    /// - Returns: 0, or the errno when epoll refused it (the caller closes the descriptor).
    func register(_ connection: Connection, handler: InboundHandler, listener: ListenerSlot?, operation: Int32) -> Int32 {
        let error = Linux.epollControl(functions, epoll: loop.epollFD, operation: operation, fd: connection.fd,
                                       events: Linux.epollIn, token: connection.id)
        guard error == 0 else { return error }
        let slot = ConnectionSlot(connection: connection, handler: handler, listener: listener)
        registry[connection.id] = .connection(slot)
        let position = batchPosition(for: slot)
        pending[position.batch].batch.appendOpened(connection: position.connection)
        return 0
    }

    // MARK: - Reading

    /// Reads what the socket holds — up to `readsPerWakeup` full buffers, then other sockets
    /// get their turn (epoll is level-triggered, so the rest is reported again) — and frames it
    /// into the handler's batch. A short read means the socket is drained: no extra `read` to
    /// see `EAGAIN`.
    func readInbound(_ slot: ConnectionSlot) {
        let fd = slot.connection.fd
        var reads = 0
        while true {
            let count = Glibc.read(fd, readBuffer.baseAddress, readBuffer.count)
            if count > 0 {
                if !slot.discardsInput {
                    let position = batchPosition(for: slot)
                    slot.framer.feed(UnsafeBufferPointer(rebasing: readBuffer[0..<count]),
                                     connection: position.connection, into: &pending[position.batch].batch)
                }
                reads += 1
                if count < readBuffer.count || reads >= Self.readsPerWakeup { return }
                continue
            }
            if count == 0 {
                closeConnection(slot, reason: .peerClosed)
                return
            }
            let error = errno
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return }
            closeConnection(slot, reason: .error(Errno.describe(error)))
            return
        }
    }

    // MARK: - Writing

    /// Flushes the outbound buffer on `EPOLLOUT`.
    func flushOutbound(_ slot: ConnectionSlot) {
        switch slot.connection.flush() {
        case .pending:
            break
        case .drained(let closeWhenFlushed):
            if closeWhenFlushed { shutDownWrite(slot) }
        case .failed:
            closeConnection(slot, reason: .closedLocally) // the write error is the recorded reason
        }
    }

    // MARK: - Closing

    /// Closes a connection by id (a task from another thread); nothing if it is gone.
    func closeConnection(id: UInt64, reason: CloseReason) {
        if case .connection(let slot)? = registry[id] {
            closeConnection(slot, reason: reason)
        }
    }

    /// Closes the descriptor — the only place a connection's descriptor is closed — and adds
    /// `.closed` to the handler's batch with the first reason recorded, else `reason`.
    func closeConnection(_ slot: ConnectionSlot, reason: CloseReason) {
        guard !slot.isClosed else { return }
        slot.isClosed = true
        // After this no other thread touches the descriptor (see `Connection.markClosed`).
        let finalReason = slot.connection.markClosed(fallback: reason)
        let fd = slot.connection.fd
        _ = Linux.epollControl(functions, epoll: loop.epollFD, operation: Linux.epollCtlDel, fd: fd, events: 0, token: 0)
        Posix.close(fd)
        registry[slot.connection.id] = nil
        if slot.closeDeadline != nil { closing[slot.connection.id] = nil }
        slot.listener?.openConnections -= 1
        let position = batchPosition(for: slot)
        pending[position.batch].batch.appendClosed(connection: position.connection, reason: finalReason)
    }

    /// Starts a graceful close (the connection already stopped taking sends): from now on
    /// input is discarded; once the buffer is flushed the write side is shut down; the
    /// descriptor closes when the peer closes or at the deadline, whichever comes first.
    func beginGracefulClose(id: UInt64) {
        if case .connection(let slot)? = registry[id] {
            beginGracefulClose(slot)
        }
    }

    func beginGracefulClose(_ slot: ConnectionSlot) {
        guard !slot.isClosed, slot.closeDeadline == nil else { return }
        slot.discardsInput = true
        slot.connection.setReadingPaused(false) // to see the peer's end of file
        slot.closeDeadline = now &+ slot.connection.options.closeTimeout.nanoseconds
        closing[slot.connection.id] = slot
        if slot.connection.isFlushed { shutDownWrite(slot) }
    }

    /// Sends our end of file after the last byte (`shutdown(SHUT_WR)`), once.
    func shutDownWrite(_ slot: ConnectionSlot) {
        guard !slot.wroteShutdown, !slot.isClosed else { return }
        slot.wroteShutdown = true
        slot.discardsInput = true
        _ = Glibc.shutdown(slot.connection.fd, Int32(SHUT_WR))
    }
}
