import Testing
@testable import SwitchboardCore

// The hot path's small structures, held to the plain computations they stand for, and the
// record sizes the cache behaviour relies on.

@Test func ticketAndAgentRoutingRecordsAreOneCacheLineEach() {
    #expect(MemoryLayout<TicketRecord>.stride == 64)
    #expect(MemoryLayout<AgentRouting>.stride == 64)
    #expect(MemoryLayout<AgentHot>.stride == 96)
}

@Test func waitingSlotsAreDenseAndReusedLastFreedFirst() {
    var slots = WaitingSlots()
    #expect(slots.take(for: 40) == 0)
    #expect(slots.take(for: 41) == 1)
    #expect(slots.take(for: 42) == 2)
    slots.release(0)
    slots.release(2)
    #expect(slots.take(for: 50) == 2)
    #expect(slots.take(for: 51) == 0)
    #expect(slots.take(for: 52) == 3)
    #expect([slots[0], slots[1], slots[2], slots[3]] == [51, 41, 50, 52])
    #expect(slots.positions.count == 4)
}

@Test func waitingSlotsMatchADictionaryOverRandomTakesAndReleases() {
    let seed: UInt64 = 11
    var random = SplitMix64(seed: seed)
    var slots = WaitingSlots()
    var reference: [Int32: Int] = [:]
    for step in 0..<5_000 {
        if reference.isEmpty || random.next() % 3 != 0 {
            let ticket = Int(random.next() % 100_000)
            let slot = slots.take(for: ticket)
            #expect(reference[slot] == nil, "seed \(seed) step \(step): slot \(slot) handed out twice")
            reference[slot] = ticket
        } else {
            let slot = reference.keys.sorted()[Int(random.next() % UInt64(reference.count))]
            reference[slot] = nil
            slots.release(slot)
        }
        // Never more slots than tickets ever waiting at once.
        #expect(slots.positions.count <= 5_000)
    }
    for (slot, ticket) in reference { #expect(slots[slot] == ticket, "seed \(seed): slot \(slot)") }
}

@Test func pairTableFindsWhatWasInsertedAcrossGrowth() {
    let seed: UInt64 = 5
    var random = SplitMix64(seed: seed)
    var table = PairTable<SubmittedRequirements>()
    var reference: [[UInt64]: SubmittedRequirements] = [:]
    for step in 0..<3_000 {
        let a = random.next() % 500
        let b = random.next() % 7
        if reference[[a, b]] == nil {
            let value = SubmittedRequirements(own: Int32(step), routing: Int32(-step))
            table.insert(a, b, value)
            reference[[a, b]] = value
        }
    }
    #expect(table.count == reference.count)
    for (key, value) in reference {
        let found = table.find(key[0], key[1])
        #expect(found?.own == value.own && found?.routing == value.routing, "seed \(seed): key \(key)")
    }
    #expect(table.find(1_000, 0) == nil)
}

@Test func theWordAtATimeControlCharacterTestAgreesWithAByteByByteOne() {
    let seed: UInt64 = 23
    var random = SplitMix64(seed: seed)
    // Mostly printable bytes, with tabs, controls, DEL and bytes above 0x7F mixed in.
    let alphabet: [UInt8] = Array(0x20...0x7E) + [0x09, 0x09, 0x00, 0x01, 0x0A, 0x1F, 0x7F, 0x80, 0xC3, 0xA9, 0xFF]
    for step in 0..<20_000 {
        let count = Int(random.next() % 40)
        let controls = random.next() % 4 == 0
        let bytes = (0..<count).map { _ in
            controls ? alphabet[Int(random.next() % UInt64(alphabet.count))] : UInt8(0x20 + random.next() % 95)
        }
        let expected = bytes.contains { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }
        let found = bytes.withUnsafeBufferPointer { RoutingEngine.containsControlCharacter($0) }
        #expect(found == expected, "seed \(seed) step \(step): \(bytes)")
    }
}
