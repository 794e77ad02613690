import Archive
import DICOM
import DICOMCore
import DICOMDictionary
import Foundation
import NIOCore
import NuageTestSupport

// Test doubles and synthetic data for the blob store and ingest tests. Only synthetic data: no real patient.

/// An in-memory index with the `IndexStore` contract that ingest relies on (duplicates, scoping, paging), plus
/// knobs: a delay per transaction, registrations that fail, and a log of transactions.
actor InMemoryIndex: IndexStore {
    struct Record: Sendable {
        var instance: StoredInstance
        var attributes: InstanceAttributes
        var isCurrent: Bool {
            get { instance.isCurrentVersion }
            set { instance.isCurrentVersion = newValue }
        }

        init(instance: StoredInstance, attributes: InstanceAttributes, isCurrent: Bool) {
            self.instance = instance
            self.attributes = attributes
            self.instance.isCurrentVersion = isCurrent
        }
    }

    private var records: [Record] = []
    /// Objects retired by `switchStoredObject`, in order.
    private var retired: [(key: BlobKey, tenant: TenantID, at: Date)] = []
    /// Sizes of the register transactions, in commit order.
    private(set) var transactions: [Int] = []
    var transactionDelay: Duration = .zero
    /// SOP Instance UIDs whose registration makes the transaction fail.
    var failingSOPInstanceUIDs: Set<String> = []

    func setTransactionDelay(_ delay: Duration) { transactionDelay = delay }
    func setFailing(_ uids: Set<String>) { failingSOPInstanceUIDs = uids }

    func prepare() async throws {}

    func register(_ registrations: [InstanceRegistration], duplicates: DuplicatePolicy, scope: AccessScope)
        async throws -> [RegistrationOutcome]
    {
        guard registrations.allSatisfy({ scope.covers($0.tenant) }) else { throw TestIndexError.outOfScope }
        if transactionDelay > .zero { try await Task.sleep(for: transactionDelay) }
        if registrations.contains(where: { failingSOPInstanceUIDs.contains($0.attributes.instance.sopInstanceUID) }) {
            throw TestIndexError.injectedFailure
        }
        var working = records
        var outcomes: [RegistrationOutcome] = []
        for registration in registrations {
            let instance = StoredInstance(
                tenant: registration.tenant, studyInstanceUID: registration.attributes.study.studyInstanceUID,
                seriesInstanceUID: registration.attributes.series.seriesInstanceUID,
                sopClassUID: registration.attributes.instance.sopClassUID,
                sopInstanceUID: registration.attributes.instance.sopInstanceUID, object: registration.object,
                receivedAt: registration.receivedAt)
            let existing = working.firstIndex {
                $0.isCurrent && $0.instance.tenant == instance.tenant
                    && $0.instance.sopInstanceUID == instance.sopInstanceUID
            }
            guard let existing else {
                working.append(Record(instance: instance, attributes: registration.attributes, isCurrent: true))
                outcomes.append(.stored)
                continue
            }
            let previous = working[existing].instance.object
            if previous.sha256 == registration.object.sha256 {
                outcomes.append(.alreadyStored(previous))
            } else if duplicates == .keepFirst {
                outcomes.append(.keptFirst(existing: previous))
            } else {
                working[existing].isCurrent = false
                var replacement = instance
                replacement.version = working[existing].instance.version + 1
                working.append(Record(instance: replacement, attributes: registration.attributes, isCurrent: true))
                outcomes.append(.replaced(previous: previous))
            }
        }
        records = working
        transactions.append(registrations.count)
        return outcomes
    }

    func find(_ query: IndexQuery, scope: AccessScope) async throws -> IndexQueryResult {
        IndexQueryResult(matches: [])
    }

    func instances(_ selector: InstanceSelector, scope: AccessScope) async throws -> [StoredInstance] {
        records.filter { $0.isCurrent && scope.covers($0.instance.tenant) && Self.matches($0, selector) }
            .map(\.instance)
    }

    func delete(_ selector: InstanceSelector, scope: AccessScope) async throws -> [StoredInstance] {
        let removed = records.filter { scope.covers($0.instance.tenant) && Self.matches($0, selector) }
        records.removeAll { scope.covers($0.instance.tenant) && Self.matches($0, selector) }
        return removed.map(\.instance)
    }

    func instancePage(after cursor: BlobKey?, limit: Int, scope: AccessScope) async throws -> [StoredInstance] {
        let sorted = records.map(\.instance).filter { scope.covers($0.tenant) }.sorted {
            $0.object.blobKey < $1.object.blobKey
        }
        return Array(sorted.filter { instance in cursor.map { instance.object.blobKey > $0 } ?? true }.prefix(limit))
    }

    func referencedBlobKeys(among keys: [BlobKey], scope: AccessScope) async throws -> Set<BlobKey> {
        let referenced = Set(records.filter { scope.covers($0.instance.tenant) }.map(\.instance.object.blobKey))
            .union(retired.filter { scope.covers($0.tenant) }.map(\.key))
        return Set(keys.filter(referenced.contains))
    }

    func attributeConflicts(_ selector: InstanceSelector?, scope: AccessScope) async throws -> [AttributeConflict] {
        []
    }

    func statistics(scope: AccessScope) async throws -> [TenantStatistics] {
        scope.sortedTenants.map { tenant in
            let current = records.filter { $0.isCurrent && $0.instance.tenant == tenant }
            return TenantStatistics(
                tenant: tenant.rawValue, patients: Set(current.map(\.attributes.patient.patientID)).count,
                studies: Set(current.map(\.instance.studyInstanceUID)).count,
                series: Set(current.map(\.instance.seriesInstanceUID)).count, instances: current.count,
                bytes: current.reduce(0) { $0 + $1.instance.object.size })
        }
    }

    func switchStoredObject(
        of instance: StoredInstance, to replacement: StoredObject, at instant: Date, scope: AccessScope
    ) async throws -> Bool {
        guard scope.covers(instance.tenant) else { throw TestIndexError.outOfScope }
        guard let index = records.firstIndex(where: { $0.isCurrent && $0.instance.object == instance.object }) else {
            return false
        }
        records[index].instance.object = replacement
        retired.append((instance.object.blobKey, instance.tenant, instant))
        return true
    }

    func retiredBlobs(before cutoff: Date, limit: Int, scope: AccessScope) async throws -> [BlobKey] {
        Array(retired.filter { scope.covers($0.tenant) && $0.at < cutoff }.map(\.key).prefix(limit))
    }

    func forgetRetiredBlobs(_ keys: [BlobKey], scope: AccessScope) async throws {
        retired.removeAll { scope.covers($0.tenant) && keys.contains($0.key) }
    }

    func compressionTotals(scope: AccessScope) async throws -> [CompressionTotals] {
        scope.sortedTenants.map { CompressionTotals(tenant: $0.rawValue, instances: 0, bytesBefore: 0, bytesAfter: 0) }
    }

    /// The current record of an instance.
    func record(sopInstanceUID: String) -> Record? {
        records.first { $0.isCurrent && $0.instance.sopInstanceUID == sopInstanceUID }
    }

    var count: Int { records.count(where: \.isCurrent) }

    /// Removes a row without touching its blob (to make an orphan).
    func forget(sopInstanceUID: String) {
        records.removeAll { $0.instance.sopInstanceUID == sopInstanceUID }
    }

    private static func matches(_ record: Record, _ selector: InstanceSelector) -> Bool {
        let instance = record.instance
        switch selector {
        case .patient(let patientID, let issuer):
            return record.attributes.patient.patientID == patientID
                && (issuer == nil || record.attributes.patient.issuerOfPatientID == issuer)
        case .study(let study):
            return instance.studyInstanceUID == study
        case .series(let study, let series):
            return instance.seriesInstanceUID == series && (study == nil || instance.studyInstanceUID == study)
        case .instance(let study, let series, let sop):
            return instance.sopInstanceUID == sop && (study == nil || instance.studyInstanceUID == study)
                && (series == nil || instance.seriesInstanceUID == series)
        }
    }
}

