/// The hash index of a `StringTable` (name → id), kept in shards that grow, split and are
/// copied one at a time.
///
/// One flat table grew by rehashing every name into a fresh array twice the size, and after
/// the engine was copied for a snapshot the first new name copied the whole array: both cost
/// time in proportion to the number of names (milliseconds at 100,000 customers, on the
/// node's loop). Here each shard is its own small open-addressing table, and the shards are
/// added by linear hashing: once the table averages more than `namesPerShard` names a shard,
/// the next shard in turn splits in two by one more bit of the hash. So any one insert
/// rehashes at most a shard or two (its own when it grows, the next in turn when that
/// splits), and after a copy a write copies only the shard it lands in (plus the list of
/// shards: one reference per `namesPerShard` names).
///
/// The shard comes from the hash's bits 24 and up, the place inside the shard from its low
/// bits, so names in one shard still spread over its slots. A table of one shard (agents,
/// queues and skills) looks a name up with one more load and compare than a flat table.
struct NameIndex: Sendable {
    /// The average number of names a shard holds before the next shard splits. A shard holds
    /// between half and twice as many, in 16–64 KiB of slots: what a write copies after the
    /// table was copied, and what a split or a shard's growth rehashes.
    static var namesPerShard: Int { 256 }
    /// The fewest slots a shard has.
    private static var smallestShard: Int { 16 }

    /// Where a name is, or where it would go.
    struct Place {
        let shard: Int
        let slot: Int
    }

    /// An open-addressing table with linear probing, at most half full.
    private struct Shard: Sendable {
        var slots: [SIMD4<UInt64>]
        var count = 0
        /// `slots.count - 1`, kept here: a look-up then finds its slot's address from the
        /// shard list alone, and loads the slot without first loading the slot array's header
        /// for its count (two cache misses one after the other became one).
        private(set) var mask: Int

        /// An empty shard with room for `names` names before it grows.
        init(room names: Int) {
            var capacity = NameIndex.smallestShard
            while capacity < 2 * names { capacity *= 2 }
            slots = Array(repeating: .zero, count: capacity)
            mask = capacity - 1
        }

        /// Adds the slot of a name that is not yet present at its first free place, and grows
        /// the shard if that left it more than half full.
        mutating func add(_ slot: SIMD4<UInt64>, hash: UInt64, longHash: (Int32) -> UInt64) {
            place(slot, hash: hash)
            if count * 2 > slots.count { grow(longHash: longHash) }
        }

        /// Moves the names into a shard twice the size.
        mutating func grow(longHash: (Int32) -> UInt64) {
            var grown = Shard(room: slots.count)
            for slot in slots where slot[0] != 0 { grown.place(slot, hash: NameIndex.hash(of: slot, longHash: longHash)) }
            self = grown
        }

        private mutating func place(_ slot: SIMD4<UInt64>, hash: UInt64) {
            slots.withUnsafeMutableBufferPointer { slots in
                let mask = slots.count - 1
                var position = Int(truncatingIfNeeded: hash) & mask
                while slots[position][0] != 0 { position = (position + 1) & mask }
                slots[position] = slot
            }
            count += 1
        }
    }

    private var shards = [Shard(room: 0)]
    /// 2^(L+1) - 1 while there are from 2^L to 2^(L+1) - 1 shards: shards below
    /// `shards.count - 2^L` have split at this level and are chosen by L + 1 bits, the others
    /// by L bits.
    private var selectorMask = 1
    private var count = 0

    /// The shard a hash belongs to (linear hashing's address function), among `count` shards:
    /// the caller passes its buffer's count, since `shards.count` stayed a call in a look-up.
    @inline(__always) private func shard(of hash: UInt64, count: Int) -> Int {
        let shard = Self.selector(hash) & selectorMask
        return shard < count ? shard : shard & (selectorMask >> 1)
    }

    /// Looks a name up: its id if present, and where it is or would go.
    /// - Parameter sameLongName: whether the stored name with an id is exactly the key's name,
    ///   asked only for a key longer than a slot holds whose slot matched.
    @inline(__always) func probe(_ key: NameKey, sameLongName: (Int32) -> Bool) -> (id: Int32?, place: Place) {
        shards.withUnsafeBufferPointer { shards in
            let shard = shard(of: key.hash, count: shards.count)
            let mask = shards[shard].mask
            return shards[shard].slots.withUnsafeBufferPointer { slots in
                var position = Int(truncatingIfNeeded: key.hash) & mask
                let tag = key.tag
                let lanes = key.lanes
                while true {
                    let entry = slots[position]
                    if entry[0] == 0 { return (nil, Place(shard: shard, slot: position)) }
                    if entry[0] >> 32 == tag && entry[1] == lanes[1] && entry[2] == lanes[2] && entry[3] == lanes[3] {
                        let id = NameKey.id(inSlot: entry)
                        if !key.isLong || sameLongName(id) { return (id, Place(shard: shard, slot: position)) }
                    }
                    position = (position + 1) & mask
                }
            }
        }
    }

    /// Records a new name at the place `probe` returned for it.
    /// - Returns: whether a shard must now grow or split: then call `rebalance(after:longHash:)`.
    @inline(__always) mutating func insert(_ key: NameKey, id: Int32, at place: Place) -> Bool {
        count += 1
        let splitDue = count > Self.namesPerShard * shards.count
        // One uniqueness check of the shard list, then the shard in place.
        return shards.withUnsafeMutableBufferPointer { shards in
            shards[place.shard].slots[place.slot] = key.slot(id: id)
            shards[place.shard].count += 1
            return shards[place.shard].count * 2 > shards[place.shard].slots.count || splitDue
        }
    }

    /// Grows the shard of the last insert if it is more than half full, and splits the next
    /// shard in turn if the shards hold more than `namesPerShard` names on average.
    /// - Parameter longHash: the hash of the stored name with an id, asked only for names
    ///   longer than a slot holds (a slot holds all of a shorter one).
    mutating func rebalance(after place: Place, longHash: (Int32) -> UInt64) {
        if shards[place.shard].count * 2 > shards[place.shard].slots.count { shards[place.shard].grow(longHash: longHash) }
        if count > Self.namesPerShard * shards.count { split(longHash: longHash) }
    }

    /// Splits the next shard in turn by one more bit of the hash, into itself and a new shard.
    /// Each half is sized for half the names, with room to take as many again before it grows.
    private mutating func split(longHash: (Int32) -> UInt64) {
        let level = (selectorMask >> 1) + 1
        let source = shards.count - level
        let old = shards[source]
        var staying = Shard(room: old.count)
        var moved = Shard(room: old.count)
        for slot in old.slots where slot[0] != 0 {
            let hash = Self.hash(of: slot, longHash: longHash)
            if Self.selector(hash) & level == 0 {
                staying.add(slot, hash: hash, longHash: longHash)
            } else {
                moved.add(slot, hash: hash, longHash: longHash)
            }
        }
        shards[source] = staying
        shards.append(moved)
        if shards.count > selectorMask { selectorMask = selectorMask << 1 | 1 }
    }

    /// The bits of a hash that choose its shard: clear of the low bits that place it inside
    /// the shard.
    @inline(__always) private static func selector(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> 24) }

    /// The full hash of the name in a full slot.
    @inline(__always) fileprivate static func hash(of slot: SIMD4<UInt64>, longHash: (Int32) -> UInt64) -> UInt64 {
        NameKey.inlineHash(ofSlot: slot) ?? longHash(NameKey.id(inSlot: slot))
    }
}
