import Foundation
import Glibc

/// Runs background work (a snapshot's encoding and writing) on a thread of its own at the
/// kernel's idle scheduling class, so that it takes only CPU time nothing else wants.
///
/// Why: encoding a snapshot takes a core for tens of milliseconds. On a machine with few
/// cores that core is taken from the event loop and its clients, and every request in those
/// milliseconds waits: it was the largest part of the node's p99 at a steady load. At idle
/// priority the work fills the gaps between batches instead. A pool thread cannot be lowered
/// like this, since whatever task runs on it next would inherit the priority.
enum IdlePriorityThread {
    /// Linux's `SCHED_IDLE` (`<sched.h>`, not exported by the Glibc module).
    private static let scheduleIdle: Int32 = 5

    /// Runs `work` on a new thread named `name` at idle priority and returns its result.
    /// If the kernel refuses the idle class, the work runs at normal priority.
    static func run<T: Sendable>(named name: String, _ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                lowerPriority()
                continuation.resume(returning: work())
            }
            thread.name = name
            thread.start()
        }
    }

    /// Puts the calling thread in the idle class: on Linux, pid 0 means the calling thread,
    /// not the whole process.
    private static func lowerPriority() {
        var parameters = sched_param()
        parameters.sched_priority = 0
        _ = sched_setscheduler(0, scheduleIdle, &parameters)
    }
}