enum TestIndexError: Error {
    case outOfScope, injectedFailure
}

/// Chunks from an array, as an async sequence (a network stream's shape).
struct ChunkSequence: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    var chunks: [ByteBuffer]

    struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: [ByteBuffer]
        var position = 0
        mutating func next() async throws -> ByteBuffer? {
            guard position < chunks.count else { return nil }
            defer { position += 1 }
            return chunks[position]
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(chunks: chunks) }
}

/// A file blob store and an archive over an in-memory index, in a temporary folder.
struct ArchiveFixture {
    let folder: String
    let io: BlockingIO
    let blobs: FileBlobStore
    let index: InMemoryIndex
    let archive: ArchiveService

    static func with<Result: Sendable>(
        configuration: ArchiveConfiguration = ArchiveConfiguration(), policy: any AccessPolicy = OwnTenantPolicy(),
        _ body: (ArchiveFixture) async throws -> Result
    ) async throws -> Result {
        try await withTemporaryFolder { folder in
            try await BlockingIO.withBlockingIO(threads: 8) { io in
                let blobs = FileBlobStore(root: folder + "/blobs", io: io)
                let index = InMemoryIndex()
                let archive = ArchiveService(
                    index: index, blobs: blobs, policy: policy, io: io, configuration: configuration)
                return try await body(
                    ArchiveFixture(folder: folder, io: io, blobs: blobs, index: index, archive: archive))
            }
        }
    }

    static let tenant = TenantID.defaultTenant
    static let context = AccessContext.system(.defaultTenant, task: "test")

    func scope(_ action: ArchiveAction = .write, tenant: TenantID = .defaultTenant) throws -> AccessScope {
        try OwnTenantPolicy().scope(for: .system(tenant, task: "test"), action: action)
    }

    /// Every committed key of the tenant.
    func allKeys(tenant: TenantID = .defaultTenant) async throws -> [BlobKey] {
        try await blobs.keys(of: tenant, after: nil, limit: 100_000, scope: scope(tenant: tenant))
    }

    /// The file of a key in the store's folder.
    func path(of key: BlobKey) -> String { blobs.root + "/" + key.rawValue }
}
