import Glibc

/// Why one address could not be connected.
struct ConnectFailure: Error, Sendable {
    enum Kind: Sendable { case failed, timedOut, loopStopped }
    let kind: Kind
    let reason: String

    init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }
}

/// A non-blocking connect in progress, watched for `EPOLLOUT` (loop thread only).
final class PendingConnect {
    let id: UInt64
    let fd: Int32
    let address: SocketAddress
    let deadline: UInt64
    let options: ConnectionOptions
    let handler: InboundHandler
    let continuation: CheckedContinuation<Result<Connection, ConnectFailure>, Never>

    init(id: UInt64, fd: Int32, address: SocketAddress, deadline: UInt64, options: ConnectionOptions,
         handler: InboundHandler, continuation: CheckedContinuation<Result<Connection, ConnectFailure>, Never>) {
        self.id = id
        self.fd = fd
        self.address = address
        self.deadline = deadline
        self.options = options
        self.handler = handler
        self.continuation = continuation
    }
}

extension LoopCore {
    /// Watches a connecting socket until it is writable (connected or failed) or its deadline.
    func addPendingConnect(_ connect: PendingConnect) {
        let error = Linux.epollControl(functions, epoll: loop.epollFD, operation: Linux.epollCtlAdd, fd: connect.fd,
                                       events: Linux.epollOut, token: connect.id)
        guard error == 0 else {
            Posix.close(connect.fd)
            connect.continuation.resume(returning: .failure(ConnectFailure(.failed, Errno.describe(error))))
            return
        }
        registry[connect.id] = .connecting(connect)
        connecting[connect.id] = connect
    }

    /// The socket became writable: connected (a `Connection` opens, with the same id) or
    /// failed (`SO_ERROR`).
    func finishConnect(_ connect: PendingConnect) {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(connect.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 { error = errno }
        guard error == 0 else {
            failConnect(connect, ConnectFailure(.failed, Errno.describe(error)))
            return
        }
        connecting[connect.id] = nil
        let connection = Connection(id: connect.id, fd: connect.fd, peer: connect.address.description, isAccepted: false,
                                    options: connect.options, loop: loop)
        let watch = register(connection, handler: connect.handler, listener: nil, operation: Linux.epollCtlMod)
        guard watch == 0 else {
            registry[connect.id] = nil
            _ = Linux.epollControl(functions, epoll: loop.epollFD, operation: Linux.epollCtlDel, fd: connect.fd, events: 0, token: 0)
            Posix.close(connect.fd)
            connect.continuation.resume(returning: .failure(ConnectFailure(.failed, Errno.describe(watch))))
            return
        }
        connect.continuation.resume(returning: .success(connection))
    }

    func failConnect(_ connect: PendingConnect, _ failure: ConnectFailure) {
        registry[connect.id] = nil
        connecting[connect.id] = nil
        _ = Linux.epollControl(functions, epoll: loop.epollFD, operation: Linux.epollCtlDel, fd: connect.fd, events: 0, token: 0)
        Posix.close(connect.fd)
        connect.continuation.resume(returning: .failure(failure))
    }
}
