// MARK: - Stale timers

extension RoutingEngine {
    /// Below this many timers (128 KiB) the heap is left alone: stale ones cost little there,
    /// and a pass stays short (a node whose tickets are all accepted at once makes one every
    /// 0.4 s at 11,000 tickets/s, each over about 8,000 timers).
    static let defaultTimerCompactionFloor = 8_192

    /// Drops the timers that no longer apply once the heap has grown fourfold since the last time.
    ///
    /// Most timers go stale long before they are due: every offer schedules an expiry (the
    /// queue's offer timeout) and the ticket an SLA check (80% of its deadline, often hours
    /// away), and both are moot once the ticket is accepted, minutes or hours before they
    /// would fire. A stale timer is dropped only when it reaches the top of the heap, so at a
    /// steady rate the heap grew with rate × SLA time (16 bytes a ticket: at 11,000 tickets/s,
    /// 630 MB an hour until the first checks came due) and each doubling of its array held
    /// the node for the copy.
    /// Dropping them here keeps the heap within four times the live timers, or the floor, at a
    /// cost of O(1) per timer scheduled (each pass over n timers follows at least 3n/4
    /// insertions). Callgrind at 10,000 agents, instructions per decision: 2,195 never
    /// compacting, 2,234 at twice the live timers, 2,189 at four times (a smaller heap makes
    /// each insertion cheaper), 2,200 at eight.
    ///
    /// Deterministic enough: when it runs depends only on the commands applied and on
    /// `nextDeadline` calls, and what it drops can never fire, so the events are the same.
    @inline(__always) mutating func compactTimersIfDue() {
        guard timers.count > timerCompactionThreshold else { return }
        compactTimers()
    }

    @inline(never) mutating func compactTimers() {
        // Taken out of `self` while it is filtered: the filter reads the rest of the engine.
        var heap = MinHeap<Timer>()
        swap(&heap, &timers)
        heap.removeAll { isLive($0) || isPendingSLACheckOfOpenTicket($0) }
        swap(&heap, &timers)
        resetTimerCompactionThreshold()
    }

    /// The next pass comes once the heap holds four times what it holds now (or the floor).
    mutating func resetTimerCompactionThreshold() {
        timerCompactionThreshold = Swift.max(timerCompactionFloor, 4 * timers.count)
    }

    /// An open ticket's pending SLA check is kept even while the ticket does not wait (it is
    /// assigned): it may wait again, and the ticket's `slaTimerPending` says the check is
    /// in the heap. Keeping it here spares a write to the ticket per timer dropped; the heap
    /// stays within the open tickets.
    @inline(__always) private func isPendingSLACheckOfOpenTicket(_ timer: Timer) -> Bool {
        (timer.kind == .slaWarning || timer.kind == .slaBreach)
            && !tickets[Int(timer.target)].state.isClosed && isCurrentSLATimer(timer)
    }

    /// Notes that a timer was dropped without firing: if it was its ticket's pending SLA check
    /// (due while the ticket is not waiting), the check is scheduled again when it waits.
    /// A leftover from a moved deadline changes nothing.
    mutating func forgetDropped(_ timer: Timer) {
        if (timer.kind == .slaWarning || timer.kind == .slaBreach) && isCurrentSLATimer(timer) {
            tickets[Int(timer.target)].slaTimerPending = false
        }
    }
}
