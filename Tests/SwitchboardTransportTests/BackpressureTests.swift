import Glibc
import Testing
@testable import SwitchboardTransport

@Suite struct BackpressureTests {
    @Test func aLargePayloadToASlowReaderArrivesIntactThroughPartialWrites() async throws {
        let options = ListenerOptions(authenticationTimeout: .zero, connection: ConnectionOptions(maximumOutboundBytes: 16 << 20))
        let server = try TestServer(options: options, echo: false)
        // A small receive window (far below 8 MiB) makes the kernel take the payload in pieces.
        let socket = try RawSocket(port: server.port, receiveBuffer: 128 * 1024)
        let accepted = try #require(await server.acceptedConnection())
        // Bytes 0, 1, …, 250, 0, 1, …: a misplaced or repeated chunk shows.
        let pattern = (0..<251).map { UInt8($0) }
        var payload: [UInt8] = []
        payload.reserveCapacity(8 << 20 + 251)
        while payload.count < 8 << 20 { payload.append(contentsOf: pattern) }
        payload.removeLast(payload.count - 8 << 20)
        #expect(accepted.send(payload))
        // Nothing was read yet and the socket buffers hold far less than 8 MiB: the send wrote
        // part of it and the rest waits for the loop to flush on EPOLLOUT.
        #expect(accepted.deferredSends == 1)
        #expect(accepted.bufferedBytes > 0)

        var received = 0
        var intact = true
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let deadline = ContinuousClock.now + .seconds(20)
        reading: while received < payload.count && ContinuousClock.now < deadline {
            switch chunk.withUnsafeMutableBytes({ socket.readOnce(into: $0) }) {
            case .bytes(let count):
                let same = chunk.withUnsafeBytes { got in
                    payload.withUnsafeBytes { sent in memcmp(got.baseAddress!, sent.baseAddress! + received, count) == 0 }
                }
                if !same { intact = false }
                received += count
            case .timedOut:
                continue
            case .endOfFile, .failed:
                break reading
            }
        }
        #expect(received == payload.count)
        #expect(intact)
        await waitUntil("the outbound buffer to drain") { accepted.bufferedBytes == 0 }
        #expect(accepted.isOpen)
        server.stop()
    }

    @Test func aPeerThatNeverReadsIsDisconnectedAsSlowReaderOnceTheBoundIsPassed() async throws {
        let options = ListenerOptions(authenticationTimeout: .zero, connection: ConnectionOptions(maximumOutboundBytes: 256 * 1024))
        let server = try TestServer(options: options, echo: false)
        let socket = try RawSocket(port: server.port, receiveBuffer: 4 * 1024)
        let accepted = try #require(await server.acceptedConnection())
        let chunk = [UInt8](repeating: 0x2A, count: 64 * 1024)
        var sent = 0
        // Bounded: the kernel's buffers hold a few MiB at most, then the 256 KiB bound trips.
        while accepted.send(chunk) && sent < 256 << 20 { sent += chunk.count }
        #expect(!accepted.isOpen)
        await server.recorder.wait(for: "the slow reader's close") { $0.closeReason(of: accepted) != nil }
        #expect(server.recorder.closeReason(of: accepted) == .slowReader)
        #expect(socket.seesEndOfFile())
        server.stop()
    }

    @Test func sendingToAPeerThatHasGoneReportsTheCloseAndDoesNotRaiseSIGPIPE() async throws {
        let server = try TestServer(echo: false)
        let socket = try RawSocket(port: server.port)
        let accepted = try #require(await server.acceptedConnection())
        socket.close()
        let line = [UInt8]("PUSH offer=1\n".utf8)
        // Keep sending until the connection notices: EPIPE or ECONNRESET from send, or the
        // end of file seen by the loop. Without MSG_NOSIGNAL this would kill the test process.
        await waitUntil("the send path to notice the peer is gone") { !accepted.send(line) }
        await server.recorder.wait(for: "the close to be reported") { $0.closeReason(of: accepted) != nil }
        let reason = try #require(server.recorder.closeReason(of: accepted))
        switch reason {
        case .peerClosed, .error: break
        default: Issue.record("unexpected close reason \(reason)")
        }
        server.stop()
    }

    @Test func closeAfterFlushDeliversEveryByteThenTheEndOfFile() async throws {
        let server = try TestServer(echo: false)
        let socket = try RawSocket(port: server.port, receiveBuffer: 16 * 1024)
        let accepted = try #require(await server.acceptedConnection())
        let lines = (0..<20_000).map { "ITEM n=\($0) padding=0123456789" }
        accepted.sendLines(lines)
        accepted.closeAfterFlush()
        #expect(!accepted.sendLines(["TOO LATE"]))
        #expect(socket.readLines(lines.count) == lines)
        #expect(socket.seesEndOfFile())
        socket.close()
        await server.recorder.wait(for: "the close") { $0.closeReason(of: accepted) != nil }
        #expect(server.recorder.closeReason(of: accepted) == .closedLocally)
        server.stop()
    }

    @Test func aPausedConnectionIsNotReadUntilItResumes() async throws {
        let server = try TestServer()
        let paused = try RawSocket(port: server.port)
        let accepted = try #require(await server.acceptedConnection())
        accepted.pauseReading()
        paused.send("WAITING 1\nWAITING 2\n")
        // On loopback the bytes are in the server's socket once send returns; a round trip on
        // another connection shows the loop went round without reading them.
        let other = try RawSocket(port: server.port)
        other.send("PING\n")
        #expect(other.readLine() == "PING")
        #expect(server.recorder.lines(of: accepted).isEmpty)

        accepted.resumeReading()
        await server.recorder.wait(for: "the lines sent while paused") { $0.lines(of: accepted).count == 2 }
        #expect(server.recorder.lines(of: accepted) == ["WAITING 1", "WAITING 2"])
        #expect(paused.readLines(2) == ["WAITING 1", "WAITING 2"])
        server.stop()
    }
}
