import Testing
@testable import SwitchboardNode

/// A snapshot is due once `every` records were logged since the last one and the log written
/// since it began is at least as large as it.
@Suite struct SnapshotScheduleTests {
    @Test func beforeTheFirstSnapshotTheRecordCountAloneDecides() {
        var schedule = SnapshotSchedule(every: 100)
        #expect(!schedule.isDue(recordsSince: 99))
        #expect(schedule.isDue(recordsSince: 100))
        schedule.logged(bytes: 1)
        #expect(schedule.isDue(recordsSince: 100))
    }

    @Test func afterASnapshotTheLogMustGrowByItsSize() {
        var schedule = SnapshotSchedule(every: 10)
        schedule.logged(bytes: 5_000)
        let mark = schedule.began()
        schedule.logged(bytes: 700)  // logged while the snapshot is written: counts toward the next
        schedule.written(bytes: 2_000, mark: mark)
        #expect(!schedule.isDue(recordsSince: 50), "700 of 2,000 bytes logged")
        schedule.logged(bytes: 1_299)
        #expect(!schedule.isDue(recordsSince: 50), "1,999 of 2,000 bytes logged")
        schedule.logged(bytes: 1)
        #expect(schedule.isDue(recordsSince: 50))
        #expect(!schedule.isDue(recordsSince: 9), "the record count still applies")
    }

    @Test func anOlderSnapshotFinishingAfterANewerOneChangesNothing() {
        var schedule = SnapshotSchedule(every: 1)
        schedule.logged(bytes: 1_000)
        let background = schedule.began()
        schedule.logged(bytes: 1_000)
        let onDemand = schedule.began()
        schedule.written(bytes: 300, mark: onDemand)
        schedule.written(bytes: 5_000, mark: background)
        #expect(schedule.coveredBytes == 2_000)
        #expect(schedule.lastSnapshotBytes == 300)
        schedule.logged(bytes: 300)
        #expect(schedule.isDue(recordsSince: 1))
    }

    @Test func aFailedSnapshotLeavesTheScheduleAsItWas() {
        var schedule = SnapshotSchedule(every: 1)
        schedule.logged(bytes: 400)
        _ = schedule.began()  // never written
        #expect(schedule.coveredBytes == 0)
        #expect(schedule.isDue(recordsSince: 1))
    }
}
