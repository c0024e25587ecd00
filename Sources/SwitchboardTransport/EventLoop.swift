import Dispatch
import Glibc
import Synchronization

/// One thread that waits in `epoll_wait` on all its sockets — listeners, accepted and client
/// connections — reads and frames their lines, and hands each handler one `InboundBatch` per
/// iteration. An `eventfd` wakes it for work from other threads (closing, registering) and for
/// stopping; a coarse timeout on `epoll_wait` drives the timers (authentication timeouts,
/// graceful closes, connect timeouts). Nothing polls.
///
/// Several loops may run side by side (say one for a server and one for its clients). Handlers
/// run on the loop's thread and must not block.
///
///     let loop = try EventLoop(name: "node-io")
///     try loop.start()
///     let listener = try TCPListener(host: "127.0.0.1", port: 7070, on: loop, handler: handler)
///     …
///     loop.stop() // closes every connection (.serverStopped) and the listener, then returns
///
/// `Sendable` without `@unchecked`: its stored properties are constants, a `Mutex` and
/// `Atomic`s. The loop's own state lives in a `LoopCore` that only the loop's thread touches.
public final class EventLoop: Sendable {
    /// The name, also given to the thread (first 15 bytes).
    public let name: String

    let functions: Linux.Functions
    let epollFD: Int32
    let wakeFD: Int32

    private let control = Mutex(Control())
    private let stopRequested = Atomic<Bool>(false)
    private let threadID = Atomic<UInt>(0)
    /// Entered at `start`, left by the loop thread when it has closed everything.
    private let finished = DispatchGroup()
    /// Where jobs for actors on this loop go once it has stopped: serial, so an actor's jobs
    /// still never overlap; one per loop, so one node's shutdown never waits behind another's.
    let afterStop: DispatchQueue

    typealias Task = @Sendable (LoopCore) -> Void

    private struct Control {
        enum Phase { case idle, running, stopping, stopped }
        var phase = Phase.idle
        /// Work for the loop thread, run in order.
        var tasks: [Task] = []
        /// Whether the eventfd was written since the loop last took the tasks.
        var wakePending = false
        /// False once the loop has shut down: `execute` refuses work and nothing writes the
        /// eventfd any more. The eventfd is only written under this lock while it is true.
        var open = true
        /// Whether the epoll and eventfd descriptors are closed.
        var descriptorsClosed = false
    }

    /// Creates a loop (its epoll and eventfd descriptors); `start()` runs it.
    ///
    /// - Throws: `TransportError` `.unsupportedPlatform` without Linux epoll, or
    ///   `.resourceExhausted` when the descriptors cannot be created.
    public init(name: String = "switchboard-io") throws(TransportError) {
        guard let functions = Linux.functions else {
            throw TransportError(.unsupportedPlatform, "this C library has no epoll/eventfd/accept4; the transport needs Linux with glibc")
        }
        let epollFD = functions.epollCreate1(Linux.closeOnExec)
        guard epollFD >= 0 else {
            throw TransportError(.resourceExhausted, "cannot create an epoll descriptor: \(Errno.describe(errno))")
        }
        let wakeFD = functions.eventfd(0, Linux.closeOnExec | Linux.nonBlocking)
        guard wakeFD >= 0 else {
            let error = errno
            Posix.close(epollFD)
            throw TransportError(.resourceExhausted, "cannot create an eventfd: \(Errno.describe(error))")
        }
        let added = Linux.epollControl(functions, epoll: epollFD, operation: Linux.epollCtlAdd, fd: wakeFD, events: Linux.epollIn, token: LoopCore.wakeToken)
        guard added == 0 else {
            Posix.close(wakeFD)
            Posix.close(epollFD)
            throw TransportError(.resourceExhausted, "cannot watch the eventfd: \(Errno.describe(added))")
        }
        self.name = name
        self.afterStop = DispatchQueue(label: "\(name)-after-stop")
        self.functions = functions
        self.epollFD = epollFD
        self.wakeFD = wakeFD
    }

    deinit {
        // Only reached when the loop never ran its thread (the thread keeps the loop alive)
        // and `stop()` was not called: release the loop's own descriptors at least.
        closeDescriptors()
    }

    // MARK: - Lifecycle

