public import Logging

/// Settings of the archive's use cases.
public struct ArchiveConfiguration: Sendable {
    /// What to do with a second object under a stored SOP Instance UID with other content.
    public var duplicates: DuplicatePolicy
    /// How strictly the identifying UIDs of incoming objects are checked.
    public var uidValidation: UIDValidation
    /// The most memory one ingest may spend on an object's header (everything before Pixel Data, bulk values
    /// excluded). A header that needs more is rejected.
    public var maximumHeaderBytes: Int
    /// Values before Pixel Data at least this long stream past the header reader and stay out of the index's copy
    /// of the header (they remain in the stored object).
    public var bulkDataThreshold: UInt32
    /// Chunk size for reading files and blobs.
    public var readChunkSize: Int
    /// Grouping of index registrations into transactions.
    public var groupCommit: GroupCommitConfiguration

    public init(
        duplicates: DuplicatePolicy = .keepFirst, uidValidation: UIDValidation = .strict,
        maximumHeaderBytes: Int = 64 << 20, bulkDataThreshold: UInt32 = 64 << 10, readChunkSize: Int = 1 << 20,
        groupCommit: GroupCommitConfiguration = GroupCommitConfiguration()
    ) {
        self.duplicates = duplicates
        self.uidValidation = uidValidation
        self.maximumHeaderBytes = maximumHeaderBytes
        self.bulkDataThreshold = bulkDataThreshold
        self.readChunkSize = readChunkSize
        self.groupCommit = groupCommit
    }
}

/// The archive's use cases over an index and a blob store: ingest, deletion, reconciliation, verification,
/// statistics.
///
/// Every entry point takes an `AccessContext` and turns it into an `AccessScope` through the `AccessPolicy` before
/// touching any store: there is no unscoped path to data. A value with no background work of its own; share one
/// per process (its group commit batches the registrations of every ingest that goes through it).
public struct ArchiveService: Sendable {
    public let index: any IndexStore
    public let blobs: any BlobStore
    public let policy: any AccessPolicy
    public let configuration: ArchiveConfiguration
    let io: BlockingIO
    let registrations: RegistrationBatcher
    let logger: Logger

    /// An archive over the stores. `io` runs the blocking reads of files given to `ingest(fileAt:…)`.
    public init(
        index: any IndexStore, blobs: any BlobStore, policy: any AccessPolicy = OwnTenantPolicy(), io: BlockingIO,
        configuration: ArchiveConfiguration = ArchiveConfiguration(), logger: Logger = Logger(label: "nuage.archive")
    ) {
        self.index = index
        self.blobs = blobs
        self.policy = policy
        self.configuration = configuration
        self.io = io
        self.registrations = RegistrationBatcher(index: index, configuration: configuration.groupCommit)
        self.logger = logger
    }

    /// How the group commit has batched registrations so far: transactions, registrations, largest batch.
    public func groupCommitStatistics() async -> (transactions: Int, registrations: Int, largestBatch: Int) {
        (
            await registrations.committedBatches, await registrations.committedRegistrations,
            await registrations.largestBatch
        )
    }

    /// The scope the policy grants, as an ingest error when it refuses.
    func scope(for context: AccessContext, action: ArchiveAction) throws(IngestError) -> AccessScope {
        do {
            return try policy.scope(for: context, action: action)
        } catch {
            throw .accessDenied(error)
        }
    }
}
