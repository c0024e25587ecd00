import Foundation
import Glibc
import Testing
@testable import SwitchboardTransport

@Suite struct ServerClientTests {
    @Test func aLineSentByTheClientIsEchoedBackOverLoopback() async throws {
        let server = try TestServer()
        let clientLoop = try EventLoop(name: "test-client")
        try clientLoop.start()
        let client = Recorder()
        let connection = try await TCPClient.connect(host: "127.0.0.1", port: server.port, on: clientLoop, handler: client.handler)
        #expect(connection.peer == "127.0.0.1:\(server.port)")
        #expect(!connection.isAccepted)
        #expect(connection.sendLines(["PING", "SUBMIT queue=hosting subject=\"Site down\""]))
        await client.wait(for: "two echoed lines") { $0.lines(of: connection).count == 2 }
        #expect(client.lines(of: connection) == ["PING", "SUBMIT queue=hosting subject=\"Site down\""])
        #expect(client.events(of: connection).first == .opened)
        let accepted = try #require(await server.acceptedConnection())
        #expect(accepted.isAccepted)
        #expect(accepted.peer.hasPrefix("127.0.0.1:"))

        connection.close()
        await server.recorder.wait(for: "the server to see the close") { $0.closeReason(of: accepted) != nil }
        await client.wait(for: "the client to report its own close") { $0.closeReason(of: connection) != nil }
        #expect(server.recorder.closeReason(of: accepted) == .peerClosed)
        #expect(client.closeReason(of: connection) == .closedLocally)
        clientLoop.stop()
        server.stop()
    }

    @Test func manyPipelinedLinesArriveInOrderInFewBatches() async throws {
        let server = try TestServer()
        let socket = try RawSocket(port: server.port)
        let lines = (0..<20_000).map { "REQUEST n=\($0)" }
        #expect(socket.send(lines.joined(separator: "\n") + "\n"))
        let accepted = try #require(await server.acceptedConnection())
        await server.recorder.wait(for: "20,000 lines") { $0.lines(of: accepted).count == lines.count }
        #expect(server.recorder.lines(of: accepted) == lines)
        // About 330 KB: a handful of 64 KiB reads, not one wake-up per line.
        #expect(server.recorder.snapshot.batches <= 40)
        #expect(socket.readLines(lines.count) == lines)
        server.stop()
    }

    @Test func clientConnectionsSharingAHandlerArriveTogether() async throws {
        let server = try TestServer()
        let clientLoop = try EventLoop(name: "test-clients")
        try clientLoop.start()
        let client = Recorder()
        var opened: [Connection] = []
        for _ in 0..<8 {
            opened.append(try await TCPClient.connect(host: "127.0.0.1", port: server.port, on: clientLoop, handler: client.handler))
        }
        let connections = opened
        for (index, connection) in connections.enumerated() {
            connection.sendLines((0..<100).map { "c\(index) line \($0)" })
        }
        await client.wait(for: "800 echoed lines") { recorder in connections.allSatisfy { recorder.lines(of: $0).count == 100 } }
        for (index, connection) in connections.enumerated() {
            #expect(client.lines(of: connection) == (0..<100).map { "c\(index) line \($0)" })
        }
        #expect(Set(connections.map(\.id)).count == 8)
        clientLoop.stop()
        for connection in connections { #expect(client.closeReason(of: connection) == .serverStopped) }
        server.stop()
    }

    @Test(.enabled(if: Loopback.hasIPv6, "this machine has no IPv6 loopback (::1)"))
    func listeningAndConnectingWorkOverIPv6Loopback() async throws {
        let server = try TestServer(host: "::1")
        #expect(server.listener.address == "[::1]:\(server.port)")
        let clientLoop = try EventLoop(name: "test-client6")
        try clientLoop.start()
        let client = Recorder()
        let connection = try await TCPClient.connect(host: "::1", port: server.port, on: clientLoop, handler: client.handler)
        #expect(connection.peer == "[::1]:\(server.port)")
        connection.sendLines(["PING6"])
        await client.wait(for: "the echo over IPv6") { $0.lines(of: connection) == ["PING6"] }
        let accepted = try #require(await server.acceptedConnection())
        #expect(accepted.peer.hasPrefix("[::1]:"))
        clientLoop.stop()
        server.stop()
    }

    @Test func localhostListensOnIPv4LoopbackAndClientsReachIt() async throws {
        let server = try TestServer(host: "localhost")
        #expect(server.listener.address == "127.0.0.1:\(server.port)")
        let clientLoop = try EventLoop(name: "test-client")
        try clientLoop.start()
        let client = Recorder()
        let connection = try await TCPClient.connect(host: "localhost", port: server.port, on: clientLoop, handler: client.handler)
        connection.sendLines(["HELLO"])
        await client.wait(for: "the echo") { $0.lines(of: connection) == ["HELLO"] }
        clientLoop.stop()
        server.stop()
    }

    @Test func connectingWhereNothingListensFailsNamingEachAddressTried() async throws {
        let loop = try EventLoop(name: "test-client")
        try loop.start()
        let port = Loopback.closedPort()
        let error = await #expect(throws: TransportError.self) {
            // Refused at once; the timeout only bounds the test on a loaded machine.
            _ = try await TCPClient.connect(host: "localhost", port: port, on: loop, handler: Recorder().handler, timeout: .seconds(20))
        }
        #expect(error?.code == .connectFailed)
        #expect(error?.message.contains("127.0.0.1:\(port): ECONNREFUSED") == true)
        #expect(error?.message.contains("[::1]:\(port)") == true)
        loop.stop()
    }

