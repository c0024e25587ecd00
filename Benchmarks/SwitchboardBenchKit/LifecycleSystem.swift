/// One system under test (Switchboard, Redis, beanstalkd) expressed as what its connections
/// send and how they read what comes back. The `LoadDriver` does everything else — connecting,
/// pacing, timing, counting — identically for every system.
///
/// The discipline every adapter follows: a producer sends one new ticket per submit; an agent
/// holds at most one ticket and, once it has one, sends "finish this one + take the next" in
/// one write.
public protocol LifecycleSystem: Sendable {
    /// The state of one connection: a producer, an agent, a floor agent or the setup connection.
    associatedtype Session: LifecycleSession

    /// The system's name in reports: `switchboard`, `redis`, `beanstalkd`.
    var name: String { get }

    /// A connection that prepares the server before the run (Switchboard: creates the queue), or nil.
    func setupSession() -> Session?
    /// The session of producer number `index`.
    func producerSession(index: Int) -> Session
    /// The session of working agent number `index`.
    func agentSession(index: Int) -> Session
    /// The session of floor agent number `index`: logged in, in the engine's index, never given
    /// the benchmark's tickets. Nil for a system without such a notion (then no floor is run).
    func floorSession(index: Int) -> Session?

    /// Appends the bytes a producer writes to submit one ticket sent at `sentAt`.
    func appendSubmit(sentAt: UInt64, into bytes: inout [UInt8])
}

/// What one connection's line meant to the driver.
public enum SessionEvent: Equatable, Sendable {
    /// Nothing to act on (a header line, a reply that changes nothing).
    case none
    /// The connection finished its opening (logged in, chose its tube).
    case ready
    /// A producer's ticket was accepted by the system.
    case accepted
    /// An agent was given a ticket sent at `sentAt`; it should now finish it and take the next.
    case taken(sentAt: UInt64)
    /// An agent's ticket is finished (deleted, removed, resolved): one lifecycle complete.
    case finished
    /// Something the benchmark does not expect; the run fails with this text.
    case failed(String)
}

/// One connection's protocol state, driven by the `LoadDriver` on its event-loop thread.
public protocol LifecycleSession: Sendable {
    /// Appends what the connection sends first (log in, choose a tube).
    ///
    /// - Returns: whether the connection then waits for a `.ready` event; false when it is
    ///   ready at once (nothing sent, or nothing answered).
    mutating func appendOpening(into bytes: inout [UInt8]) -> Bool

    /// Appends, for an agent, "finish the held ticket (if any) and take the next", as one write.
    /// A system that pushes work (Switchboard) appends only the finishing part.
    mutating func appendFinishAndTakeNext(into bytes: inout [UInt8])

    /// Reads one line (without its `\r\n`).
    mutating func read(_ line: UnsafeBufferPointer<UInt8>) -> SessionEvent
}
