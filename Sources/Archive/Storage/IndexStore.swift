public import DICOMCore
public import Foundation

/// Where an instance's bytes are kept, as the blob store reported after a durable write.
public struct StoredObject: Hashable, Sendable {
    public var blobKey: BlobKey
    public var size: Int64
    /// SHA-256 of the stored bytes, lower-case hexadecimal.
    public var sha256: String
    public var transferSyntaxUID: String

    public init(blobKey: BlobKey, size: Int64, sha256: String, transferSyntaxUID: String) {
        self.blobKey = blobKey
        self.size = size
        self.sha256 = sha256
        self.transferSyntaxUID = transferSyntaxUID
    }
}

/// One instance to record in the index, after its blob is durable.
public struct InstanceRegistration: Hashable, Sendable {
    public var tenant: TenantID
    public var attributes: InstanceAttributes
    /// The instance's data set without Pixel Data: the index keeps the attributes of each level from it, so that
    /// queries can return keys beyond the indexed columns.
    public var header: DataSet
    public var object: StoredObject
    public var receivedAt: Date
    /// Who sent it: "aet:CT01@10.1.2.3", "user:alice", "import:/path".
    public var source: String

    public init(
        tenant: TenantID, attributes: InstanceAttributes, header: DataSet, object: StoredObject, receivedAt: Date,
        source: String
    ) {
        self.tenant = tenant
        self.attributes = attributes
        self.header = header
        self.object = object
        self.receivedAt = receivedAt
        self.source = source
    }
}

/// What to do when an instance arrives whose SOP Instance UID is already stored with other content.
public enum DuplicatePolicy: String, Hashable, Sendable {
    /// Keep what was stored first and answer with a warning (the default).
    case keepFirst
    /// Store the new content, keeping the previous version's record.
    case replace
}

/// What the index did with one registration.
public enum RegistrationOutcome: Hashable, Sendable {
    /// Recorded as a new instance.
    case stored
    /// The same bytes (same SHA-256) were already stored: nothing changed; the new blob is redundant.
    case alreadyStored(StoredObject)
    /// Other content is stored under this SOP Instance UID and was kept; the new blob is redundant.
    case keptFirst(existing: StoredObject)
    /// The new content replaced the previous version, which stays recorded (and its blob kept).
    case replaced(previous: StoredObject)
}

/// The query/retrieve levels of PS3.4 §C.3 (the DICOMweb resources map onto them).
public enum QueryLevel: String, Hashable, Sendable, CaseIterable {
    case patient, study, series, instance
}

/// Which instances an operation targets, from a whole patient down to one instance.
///
/// UIDs of the levels above, when given, must match too: `.series(studyInstanceUID: "1.2", …)` selects nothing
/// if the series belongs to another study. A nil `issuerOfPatientID` selects the patient recorded without an
/// issuer.
public enum InstanceSelector: Hashable, Sendable {
    case patient(patientID: String, issuerOfPatientID: String?)
    case study(studyInstanceUID: String)
    case series(studyInstanceUID: String?, seriesInstanceUID: String)
    case instance(studyInstanceUID: String?, seriesInstanceUID: String?, sopInstanceUID: String)
}

/// An instance as the index records it: the current version of an SOP Instance, or a version that a replacement
/// superseded (`DuplicatePolicy.replace` keeps them, with their blobs).
public struct StoredInstance: Hashable, Sendable {
    public var tenant: TenantID
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var object: StoredObject
    public var receivedAt: Date
    /// 1 for the first content stored under the SOP Instance UID, incremented by each replacement.
    public var version: Int
    /// False for a version that a replacement superseded.
    public var isCurrentVersion: Bool

    public init(
        tenant: TenantID, studyInstanceUID: String, seriesInstanceUID: String, sopClassUID: String,
        sopInstanceUID: String, object: StoredObject, receivedAt: Date, version: Int = 1,
        isCurrentVersion: Bool = true
    ) {
        self.tenant = tenant
        self.studyInstanceUID = studyInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
        self.sopClassUID = sopClassUID
        self.sopInstanceUID = sopInstanceUID
        self.object = object
        self.receivedAt = receivedAt
        self.version = version
        self.isCurrentVersion = isCurrentVersion
    }
}

/// An instance brought a value for an attribute of its patient, study or series (or, replacing a stored
/// instance, of the instance's place) that differs from the value the index kept.
///
/// The index keeps the first value and records the conflict, so that a corrected PatientName is not lost and an
/// administrator can reconcile (a later issue). Values are DICOM JSON (PS3.18 Annex F) of the one attribute,
/// `{"vr":"PN","Value":[{"Alphabetic":"DOE^JANE"}]}`, text in UTF-8; an absent attribute is nil.
public struct AttributeConflict: Hashable, Sendable {
    public var tenant: TenantID
    /// The level of the entity whose attribute differs.
    public var level: QueryLevel
    /// The entity's unique key: PatientID, StudyInstanceUID, SeriesInstanceUID or SOPInstanceUID.
    public var entityKey: String
    public var tag: Tag
    /// The value the index kept.
    public var keptValue: String?
    /// The value the instance brought.
    public var receivedValue: String?
    /// The instance that brought it.
    public var sopInstanceUID: String
    public var recordedAt: Date

    public init(
        tenant: TenantID, level: QueryLevel, entityKey: String, tag: Tag, keptValue: String?, receivedValue: String?,
        sopInstanceUID: String, recordedAt: Date
    ) {
        self.tenant = tenant
        self.level = level
        self.entityKey = entityKey
        self.tag = tag
        self.keptValue = keptValue
        self.receivedValue = receivedValue
        self.sopInstanceUID = sopInstanceUID
        self.recordedAt = recordedAt
    }
}

