import Glibc

/// The loop's record of one listener (loop thread only).
final class ListenerSlot {
    let id: UInt64
    let fd: Int32
    let options: ListenerOptions
    let maximumConnections: Int
    let handler: InboundHandler
    let onEvent: (@Sendable (ListenerEvent) -> Void)?
    /// `ERR UNAVAILABLE too many connections (limit N)\n`.
    let rejectionLine: [UInt8]
    /// `ERR AUTH_REQUIRED no AUTH within N s\n`.
    let authenticationTimeoutLine: [UInt8]
    let authenticationTimeout: UInt64
    /// The spare descriptor for `EMFILE`, or -1.
    var spare: Int32
    var openConnections = 0
    /// When accepting resumes after a failure that a retry would only repeat.
    var pausedUntil: UInt64?
    /// Accepted connections by authentication deadline (FIFO: the timeout is the same for
    /// all), from `idleHead` on; entries of connections that authenticated or closed are
    /// skipped when they come up.
    private var idleQueue: [(deadline: UInt64, id: UInt64)] = []
    private var idleHead = 0
    /// Errnos that the next `accept` calls fail with instead of accepting: lets tests drive
    /// the `EMFILE` path without exhausting the test process's descriptors. Always empty
    /// outside tests.
    var injectedAcceptErrors: [Int32] = []

    static let outOfDescriptorsLine = Array("ERR UNAVAILABLE the node is out of file descriptors; try again later\n".utf8)
    static let pause: UInt64 = 100_000_000

    init(_ setup: ListenerSetup) {
        id = setup.id
        fd = setup.fd
        spare = setup.spare
        options = setup.options
        maximumConnections = setup.maximumConnections
        handler = setup.handler
        onEvent = setup.onEvent
        rejectionLine = Array("ERR UNAVAILABLE too many connections (limit \(setup.maximumConnections))\n".utf8)
        authenticationTimeout = setup.options.authenticationTimeout.nanoseconds
        authenticationTimeoutLine = Array("ERR AUTH_REQUIRED no AUTH within \(setup.options.authenticationTimeout.secondsText) s\n".utf8)
    }

    static func openSpare() -> Int32 {
        open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    /// Rounds a deadline up to the timer's granularity — 100 ms for timeouts of a second or
    /// more, else 10 ms — so a burst of connections costs one wake-up, not one per connection.
    func coarseDeadline(_ deadline: UInt64) -> UInt64 {
        let granularity: UInt64 = authenticationTimeout >= 1_000_000_000 ? 100_000_000 : 10_000_000
        return (deadline / granularity + 1) * granularity
    }

    var nextIdleDeadline: UInt64? { idleHead < idleQueue.count ? idleQueue[idleHead].deadline : nil }

    func enqueueIdle(deadline: UInt64, id: UInt64) {
        idleQueue.append((deadline, id))
    }

    /// Removes and returns the first entry whose deadline is at or before `now`.
    func popExpired(now: UInt64) -> UInt64? {
        guard idleHead < idleQueue.count, idleQueue[idleHead].deadline <= now else { return nil }
        let id = idleQueue[idleHead].id
        idleHead += 1
        if idleHead == idleQueue.count {
            idleQueue.removeAll(keepingCapacity: true)
            idleHead = 0
        } else if idleHead >= 1024 && idleHead * 2 >= idleQueue.count {
            idleQueue.removeFirst(idleHead)
            idleHead = 0
        }
        return id
    }
}

extension LoopCore {
    // MARK: - Listeners

    func addListener(_ setup: ListenerSetup) {
        let slot = ListenerSlot(setup)
        let error = Linux.epollControl(functions, epoll: loop.epollFD, operation: Linux.epollCtlAdd, fd: slot.fd,
                                       events: Linux.epollIn, token: slot.id)
        guard error == 0 else {
            Posix.close(slot.fd)
            if slot.spare >= 0 { Posix.close(slot.spare) }
            slot.onEvent?(.acceptFailed(error: "cannot watch the listening socket \(setup.address): \(Errno.describe(error))"))
            return
        }
        registry[slot.id] = .listener(slot)
        listeners[slot.id] = slot
    }

    func removeListener(id: UInt64) {
        guard let slot = listeners.removeValue(forKey: id) else { return }
        registry[id] = nil
        _ = Linux.epollControl(functions, epoll: loop.epollFD, operation: Linux.epollCtlDel, fd: slot.fd, events: 0, token: 0)
        Posix.close(slot.fd)
        if slot.spare >= 0 { Posix.close(slot.spare) }
        slot.spare = -1
        if slot.nextIdleDeadline != nil { retiredListeners.append(slot) }
    }

    // MARK: - Accepting

