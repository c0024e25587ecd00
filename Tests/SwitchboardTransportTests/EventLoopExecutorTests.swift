import Synchronization
import Testing
@testable import SwitchboardTransport

/// An actor whose executor is an event loop: the shape the node's coordinator has.
private actor LoopBound {
    nonisolated let loop: EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }
    private(set) var lines = 0

    init(loop: EventLoop) { self.loop = loop }

    func ranOnLoopThread() -> Bool { loop.inEventLoop }
    func count(_ batch: InboundBatch) { lines += batch.lineCount }
}

@Suite struct EventLoopExecutorTests {
    @Test func anActorOnALoopRunsItsMethodsOnTheLoopsThread() async throws {
        let loop = try EventLoop(name: "test-executor")
        try loop.start()
        defer { loop.stop() }
        let actor = LoopBound(loop: loop)
        #expect(await actor.ranOnLoopThread())
        #expect(!loop.inEventLoop)
    }

    @Test func aHandlerEntersTheActorWithoutAHop() async throws {
        let loop = try EventLoop(name: "test-executor")
        try loop.start()
        let actor = LoopBound(loop: loop)
        let handler = InboundHandler { batch in actor.assumeIsolated { $0.count(batch) } }
        let listener = try TCPListener(host: "127.0.0.1", port: 0, on: loop, handler: handler)
        let socket = try RawSocket(port: listener.port)
        #expect(socket.send("ONE\nTWO\nTHREE\n"))
        let deadline = ContinuousClock.now + .seconds(10)
        while await actor.lines < 3 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(await actor.lines == 3)
        socket.close()
        loop.stop()
    }

    @Test func scheduledWorkRunsOnTheLoopUntilItStops() async throws {
        let loop = try EventLoop(name: "test-executor")
        try loop.start()
        let ran = Atomic<Bool>(false)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            #expect(loop.schedule {
                ran.store(loop.inEventLoop, ordering: .relaxed)
                done.resume()
            })
        }
        let onLoopThread = ran.load(ordering: .relaxed)
        #expect(onLoopThread)
        loop.stop()
        #expect(!loop.schedule {})
    }

    @Test func anActorOnAStoppedLoopStillAnswers() async throws {
        let loop = try EventLoop(name: "test-executor")
        try loop.start()
        let actor = LoopBound(loop: loop)
        loop.stop()
        // Its jobs run elsewhere now, one at a time, so an await during shutdown returns.
        #expect(await actor.ranOnLoopThread() == false)
        #expect(await actor.lines == 0)
    }
}