/// Counts for one tenant.
public struct TenantStatistics: Hashable, Sendable, Codable {
    public var tenant: String
    public var patients: Int
    public var studies: Int
    public var series: Int
    public var instances: Int
    public var bytes: Int64

    public init(tenant: String, patients: Int, studies: Int, series: Int, instances: Int, bytes: Int64) {
        self.tenant = tenant
        self.patients = patients
        self.studies = studies
        self.series = series
        self.instances = instances
        self.bytes = bytes
    }
}

/// The archive's index: patients, studies, series and instances of every tenant, and what is stored where.
///
/// Every method takes an `AccessScope` and reaches only the scope's tenants: implementations filter every statement
/// by it. Writing needs a scope for `.write`, deleting one for `.delete`; the other methods accept any scope.
/// Errors are `IndexStoreError` for what the index refuses, the driver's errors for what the database does.
/// One conformance suite (Tests/ArchiveTests) runs against each implementation (SQLite, PostgreSQL).
public protocol IndexStore: Sendable {
    /// Creates or migrates the schema; idempotent.
    func prepare() async throws

    /// Records instances whose blobs are durable, in one transaction, and returns one outcome per registration,
    /// in order. Registrations are applied as if one after the other: two with the same SOP Instance UID in one
    /// batch are a duplicate of each other. Registrations outside the scope's tenants are refused as a whole
    /// (`IndexStoreError.outOfScope`).
    ///
    /// Attributes of the patient, study and series are kept as the first instance brought them; later instances
    /// with other values are recorded as `AttributeConflict`s. An instance whose series already belongs to
    /// another study, or whose study to another patient, joins the stored series or study (a conflict records it).
    func register(
        _ registrations: [InstanceRegistration], duplicates: DuplicatePolicy, scope: AccessScope
    )
        async throws -> [RegistrationOutcome]

    /// Matches a query as PS3.4 §C.2 describes; results carry the level's attributes and the computed ones.
    func find(_ query: IndexQuery, scope: AccessScope) async throws -> IndexQueryResult

    /// The current versions of the instances that the selector names, in study, series, instance number and SOP
    /// Instance UID order.
    func instances(_ selector: InstanceSelector, scope: AccessScope) async throws -> [StoredInstance]

    /// Removes the selected instances (and the patients, studies and series left empty, and the attribute
    /// conflicts recorded against what is removed); returns what was removed, superseded versions included, so
    /// that the caller deletes the blobs.
    func delete(_ selector: InstanceSelector, scope: AccessScope) async throws -> [StoredInstance]

    /// Instances of the scope's tenants (superseded versions included) in blob key order, a page at a time, for
    /// verification and reconciliation: those whose key is after `cursor` (nil for the first page).
    func instancePage(after cursor: BlobKey?, limit: Int, scope: AccessScope) async throws -> [StoredInstance]

    /// Which of the keys the index references, superseded versions and retired objects included (for
    /// reconciliation of blobs against the index).
    func referencedBlobKeys(among keys: [BlobKey], scope: AccessScope) async throws -> Set<BlobKey>

    /// The attribute conflicts recorded against the selected patient, study or series and what lies below them
    /// (all of the scope's when nil), oldest first.
    func attributeConflicts(_ selector: InstanceSelector?, scope: AccessScope) async throws -> [AttributeConflict]

    /// Counts per tenant of the scope, one entry per tenant (zeros for a tenant without data), in tenant order.
    func statistics(scope: AccessScope) async throws -> [TenantStatistics]

    /// Points the instance's current row at `replacement` instead of `instance.object` (compression at rest: the
    /// same SOP Instance in a new blob), adds the size difference to its series', study's and patient's counters and
    /// to the tenant's `CompressionTotals`, and records `instance.object` as retired at `instant`, all in one
    /// transaction. Only while the row still references `instance.object` (same blob key and SHA-256): false,
    /// changing nothing, when the instance was deleted or replaced meanwhile. Needs a `.write` scope covering the
    /// instance's tenant.
    func switchStoredObject(
        of instance: StoredInstance, to replacement: StoredObject, at instant: Date, scope: AccessScope
    ) async throws -> Bool

    /// Objects retired (by `switchStoredObject`) before `cutoff`, oldest first, at most `limit`: those that may be
    /// deleted now, since readers that looked them up before their switch have had until `cutoff`.
    func retiredBlobs(before cutoff: Date, limit: Int, scope: AccessScope) async throws -> [BlobKey]

    /// Forgets retired objects, once deleted from the blob store. Needs a `.write` scope.
    func forgetRetiredBlobs(_ keys: [BlobKey], scope: AccessScope) async throws

    /// What compression at rest has done so far, one entry per tenant of the scope (zeros for none), in tenant
    /// order.
    func compressionTotals(scope: AccessScope) async throws -> [CompressionTotals]
}

/// What compression at rest has done for one tenant: instances re-encoded and their sizes before and after.
///
/// Cumulative: instances deleted after their compression stay counted.
public struct CompressionTotals: Hashable, Sendable, Codable {
    public var tenant: String
    public var instances: Int
    public var bytesBefore: Int64
    public var bytesAfter: Int64

    public init(tenant: String, instances: Int, bytesBefore: Int64, bytesAfter: Int64) {
        self.tenant = tenant
        self.instances = instances
        self.bytesBefore = bytesBefore
        self.bytesAfter = bytesAfter
    }

    /// Bytes before over bytes after (2.5 means the compressed instances take 40% of their former space); nil
    /// before anything was compressed.
    public var ratio: Double? {
        bytesAfter > 0 ? Double(bytesBefore) / Double(bytesAfter) : nil
    }
}
