import Synchronization

/// Group commit for directory fsyncs: uploads renamed into the same directory share one `fsync` of it.
///
/// A rename is durable once its directory has been synced after it. A caller whose directory is not being synced
/// leads a sync at once. One that arrives while a sync is in flight (which may have started before its rename) waits
/// for the next one; when the sync in flight ends, its leader hands the next sync to the first waiter, whose sync
/// then covers every waiter queued so far. Each caller leads at most one sync, so nobody waits on a stream of others;
/// under load, N concurrent uploads into a shard directory cost about two syncs instead of N.
package final class DirectorySyncs: Sendable {
    private enum Turn {
        /// Sync the directory, then answer `followers` with the result.
        case lead(followers: [CheckedContinuation<Turn, Never>])
        case done(Result<Void, BlobStoreError>)
    }

    private struct Queue {
        var waiting: [CheckedContinuation<Turn, Never>] = []
    }

    /// Directories with a sync in flight, and who waits for the next one.
    private let queues = Mutex<[String: Queue]>([:])
    private let perform: @Sendable (String) async throws(BlobStoreError) -> Void

    /// - Parameter perform: syncs one directory (on a blocking I/O thread).
    package init(perform: @escaping @Sendable (String) async throws(BlobStoreError) -> Void) {
        self.perform = perform
    }

    /// Returns once `directory` has been synced after this call began.
    package func sync(_ directory: String) async throws(BlobStoreError) {
        let turn = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
            let leads = queues.withLock { queues -> Bool in
                if queues[directory] != nil {
                    queues[directory]?.waiting.append(continuation)
                    return false
                }
                queues[directory] = Queue()
                return true
            }
            if leads { continuation.resume(returning: .lead(followers: [])) }
        }
        switch turn {
        case .done(let result):
            try result.get()
        case .lead(let followers):
            let result: Result<Void, BlobStoreError>
            do {
                try await perform(directory)
                result = .success(())
            } catch {
                result = .failure(error)
            }
            if case .failure(.cancelled) = result, let first = followers.first {
                // This task was cancelled before its sync ran; the others were not: the first of them syncs.
                first.resume(returning: .lead(followers: Array(followers.dropFirst())))
                try result.get()
            }
            for follower in followers { follower.resume(returning: .done(result)) }
            let next = queues.withLock { queues -> [CheckedContinuation<Turn, Never>] in
                let waiting = queues[directory]?.waiting ?? []
                if waiting.isEmpty {
                    queues[directory] = nil
                } else {
                    queues[directory]?.waiting = []
                }
                return waiting
            }
            if let first = next.first { first.resume(returning: .lead(followers: Array(next.dropFirst()))) }
            try result.get()
        }
    }
}
