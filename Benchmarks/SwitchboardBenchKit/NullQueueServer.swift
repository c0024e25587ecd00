import Glibc
import Synchronization
import SwitchboardTransport

/// The comparison's baseline: a queue server that does nothing but move the bytes, for the same
/// load generator and the same Redis adapter (`RPUSH` → `BLMOVE ... 0` → `LREM`).
///
/// One thread, level-triggered epoll, one `read` per ready socket, the replies of a turn
/// gathered per connection and sent once at its end: the system calls a single-threaded
/// server cannot avoid, and as little else as a server can do. Elements live in memory in one
/// FIFO (whatever the key), `LREM` answers 1 without looking, nothing is persisted. Any other
/// command gets `+OK`. How far a real server falls below it is the cost of its own work; the
/// baseline itself shows what this machine's loopback TCP and the load generator allow.
public final class NullQueueServer: Sendable {
    /// The loopback port it listens on.
    public let port: Int
    private let listener: Int32
    private let epoll: Int32
    private let functions: Linux.Functions
    private let stopping = Atomic<Bool>(false)

    /// Listens on 127.0.0.1:`port` (0: a free port, then read `port`).
    ///
    /// - Throws: `ServerError` naming the call that failed.
    public init(port: Int) throws(ServerError) {
        guard let functions = Linux.functions else { throw ServerError("the null queue server needs Linux with glibc (epoll)") }
        self.functions = functions
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Linux.nonBlocking | Linux.closeOnExec, 0)
        guard fd >= 0 else { throw ServerError("cannot create a socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 511) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ServerError("cannot listen on 127.0.0.1:\(port): \(reason)")
        }
        var actual = sockaddr_in()
        var actualLength = length
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) } }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        let epoll = functions.epollCreate1(Linux.closeOnExec)
        guard epoll >= 0, Linux.epollControl(functions, epoll: epoll, operation: Linux.epollCtlAdd, fd: fd, events: Linux.epollIn,
                                              token: UInt64(fd)) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            if epoll >= 0 { close(epoll) }
            throw ServerError("cannot watch the listening socket with epoll: \(reason)")
        }
        listener = fd
        self.epoll = epoll
    }

    /// Makes `run()` return within about 50 ms (from any thread).
    public func stop() {
        stopping.store(true, ordering: .relaxed)
    }

    /// Serves until `stop()`, then closes every socket.
    public func run() {
        var state = State()
        let capacity = 256
        let events = UnsafeMutableRawPointer.allocate(byteCount: capacity * Linux.epollEventSize, alignment: 8)
        defer {
            events.deallocate()
            for fd in state.connections.indices where state.connections[fd] != nil { close(Int32(fd)) }
            close(epoll)
            close(listener)
        }
        while !stopping.load(ordering: .relaxed) {
            let ready = functions.epollWait(epoll, events, Int32(capacity), 50)
            for index in 0..<max(Int(ready), 0) {
                let fd = Int32(truncatingIfNeeded: Linux.event(events, index).token)
                if fd == listener { accept(&state) } else { read(fd, &state) }
            }
            state.flush()
        }
    }

    private func accept(_ state: inout State) {
        while true {
            let fd = functions.accept4(listener, nil, nil, Linux.nonBlocking | Linux.closeOnExec)
            guard fd >= 0 else { return }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            guard Linux.epollControl(functions, epoll: epoll, operation: Linux.epollCtlAdd, fd: fd, events: Linux.epollIn,
                                     token: UInt64(fd)) == 0 else {
                close(fd)
                continue
            }
            state.open(Int(fd))
        }
    }

    private func read(_ fd: Int32, _ state: inout State) {
        let slot = Int(fd)
        guard state.connections.indices.contains(slot), state.connections[slot] != nil else { return }
        let count = state.connections[slot]!.receive(fd)
        guard count > 0 else {
            if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
            _ = Linux.epollControl(functions, epoll: epoll, operation: Linux.epollCtlDel, fd: fd, events: 0, token: 0)
            close(fd)
            state.connections[slot] = nil
            return
        }
        state.serve(slot)
    }
}

/// The server's state, touched only by the thread in `run()`.
private struct State {
    var connections: [ClientConnection?] = []
    /// Elements pushed and not yet taken, oldest first from `head`.
    var queue: [[UInt8]] = []
    var head = 0
    /// Connections blocked in `BLMOVE`, oldest first from `waiterHead`.
    var waiters: [Int] = []
    var waiterHead = 0
    /// Connections with replies to send at the end of the turn.
    var dirty: [Int] = []

    mutating func open(_ slot: Int) {
        if slot >= connections.count { connections.append(contentsOf: repeatElement(nil, count: slot + 1 - connections.count)) }
        connections[slot] = ClientConnection()
    }

    /// Runs every whole command the connection has received.
    mutating func serve(_ slot: Int) {
        let connection = connections[slot]!
        let bytes = connection.received
        var consumed = 0
        while let command = RESPCommand(bytes, from: consumed) {
            consumed = command.end
            execute(command, bytes, slot: slot)
        }
        connection.consume(consumed)
    }

