import Foundation
import Synchronization
import SwitchboardCore
import SwitchboardProtocol
import SwitchboardTransport

/// An async client for one connection to a Switchboard node. Requests may be sent from many
/// tasks at once: they are pipelined and answered in order. Pushes (offers, assignments) for
/// an agent logged in on this connection arrive on `pushes`.
///
///     let client = try await SwitchboardClient.connect(host: "127.0.0.1", port: 7400, token: nil)
///     let id = try await client.submit(TicketSubmission(customer: "acme", channel: .chat, queue: "hosting"))
public final class SwitchboardClient: Sendable {
    /// Offers, assignments, revocations and status changes pushed by the node.
    public let pushes: AsyncStream<Push>
    let connection: Connection
    let core: ClientCore

    /// The event loop that client connections use unless told otherwise; started on first use.
    public static func sharedLoop() throws(ClientError) -> EventLoop {
        switch SharedLoop.loop {
        case .success(let loop): return loop
        case .failure(let error): throw .cannotConnect("cannot start the client event loop: \(error)")
        }
    }

    /// Connects and, when a token is given, authenticates.
    ///
    /// - Throws: `ClientError.cannotConnect` naming the address; `.refused` for a bad token.
    public static func connect(host: String, port: Int, token: String?, loop: EventLoop? = nil,
                               timeout: Duration = .seconds(5)) async throws(ClientError) -> SwitchboardClient {
        let eventLoop: EventLoop
        if let loop { eventLoop = loop } else { eventLoop = try sharedLoop() }
        let (pushes, continuation) = AsyncStream<Push>.makeStream(bufferingPolicy: .unbounded)
        let core = ClientCore(pushes: continuation)
        let handler = InboundHandler { batch in core.receive(batch) }
        let connection: Connection
        do throws(TransportError) {
            connection = try await TCPClient.connect(host: host, port: port, on: eventLoop, handler: handler, timeout: timeout)
        } catch {
            throw .cannotConnect(error.message)
        }
        let client = SwitchboardClient(connection: connection, core: core, pushes: pushes)
        if let token {
            try await client.call(Request.auth(token: token))
        }
        return client
    }

    private init(connection: Connection, core: ClientCore, pushes: AsyncStream<Push>) {
        self.connection = connection
        self.core = core
        self.pushes = pushes
    }

    deinit { connection.close() }

    /// Closes the connection; calls still waiting fail with `.connectionClosed`.
    public func close() {
        connection.close()
    }

    /// Sends a request and waits for its reply, returned whatever it is (`OK`, `ERR` or a listing).
    public func send(_ request: Request) async throws(ClientError) -> Reply {
        let results = await pipeline([request])
        return try results[0].get()
    }

