import Foundation
import Glibc
import Synchronization
import Testing
@testable import SwitchboardBenchKit

/// The comparison's baseline server: it must carry the Redis adapter's lifecycles to the end,
/// or the baseline row would measure an error loop.
@Suite struct NullQueueServerTests {
    /// Runs a server on a free loopback port on a thread of its own, and stops it after `body`,
    /// waiting (up to 5 s) for its loop to end.
    static func withServer<T>(_ body: (Int) async throws -> T) async throws -> T {
        let server = try NullQueueServer(port: 0)
        let ended = DispatchSemaphore(value: 0)
        let thread = Thread {
            server.run()
            ended.signal()
        }
        thread.start()
        defer {
            server.stop()
            #expect(ended.wait(timeout: .now() + 5) == .success, "the null queue server's loop did not end within 5 s of stop()")
        }
        return try await body(server.port)
    }

    /// Opens `count` clients to the server and closes them all after `body`.
    static func withClients<T>(_ count: Int, port: Int, _ body: ([BlockingClient]) throws -> T) throws -> T {
        var clients: [BlockingClient] = []
        defer { for client in clients { client.close() } }
        for _ in 0..<count { clients.append(try BlockingClient(port: port)) }
        return try body(clients)
    }

    @Test func everyLifecycleOfTheRedisAdapterCompletes() async throws {
        let figures = try await Self.withServer { port in
            await LoadDriver.run(RedisSystem(name: "null-queue"), host: "127.0.0.1", port: port, plan: PeerAdapterTests.plan)
        }
        PeerAdapterTests.expectAllCompleted(figures, count: 40)
    }

    static let take = "*6\r\n$6\r\nBLMOVE\r\n$5\r\nbench\r\n$4\r\nmine\r\n$4\r\nLEFT\r\n$5\r\nRIGHT\r\n$1\r\n0\r\n"
    static let remove = "*4\r\n$4\r\nLREM\r\n$4\r\nmine\r\n$1\r\n1\r\n$5\r\nhello\r\n"

    static func push(_ value: String) -> String {
        "*3\r\n$5\r\nRPUSH\r\n$5\r\nbench\r\n$\(value.utf8.count)\r\n\(value)\r\n"
    }

    /// Another connection's answer comes at the end of a loop turn that has read everything
    /// sent to the server before it (sent first, it was ready in the same `epoll_wait` or an
    /// earlier one): what is sent after it arrives in a later read.
    static func roundTrip(_ client: BlockingClient) throws {
        try client.send(remove)
        #expect(try client.read(count: 4) == ":1\r\n")
    }

    /// Pushes `value` into an empty queue and expects `taker`, waiting, to get it (then `after`).
    static func pushTaken(_ value: String, from pusher: BlockingClient, by taker: BlockingClient, after: String = "") throws {
        try pusher.send(push(value))
        #expect(try pusher.read(count: 4) == ":1\r\n")
        let expected = "$\(value.utf8.count)\r\n\(value)\r\n" + after
        #expect(try taker.read(count: expected.utf8.count) == expected)
    }

    @Test func aCommandSplitAcrossReadsRunsOnceWholeAndATakeGetsThePushedBytes() async throws {
        try await Self.withServer { port in try Self.withClients(3, port: port) { clients in
            let (taker, pusher, other) = (clients[0], clients[1], clients[2])
            try taker.send(Self.take)
            // One whole command and the start of the next in one write, the rest later.
            let second = Array(Self.push("world").utf8)
            let cut = second.count - 4  // in the middle of "world"
            try pusher.send(Self.push("hello") + String(decoding: second[..<cut], as: UTF8.self))
            try Self.roundTrip(other)
            try pusher.send(String(decoding: second[cut...], as: UTF8.self))
            #expect(try pusher.read(count: 8) == ":1\r\n:1\r\n")
            #expect(try taker.read(count: 11) == "$5\r\nhello\r\n")
            // Run twice, "world" would sit in the queue twice: the next push would make it 3.
            try pusher.send(Self.push("again"))
            #expect(try pusher.read(count: 4) == ":2\r\n")
        } }
    }

    @Test func aPushGoesToTheOldestTakerStillConnected() async throws {
        try await Self.withServer { port in try Self.withClients(3, port: port) { clients in
            let (gone, taker, pusher) = (clients[0], clients[1], clients[2])
            try gone.send(Self.take)
            try Self.roundTrip(pusher)
            try taker.send(Self.take)
            try Self.roundTrip(pusher)
            gone.close()
            // A new connection may get the closed one's descriptor: it must not get the element.
            let newcomer = try BlockingClient(port: port)
            defer { newcomer.close() }
            try Self.roundTrip(newcomer)
            try Self.pushTaken("hello", from: pusher, by: taker)
            try newcomer.send(Self.take)
            try Self.pushTaken("later", from: pusher, by: newcomer)
        } }
    }

    @Test func aTakeHoldsBackTheCommandsSentAfterIt() async throws {
        try await Self.withServer { port in try Self.withClients(2, port: port) { clients in
            let (taker, pusher) = (clients[0], clients[1])
            try taker.send(Self.take + Self.remove)
            try Self.roundTrip(pusher)
            try Self.pushTaken("hello", from: pusher, by: taker, after: ":1\r\n")
        } }
    }

