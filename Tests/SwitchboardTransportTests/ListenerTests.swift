import Glibc
import Synchronization
import Testing
@testable import SwitchboardTransport

@Suite struct ListenerTests {
    @Test func pastTheConnectionLimitANewConnectionGetsAnErrorLineAndIsClosed() async throws {
        let server = try TestServer(options: ListenerOptions(maximumConnections: 2, authenticationTimeout: .zero))
        #expect(server.listener.maximumConnections == 2)
        let first = try RawSocket(port: server.port)
        let second = try RawSocket(port: server.port)
        let firstAccepted = await server.acceptedConnection(1)
        _ = await server.acceptedConnection(2)

        let third = try RawSocket(port: server.port)
        #expect(third.readLine() == "ERR UNAVAILABLE too many connections (limit 2)")
        #expect(third.seesEndOfFile())
        await waitUntil("the rejection to be reported") {
            server.listenerEvents.all.contains { if case .rejected(_, .tooManyConnections) = $0 { true } else { false } }
        }

        first.send("PING 1\n")
        second.send("PING 2\n")
        #expect(first.readLine() == "PING 1")
        #expect(second.readLine() == "PING 2")

        let closing = try #require(firstAccepted)
        closing.close()
        #expect(first.seesEndOfFile())
        await server.recorder.wait(for: "the first connection to close") { $0.closeReason(of: closing) != nil }
        let fourth = try RawSocket(port: server.port)
        fourth.send("PING 4\n")
        #expect(fourth.readLine() == "PING 4")
        #expect(server.recorder.opened.count == 3)
        server.stop()
    }

    @Test func aConnectionThatDoesNotAuthenticateInTimeIsToldWhyAndClosed() async throws {
        let server = try TestServer(options: ListenerOptions(authenticationTimeout: .milliseconds(200)))
        // Authenticates first, so its deadline passes before the other's.
        let authenticated = try RawSocket(port: server.port)
        authenticated.send("AUTH token\n")
        #expect(authenticated.readLine() == "OK")
        let silent = try RawSocket(port: server.port)
        let silentConnection = try #require(await server.acceptedConnection(2))

        #expect(silent.readLine() == "ERR AUTH_REQUIRED no AUTH within 0.2 s")
        #expect(silent.seesEndOfFile())
        silent.close() // the server waits for this (or its close timeout) before closing its end
        await server.recorder.wait(for: "the idle close") { $0.closeReason(of: silentConnection) != nil }
        #expect(server.recorder.closeReason(of: silentConnection) == .idleTimeout)

        // Its deadline passed too, but it authenticated: still served.
        authenticated.send("PING\n")
        #expect(authenticated.readLine() == "PING")
        #expect(server.recorder.opened.first?.isAuthenticated == true)
        server.stop()
    }

    @Test func aPeerThatDisconnectsMidLineLosesOnlyThePartialLine() async throws {
        let server = try TestServer(echo: false)
        let socket = try RawSocket(port: server.port)
        socket.send("COMPLETE 1\nCOMPLETE 2\nPARTIAL wit")
        let accepted = try #require(await server.acceptedConnection())
        await server.recorder.wait(for: "the complete lines") { $0.lines(of: accepted).count == 2 }
        socket.close()
        await server.recorder.wait(for: "the close") { $0.closeReason(of: accepted) != nil }
        #expect(server.recorder.events(of: accepted) == [.opened, .line, .line, .closed(.peerClosed)])
        #expect(server.recorder.lines(of: accepted) == ["COMPLETE 1", "COMPLETE 2"])
        server.stop()
    }

    @Test func anOversizedLineIsMarkedInRequestOrderAndTheConnectionStaysOpen() async throws {
        let options = ListenerOptions(authenticationTimeout: .zero, connection: ConnectionOptions(maximumLineBytes: 1024))
        let server = try TestServer(options: options, echo: false)
        let socket = try RawSocket(port: server.port)
        socket.send("BEFORE\n" + String(repeating: "x", count: 200_000) + "\nAFTER\n")
        let accepted = try #require(await server.acceptedConnection())
        await server.recorder.wait(for: "the line after the long one") { $0.lines(of: accepted).count == 2 }
        #expect(server.recorder.events(of: accepted) == [.opened, .line, .oversizedLine, .line])
        #expect(server.recorder.lines(of: accepted) == ["BEFORE", "AFTER"])
        #expect(accepted.isOpen)
        server.stop()
    }

    /// Makes the listener's next `accept` calls fail with `errors`, and waits until it is so.
    private func inject(_ errors: [Int32], into server: TestServer, dropSpare: Bool = false) async {
        let applied = Mutex(false)
        let id = server.listener.id
        server.loop.execute { core in
            guard let listener = core.listeners[id] else { return }
            listener.injectedAcceptErrors = errors
            if dropSpare, listener.spare >= 0 {
                Posix.close(listener.spare)
                listener.spare = -1
            }
            applied.withLock { $0 = true }
        }
        await waitUntil("the injection") { applied.withLock { $0 } }
    }

    @Test func outOfDescriptorsTheSpareAcceptsAndClosesTheConnectionSoTheLoopDoesNotSpin() async throws {
        let server = try TestServer()
        await inject([EMFILE], into: server)
        let refused = try RawSocket(port: server.port)
        #expect(refused.readLine() == "ERR UNAVAILABLE the node is out of file descriptors; try again later")
        #expect(refused.seesEndOfFile())
        let report = ListenerEvent.descriptorsExhausted(error: Errno.describe(EMFILE), dropped: 1, paused: false)
        await waitUntil("the report") { server.listenerEvents.all.contains(report) }

        let served = try RawSocket(port: server.port)
        served.send("PING\n")
        #expect(served.readLine() == "PING")
        #expect(server.recorder.opened.count == 1)
        server.stop()
    }

    @Test func outOfDescriptorsWithoutASpareTheListenerPausesThenAcceptsAgain() async throws {
        let server = try TestServer()
        await inject([EMFILE], into: server, dropSpare: true)
        let waiting = try RawSocket(port: server.port)
        waiting.send("PING\n")
        // Accepted after the 100 ms pause, with the spare descriptor taken again.
        #expect(waiting.readLine() == "PING")
        #expect(server.listenerEvents.all == [.descriptorsExhausted(error: Errno.describe(EMFILE), dropped: 0, paused: true)])
        server.stop()
    }

    @Test func anotherAcceptFailureIsReportedAndTheListenerCarriesOn() async throws {
        let server = try TestServer()
        await inject([ENOBUFS], into: server)
        let socket = try RawSocket(port: server.port)
        socket.send("PING\n")
        #expect(socket.readLine() == "PING")
        #expect(server.listenerEvents.all == [.acceptFailed(error: Errno.describe(ENOBUFS))])
        server.stop()
    }

    @Test func theConnectionLimitIsClampedBelowTheDescriptorLimit() throws {
        let server = try TestServer(options: ListenerOptions(maximumConnections: Int(Int32.max), authenticationTimeout: .zero))
        defer { server.stop() }
        let descriptors = try #require(Posix.descriptorLimit())
        #expect(server.listener.maximumConnections == descriptors - ListenerOptions.reservedDescriptors)
    }
}

