/// Switchboard's line protocol (PROTOCOL.md): a setup connection creates the queue `bench`
/// (skill `bench`, no wrap-up); producers `SUBMIT`; agents log in with skill `bench` and
/// capacity 1 web ticket, get each ticket as a pushed `* OFFER`, and send `ACCEPT` and
/// `RESOLVE` in one write — after which the node pushes the next offer. Floor agents log in
/// with another skill: they sit in the engine's index and never match a benchmark ticket.
public struct SwitchboardSystem: LifecycleSystem {
    public init() {}

    public var name: String { "switchboard" }

    public func setupSession() -> Session? { Session(role: .setup) }
    public func producerSession(index: Int) -> Session { Session(role: .producer) }
    public func agentSession(index: Int) -> Session { Session(role: .agent("bench-agent-\(index)")) }
    public func floorSession(index: Int) -> Session? { Session(role: .floor("floor-agent-\(index)")) }

    static let submit = Array("SUBMIT ".utf8)

    public func appendSubmit(sentAt: UInt64, into bytes: inout [UInt8]) {
        TicketPayload.append(header: Self.submit, sentAt: sentAt, terminator: [10], into: &bytes)
    }

    /// A Switchboard connection.
    public struct Session: LifecycleSession {
        enum Role {
            case setup, producer
            case agent(String)
            case floor(String)
        }
        let role: Role
        /// The ticket offered and not yet answered with ACCEPT+RESOLVE.
        private var offered: UInt64?

        init(role: Role) { self.role = role }

        public mutating func appendOpening(into bytes: inout [UInt8]) -> Bool {
            switch role {
            case .setup:
                bytes.append(contentsOf: Array("QUEUE name=\(TicketPayload.queue) skills=bench offer-timeout=60s wrap-up=0\n".utf8))
            case .producer:
                return false
            case .agent(let id):
                bytes.append(contentsOf: Array("LOGIN agent=\(id) skills=bench capacity=web:1\n".utf8))
            case .floor(let id):
                bytes.append(contentsOf: Array("LOGIN agent=\(id) skills=floor capacity=web:1\n".utf8))
            }
            return true
        }

        public mutating func appendFinishAndTakeNext(into bytes: inout [UInt8]) {
            // Taking the next is the node's part: it pushes the next offer once capacity frees.
            guard let ticket = offered else { return }
            offered = nil
            bytes.append(contentsOf: Self.accept)
            TicketPayload.appendDecimal(Int(ticket), into: &bytes)
            bytes.append(contentsOf: Self.resolve)
            TicketPayload.appendDecimal(Int(ticket), into: &bytes)
            bytes.append(10)
        }

        static let accept = Array("ACCEPT ticket=".utf8)
        static let resolve = Array("\nRESOLVE ticket=".utf8)
        static let offer = Array("* OFFER ".utf8)
        static let push = Array("* ".utf8)
        static let status = Array("* STATUS ".utf8)
        static let okTicket = Array("OK ticket=".utf8)
        static let ticketKey = Array("ticket=".utf8)
        static let resolved = Array(" state=resolved".utf8)
        static let assigned = Array(" state=assigned".utf8)
        static let ok = Array("OK ".utf8)

        public mutating func read(_ line: UnsafeBufferPointer<UInt8>) -> SessionEvent {
            switch role {
            case .setup:
                return LineBytes.hasPrefix(line, Self.ok) ? .ready : .failed("switchboard answered QUEUE with [\(LineBytes.text(line))]")
            case .producer:
                return LineBytes.hasPrefix(line, Self.okTicket) ? .accepted : .failed("switchboard answered SUBMIT with [\(LineBytes.text(line))]")
            case .floor(let id):
                if LineBytes.hasPrefix(line, Self.ok) { return .ready }
                if LineBytes.hasPrefix(line, Self.status) { return .none }
                return .failed("floor agent \(id) should take no work, got [\(LineBytes.text(line))]")
            case .agent:
                return readAgentLine(line)
            }
        }

        private mutating func readAgentLine(_ line: UnsafeBufferPointer<UInt8>) -> SessionEvent {
            if LineBytes.hasPrefix(line, Self.offer) {
                guard let ticket = LineBytes.integer(after: Self.ticketKey, in: line), let sentAt = TicketPayload.sentAt(in: line) else {
                    return .failed("switchboard pushed an offer the benchmark did not submit: [\(LineBytes.text(line))]")
                }
                offered = ticket
                return .taken(sentAt: sentAt)
            }
            if LineBytes.hasPrefix(line, Self.status) { return .none }
            if LineBytes.hasPrefix(line, Self.push) {
                return .failed("switchboard pushed [\(LineBytes.text(line))] to a benchmark agent")
            }
            if LineBytes.hasPrefix(line, Self.okTicket) {
                if LineBytes.find(Self.resolved, in: line) != nil { return .finished }
                if LineBytes.find(Self.assigned, in: line) != nil { return .none }
            } else if LineBytes.hasPrefix(line, Self.ok) {
                return .ready // the LOGIN reply
            }
            return .failed("switchboard answered an agent with [\(LineBytes.text(line))]")
        }
    }
}
