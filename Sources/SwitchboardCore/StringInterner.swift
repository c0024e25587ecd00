/// A table of names without payload.
typealias StringInterner = StringTable<Empty>

/// No payload.
struct Empty: Sendable {}

extension StringTable where Payload == Empty {
    init() { self.init(initialPayload: Empty()) }
}

/// Gives strings dense ids (0, 1, 2 … in first-seen order) through an open-addressing index
/// hashed over their UTF-8 bytes, with an optional payload stored beside each. On the hot
/// path (every submit names a queue, a customer and skills) this is several times cheaper than
/// `Dictionary<String, _>`: equality is byte equality (names compare as sent, not by Unicode
/// equivalence), and a name of up to 24 bytes is compared inside its index slot alone.
///
/// The customers table grows with every new customer and is never pruned, and the node copies
/// the engine for each snapshot while it goes on routing. So no single operation may cost time
/// in proportion to the number of names: the index (`NameIndex`) grows and is copied a shard
/// at a time, the names (`NamePages`) a page at a time.
struct StringTable<Payload: Sendable>: Sendable {
    private var pages = NamePages<Payload>()
    private var index = NameIndex()
    /// What a new entry's payload starts as.
    let initialPayload: Payload

    init(initialPayload: Payload) { self.initialPayload = initialPayload }

    var count: Int { pages.count }

    /// The name with this id.
    subscript(id: Int32) -> String {
        pages.withBytes(of: id) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the UTF-8 bytes of the name with this id, without making a String.
    func withBytes<R>(of id: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        pages.withBytes(of: id, body)
    }

    /// The names, in id order.
    var names: [String] { (0..<Int32(count)).map { self[$0] } }

    /// The payload stored with an id.
    subscript(payload id: Int32) -> Payload {
        @inline(__always) get { pages[payload: id] }
        @inline(__always) set { pages[payload: id] = newValue }
    }

    /// The id of `name`, or nil when it was never interned. Inlined: a call kept the name
    /// retained around it, and the closure below stayed a call of its own.
    @inline(__always) func find(_ name: String) -> Int32? {
        // Not `withUTF8`, which is mutating and so first copies the string.
        if let id = name.utf8.withContiguousStorageIfAvailable({ probe(NameKey($0)).id }) { return id }
        var name = name
        return name.withUTF8 { probe(NameKey($0)).id }
    }

    /// The id of `name`, giving it the next id if it is new.
    mutating func intern(_ name: String) -> Int32 {
        var name = name
        return name.withUTF8 { utf8 in
            let key = NameKey(utf8)
            let (id, place) = probe(key)
            if let id { return id }
            let new = Int32(pages.count)
            pages.append(utf8, payload: initialPayload)
            if index.insert(key, id: new, at: place) {
                index.rebalance(after: place) { [pages] id in pages.withBytes(of: id) { NameKey.hash($0) } }
            }
            return new
        }
    }

    @inline(__always) private func probe(_ key: NameKey) -> (id: Int32?, place: NameIndex.Place) {
        index.probe(key) { id in
            pages.withBytes(of: id) { stored in
                stored.count == key.name.count
                    && NameKey.equal(UnsafeRawPointer(stored.baseAddress!), UnsafeRawPointer(key.name.baseAddress!), stored.count)
            }
        }
    }
}
