/// A ticket an agent holds and will resolve at a simulated time.
struct PendingResolve {
    var at: Int64
    var ticket: UInt32
    var agent: Int32

    /// Earlier first; ties by ticket id so the order never depends on heap layout.
    @inline(__always) static func precedes(_ a: PendingResolve, _ b: PendingResolve) -> Bool {
        a.at != b.at ? a.at < b.at : a.ticket < b.ticket
    }
}

/// The pending resolves, earliest first: a binary min-heap.
struct ResolveHeap {
    private var items: [PendingResolve] = []

    var count: Int { items.count }
    var first: PendingResolve? { items.first }

    mutating func reserve(_ capacity: Int) { items.reserveCapacity(capacity) }

    mutating func push(_ item: PendingResolve) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) >> 1
            guard PendingResolve.precedes(item, items[parent]) else { break }
            items[child] = items[parent]
            child = parent
        }
        items[child] = item
    }

    mutating func pop() -> PendingResolve? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        var parent = 0
        let count = items.count
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count && PendingResolve.precedes(items[child + 1], items[child]) { child += 1 }
            guard PendingResolve.precedes(items[child], last) else { break }
            items[parent] = items[child]
            parent = child
        }
        items[parent] = last
        return top
    }
}