    private mutating func execute(_ command: RESPCommand, _ bytes: UnsafeBufferPointer<UInt8>, slot: Int) {
        switch command.name(in: bytes) {
        case "RPUSH" where command.arguments.count >= 3:
            let value = Array(bytes[command.arguments[2]])
            let length = queue.count - head + 1
            reply(slot) { RESPCommand.appendInteger(length, into: &$0) }
            if waiterHead < waiters.count {
                let waiter = waiters[waiterHead]
                waiterHead += 1
                if waiterHead == waiters.count { waiters.removeAll(keepingCapacity: true); waiterHead = 0 }
                if connections.indices.contains(waiter), connections[waiter] != nil { give(value, to: waiter) } else { queue.append(value) }
            } else {
                queue.append(value)
            }
        case "BLMOVE":
            if head < queue.count {
                let value = queue[head]
                queue[head] = []
                head += 1
                if head == queue.count { queue.removeAll(keepingCapacity: true); head = 0 }
                give(value, to: slot)
            } else {
                waiters.append(slot)
            }
        case "LREM":
            reply(slot) { $0.append(contentsOf: ":1\r\n".utf8) }
        default:
            reply(slot) { $0.append(contentsOf: "+OK\r\n".utf8) }
        }
    }

    private mutating func give(_ value: [UInt8], to slot: Int) {
        reply(slot) { output in
            output.append(36)  // "$"
            RESPCommand.appendDecimal(value.count, into: &output)
            output.append(contentsOf: value)
            output.append(13)
            output.append(10)
        }
    }

    private mutating func reply(_ slot: Int, _ write: (inout [UInt8]) -> Void) {
        let connection = connections[slot]!
        if connection.output.isEmpty { dirty.append(slot) }
        write(&connection.output)
    }

    /// Sends every connection's replies of this turn, one `send` each.
    mutating func flush() {
        for slot in dirty {
            guard connections.indices.contains(slot), connections[slot] != nil else { continue }
            connections[slot]!.send(Int32(slot))
        }
        dirty.removeAll(keepingCapacity: true)
    }
}

/// One client's bytes in and out.
private final class ClientConnection {
    static let inputCapacity = 64 << 10
    /// Received bytes not yet run as commands: `inputCount` of them.
    let input = UnsafeMutablePointer<UInt8>.allocate(capacity: inputCapacity)
    var inputCount = 0
    var output: [UInt8] = []

    init() {
        output.reserveCapacity(4 << 10)
    }

    deinit { input.deallocate() }

    var received: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: input, count: inputCount) }

    /// One `read` of what the socket holds: the count, 0 at the end (or with the buffer full
    /// of a command too long for it), -1 on error.
    func receive(_ fd: Int32) -> Int {
        let count = Glibc.read(fd, input + inputCount, Self.inputCapacity - inputCount)
        if count > 0 { inputCount += count }
        return count
    }

    /// Drops the first `count` received bytes (commands run).
    func consume(_ count: Int) {
        guard count > 0 else { return }
        inputCount -= count
        if inputCount > 0 { memmove(input, input + count, inputCount) }
    }

    /// Sends `output` (what the socket takes of it: a client of the benchmark never lets it fill).
    func send(_ fd: Int32) {
        output.withUnsafeBytes { bytes in
            var sent = 0
            while sent < bytes.count {
                let count = Glibc.send(fd, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                guard count > 0 else { break }
                sent += count
            }
        }
        output.removeAll(keepingCapacity: true)
    }
}

/// One RESP command (`*N` then N `$len` bulk strings) found whole in a buffer.
struct RESPCommand {
    /// Where each argument's bytes are.
    var arguments: [Range<Int>] = []
    /// Just past the command.
    var end = 0

    /// The command starting at `start`, or nil when it is not all there yet (or is not RESP:
    /// the connection then waits for nothing, which the benchmark never sends).
    init?(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) {
        var position = start
        guard position < bytes.count, bytes[position] == 42, let count = Self.number(bytes, &position) else { return nil }  // "*"
        arguments.reserveCapacity(count)
        for _ in 0..<count {
            guard position < bytes.count, bytes[position] == 36, let length = Self.number(bytes, &position),  // "$"
                  position + length + 2 <= bytes.count
            else { return nil }
            arguments.append(position..<position + length)
            position += length + 2
        }
        end = position
    }

    /// The first argument as text (the command's name).
    func name(in bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard let first = arguments.first else { return "" }
        return String(decoding: bytes[first], as: UTF8.self)
    }

    /// Reads the decimal after a type byte up to CRLF; `position` ends past the CRLF.
    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ position: inout Int) -> Int? {
        var cursor = position + 1
        var value = 0
        while cursor < bytes.count, bytes[cursor] >= 48, bytes[cursor] <= 57 {
            value = value * 10 + Int(bytes[cursor] - 48)
            cursor += 1
        }
        guard cursor + 1 < bytes.count, bytes[cursor] == 13, bytes[cursor + 1] == 10 else { return nil }
        position = cursor + 2
        return value
    }

    static func appendInteger(_ value: Int, into output: inout [UInt8]) {
        output.append(58)  // ":"
        appendDecimal(value, into: &output)
    }

    static func appendDecimal(_ value: Int, into output: inout [UInt8]) {
        output.append(contentsOf: String(value).utf8)
        output.append(13)
        output.append(10)
    }
}
