import Dispatch

/// An event loop is also a serial executor, so that an actor can live on the loop's thread:
/// the actor's jobs run between the loop's turns, and the loop's handlers can enter the actor
/// with `assumeIsolated` instead of hopping to another thread. On a two-core machine a hop
/// per batch (a futex wake and a context switch each way) cost more than the work itself.
///
///     actor Owner {
///         nonisolated let loop: EventLoop
///         nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }
///     }
///
/// Jobs queued after the loop has stopped run on a private serial queue instead, so that an
/// `await` on such an actor still returns during shutdown.
extension EventLoop: SerialExecutor {
    /// Queues a job to run on the loop's thread, in order with the loop's other work.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        let queued = execute { _ in job.runSynchronously(on: executor) }
        if !queued {
            afterStop.async { job.runSynchronously(on: executor) }
        }
    }

    /// The loop as the executor of the actors that name it in `unownedExecutor`.
    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Traps unless called on the loop's thread: code that assumes an actor on this loop is
    /// isolated must run there.
    public func checkIsolated() {
        precondition(inEventLoop, "expected to run on event loop [\(name)]'s thread")
    }

    /// Whether the caller runs on the loop's thread (asked by the runtime for `assumeIsolated`
    /// outside any task, as in the loop's own handlers).
    public func isIsolatingCurrentContext() -> Bool? {
        inEventLoop
    }

    /// Runs `body` on the loop's thread, after the work already queued.
    ///
    /// - Returns: false when the loop has stopped; `body` will never run.
    @discardableResult
    public func schedule(_ body: @escaping @Sendable () -> Void) -> Bool {
        execute { _ in body() }
    }
}
