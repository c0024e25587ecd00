import Foundation
import Glibc
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

    @Test func everyLifecycleOfTheRedisAdapterCompletes() async throws {
        let figures = try await Self.withServer { port in
            await LoadDriver.run(RedisSystem(name: "null-queue"), host: "127.0.0.1", port: port, plan: PeerAdapterTests.plan)
        }
        PeerAdapterTests.expectAllCompleted(figures, count: 40)
    }

    @Test func aCommandSplitAcrossReadsRunsOnceWholeAndATakeGetsThePushedBytes() async throws {
        try await Self.withServer { port in
            let taker = try BlockingClient(port: port)
            let pusher = try BlockingClient(port: port)
            let other = try BlockingClient(port: port)
            defer {
                taker.close()
                pusher.close()
                other.close()
            }
            let remove = "*4\r\n$4\r\nLREM\r\n$4\r\nmine\r\n$1\r\n1\r\n$5\r\nhello\r\n"
            try taker.send("*6\r\n$6\r\nBLMOVE\r\n$5\r\nbench\r\n$4\r\nmine\r\n$4\r\nLEFT\r\n$5\r\nRIGHT\r\n$1\r\n0\r\n")
            try pusher.send("*3\r\n$5\r\nRPUSH\r\n$5\r\nbench\r\n$5\r\nhel")
            // Another connection's answer comes at the end of a loop turn that has read what the
            // pusher sent before it (sent first, it was ready in the same epoll_wait or an
            // earlier one): the rest of the command then arrives in a later read.
            try other.send(remove)
            #expect(try other.read(count: 4) == ":1\r\n")
            try pusher.send("lo\r\n")
            #expect(try pusher.read(count: 4) == ":1\r\n")
            #expect(try taker.read(count: 11) == "$5\r\nhello\r\n")
            try taker.send(remove)
            #expect(try taker.read(count: 4) == ":1\r\n")
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
private struct BlockingClient {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
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
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw Failure(description: "sent \(sent) of \(bytes.count) bytes") }
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

    func close() {
        Glibc.close(fd)
    }
}
