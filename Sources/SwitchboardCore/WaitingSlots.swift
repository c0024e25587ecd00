/// Small dense numbers for the tickets in the waiting heaps. The heaps hold slots rather than
/// ticket indices, and a slot's position in its heap lives in `positions`: moving a ticket
/// within a heap then writes one short array that stays in cache, where positions kept in the
/// ticket records wrote the record of every ticket passed on the way (a cache miss each on a
/// large floor, and a check that the records' storage is not shared).
///
/// Slots are reused last-freed first, so the same commands give the same slots; they are
/// derived state, rebuilt on restore, and never compared across engines.
struct WaitingSlots {
    /// Per slot: the ticket in it, or -1 when it is free.
    private(set) var tickets: [Int32] = []
    /// Per slot: where it sits in its heap (the waiting heaps' position table).
    var positions: [Int32] = []
    /// Free slots, the most recently freed last.
    private var free: [Int32] = []

    /// The ticket in a slot that is taken.
    @inline(__always) subscript(slot: Int32) -> Int {
        Int(tickets[Int(slot)])
    }

    /// A free slot, now holding `ticket`.
    mutating func take(for ticket: Int) -> Int32 {
        // Not `popLast()`, which stays a call: this runs on every ticket that waits.
        if let slot = free.last {
            free.removeLast()
            tickets[Int(slot)] = Int32(ticket)
            return slot
        }
        tickets.append(Int32(ticket))
        positions.append(-1)
        return Int32(tickets.count - 1)
    }

    /// Gives a slot back once its ticket has left its heap.
    mutating func release(_ slot: Int32) {
        tickets[Int(slot)] = -1
        free.append(slot)
    }
}

extension WaitingSlots: Sendable {}
