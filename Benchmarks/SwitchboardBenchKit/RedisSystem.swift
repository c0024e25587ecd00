/// Redis's reliable-queue pattern in RESP, spoken directly: producers `RPUSH bench <ticket>`;
/// an agent `BLMOVE bench processing:<agent> LEFT RIGHT 0` (the ticket moves to its own
/// processing list while it works), then `LREM processing:<agent> 1 <ticket>` pipelined with the
/// next `BLMOVE`.
public struct RedisSystem: LifecycleSystem {
    /// `name`: `redis`, or `null-queue` for the null queue server that speaks the same commands.
    public init(name: String = "redis") {
        self.name = name
    }

    public let name: String

    public func setupSession() -> Session? { nil }
    public func producerSession(index: Int) -> Session { Session(agent: nil) }
    public func agentSession(index: Int) -> Session { Session(agent: index) }
    public func floorSession(index: Int) -> Session? { nil }

    static let pushHeader = RESP.arrayHeader(3) + RESP.bulk("RPUSH") + RESP.bulk(TicketPayload.queue)
        + Array("$\(TicketPayload.byteCount)\r\n".utf8)

    public func appendSubmit(sentAt: UInt64, into bytes: inout [UInt8]) {
        TicketPayload.append(header: Self.pushHeader, sentAt: sentAt, terminator: TicketPayload.crlf, into: &bytes)
    }

    /// A Redis connection: a producer (`agent` nil) or agent number `agent`.
    public struct Session: LifecycleSession {
        private let isAgent: Bool
        /// `BLMOVE bench processing:<agent> LEFT RIGHT 0`, encoded once.
        private let take: [UInt8]
        /// `LREM processing:<agent> 1 `, encoded once; the held ticket follows as the last argument.
        private let removeHeader: [UInt8]
        /// The ticket in this agent's processing list, to name in `LREM`.
        private var held: [UInt8] = []
        private var holding = false
        /// The length announced by a bulk reply header whose body is the next line.
        private var expectingBody: Int?

        init(agent: Int?) {
            isAgent = agent != nil
            let processing = "processing:\(agent ?? 0)"
            take = RESP.arrayHeader(6) + RESP.bulk("BLMOVE") + RESP.bulk(TicketPayload.queue) + RESP.bulk(processing)
                + RESP.bulk("LEFT") + RESP.bulk("RIGHT") + RESP.bulk("0")
            removeHeader = RESP.arrayHeader(4) + RESP.bulk("LREM") + RESP.bulk(processing) + RESP.bulk("1")
            held.reserveCapacity(TicketPayload.byteCount)
        }

        public mutating func appendOpening(into bytes: inout [UInt8]) -> Bool { false }

        public mutating func appendFinishAndTakeNext(into bytes: inout [UInt8]) {
            if holding {
                bytes.append(contentsOf: removeHeader)
                bytes.append(36) // "$"
                TicketPayload.appendDecimal(held.count, into: &bytes)
                bytes.append(13)
                bytes.append(10)
                bytes.append(contentsOf: held)
                bytes.append(13)
                bytes.append(10)
                holding = false
            }
            bytes.append(contentsOf: take)
        }

        public mutating func read(_ line: UnsafeBufferPointer<UInt8>) -> SessionEvent {
            if let length = expectingBody {
                expectingBody = nil
                guard line.count == length, let sentAt = TicketPayload.sentAt(in: line) else {
                    return .failed("redis moved an element the benchmark did not push (\(line.count) of \(length) bytes): [\(LineBytes.text(line))]")
                }
                held.removeAll(keepingCapacity: true)
                held.append(contentsOf: line)
                holding = true
                return .taken(sentAt: sentAt)
            }
            guard let kind = line.first else { return .failed("redis sent an empty line") }
            switch kind {
            case 58: // ":" an integer: RPUSH's new length, or LREM's count of removed elements
                guard isAgent else { return .accepted }
                return LineBytes.integer(in: line, from: 1) == 1
                    ? .finished : .failed("redis LREM removed [\(LineBytes.text(line))] elements instead of 1")
            case 36 where isAgent: // "$" a bulk string's header; its body is the next line
                guard let length = LineBytes.integer(in: line, from: 1) else {
                    return .failed("redis answered BLMOVE with [\(LineBytes.text(line))]")
                }
                expectingBody = Int(length)
                return .none
            default:
                return .failed("redis answered \(isAgent ? "BLMOVE/LREM" : "RPUSH") with [\(LineBytes.text(line))]")
            }
        }
    }
}

/// The pieces of RESP (the Redis serialization protocol) the benchmark sends.
enum RESP {
    /// `*<count>\r\n`: an array of `count` bulk strings follows.
    static func arrayHeader(_ count: Int) -> [UInt8] { Array("*\(count)\r\n".utf8) }

    /// `$<length>\r\n<text>\r\n`.
    static func bulk(_ text: String) -> [UInt8] { Array("$\(text.utf8.count)\r\n\(text)\r\n".utf8) }
}