    /// Starts the loop's thread. Work queued before (listeners, connects) starts then.
    ///
    /// - Throws: `TransportError` `.loopStopped` if the loop already ran, `.resourceExhausted`
    ///   if the thread cannot be created.
    public func start() throws(TransportError) {
        let canStart = control.withLock { control -> Bool in
            guard control.phase == .idle else { return false }
            control.phase = .running
            return true
        }
        guard canStart else {
            throw TransportError(.loopStopped, "event loop [\(name)] was already started or stopped; create a new one")
        }
        finished.enter()
        let body = ThreadBody { [self] in
            threadID.store(UInt(bitPattern: Int(bitPattern: pthread_self())), ordering: .releasing)
            nameThread()
            let core = LoopCore(loop: self)
            while !stopRequested.load(ordering: .acquiring) {
                core.iterate()
            }
            core.shutdown()
            closeDescriptors()
            threadID.store(0, ordering: .releasing)
            finished.leave()
        }
        var thread = pthread_t()
        let unmanaged = Unmanaged.passRetained(body)
        let created = pthread_create(&thread, nil, { argument in
            Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue().run()
            return nil
        }, unmanaged.toOpaque())
        guard created == 0 else {
            unmanaged.release()
            control.withLock { $0.phase = .idle }
            finished.leave()
            throw TransportError(.resourceExhausted, "cannot start the thread of event loop [\(name)]: \(Errno.describe(created))")
        }
        // The loop is waited for through `finished`, never joined, so let the thread go.
        pthread_detach(thread)
    }

    /// Stops the loop: closes every connection (handlers get `.closed(.serverStopped)` in a
    /// last batch), every listener and pending connect, then the loop's own descriptors.
    ///
    /// Returns once all that is done and the thread has finished its work. Called from a
    /// handler (on the loop's thread) it only asks the loop to stop after the current
    /// iteration. Calling it again, or on a loop never started, is fine.
    public func stop() {
        enum Action { case cleanUpHere, wait, none }
        let onLoop = inEventLoop
        let action = control.withLock { control -> Action in
            switch control.phase {
            case .idle:
                control.phase = .stopped
                return .cleanUpHere
            case .running:
                control.phase = .stopping
                stopRequested.store(true, ordering: .releasing)
                wake(&control)
                return onLoop ? .none : .wait
            case .stopping, .stopped:
                return onLoop ? .none : .wait
            }
        }
        switch action {
        case .cleanUpHere:
            // No thread ever ran, so this one may play the loop thread to release queued work.
            LoopCore(loop: self).shutdown()
            closeDescriptors()
        case .wait:
            finished.wait()
            control.withLock { $0.phase = .stopped }
        case .none:
            break
        }
    }

    /// Whether `start()` was called and `stop()` not yet.
    var isRunning: Bool { control.withLock { $0.phase == .running } }

    /// Whether the caller runs on this loop's thread (for example inside a handler).
    public var inEventLoop: Bool {
        threadID.load(ordering: .acquiring) == UInt(bitPattern: Int(bitPattern: pthread_self()))
    }

    // MARK: - Work from other threads

    /// Queues `task` to run on the loop thread with the loop's state, in order.
    ///
    /// - Returns: false when the loop has shut down; the task will never run.
    @discardableResult
    func execute(_ task: @escaping Task) -> Bool {
        control.withLock { control in
            guard control.open else { return false }
            control.tasks.append(task)
            wake(&control)
            return true
        }
    }

    /// Takes the queued tasks (loop thread).
    func takeTasks() -> [Task] {
        control.withLock { control in
            control.wakePending = false
            guard !control.tasks.isEmpty else { return [] }
            let tasks = control.tasks
            control.tasks = []
            return tasks
        }
    }

    /// Refuses further tasks if none is queued (loop thread, shutting down).
    /// - Returns: false when tasks are queued: the loop must run them first.
    func closeQueueIfEmpty() -> Bool {
        control.withLock { control in
            guard control.tasks.isEmpty else { return false }
            control.open = false
            return true
        }
    }

    /// Writes the eventfd unless a wake-up is already pending. Under the control lock, so the
    /// descriptor cannot be closed meanwhile.
    private func wake(_ control: inout Control) {
        guard control.open, !control.wakePending else { return }
        control.wakePending = true
        var one: UInt64 = 1
        while Glibc.write(wakeFD, &one, 8) < 0 && errno == EINTR {}
    }

    /// Sets a connection's epoll interest. Thread-safe (`epoll_ctl` is); the connection calls
    /// it under its lock while its descriptor is open.
    func setInterest(fd: Int32, token: UInt64, events: UInt32) -> Int32 {
        Linux.epollControl(functions, epoll: epollFD, operation: Linux.epollCtlMod, fd: fd, events: events, token: token)
    }

    /// Asks the loop to close a connection now.
    func closeConnection(id: UInt64) {
        execute { core in core.closeConnection(id: id, reason: .closedLocally) }
    }

    /// Asks the loop to close a connection once its outbound bytes are flushed.
    func closeConnectionGracefully(id: UInt64) {
        execute { core in core.beginGracefulClose(id: id) }
    }

    // MARK: - Thread

    private func nameThread() {
        var bytes = Array(name.utf8.prefix(15)).map { CChar(bitPattern: $0) }
        bytes.append(0)
        _ = functions.setThreadName(pthread_self(), bytes)
    }

    private func closeDescriptors() {
        control.withLock { control in
            guard !control.descriptorsClosed else { return }
            control.open = false
            control.descriptorsClosed = true
            Posix.close(wakeFD)
            Posix.close(epollFD)
        }
    }
}

/// The closure a loop thread runs, passed through `pthread_create`'s opaque argument.
private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