    /// Accepts until `EAGAIN` (at most 128 per iteration; level-triggered epoll reports the
    /// rest): opens each connection, or rejects it at the limit.
    func acceptConnections(_ listener: ListenerSlot) {
        var dropped = 0
        var exhaustion: Int32 = 0
        var paused = false
        accepting: for _ in 0..<128 {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            var fd: Int32 = -1
            if listener.injectedAcceptErrors.isEmpty {
                fd = withUnsafeMutablePointer(to: &storage) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        functions.accept4(listener.fd, $0, &length, Linux.nonBlocking | Linux.closeOnExec)
                    }
                }
            } else {
                errno = listener.injectedAcceptErrors.removeFirst()
            }
            if fd >= 0 {
                let peer = withUnsafePointer(to: &storage) { SocketAddress(UnsafeRawPointer($0), length: length) }
                open(fd, peer: peer?.description ?? "unknown", listener: listener)
                continue
            }
            let error = errno
            switch error {
            case EINTR, ECONNABORTED, EPROTO, EPERM:
                continue // that connection is gone; the next may be fine
            case EAGAIN, EWOULDBLOCK:
                break accepting
            case EMFILE, ENFILE:
                exhaustion = error
                if dropAcceptedWithSpare(listener) {
                    dropped += 1
                    continue
                }
                if listener.spare >= 0 { break accepting } // nothing was waiting after all
                pauseAccepting(listener)
                paused = true
                break accepting
            default:
                pauseAccepting(listener)
                listener.onEvent?(.acceptFailed(error: Errno.describe(error)))
                break accepting
            }
        }
        if exhaustion != 0 {
            listener.onEvent?(.descriptorsExhausted(error: Errno.describe(exhaustion), dropped: dropped, paused: paused))
        }
    }

    /// Frees the spare descriptor, accepts one connection with it, tells it why and closes
    /// it, then takes the spare again. False if there was no spare or nothing to accept.
    private func dropAcceptedWithSpare(_ listener: ListenerSlot) -> Bool {
        guard listener.spare >= 0 else { return false }
        Posix.close(listener.spare)
        let fd = functions.accept4(listener.fd, nil, nil, Linux.nonBlocking | Linux.closeOnExec)
        if fd >= 0 {
            refuse(fd, line: ListenerSlot.outOfDescriptorsLine)
        }
        listener.spare = ListenerSlot.openSpare()
        return fd >= 0
    }

    private func pauseAccepting(_ listener: ListenerSlot) {
        listener.pausedUntil = now &+ ListenerSlot.pause
        _ = Linux.epollControl(functions, epoll: loop.epollFD, operation: Linux.epollCtlMod, fd: listener.fd, events: 0, token: listener.id)
    }

    func resumeAccepting(_ listener: ListenerSlot) {
        listener.pausedUntil = nil
        if listener.spare < 0 { listener.spare = ListenerSlot.openSpare() }
        _ = Linux.epollControl(functions, epoll: loop.epollFD, operation: Linux.epollCtlMod, fd: listener.fd,
                               events: Linux.epollIn, token: listener.id)
    }

    /// Opens an accepted connection, or refuses it at the connection limit.
    private func open(_ fd: Int32, peer: String, listener: ListenerSlot) {
        guard listener.openConnections < listener.maximumConnections else {
            refuse(fd, line: listener.rejectionLine)
            listener.onEvent?(.rejected(peer: peer, reason: .tooManyConnections))
            return
        }
        Posix.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        let connection = Connection(id: Tokens.next(), fd: fd, peer: peer, isAccepted: true,
                                    options: listener.options.connection, loop: loop)
        let error = register(connection, handler: listener.handler, listener: listener, operation: Linux.epollCtlAdd)
        guard error == 0 else {
            Posix.close(fd)
            listener.onEvent?(.acceptFailed(error: "cannot watch the connection from \(peer): \(Errno.describe(error))"))
            return
        }
        listener.openConnections += 1
        if listener.authenticationTimeout > 0 {
            listener.enqueueIdle(deadline: listener.coarseDeadline(now &+ listener.authenticationTimeout), id: connection.id)
        }
    }

    /// Sends one line to a connection that is not opened, and closes it. Whatever the peer
    /// already sent is read first: closing with unread input would send a reset, which can
    /// destroy the line before the peer reads it.
    private func refuse(_ fd: Int32, line: [UInt8]) {
        _ = line.withUnsafeBytes { Posix.send(fd, $0) }
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
        _ = Glibc.recv(fd, readBuffer.baseAddress, readBuffer.count, Int32(MSG_DONTWAIT))
        Posix.close(fd)
    }

    // MARK: - Authentication timeout

    /// Closes connections still unauthenticated at their deadline, after telling them why.
    func expireUnauthenticated(_ listener: ListenerSlot) {
        while let id = listener.popExpired(now: now) {
            guard case .connection(let slot)? = registry[id], !slot.isClosed, !slot.connection.isAuthenticated else { continue }
            _ = listener.authenticationTimeoutLine.withUnsafeBytes { slot.connection.send(contentsOf: $0) }
            if slot.connection.stopSendingAfterFlush(reason: .idleTimeout) {
                beginGracefulClose(slot)
            }
        }
    }
}
