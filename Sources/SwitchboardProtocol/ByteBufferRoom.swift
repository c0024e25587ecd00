extension Array where Element == UInt8 {
    /// Makes room for `extra` more bytes, growing geometrically. `reserveCapacity` alone grows to
    /// exactly what is asked: called before every line appended to one buffer, it copied the
    /// whole buffer each time (a batch of thousands of replies went quadratic).
    @inline(__always) public mutating func reserveRoom(for extra: Int) {
        let needed = count + extra
        if capacity < needed { reserveCapacity(Swift.max(needed, capacity * 2)) }
    }
}