    /// Sends several requests in one write and waits for all their replies, in order: the
    /// node answers them in the order sent, so a client may pipeline without waiting for
    /// each reply (e.g. ACCEPT and RESOLVE of one ticket).
    public func pipeline(_ requests: [Request]) async -> [Result<Reply, ClientError>] {
        guard !requests.isEmpty else { return [] }
        var bytes: [UInt8] = []
        for request in requests {
            bytes.append(contentsOf: request.line.description.utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
        return await withCheckedContinuation { continuation in
            let group = ReplyGroup(count: requests.count, continuation: continuation)
            let accepted = core.state.withLock { state -> Bool in
                guard !state.closed else { return false }
                for (position, request) in requests.enumerated() {
                    state.pending.append(PendingReply(listing: request.expectsListing, group: group, position: position))
                }
                // Sent under the lock so that the order of `pending` is the order on the wire.
                if !connection.send(bytes) {
                    for _ in requests { state.pending.removeLast() }
                    return false
                }
                return true
            }
            if !accepted {
                for position in requests.indices { group.complete(position, .failure(.connectionClosed)) }
            }
        }
    }

    /// Sends a request and returns the `OK` fields, or throws the refusal.
    @discardableResult
    public func call(_ request: Request) async throws(ClientError) -> Reply {
        let reply = try await send(request)
        if case .error(let code, let message) = reply { throw .refused(Refusal(code: code, message: message)) }
        return reply
    }
}

/// What the client tracks under its lock: the replies it waits for, in order.
struct ClientState {
    var pending = FIFO<PendingReply>()
    var assembler = ReplyAssembler()
    var closed = false
}

struct PendingReply {
    let listing: Bool
    let group: ReplyGroup
    let position: Int

    func complete(_ result: Result<Reply, ClientError>) { group.complete(position, result) }
}

/// The replies of one `pipeline` call, resumed when the last arrives.
/// `Sendable`: its state is behind a `Mutex`.
final class ReplyGroup: Sendable {
    private struct State {
        var results: [Result<Reply, ClientError>?]
        var remaining: Int
        var continuation: CheckedContinuation<[Result<Reply, ClientError>], Never>?
    }

    private let state: Mutex<State>

    init(count: Int, continuation: CheckedContinuation<[Result<Reply, ClientError>], Never>) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count, continuation: continuation))
    }

    func complete(_ position: Int, _ result: Result<Reply, ClientError>) {
        let finished = state.withLock { state -> ([Result<Reply, ClientError>], CheckedContinuation<[Result<Reply, ClientError>], Never>)? in
            guard state.results[position] == nil else { return nil }
            state.results[position] = result
            state.remaining -= 1
            guard state.remaining == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            return (state.results.map { $0! }, continuation)
        }
        if let (results, continuation) = finished { continuation.resume(returning: results) }
    }
}

extension Request {
    /// Whether the reply is a listing (item lines, then `END`).
    var expectsListing: Bool {
        switch self {
        case .ticket, .tickets, .agents, .queues: true
        default: false
        }
    }
}

/// The state a client shares with its connection's handler: the replies it waits for, and
/// where pushes go. Receives the connection's batches on the event loop and resolves waiting
/// calls. `Sendable`: it holds a `Mutex` and a continuation, both safe to share.
final class ClientCore: Sendable {
    let state = Mutex(ClientState())
    let pushes: AsyncStream<Push>.Continuation

    init(pushes: AsyncStream<Push>.Continuation) {
        self.pushes = pushes
    }

    func receive(_ batch: InboundBatch) {
        var ready: [(PendingReply, Result<Reply, ClientError>)] = []
        state.withLock { state in
            batch.forEachItem { item, bytes in
                switch item.event {
                case .line:
                    let text = String(decoding: bytes, as: UTF8.self)
                    if text.hasPrefix(Push.marker) {
                        if let push = try? Push(text) { pushes.yield(push) }
                        return
                    }
                    guard let head = state.pending.first else { return }
                    do {
                        if let reply = try state.assembler.feed(text.hasSuffix("\r") ? String(text.dropLast()) : text, listing: head.listing) {
                            _ = state.pending.removeFirst()
                            ready.append((head, .success(reply)))
                        }
                    } catch let error as ProtocolError {
                        _ = state.pending.removeFirst()
                        ready.append((head, .failure(.protocolViolation(error.message))))
                    } catch {
                        _ = state.pending.removeFirst()
                        ready.append((head, .failure(.protocolViolation("\(error)"))))
                    }
                case .oversizedLine:
                    if let head = state.pending.first {
                        _ = state.pending.removeFirst()
                        ready.append((head, .failure(.protocolViolation("a reply line is over the line limit"))))
                    }
                case .closed:
                    state.closed = true
                    while let head = state.pending.first {
                        _ = state.pending.removeFirst()
                        ready.append((head, .failure(.connectionClosed)))
                    }
                    pushes.finish()
                case .opened:
                    break
                }
            }
        }
        for (pending, result) in ready { pending.complete(result) }
    }
}

/// One event loop shared by the clients of a process, started when first needed.
enum SharedLoop {
    static let loop: Result<EventLoop, TransportError> = {
        do throws(TransportError) {
            let loop = try EventLoop(name: "switchboard-client")
            try loop.start()
            return .success(loop)
        } catch {
            return .failure(error)
        }
    }()
}
