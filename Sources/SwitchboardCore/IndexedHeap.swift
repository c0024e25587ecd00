/// A binary min-heap of small integer handles (agent or ticket indices) ordered by a key,
/// which also knows where each handle sits so that any handle can be re-keyed or removed in
/// O(log n). Keys and handles sit side by side in one buffer. The positions live in a table
/// the caller owns — slot `handle * stride + offset`, -1 when absent — because one table
/// serves every heap a kind of handle can be in.
struct IndexedHeap<Key: Comparable> {
    struct Entry {
        var key: Key
        var handle: Int32
    }

    private(set) var entries: [Entry] = []
    let stride: Int
    let offset: Int

    init(stride: Int = 1, offset: Int = 0) {
        self.stride = stride
        self.offset = offset
    }

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    /// The smallest entry. Complexity: O(1).
    var top: Entry? { entries.first }

    @inline(__always) private func slot(_ handle: Int32) -> Int { Int(handle) &* stride &+ offset }

    /// Adds a handle that is not in this heap. Complexity: O(log n).
    mutating func insert<P: PositionTable>(_ handle: Int32, key: Key, positions: inout P) {
        entries.append(Entry(key: key, handle: handle))
        siftUp(Entry(key: key, handle: handle), from: entries.count - 1, positions: &positions)
    }

    /// Changes the key of a handle in this heap. Complexity: O(log n).
    mutating func update<P: PositionTable>(_ handle: Int32, key: Key, positions: inout P) {
        let index = Int(positions.position(slot(handle)))
        let old = entries[index].key
        if key < old {
            siftUp(Entry(key: key, handle: handle), from: index, positions: &positions)
        } else if old < key {
            siftDown(Entry(key: key, handle: handle), from: index, positions: &positions)
        }
    }

    /// Removes a handle that is in this heap. Complexity: O(log n).
    mutating func remove<P: PositionTable>(_ handle: Int32, positions: inout P) {
        let index = Int(positions.position(slot(handle)))
        positions.setPosition(slot(handle), -1)
        let last = entries.removeLast()
        guard index < entries.count else { return }
        if index > 0 && last.key < entries[(index - 1) >> 1].key {
            siftUp(last, from: index, positions: &positions)
        } else {
            siftDown(last, from: index, positions: &positions)
        }
    }

    /// Removes and returns the smallest entry. Complexity: O(log n).
    mutating func popTop<P: PositionTable>(positions: inout P) -> Entry? {
        guard let first = entries.first else { return nil }
        remove(first.handle, positions: &positions)
        return first
    }

    /// Places `entry` at or above `start`, moving larger parents down.
    private mutating func siftUp<P: PositionTable>(_ entry: Entry, from start: Int, positions: inout P) {
        var child = start
        while child > 0 {
            let parent = (child - 1) >> 1
            let above = entries[parent]
            guard entry.key < above.key else { break }
            entries[child] = above
            positions.setPosition(slot(above.handle), Int32(child))
            child = parent
        }
        entries[child] = entry
        positions.setPosition(slot(entry.handle), Int32(child))
    }

    /// Places `entry` at or below `start`, moving smaller children up.
    private mutating func siftDown<P: PositionTable>(_ entry: Entry, from start: Int, positions: inout P) {
        let count = entries.count
        var parent = start
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count && entries[child + 1].key < entries[child].key { child += 1 }
            let below = entries[child]
            guard below.key < entry.key else { break }
            entries[parent] = below
            positions.setPosition(slot(below.handle), Int32(parent))
            parent = child
        }
        entries[parent] = entry
        positions.setPosition(slot(entry.handle), Int32(parent))
    }
}

/// Where each handle sits in its heap: a table apart from the records (agents'
/// `agentHeapPositions`, tickets' `WaitingSlots.positions`), so that moving a handle writes
/// plain integers in a small array instead of the record of every handle it passes.
protocol PositionTable {
    func position(_ slot: Int) -> Int32
    mutating func setPosition(_ slot: Int, _ position: Int32)
}

/// Agents, in `RoutingEngine.agentHeapPositions`: slot = agent * 16 + strategy * 4 + channel.
extension Array: PositionTable where Element == Int32 {
    @inline(__always) func position(_ slot: Int) -> Int32 { self[slot] }
    @inline(__always) mutating func setPosition(_ slot: Int, _ position: Int32) { self[slot] = position }
}

/// The same table through a pointer, for a hot loop that has already made the array unique
/// (`withUnsafeMutableBufferPointer`): no uniqueness or bounds check per move.
struct HeapPositions: PositionTable {
    let base: UnsafeMutablePointer<Int32>

    @inline(__always) func position(_ slot: Int) -> Int32 { base[slot] }
    @inline(__always) func setPosition(_ slot: Int, _ position: Int32) { base[slot] = position }
}


/// A plain binary min-heap (no handles): the engine's timers, and any simulation that needs
/// "the earliest pending thing" (the demo and the benchmark use it for their scheduled events).
public struct MinHeap<Element: Comparable> {
    @usableFromInline private(set) var elements: [Element] = []

    /// An empty heap.
    @inlinable
    public init() {}

    /// Whether nothing is in the heap.
    @inlinable
    public var isEmpty: Bool { elements.isEmpty }
    /// How many elements are in the heap.
    @inlinable
    public var count: Int { elements.count }
    /// The smallest element. Complexity: O(1).
    @inlinable
    public var min: Element? { elements.first }

    /// Adds an element. Complexity: O(log n).
    @inlinable
    public mutating func insert(_ element: Element) {
        elements.append(element)
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) >> 1
            guard element < elements[parent] else { break }
            elements[child] = elements[parent]
            child = parent
        }
        elements[child] = element
    }

    /// Removes and returns the smallest element. Complexity: O(log n).
    @inlinable
    public mutating func popMin() -> Element? {
        guard !elements.isEmpty else { return nil }
        let first = elements[0]
        let last = elements.removeLast()
        guard !elements.isEmpty else { return first }
        elements[0] = last
        siftDown(from: 0)
        return first
    }

    /// Empties the heap, keeping its storage.
    @inlinable
    public mutating func removeAll() { elements.removeAll(keepingCapacity: true) }

    /// Keeps only the elements `keep` accepts and restores the heap order over them.
    /// Complexity: O(n), the order restored bottom-up (Floyd), not by n insertions.
    @inlinable
    public mutating func removeAll(keeping keep: (Element) -> Bool) {
        var kept = 0
        for position in elements.indices where keep(elements[position]) {
            elements.swapAt(kept, position)
            kept += 1
        }
        elements.removeLast(elements.count - kept)
        var parent = elements.count / 2
        while parent > 0 {
            parent -= 1
            siftDown(from: parent)
        }
    }

    @inlinable mutating func siftDown(from start: Int) {
        let element = elements[start]
        let count = elements.count
        var parent = start
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count && elements[child + 1] < elements[child] { child += 1 }
            guard elements[child] < element else { break }
            elements[parent] = elements[child]
            parent = child
        }
        elements[parent] = element
    }

    /// Reserves room for `capacity` elements.
    public mutating func reserveCapacity(_ capacity: Int) { elements.reserveCapacity(capacity) }
}

extension IndexedHeap: Sendable where Key: Sendable {}
extension IndexedHeap.Entry: Sendable where Key: Sendable {}
extension MinHeap: Sendable where Element: Sendable {}
