/// beanstalkd's own protocol (`doc/protocol.txt`): producers `put` into the tube `bench`,
/// agents `watch` it and `reserve`, then `delete` the job pipelined with the next `reserve`.
public struct BeanstalkdSystem: LifecycleSystem {
    /// Priority and time-to-run of every job: a middle priority, and a TTR far longer than a run.
    static let putHeader = Array("put 1024 0 120 \(TicketPayload.byteCount)\r\n".utf8)

    public init() {}

    public var name: String { "beanstalkd" }

    public func setupSession() -> Session? { nil }
    public func producerSession(index: Int) -> Session { Session(role: .producer) }
    public func agentSession(index: Int) -> Session { Session(role: .agent) }
    public func floorSession(index: Int) -> Session? { nil }

    public func appendSubmit(sentAt: UInt64, into bytes: inout [UInt8]) {
        TicketPayload.append(header: Self.putHeader, sentAt: sentAt, terminator: TicketPayload.crlf, into: &bytes)
    }

    /// A beanstalkd connection.
    public struct Session: LifecycleSession {
        enum Role { case producer, agent }
        let role: Role
        /// The job being held (reserved and not yet deleted).
        private var heldJob: UInt64?
        /// Whether the next line is the body of a `RESERVED` reply.
        private var expectingBody: UInt64?
        /// `WATCHING` replies still to come before the agent is ready.
        private var watchRepliesDue = 0

        init(role: Role) { self.role = role }

        public mutating func appendOpening(into bytes: inout [UInt8]) -> Bool {
            switch role {
            case .producer:
                bytes.append(contentsOf: Array("use \(TicketPayload.queue)\r\n".utf8))
            case .agent:
                bytes.append(contentsOf: Array("watch \(TicketPayload.queue)\r\nignore default\r\n".utf8))
                watchRepliesDue = 2
            }
            return true
        }

        public mutating func appendFinishAndTakeNext(into bytes: inout [UInt8]) {
            if let job = heldJob {
                bytes.append(contentsOf: Self.delete)
                TicketPayload.appendDecimal(Int(job), into: &bytes)
                bytes.append(13)
                bytes.append(10)
                heldJob = nil
            }
            bytes.append(contentsOf: Self.reserve)
        }

        static let delete = Array("delete ".utf8)
        static let reserve = Array("reserve\r\n".utf8)
        static let inserted = Array("INSERTED ".utf8)
        static let using = Array("USING ".utf8)
        static let reserved = Array("RESERVED ".utf8)
        static let deleted = Array("DELETED".utf8)
        static let watching = Array("WATCHING ".utf8)

        public mutating func read(_ line: UnsafeBufferPointer<UInt8>) -> SessionEvent {
            if let job = expectingBody {
                expectingBody = nil
                guard let sentAt = TicketPayload.sentAt(in: line) else {
                    return .failed("beanstalkd gave job \(job) a body the benchmark did not put: [\(LineBytes.text(line))]")
                }
                heldJob = job
                return .taken(sentAt: sentAt)
            }
            switch role {
            case .producer:
                if LineBytes.hasPrefix(line, Self.inserted) { return .accepted }
                if LineBytes.hasPrefix(line, Self.using) { return .ready }
                return .failed("beanstalkd answered put/use with [\(LineBytes.text(line))]")
            case .agent:
                if LineBytes.hasPrefix(line, Self.reserved), let job = LineBytes.integer(in: line, from: Self.reserved.count) {
                    expectingBody = job
                    return .none
                }
                if line.count == Self.deleted.count && LineBytes.hasPrefix(line, Self.deleted) { return .finished }
                if LineBytes.hasPrefix(line, Self.watching) && watchRepliesDue > 0 {
                    watchRepliesDue -= 1
                    return watchRepliesDue == 0 ? .ready : .none
                }
                return .failed("beanstalkd answered reserve/delete/watch with [\(LineBytes.text(line))]")
            }
        }
    }
}
