import Archive
import Synchronization
import Testing

@Suite("Directory sync group commit")
struct DirectorySyncsTests {
    /// What happened, in order: callers arriving and syncs starting and ending.
    final class Log: Sendable {
        enum Event: Equatable { case arrived(Int), started(Int), ended(Int) }
        let events = Mutex<[Event]>([])
        let syncs = Atomic<Int>(0)

        func append(_ event: Event) { events.withLock { $0.append(event) } }
    }

    /// Every caller returns only after a sync that started after it arrived has ended, and concurrent callers
    /// share syncs.
    @Test func everyCallerIsCoveredBySyncsStartedAfterItArrived() async throws {
        let log = Log()
        let syncs = DirectorySyncs { (_: String) async throws(BlobStoreError) in
            let number = log.syncs.add(1, ordering: .relaxed).newValue
            log.append(.started(number))
            try? await Task.sleep(for: .milliseconds(5))
            log.append(.ended(number))
        }
        let callers = 64
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<callers {
                group.addTask {
                    log.append(.arrived(caller))
                    try await syncs.sync("/shard")
                    let events = log.events.withLock { $0 }
                    let arrival = try #require(events.firstIndex(of: .arrived(caller)))
                    let covered = events[arrival...].contains { event in
                        guard case .started(let number) = event else { return false }
                        return events.contains(.ended(number))
                    }
                    #expect(covered, "caller \(caller) returned before a sync that started after it arrived ended")
                }
            }
            try await group.waitForAll()
        }
        let count = log.syncs.load(ordering: .relaxed)
        #expect(count >= 1)
        #expect(count < callers, "concurrent callers share syncs")
    }

    @Test func aFailedSyncFailsTheCallersItCovered() async throws {
        let syncs = DirectorySyncs { (path: String) async throws(BlobStoreError) in
            throw .io(operation: "fsync", path: path, errno: 5)
        }
        await #expect(throws: BlobStoreError.io(operation: "fsync", path: "/shard", errno: 5)) {
            try await syncs.sync("/shard")
        }
    }
}
