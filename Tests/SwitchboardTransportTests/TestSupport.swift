import Glibc
import Synchronization
import Testing
@testable import SwitchboardTransport

// MARK: - Recording what a handler receives

/// One item a handler received, copied out of its batch.
struct Received: Sendable {
    let connection: Connection
    let event: InboundEvent
    let text: String
}

/// An `InboundHandler` that records every item, optionally echoes lines (one send per
/// connection and batch) and answers `AUTH` by marking the connection authenticated.
final class Recorder: Sendable {
    struct State: Sendable {
        var items: [Received] = []
        var batches = 0
    }

    let handler: InboundHandler

    init(echo: Bool = false) {
        let box = StateBox()
        self.handler = InboundHandler { batch in
            box.record(batch, echo: echo)
        }
        self.box = box
    }

    private let box: StateBox

    /// A snapshot of what arrived so far.
    var snapshot: State { box.state.withLock { $0 } }

    /// The lines of one connection, in order.
    func lines(of connection: Connection) -> [String] {
        snapshot.items.filter { $0.connection === connection && $0.event == .line }.map(\.text)
    }

    /// The events of one connection, in order.
    func events(of connection: Connection) -> [InboundEvent] {
        snapshot.items.filter { $0.connection === connection }.map(\.event)
    }

    /// Connections opened so far, in order.
    var opened: [Connection] { snapshot.items.filter { $0.event == .opened }.map(\.connection) }

    /// The reason `connection` closed, if it did.
    func closeReason(of connection: Connection) -> CloseReason? {
        for item in snapshot.items where item.connection === connection {
            if case .closed(let reason) = item.event { return reason }
        }
        return nil
    }

    /// Waits until `condition` holds on what arrived, or the deadline passes.
    @discardableResult
    func wait(for what: String, timeout: Duration = .seconds(5), _ condition: @Sendable (Recorder) -> Bool) async -> Bool {
        await waitUntil(what, timeout: timeout) { condition(self) }
    }
}

/// The recorder's storage, captured by its handler (separate, so the handler does not retain
/// the recorder).
private final class StateBox: Sendable {
    let state = Mutex(Recorder.State())

    func record(_ batch: InboundBatch, echo: Bool) {
        var replies: [Connection: [UInt8]] = [:]
        var received: [Received] = []
        batch.forEachItem { item, bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            received.append(Received(connection: item.connection, event: item.event, text: text))
            guard echo, item.event == .line else { return }
            if text.hasPrefix("AUTH") {
                item.connection.markAuthenticated()
                replies[item.connection, default: []].append(contentsOf: "OK\n".utf8)
            } else {
                replies[item.connection, default: []].append(contentsOf: bytes)
                replies[item.connection, default: []].append(0x0A)
            }
        }
        state.withLock {
            $0.items.append(contentsOf: received)
            $0.batches += 1
        }
        for (connection, bytes) in replies { connection.send(bytes) }
    }
}

/// Polls `condition` every millisecond until it holds or `timeout` passes; records an issue
/// on timeout.
@discardableResult
func waitUntil(_ what: String, timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    if condition() { return true }
    Issue.record("timed out after \(timeout) waiting for \(what)")
    return false
}

// MARK: - A server for one test

/// A started loop with a listener on an ephemeral loopback port and a recorder.
struct TestServer {
    let loop: EventLoop
    let listener: TCPListener
    let recorder: Recorder
    let listenerEvents: ListenerEventLog

    var port: Int { listener.port }

    /// A server on a free port. By default with no authentication deadline: on a loaded
    /// machine a test's clients may take longer than the default 10 s to send their first line.
    init(host: String = "127.0.0.1", options: ListenerOptions = ListenerOptions(authenticationTimeout: .zero), echo: Bool = true) throws {
        loop = try EventLoop(name: "test-server")
        try loop.start()
        recorder = Recorder(echo: echo)
        let log = ListenerEventLog()
        listenerEvents = log
        do {
            listener = try TCPListener(host: host, port: 0, options: options, on: loop, handler: recorder.handler,
                                       onEvent: { log.append($0) })
        } catch {
            loop.stop()
            throw error
        }
    }

    /// Waits for the `count`-th accepted connection and returns it.
    func acceptedConnection(_ count: Int = 1) async -> Connection? {
        guard await recorder.wait(for: "\(count) accepted connection(s)", { $0.opened.count >= count }) else { return nil }
        return recorder.opened[count - 1]
    }

