/// Values collected per key while one batch is processed, in the order their keys first
/// appeared, then emptied for the next batch.
///
/// A batch touches few keys (connections, agents), most of them more than once: a short array
/// searched from the last entry beats hashing every time, and emptying it costs nothing, where
/// a dictionary's `removeAll(keepingCapacity:)` walks every bucket it ever grew. Past
/// `linearLimit` keys a dictionary of positions takes over the search, so a batch that touches
/// thousands stays linear.
struct BatchTable<Key: Hashable, Value> {
    private(set) var keys: [Key] = []
    private var values: [Value] = []
    /// Positions by key, kept only while there are more than `linearLimit` keys.
    private var positions: [Key: Int] = [:]
    private static var linearLimit: Int { 16 }

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }

    /// The position of `key`, if the batch has it.
    func position(of key: Key) -> Int? {
        if !positions.isEmpty { return positions[key] }
        var position = keys.count
        while position > 0 {
            position -= 1
            if keys[position] == key { return position }
        }
        return nil
    }

    /// The position of `key`, added with `make()` if the batch does not have it yet.
    mutating func position(of key: Key, adding make: () -> Value) -> Int {
        if let position = position(of: key) { return position }
        keys.append(key)
        values.append(make())
        if keys.count > Self.linearLimit {
            if positions.isEmpty {
                for (position, key) in keys.enumerated() { positions[key] = position }
            } else {
                positions[key] = keys.count - 1
            }
        }
        return keys.count - 1
    }

    /// The value at a position.
    subscript(at position: Int) -> Value {
        get { values[position] }
        _modify { yield &values[position] }
    }

    /// Empties the table, keeping its storage; `recycle` gets each value first.
    mutating func removeAll(recycling recycle: (inout Value) -> Void = { _ in }) {
        for position in values.indices { recycle(&values[position]) }
        keys.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
    }
}

extension BatchTable: Sendable where Key: Sendable, Value: Sendable {}
