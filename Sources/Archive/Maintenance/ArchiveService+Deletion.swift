import Logging

/// What a deletion removed.
public struct DeletionReport: Sendable {
    /// The instances whose rows were removed.
    public var instances: [StoredInstance]
    /// Blobs removed.
    public var blobsDeleted: Int
    /// Blobs that were already gone.
    public var blobsMissing: Int
    /// Blobs that could not be removed (left as orphans; reconciliation reports them).
    public var failures: [BlobKeyProblem]

    public init(instances: [StoredInstance], blobsDeleted: Int, blobsMissing: Int, failures: [BlobKeyProblem]) {
        self.instances = instances
        self.blobsDeleted = blobsDeleted
        self.blobsMissing = blobsMissing
        self.failures = failures
    }
}

/// A blob and what is wrong with it.
public struct BlobKeyProblem: Hashable, Sendable, CustomStringConvertible {
    public var key: BlobKey
    public var reason: String

    public init(key: BlobKey, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "\(key): \(reason)" }
}

extension ArchiveService {
    /// Deletes an instance, series, study or patient: the index rows first (in one transaction), then the blobs.
    ///
    /// In that order, a crash in between leaves orphan blobs (which no query can reach) and never a row whose blob
    /// is gone. Blobs are removed durably, so that reconciliation cannot mistake them for objects awaiting indexing.
    public func delete(_ selector: InstanceSelector, context: AccessContext) async throws -> DeletionReport {
        let scope = try policy.scope(for: context, action: .delete)
        let removed = try await index.delete(selector, scope: scope)
        var report = DeletionReport(instances: removed, blobsDeleted: 0, blobsMissing: 0, failures: [])
        for key in Set(removed.map(\.object.blobKey)).sorted() {
            do {
                if try await blobs.delete(key, scope: scope) {
                    report.blobsDeleted += 1
                } else {
                    report.blobsMissing += 1
                }
            } catch {
                report.failures.append(BlobKeyProblem(key: key, reason: "\(error)"))
                logger.warning(
                    "could not delete a blob after removing its row",
                    metadata: ["nuage.blob_key": "\(key)", "nuage.error": "\(error)"])
            }
        }
        return report
    }

    /// Counts per tenant of the context's scope: patients, studies, series, instances, bytes.
    public func statistics(context: AccessContext) async throws -> [TenantStatistics] {
        let scope = try policy.scope(for: context, action: .read)
        return try await index.statistics(scope: scope)
    }
}
