import Glibc
import Testing
@testable import SwitchboardNode

/// Background snapshot work runs on its own thread in the kernel's idle class, hands its
/// result back, and leaves the calling thread's scheduling as it was.
@Suite struct IdlePriorityThreadTests {
    /// Linux's `SCHED_IDLE`.
    static let idleClass: Int32 = 5

    @Test func workRunsInTheIdleClassOnAThreadOfItsOwnAndReturnsItsResult() async {
        let caller = pthread_self()
        let seen = await IdlePriorityThread.run(named: "test-idle") { () -> (policy: Int32, sameThread: Bool, sum: Int) in
            (sched_getscheduler(0), pthread_equal(pthread_self(), caller) != 0, (1...100).reduce(0, +))
        }
        #expect(seen.policy == Self.idleClass)
        #expect(!seen.sameThread)
        #expect(seen.sum == 5_050)
    }

    @Test func theCallersSchedulingIsUnchanged() async {
        let before = sched_getscheduler(0)
        _ = await IdlePriorityThread.run(named: "test-idle") { 1 }
        #expect(sched_getscheduler(0) == before)
        #expect(before != Self.idleClass)
    }
}
