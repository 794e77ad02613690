/// How registrations of concurrent ingests are grouped into index transactions.
public struct GroupCommitConfiguration: Hashable, Sendable {
    /// At most this many registrations in one transaction.
    public var maximumBatchSize: Int
    /// At most this many transactions in flight (SQLite has one writer: 1; PostgreSQL may use a few).
    public var maximumConcurrentCommits: Int
    /// How long a batch's leader waits for company before committing. Zero (the default) commits at once: under
    /// load, batches form anyway while the previous transaction is in flight, and an idle archive adds no latency.
    public var maximumDelay: Duration

    public init(maximumBatchSize: Int = 256, maximumConcurrentCommits: Int = 1, maximumDelay: Duration = .zero) {
        self.maximumBatchSize = max(1, maximumBatchSize)
        self.maximumConcurrentCommits = max(1, maximumConcurrentCommits)
        self.maximumDelay = maximumDelay
    }
}

/// Group commit: registrations of concurrent ingests share index transactions, and nobody is answered before the
/// transaction holding their registration has committed.
///
/// No background task: the first caller to find a free commit slot becomes a batch's leader. It takes the
/// registrations that queued up meanwhile (up to `maximumBatchSize`), commits them with its own in one
/// `IndexStore.register` call, hands each follower its outcome, and passes leadership to the next queued caller,
/// if any. While a transaction is in flight, new callers queue; so batches grow with the load, by themselves.
///
/// Each registration is checked against its caller's own scope before it joins a batch; the batch is then
/// committed under the union of their tenants (an internal scope: every row in it was authorised one by one). If a
/// batch fails, its registrations are retried one by one, so that one bad registration fails only its own ingest.
actor RegistrationBatcher {
    private struct Request: Sendable {
        var registration: InstanceRegistration
        var duplicates: DuplicatePolicy
        var scope: AccessScope
    }

    private enum Wakeup: Sendable {
        case done(Result<RegistrationOutcome, any Error>)
        /// Your turn to lead a batch (with your own request).
        case lead
    }

    private struct Waiter {
        var request: Request
        var continuation: CheckedContinuation<Wakeup, Never>
    }

    private let index: any IndexStore
    private let configuration: GroupCommitConfiguration
    private var queue: [Waiter] = []
    private var queueStart = 0
    private var activeLeaders = 0

    /// Transactions committed so far and registrations in them (for tests and metrics).
    private(set) var committedBatches = 0
    private(set) var committedRegistrations = 0
    private(set) var largestBatch = 0

    init(index: any IndexStore, configuration: GroupCommitConfiguration) {
        self.index = index
        self.configuration = configuration
    }

    /// Records the registration (in a transaction shared with concurrent callers) and returns its outcome once that
    /// transaction has committed.
    func register(_ registration: InstanceRegistration, duplicates: DuplicatePolicy, scope: AccessScope)
        async throws -> RegistrationOutcome
    {
        guard scope.covers(registration.tenant) else {
            throw AccessDenied(
                context: scope.context, action: scope.action,
                reason: "tenant \(registration.tenant) is outside the scope")
        }
        let request = Request(registration: registration, duplicates: duplicates, scope: scope)
        if activeLeaders >= configuration.maximumConcurrentCommits {
            let wakeup = await withCheckedContinuation { continuation in
                queue.append(Waiter(request: request, continuation: continuation))
            }
            switch wakeup {
            case .done(let result): return try result.get()
            case .lead: break  // the previous leader kept our slot for us
            }
        } else {
            activeLeaders += 1
        }
        return try await lead(with: request)
    }

    private func lead(with own: Request) async throws -> RegistrationOutcome {
        if configuration.maximumDelay > .zero && pendingCount + 1 < configuration.maximumBatchSize {
            try? await Task.sleep(for: configuration.maximumDelay)
        }
        let followers = takeBatch(compatibleWith: own.duplicates, limit: configuration.maximumBatchSize - 1)
        guard let results = await commit([own] + followers.map(\.request)) else {
            // This (the leader's) task was cancelled and its transaction failed: the followers were not, so they
            // go back to the front of the queue and the first of them leads them.
            if let first = followers.first {
                queue.insert(contentsOf: followers.dropFirst(), at: queueStart)
                first.continuation.resume(returning: .lead)
            } else if let next = takeNext() {
                next.continuation.resume(returning: .lead)
            } else {
                activeLeaders -= 1
            }
            throw CancellationError()
        }
        for (follower, result) in zip(followers, results.dropFirst()) {
            follower.continuation.resume(returning: .done(result))
        }
        if let next = takeNext() {
            next.continuation.resume(returning: .lead)
        } else {
            activeLeaders -= 1
        }
        return try results[0].get()
    }

    private var pendingCount: Int { queue.count - queueStart }

    private func takeNext() -> Waiter? {
        guard queueStart < queue.count else { return nil }
        let waiter = queue[queueStart]
        queueStart += 1
        compactQueue()
        return waiter
    }

    /// Takes up to `limit` queued requests with the same duplicate policy, in arrival order.
    private func takeBatch(compatibleWith duplicates: DuplicatePolicy, limit: Int) -> [Waiter] {
        var taken: [Waiter] = []
        var kept: [Waiter] = []
        for waiter in queue[queueStart...] {
            if taken.count < limit && waiter.request.duplicates == duplicates {
                taken.append(waiter)
            } else {
                kept.append(waiter)
            }
        }
        queue = kept
        queueStart = 0
        return taken
    }

    private func compactQueue() {
        if queueStart > 64 && queueStart * 2 > queue.count {
            queue.removeFirst(queueStart)
            queueStart = 0
        }
    }

    /// Commits the requests in one transaction; on failure, one by one. One result per request, in order; nil
    /// when the transaction failed while the calling task is cancelled (the others are then not failed for it).
    private func commit(_ requests: [Request]) async -> [Result<RegistrationOutcome, any Error>]? {
        do {
            let outcomes = try await registerTogether(requests)
            committedBatches += 1
            committedRegistrations += requests.count
            largestBatch = max(largestBatch, requests.count)
            return outcomes.map { .success($0) }
        } catch {
            if Task.isCancelled { return nil }
            guard requests.count > 1 else { return [.failure(error)] }
        }
        var results: [Result<RegistrationOutcome, any Error>] = []
        for request in requests {
            do {
                // `registerTogether` checked that there is one outcome per request.
                results.append(.success(try await registerTogether([request])[0]))
                committedBatches += 1
                committedRegistrations += 1
            } catch {
                results.append(.failure(error))
            }
        }
        return results
    }

    private func registerTogether(_ requests: [Request]) async throws -> [RegistrationOutcome] {
        guard let first = requests.first else { return [] }
        let scope: AccessScope
        if requests.count == 1 {
            scope = first.scope
        } else {
            let tenants = Set(requests.map(\.registration.tenant))
            scope = AccessScope(
                context: .system(first.registration.tenant, task: "group-commit"), action: .write, tenants: tenants)
        }
        let outcomes = try await index.register(
            requests.map(\.registration), duplicates: first.duplicates, scope: scope)
        guard outcomes.count == requests.count else {
            throw RegistrationBatchError(expected: requests.count, received: outcomes.count)
        }
        return outcomes
    }
}

/// The index answered a batch with the wrong number of outcomes.
struct RegistrationBatchError: Error, CustomStringConvertible {
    var expected: Int
    var received: Int
    var description: String { "the index returned \(received) outcomes for \(expected) registrations" }
}
