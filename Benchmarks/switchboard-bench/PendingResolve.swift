import SwitchboardCore

/// A ticket an agent holds and will resolve at a simulated time.
struct PendingResolve: Comparable {
    var at: Int64
    var ticket: UInt32
    var agent: Int32

    /// Earlier first; ties by ticket id so the order never depends on heap layout.
    @inline(__always) static func < (a: PendingResolve, b: PendingResolve) -> Bool {
        a.at != b.at ? a.at < b.at : a.ticket < b.ticket
    }
}