    @Test func aClientThatDoesNotReadItsRepliesIsClosedAndTheServerGoesOn() async throws {
        try await Self.withServer { port in
            // A small receive buffer (no autotuning): what the kernel can hold for this client
            // is its buffer and the server's send buffer, at most a few MiB.
            let taker = try BlockingClient(port: port, receiveBuffer: 64 << 10)
            defer { taker.close() }
            let pusher = try BlockingClient(port: port)
            defer { pusher.close() }
            let takes = 200
            let value = String(repeating: "x", count: 60_000)
            try taker.send(String(repeating: Self.take, count: takes))
            try Self.roundTrip(pusher)
            // 12 MB of elements for the taker, who reads none of them meanwhile.
            try pusher.send(String(repeating: Self.push(value), count: takes))
            var received = 0
            while let count = try taker.readSome() { received += count }
            #expect(received < takes * (value.utf8.count + 10), "the taker got every element: nothing was held back")
            let other = try BlockingClient(port: port)
            defer { other.close() }
            try Self.roundTrip(other)
        }
    }

    @Test func aConnectionSendingWhatIsNotRESPIsClosedAndTheServerGoesOn() async throws {
        try await Self.withServer { port in
            let bad = try BlockingClient(port: port)
            defer { bad.close() }
            try bad.send("*9999999999\r\n")
            #expect(throws: BlockingClient.Failure.self) { try bad.read(count: 1) }
            let good = try BlockingClient(port: port)
            defer { good.close() }
            try Self.roundTrip(good)
        }
    }

    @Test func everyPrefixOfACommandIsIncompleteAndTheWholeIsOneCommand() throws {
        let whole = Array(Self.push("abc").utf8)
        for length in 0..<whole.count {
            let parsed = whole[..<length].withUnsafeBufferPointer { RESPCommand.parse($0, from: 0) }
            guard case .incomplete = parsed else {
                Issue.record("\(length) of \(whole.count) bytes parsed as \(parsed), not incomplete")
                continue
            }
        }
        try whole.withUnsafeBufferPointer { bytes in
            guard case .command(let command) = RESPCommand.parse(bytes, from: 0) else { throw BlockingClient.Failure(description: "not a command") }
            #expect(command.end == whole.count)
            #expect(command.verb(in: bytes) == .push)
            #expect(String(decoding: bytes[command.third], as: UTF8.self) == "abc")
        }
    }

    @Test(arguments: [
        ("+OK\r\n", "not an array"),
        ("*0\r\n", "no arguments"),
        ("*17\r\n", "more than 16 arguments"),
        ("*\r\n", "no count"),
        ("*x\r\n", "a count that is not a number"),
        ("*1\r\n:5\r\n", "an argument that is not a bulk string"),
        ("*1\r\n$1234567890\r\n", "a length of ten digits"),
        ("*1\r\n$65530\r\n", "a command longer than the input buffer"),
        ("*1\r\n$3\r\nabcXY", "a bulk string without its CRLF"),
    ])
    func whatIsNotACommandItReadsIsMalformed(_ text: String, _ what: String) {
        let parsed = Array(text.utf8).withUnsafeBufferPointer { RESPCommand.parse($0, from: 0) }
        guard case .malformed = parsed else {
            Issue.record("\(what) [\(text.debugDescription)] parsed as \(parsed)")
            return
        }
    }

    @Test func anRPUSHWithoutAValueAndUnknownCommandsAreNotPushes() {
        for (text, verb) in [("*2\r\n$5\r\nRPUSH\r\n$1\r\nq\r\n", RESPCommand.Verb.other), ("*1\r\n$4\r\nPING\r\n", .other),
                             ("*1\r\n$4\r\nLREM\r\n", .remove), ("*1\r\n$6\r\nBLMOVE\r\n", .take)] {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { buffer in
                guard case .command(let command) = RESPCommand.parse(buffer, from: 0) else {
                    Issue.record("[\(text.debugDescription)] is not a command")
                    return
                }
                #expect(command.verb(in: buffer) == verb, "[\(text.debugDescription)]")
            }
        }
    }

    @Test func theNullQueueRunsAtDurabilityNoneOnly() {
        #expect(SystemKind.nullQueue.runs(at: .none))
        #expect(!SystemKind.nullQueue.runs(at: .always))
        #expect(!SystemKind.nullQueue.runs(at: .relaxed))
        #expect(Durability.allCases.allSatisfy { SystemKind.redis.runs(at: $0) })
    }
}

/// A plain blocking loopback client whose reads give up after 5 s.
final class BlockingClient: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let fd: Int32
    private let isClosed = Atomic<Bool>(false)

    init(port: Int, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw Failure(description: "connect to 127.0.0.1:\(port): \(reason)")
        }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw Failure(description: "sent \(sent) of \(bytes.count) bytes, then \(String(cString: strerror(errno)))") }
            sent += count
        }
    }

    /// What one `recv` returns (up to 1 MiB): its count, or nil at the end of the stream.
    func readSome() throws -> Int? {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        let got = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
        guard got >= 0 else { throw Failure(description: "recv: \(String(cString: strerror(errno)))") }
        return got == 0 ? nil : got
    }

    /// Exactly `count` bytes, as text.
    func read(count: Int) throws -> String {
        var bytes = [UInt8](repeating: 0, count: count)
        var have = 0
        while have < count {
            let got = bytes.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress! + have, count - have, 0) }
            guard got > 0 else {
                throw Failure(description: "read \(have) of \(count) bytes, then \(got < 0 ? String(cString: strerror(errno)) : "end of stream")")
            }
            have += got
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Closes the socket (once: a second call does nothing).
    func close() {
        guard !isClosed.exchange(true, ordering: .relaxed) else { return }
        Glibc.close(fd)
    }
}
