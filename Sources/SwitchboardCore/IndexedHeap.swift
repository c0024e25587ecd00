/// A binary min-heap of small integer handles (agent or ticket indices) ordered by a key,
/// which also knows where each handle sits so that any handle can be re-keyed or removed
/// in O(log n). The positions live in a table the caller owns (`positions[handle]`, -1 when
/// absent), because one table serves every heap a kind of handle can be in.
struct IndexedHeap<Key: Comparable> {
    private(set) var keys: [Key] = []
    private(set) var handles: [Int32] = []

    var count: Int { handles.count }
    var isEmpty: Bool { handles.isEmpty }

    /// The smallest key's handle. Complexity: O(1).
    var top: Int32? { handles.first }
    var topKey: Key? { keys.first }

    /// Adds a handle that is not in this heap. Complexity: O(log n).
    mutating func insert(_ handle: Int32, key: Key, positions: inout [Int32]) {
        keys.append(key)
        handles.append(handle)
        positions[Int(handle)] = Int32(handles.count - 1)
        siftUp(from: handles.count - 1, positions: &positions)
    }

    /// Changes the key of a handle in this heap. Complexity: O(log n).
    mutating func update(_ handle: Int32, key: Key, positions: inout [Int32]) {
        let index = Int(positions[Int(handle)])
        let old = keys[index]
        keys[index] = key
        if key < old { siftUp(from: index, positions: &positions) } else { siftDown(from: index, positions: &positions) }
    }

    /// Removes a handle that is in this heap. Complexity: O(log n).
    mutating func remove(_ handle: Int32, positions: inout [Int32]) {
        let index = Int(positions[Int(handle)])
        positions[Int(handle)] = -1
        let last = handles.count - 1
        if index != last {
            keys[index] = keys[last]
            handles[index] = handles[last]
            positions[Int(handles[index])] = Int32(index)
        }
        keys.removeLast()
        handles.removeLast()
        if index < handles.count {
            siftDown(from: index, positions: &positions)
            siftUp(from: index, positions: &positions)
        }
    }

    /// Removes and returns the smallest handle. Complexity: O(log n).
    mutating func popTop(positions: inout [Int32]) -> Int32? {
        guard let handle = handles.first else { return nil }
        remove(handle, positions: &positions)
        return handle
    }

    /// Every handle, in no particular order.
    var allHandles: [Int32] { handles }

    private mutating func siftUp(from start: Int, positions: inout [Int32]) {
        var child = start
        let key = keys[child]
        let handle = handles[child]
        while child > 0 {
            let parent = (child - 1) >> 1
            guard key < keys[parent] else { break }
            keys[child] = keys[parent]
            handles[child] = handles[parent]
            positions[Int(handles[child])] = Int32(child)
            child = parent
        }
        keys[child] = key
        handles[child] = handle
        positions[Int(handle)] = Int32(child)
    }

    private mutating func siftDown(from start: Int, positions: inout [Int32]) {
        let count = handles.count
        var parent = start
        let key = keys[parent]
        let handle = handles[parent]
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count && keys[child + 1] < keys[child] { child += 1 }
            guard keys[child] < key else { break }
            keys[parent] = keys[child]
            handles[parent] = handles[child]
            positions[Int(handles[parent])] = Int32(parent)
            parent = child
        }
        keys[parent] = key
        handles[parent] = handle
        positions[Int(handle)] = Int32(parent)
    }
}

/// A plain binary min-heap (no handles), for timers.
struct MinHeap<Element: Comparable> {
    private(set) var elements: [Element] = []

    var isEmpty: Bool { elements.isEmpty }
    var count: Int { elements.count }
    var min: Element? { elements.first }

    mutating func insert(_ element: Element) {
        elements.append(element)
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) >> 1
            guard elements[child] < elements[parent] else { break }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popMin() -> Element? {
        guard !elements.isEmpty else { return nil }
        let first = elements[0]
        let last = elements.removeLast()
        guard !elements.isEmpty else { return first }
        elements[0] = last
        var parent = 0
        let count = elements.count
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count && elements[child + 1] < elements[child] { child += 1 }
            guard elements[child] < elements[parent] else { break }
            elements.swapAt(child, parent)
            parent = child
        }
        return first
    }

    mutating func removeAll() { elements.removeAll(keepingCapacity: true) }
}

extension IndexedHeap: Sendable where Key: Sendable {}
extension MinHeap: Sendable where Element: Sendable {}