    @Test func aBadHostOrPortIsRefusedBeforeAnySocketIsMade() throws {
        let loop = try EventLoop()
        defer { loop.stop() }
        #expect(throws: TransportError(.badAddress, "port 70000 is out of range; use 0 to 65535 (0 picks a free port)")) {
            _ = try TCPListener(host: "127.0.0.1", port: 70_000, on: loop, handler: Recorder().handler)
        }
        let error = #expect(throws: TransportError.self) {
            _ = try TCPListener(host: "no-such-host.invalid", port: 0, on: loop, handler: Recorder().handler)
        }
        #expect(error?.code == .badAddress)
        #expect(error?.message.contains("no-such-host.invalid") == true)
    }

    @Test func listeningOnAPortInUseNamesTheAddress() throws {
        let server = try TestServer()
        defer { server.stop() }
        let error = #expect(throws: TransportError.self) {
            _ = try TCPListener(host: "127.0.0.1", port: server.port, on: server.loop, handler: Recorder().handler)
        }
        #expect(error?.code == .bindFailed)
        #expect(error?.message.contains("127.0.0.1:\(server.port): EADDRINUSE") == true)
    }

    @Test func stoppingTheLoopClosesEveryConnectionWithServerStoppedAndTheListener() async throws {
        let server = try TestServer()
        let first = try RawSocket(port: server.port)
        let second = try RawSocket(port: server.port)
        let accepted = [await server.acceptedConnection(1), await server.acceptedConnection(2)].compactMap { $0 }
        #expect(accepted.count == 2)
        let listening = Self.listeningInodes(port: server.port)
        #expect(listening.count == 1)
        server.stop()
        // stop() returns after the last batch was delivered.
        for connection in accepted {
            #expect(server.recorder.closeReason(of: connection) == .serverStopped)
            #expect(!connection.send([0x41]))
        }
        #expect(first.seesEndOfFile())
        #expect(second.seesEndOfFile())
        // The listening socket is gone. (Connecting to the port would prove less: a test running
        // beside this one may have bound the freed port meanwhile, with a socket of its own.)
        #expect(Self.listeningInodes(port: server.port).isDisjoint(with: listening), "the listening socket is still open after stop()")
        server.stop() // a second stop is harmless
    }

    @Test func aLoopThatNeverStartedReleasesItsQueuedListenerWhenStopped() throws {
        let loop = try EventLoop()
        let listener = try TCPListener(host: "127.0.0.1", port: 0, on: loop, handler: Recorder().handler)
        loop.stop()
        #expect(throws: TransportError.self) { _ = try RawSocket(port: listener.port) }
        #expect(throws: TransportError.self) { try loop.start() }
        #expect(throws: TransportError.self) {
            _ = try TCPListener(host: "127.0.0.1", port: 0, on: loop, handler: Recorder().handler)
        }
    }

    /// The inodes of the sockets listening on 127.0.0.1:`port`, from /proc/net/tcp.
    static func listeningInodes(port: Int) -> Set<String> {
        // Read to the end with read(2): /proc files report a size of 0.
        let fd = open("/proc/net/tcp", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        let table = String(decoding: bytes, as: UTF8.self)
        let local = "0100007F:" + String(format: "%04X", port)
        var inodes: Set<String> = []
        for line in table.split(separator: "\n").dropFirst() {
            let columns = line.split(separator: " ", omittingEmptySubsequences: true)
            if columns.count > 9, columns[1] == local, columns[3] == "0A" { inodes.insert(String(columns[9])) }
        }
        return inodes
    }
}
