@testable import SwitchboardCore

// Every read of the engine's internals that the tests make, in one place: the engine is being
// optimised and its internals change; when they do, this is the only file to follow. Everything
// else goes through the public API, `SnapshotModel` (the documented snapshot format) and
// `RoutingFacts` (routing facts derived from the events).

extension RoutingEngine {
    /// The tickets (by index) in the waiting heaps, once per heap that holds them: a queued
    /// ticket must be listed exactly once, any other not at all.
    func probeWaitingTickets() -> [Int] {
        ticketHeaps.flatMap { heap in heap.entries.map { waitingSlots[$0.handle] } }
    }

    /// The engine's count of waiting tickets that avoid some agent, and a recount from the heaps.
    func probeWaitingAvoiders() -> (kept: Int, counted: Int) {
        (waitingAvoiders, probeWaitingTickets().filter { tickets[$0].hasExclusions }.count)
    }
}