    func stop() { loop.stop() }
}

final class ListenerEventLog: Sendable {
    private let events = Mutex<[ListenerEvent]>([])
    func append(_ event: ListenerEvent) { events.withLock { $0.append(event) } }
    var all: [ListenerEvent] { events.withLock { $0 } }
}

// MARK: - A plain blocking socket, the way any client program talks

/// A blocking client socket with bounded waits, for wire-level tests (send a line, expect a
/// line). Reads use `SO_RCVTIMEO` slices, so no call waits past its deadline.
final class RawSocket {
    private(set) var fd: Int32
    private var buffered: [UInt8] = []

    init(port: Int, host: String = "127.0.0.1", receiveBuffer: Int32? = nil) throws {
        let address = try SocketAddress.resolve(host: host, port: port, forListening: false)[0]
        fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TransportError(.resourceExhausted, "socket: \(errno)") }
        if let receiveBuffer { Posix.setOption(fd, SOL_SOCKET, SO_RCVBUF, receiveBuffer) }
        var slice = timeval(tv_sec: 0, tv_usec: 20_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &slice, socklen_t(MemoryLayout<timeval>.size))
        let result = address.withSockAddr { Glibc.connect(fd, $0, $1) }
        guard result == 0 else {
            let error = errno
            // Not Glibc.close: deinit runs after a throwing init and would close the number
            // again, by then perhaps another test's socket.
            close()
            throw TransportError(.connectFailed, "connect \(address): \(Errno.describe(error))")
        }
    }

    deinit { close() }

    /// Closes the socket (once), as a client does when it is done.
    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Writes all of `text`; false if the connection broke.
    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 { if errno == EINTR { continue }; return false }
            offset += n
        }
        return true
    }

    /// The result of one bounded read.
    enum ReadResult { case bytes(Int), endOfFile, timedOut, failed(Int32) }

    /// Reads once into `buffer`, waiting at most one slice.
    func readOnce(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        while true {
            let n = Glibc.recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .endOfFile }
            let error = errno
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return .timedOut }
            return .failed(error)
        }
    }

    /// The next line without its `\n`, or nil at end of file, error or deadline.
    func readLine(timeout: Duration = .seconds(5)) -> String? {
        let deadline = ContinuousClock.now + timeout
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            if let newline = buffered.firstIndex(of: 0x0A) {
                let line = String(decoding: buffered[..<newline], as: UTF8.self)
                buffered.removeSubrange(...newline)
                return line
            }
            guard ContinuousClock.now < deadline else { return nil }
            switch chunk.withUnsafeMutableBytes({ readOnce(into: $0) }) {
            case .bytes(let n): buffered.append(contentsOf: chunk[..<n])
            case .timedOut: continue
            case .endOfFile, .failed: return nil
            }
        }
    }

    /// Reads `count` lines.
    func readLines(_ count: Int, timeout: Duration = .seconds(5)) -> [String] {
        var lines: [String] = []
        let deadline = ContinuousClock.now + timeout
        while lines.count < count, ContinuousClock.now < deadline, let line = readLine(timeout: deadline - ContinuousClock.now) {
            lines.append(line)
        }
        return lines
    }

    /// Whether the peer closed (end of file or reset) within the timeout, discarding any bytes.
    func seesEndOfFile(timeout: Duration = .seconds(5)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        buffered.removeAll()
        while ContinuousClock.now < deadline {
            switch chunk.withUnsafeMutableBytes({ readOnce(into: $0) }) {
            case .bytes, .timedOut: continue
            case .endOfFile, .failed: return true
            }
        }
        return false
    }
}

// MARK: - Machine facts

enum Loopback {
    /// Whether this machine can bind `::1`.
    static let hasIPv6: Bool = {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        let address = SocketAddress(literal: "::1", port: 0)!
        return address.withSockAddr { Glibc.bind(fd, $0, $1) } == 0
    }()

    /// A loopback port with nothing listening on it (bound, then released).
    static func closedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        let address = SocketAddress(literal: "127.0.0.1", port: 0)!
        _ = address.withSockAddr { Glibc.bind(fd, $0, $1) }
        return Int(SocketAddress.local(of: fd)?.port ?? 1)
    }
}
