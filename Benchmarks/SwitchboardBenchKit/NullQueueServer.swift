import Glibc
import Synchronization
import SwitchboardTransport

/// The comparison's baseline: a queue server that does little but move the bytes, for the same
/// load generator and the same Redis adapter (`RPUSH` → `BLMOVE ... 0` → `LREM`).
///
/// One thread, level-triggered epoll, one `read` per ready socket, the replies of a turn
/// gathered per connection and sent once at its end: the system calls a single-threaded server
/// cannot avoid, and little else (a copy of each pushed element, as any queue keeps). Elements
/// live in memory in one FIFO (whatever the key), `BLMOVE` blocks its connection until there is
/// one, `LREM` answers 1 without looking, nothing is persisted; any other command gets `+OK`. A
/// connection that sends what is not RESP, or that does not take its replies, is closed. How
/// far a real server falls below this baseline is the cost of its own work; the baseline
/// itself shows what this machine's loopback TCP and the load generator allow.
public final class NullQueueServer: Sendable {
    /// The loopback port it listens on.
    public let port: Int
    private let listener: Int32
    private let epoll: Int32
    private let functions: Linux.Functions
    private let stopping = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)

    /// Listens on 127.0.0.1:`port` (0: a free port, then read `port`).
    ///
    /// - Throws: `ServerError` naming what failed.
    public init(port: Int) throws(ServerError) {
        guard let portNumber = UInt16(exactly: port) else { throw ServerError("port \(port) is not from 0 to 65535") }
        guard let functions = Linux.functions else { throw ServerError("the null queue server needs Linux with glibc (epoll)") }
        self.functions = functions
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Linux.nonBlocking | Linux.closeOnExec, 0)
        guard fd >= 0 else { throw ServerError("cannot create a socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(portNumber.bigEndian)
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

    deinit {
        close(epoll)
        close(listener)
    }

    /// Makes `run()` return within about 50 ms (from any thread).
    public func stop() {
        stopping.store(true, ordering: .relaxed)
    }

    /// Serves until `stop()`, then closes every client's socket. Runs once: a second call
    /// returns at once.
    public func run() {
        guard !started.exchange(true, ordering: .relaxed) else { return }
        var state = State(epoll: epoll, functions: functions)
        let capacity = 256
        let events = UnsafeMutableRawPointer.allocate(byteCount: capacity * Linux.epollEventSize, alignment: 8)
        defer {
            events.deallocate()
            state.closeAll()
        }
        while !stopping.load(ordering: .relaxed) {
            let ready = functions.epollWait(epoll, events, Int32(capacity), 50)
            for index in 0..<max(Int(ready), 0) {
                let fd = Int32(truncatingIfNeeded: Linux.event(events, index).token)
                if fd == listener { accept(&state) } else { state.read(Int(fd)) }
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
}

/// The server's state, touched only by the thread in `run()`.
private struct State {
    let epoll: Int32
    let functions: Linux.Functions
    /// By descriptor.
    var connections: [ClientConnection?] = []
    /// Elements pushed and not yet taken, oldest first from `head`.
    var queue: [[UInt8]] = []
    var head = 0
    /// Connections blocked in `BLMOVE`, oldest first from `waiterHead`; one that closed since is
    /// skipped (its descriptor may belong to a new connection by then, hence the object).
    var waiters: [ClientConnection] = []
    var waiterHead = 0
    /// Connections with replies to send at the end of the turn.
    var dirty: [ClientConnection] = []

    init(epoll: Int32, functions: Linux.Functions) {
        self.epoll = epoll
        self.functions = functions
    }

    mutating func open(_ fd: Int) {
        if fd >= connections.count { connections.append(contentsOf: repeatElement(nil, count: fd + 1 - connections.count)) }
        connections[fd] = ClientConnection(fd: Int32(fd))
    }

    /// One `read` of a ready connection, then every whole command it holds.
    mutating func read(_ fd: Int) {
        guard connections.indices.contains(fd), let connection = connections[fd] else { return }
        let count = connection.receive()
        guard count > 0 else {
            if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
            close(connection)
            return
        }
        serve(connection)
    }

    /// Runs the connection's whole commands in order, up to one that blocks it.
    private mutating func serve(_ connection: ClientConnection) {
        let bytes = connection.received
        var consumed = 0
        while !connection.blocked {
            switch RESPCommand.parse(bytes, from: consumed) {
            case .incomplete:
                connection.consume(consumed)
                return
            case .malformed:
                close(connection)
                return
            case .command(let command):
                consumed = command.end
                execute(command, bytes, on: connection)
            }
        }
        connection.consume(consumed)
    }

    private mutating func execute(_ command: RESPCommand, _ bytes: UnsafeBufferPointer<UInt8>, on connection: ClientConnection) {
        switch command.verb(in: bytes) {
        case .push:
            let length = queue.count - head + 1
            reply(connection) { RESPCommand.appendInteger(length, into: &$0) }
            let value = Array(bytes[command.third])
            if let waiter = nextLiveWaiter() { give(value, to: waiter) } else { queue.append(value) }
        case .take:
            if head < queue.count {
                let value = queue[head]
                queue[head] = []
                head += 1
                if head == queue.count { queue.removeAll(keepingCapacity: true); head = 0 }
                give(value, to: connection)
            } else {
                connection.blocked = true
                waiters.append(connection)
            }
        case .remove:
            reply(connection) { $0.append(contentsOf: ":1\r\n".utf8) }
        case .other:
            reply(connection) { $0.append(contentsOf: "+OK\r\n".utf8) }
        }
    }

    /// The oldest blocked connection still open, taken off the list.
    private mutating func nextLiveWaiter() -> ClientConnection? {
        while waiterHead < waiters.count {
            let waiter = waiters[waiterHead]
            waiterHead += 1
            if waiterHead == waiters.count { waiters.removeAll(keepingCapacity: true); waiterHead = 0 }
            if !waiter.closed { return waiter }
        }
        return nil
    }

    /// Answers a `BLMOVE` with an element and runs what the connection sent after it.
    private mutating func give(_ value: [UInt8], to connection: ClientConnection) {
        reply(connection) { output in
            output.append(36)  // "$"
            RESPCommand.appendDecimal(value.count, into: &output)
            output.append(contentsOf: value)
            output.append(13)
            output.append(10)
        }
        if connection.blocked {
            connection.blocked = false
            serve(connection)
        }
    }

    private mutating func reply(_ connection: ClientConnection, _ write: (inout [UInt8]) -> Void) {
        if connection.output.isEmpty { dirty.append(connection) }
        write(&connection.output)
    }

    /// Sends every connection's replies of this turn, one `send` each; a connection whose
    /// socket does not take them all is closed (the benchmark's clients always read).
    mutating func flush() {
        for connection in dirty where !connection.closed {
            if !connection.send() { close(connection) }
        }
        dirty.removeAll(keepingCapacity: true)
    }

    private mutating func close(_ connection: ClientConnection) {
        guard !connection.closed else { return }
        connection.closed = true
        _ = Linux.epollControl(functions, epoll: epoll, operation: Linux.epollCtlDel, fd: connection.fd, events: 0, token: 0)
        Glibc.close(connection.fd)
        connections[Int(connection.fd)] = nil
    }

    mutating func closeAll() {
        for case let connection? in connections { close(connection) }
    }
}

/// One client's bytes in and out.
private final class ClientConnection {
    static let inputCapacity = RESPCommand.maximumBytes
    let fd: Int32
    /// Received bytes not yet run as commands: `inputCount` of them. A whole command fits (a
    /// longer one is refused as malformed), so the buffer fills only behind a blocked `BLMOVE`.
    let input = UnsafeMutablePointer<UInt8>.allocate(capacity: inputCapacity)
    var inputCount = 0
    var output: [UInt8] = []
    /// Waiting in `BLMOVE`: its later commands wait too.
    var blocked = false
    var closed = false

    init(fd: Int32) {
        self.fd = fd
        output.reserveCapacity(4 << 10)
    }

    deinit { input.deallocate() }

    var received: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: input, count: inputCount) }

    /// One `read` of what the socket holds: the count, 0 at the end (or with the buffer full),
    /// -1 on error.
    func receive() -> Int {
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

    /// Sends `output`; false when the socket did not take all of it.
    func send() -> Bool {
        let sent = output.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let count = Glibc.send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        output.removeAll(keepingCapacity: true)
        return sent
    }
}

/// One RESP command (`*N` then N `$len` bulk strings) found whole in a buffer.
struct RESPCommand {
    /// What a buffer holds at a position.
    enum Parse {
        case command(RESPCommand)
        /// Not all there yet.
        case incomplete
        /// Not a command this server reads (or over its limits): the connection is closed.
        case malformed
    }

    /// The commands the server tells apart.
    enum Verb {
        /// `RPUSH key value`.
        case push
        /// `BLMOVE ...`.
        case take
        /// `LREM ...`.
        case remove
        /// Anything else, answered `+OK`.
        case other
    }

    static let maximumArguments = 16
    /// The longest command, in bytes: it fits a connection's input buffer whole.
    static let maximumBytes = 64 << 10

    /// The first argument's bytes (the command's name).
    var name: Range<Int> = 0..<0
    /// The third argument's bytes (`RPUSH`'s value), empty when there are fewer.
    var third: Range<Int> = 0..<0
    /// How many arguments.
    var count = 0
    /// Just past the command.
    var end = 0

    /// The command at `start`.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Parse {
        var position = start
        guard position < bytes.count else { return .incomplete }
        guard bytes[position] == 42 else { return .malformed }  // "*"
        guard let count = number(bytes, &position) else { return position < 0 ? .malformed : .incomplete }
        guard (1...maximumArguments).contains(count) else { return .malformed }
        var command = RESPCommand()
        command.count = count
        for argument in 0..<count {
            guard position < bytes.count else { return .incomplete }
            guard bytes[position] == 36 else { return .malformed }  // "$"
            guard let length = number(bytes, &position) else { return position < 0 ? .malformed : .incomplete }
            guard position - start + length + 2 <= maximumBytes else { return .malformed }
            guard position + length + 2 <= bytes.count else { return .incomplete }
            guard bytes[position + length] == 13, bytes[position + length + 1] == 10 else { return .malformed }
            if argument == 0 { command.name = position..<position + length }
            if argument == 2 { command.third = position..<position + length }
            position += length + 2
        }
        command.end = position
        return .command(command)
    }

    /// Which command it is, by its name's bytes (upper case, as the adapter sends them).
    func verb(in bytes: UnsafeBufferPointer<UInt8>) -> Verb {
        let name = UnsafeBufferPointer(rebasing: bytes[name])
        if count >= 3 && name.elementsEqual("RPUSH".utf8) { return .push }
        if name.elementsEqual("BLMOVE".utf8) { return .take }
        if name.elementsEqual("LREM".utf8) { return .remove }
        return .other
    }

    /// Reads the decimal after a type byte up to CRLF; `position` ends past the CRLF. Nil when
    /// the line is not all there, with `position` set to -1 when it is not a number of at most
    /// nine digits.
    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ position: inout Int) -> Int? {
        var cursor = position + 1
        var value = 0
        while cursor < bytes.count, bytes[cursor] >= 48, bytes[cursor] <= 57 {
            guard cursor - position <= 9 else {
                position = -1
                return nil
            }
            value = value * 10 + Int(bytes[cursor] - 48)
            cursor += 1
        }
        guard cursor + 1 < bytes.count else { return nil }
        guard cursor > position + 1, bytes[cursor] == 13, bytes[cursor + 1] == 10 else {
            position = -1
            return nil
        }
        position = cursor + 2
        return value
    }

    static func appendInteger(_ value: Int, into output: inout [UInt8]) {
        output.append(58)  // ":"
        appendDecimal(value, into: &output)
    }

    /// `value` in decimal and CRLF.
    static func appendDecimal(_ value: Int, into output: inout [UInt8]) {
        TicketPayload.appendDecimal(value, into: &output)
        output.append(13)
        output.append(10)
    }
}
