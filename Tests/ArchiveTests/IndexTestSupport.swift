import Archive
import ArchivePostgres
import ArchiveSQLite
import DICOM
import DICOMCore
import DICOMDictionary
import Foundation
import Testing

/// Swift Testing declares a `Tag` too; in this module, `Tag` is DICOM's.
typealias Tag = DICOMCore.Tag

/// The index backends the conformance suite runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// Runs `body` with a fresh, prepared SQLite index in a temporary directory, and removes it afterwards.
func withSQLiteIndexStore(_ body: (SQLiteIndexStore) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "nuage-index-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = try SQLiteIndexStore(path: directory.appendingPathComponent("index.sqlite").path)
    try await store.prepare()
    try await body(store)
}

/// Runs `body` with a fresh, prepared index of the backend, and removes it afterwards.
///
/// SQLite: a file in a temporary directory. PostgreSQL: a schema of its own in the database that
/// `NUAGE_TEST_POSTGRES_URL` names (`scripts/postgres-test-server` starts one and prints it), dropped afterwards.
/// Without that variable the PostgreSQL case is skipped (cancelled, with the reason), except when `CI=true`: then
/// it fails, so that a CI run can never pass without having run against PostgreSQL.
func withIndexStore(
    _ backend: Backend, _ body: (any IndexStore & SQLProgramRunner) async throws -> Void
) async throws {
    switch backend {
    case .sqlite:
        try await withSQLiteIndexStore(body)
    case .postgres:
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["NUAGE_TEST_POSTGRES_URL"], !url.isEmpty else {
            if environment["CI"] == "true" {
                Issue.record(
                    "NUAGE_TEST_POSTGRES_URL is not set and CI=true: the PostgreSQL index cases must run in CI")
                return
            }
            let reason = Comment(
                rawValue: "PostgreSQL index case skipped: NUAGE_TEST_POSTGRES_URL is not set (`make test` sets it; "
                    + "or run scripts/postgres-test-server and export the URL it prints)")
            Issue.record(reason, severity: .warning)
            try Test.cancel(reason)
        }
        let schema = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let configuration = try PostgresIndexStore.Configuration(url: url, schema: schema)
        try await PostgresIndexStore.withIndexStore(configuration) { store in
            do {
                try await store.prepare()
                try await body(store)
            } catch {
                try? await store.dropSchema()
                throw error
            }
            try await store.dropSchema()
        }
    }
}

extension TenantID {
    static let alpha = TenantID(rawValue: "alpha") ?? .defaultTenant
    static let beta = TenantID(rawValue: "beta") ?? .defaultTenant
}

/// A scope of the system principal over one tenant.
func scope(_ tenant: TenantID, _ action: ArchiveAction = .read) -> AccessScope {
    AccessScope(context: .system(tenant, task: "index-tests"), action: action, tenants: [tenant])
}

/// An instance to register, with every indexed attribute defaulted and overridable.
struct TestInstance {
    var tenant: TenantID = .alpha
    var patientID = "P1"
    var issuerOfPatientID: String? = nil
    var patientName: String? = "DOE^JOHN"
    var patientBirthDate: String? = "19700101"
    var patientSex: String? = "M"
    var studyInstanceUID = "1.2.3.1"
    var studyDate: String? = "20200115"
    var studyTime: String? = "101500"
    var accessionNumber: String? = "ACC1"
    var studyDescription: String? = "CT THORAX"
    var referringPhysicianName: String? = "SMITH^ANNA"
    var studyID: String? = "S1"
    var seriesInstanceUID = "1.2.3.1.1"
    var modality: String? = "CT"
    var seriesNumber: Int? = 1
    var seriesDescription: String? = "AXIAL"
    var bodyPartExamined: String? = "CHEST"
    var sopClassUID = "1.2.840.10008.5.1.4.1.1.2"
    var sopInstanceUID = "1.2.3.1.1.1"
    var instanceNumber: Int? = 1
    var size: Int64 = 1000
    /// Distinguishes content: the same SOP Instance UID with another `content` is other bytes.
    var content = "a"
    var transferSyntaxUID = "1.2.840.10008.1.2.1"
    var receivedAt = Date(timeIntervalSince1970: 1_700_000_000)

    var sha256: String { "sha-\(sopInstanceUID)-\(content)" }
    var blobKey: BlobKey { BlobKey(rawValue: "\(tenant)/\(sopInstanceUID)/\(content)") }
    var object: StoredObject {
        StoredObject(blobKey: blobKey, size: size, sha256: sha256, transferSyntaxUID: transferSyntaxUID)
    }

    func registration() throws -> InstanceRegistration {
        var header = DataSet()
        try header.setStrings(["ISO_IR 192"], for: .specificCharacterSet, vr: .CS)
        func set(_ value: String?, _ tag: Tag, _ vr: VR) throws {
            if let value { try header.setStrings([value], for: tag, vr: vr) }
        }
        try set(patientID, .patientID, .LO)
        try set(issuerOfPatientID, .issuerOfPatientID, .LO)
        try set(patientName, .patientName, .PN)
        try set(patientBirthDate, .patientBirthDate, .DA)
        try set(patientSex, .patientSex, .CS)
        try set(studyInstanceUID, .studyInstanceUID, .UI)
        try set(studyDate, .studyDate, .DA)
        try set(studyTime, .studyTime, .TM)
        try set(accessionNumber, .accessionNumber, .SH)
        try set(studyDescription, .studyDescription, .LO)
        try set(referringPhysicianName, .referringPhysicianName, .PN)
        try set(studyID, .studyID, .SH)
        try set(seriesInstanceUID, .seriesInstanceUID, .UI)
        try set(modality, .modality, .CS)
        try set(seriesNumber.map(String.init), .seriesNumber, .IS)
        try set(seriesDescription, .seriesDescription, .LO)
        try set(bodyPartExamined, .bodyPartExamined, .CS)
        try set(sopClassUID, .sopClassUID, .UI)
        try set(sopInstanceUID, .sopInstanceUID, .UI)
        try set(instanceNumber.map(String.init), .instanceNumber, .IS)
        try header.setStrings(["ORIGINAL", "PRIMARY", "AXIAL"], for: .imageType, vr: .CS)
        let attributes = InstanceAttributes(
            patient: .init(
                patientID: patientID, issuerOfPatientID: issuerOfPatientID, patientName: patientName,
                patientBirthDate: patientBirthDate, patientSex: patientSex),
            study: .init(
                studyInstanceUID: studyInstanceUID, studyDate: studyDate, studyTime: studyTime,
                accessionNumber: accessionNumber, studyDescription: studyDescription,
                referringPhysicianName: referringPhysicianName, studyID: studyID),
            series: .init(
                seriesInstanceUID: seriesInstanceUID, modality: modality, seriesNumber: seriesNumber,
                seriesDescription: seriesDescription, bodyPartExamined: bodyPartExamined),
            instance: .init(sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID, instanceNumber: instanceNumber))
        return InstanceRegistration(
            tenant: tenant, attributes: attributes, header: header, object: object, receivedAt: receivedAt,
            source: "test:index")
    }
}

extension IndexStore {
    /// Registers the instances in one batch with the tenant's write scope (the first instance's tenant).
    @discardableResult
    func register(
        _ instances: [TestInstance], duplicates: DuplicatePolicy = .keepFirst
    ) async throws
        -> [RegistrationOutcome]
    {
        let tenant = instances.first?.tenant ?? .alpha
        return try await register(
            instances.map { try $0.registration() }, duplicates: duplicates, scope: scope(tenant, .write))
    }

    /// Finds with the tenant's read scope, keys given as request values.
    func find(
        _ level: QueryLevel, _ keys: [(Tag, String)] = [], tenant: TenantID = .alpha, limit: Int? = nil,
        offset: Int = 0, fuzzy: Bool = false, combined: Bool = false
    ) async throws -> IndexQueryResult {
        var query = IndexQuery(
            level: level, limit: limit, offset: offset, fuzzyPersonNames: fuzzy, combinesDateAndTime: combined)
        for (tag, value) in keys { try query.addKey(tag, queryValue: value) }
        return try await find(query, scope: scope(tenant))
    }
}

extension IndexQueryResult {
    /// The first value of `tag` in each match, in order ("" when absent or empty).
    func values(_ tag: Tag) -> [String] {
        matches.map { $0.string(tag) ?? "" }
    }
}

/// A simple sample: patients P1 (two studies) and P2 (one), alpha tenant.
///
/// - P1 DOE^JOHN, study 1.2.3.1 (20200115 101500, ACC1, CT+SR: series 1.2.3.1.1 CT with 2 instances, 1.2.3.1.2 SR
///   with 1), study 1.2.3.2 (20210301 0900, ACC2, MR: 1 series, 1 instance)
/// - P2 Müller^Zoë, study 1.2.3.3 (20200116 2330, ACC3, CT: 1 series, 1 instance)
func sampleInstances(tenant: TenantID = .alpha) -> [TestInstance] {
    var p1ct1 = TestInstance(tenant: tenant)
    p1ct1.sopInstanceUID = "1.2.3.1.1.1"
    var p1ct2 = p1ct1
    p1ct2.sopInstanceUID = "1.2.3.1.1.2"
    p1ct2.instanceNumber = 2
    var p1sr = p1ct1
    p1sr.seriesInstanceUID = "1.2.3.1.2"
    p1sr.modality = "SR"
    p1sr.seriesNumber = 2
    p1sr.seriesDescription = "REPORT"
    p1sr.sopInstanceUID = "1.2.3.1.2.1"
    p1sr.sopClassUID = "1.2.840.10008.5.1.4.1.1.88.22"
    p1sr.size = 500
    var p1mr = p1ct1
    p1mr.studyInstanceUID = "1.2.3.2"
    p1mr.studyDate = "20210301"
    p1mr.studyTime = "0900"
    p1mr.accessionNumber = "ACC2"
    p1mr.studyDescription = "MR HEAD"
    p1mr.referringPhysicianName = "JONES^PETER"
    p1mr.seriesInstanceUID = "1.2.3.2.1"
    p1mr.modality = "MR"
    p1mr.sopInstanceUID = "1.2.3.2.1.1"
    p1mr.size = 2000
    var p2 = TestInstance(tenant: tenant)
    p2.patientID = "P2"
    p2.patientName = "Müller^Zoë"
    p2.patientBirthDate = "19851224"
    p2.patientSex = "F"
    p2.studyInstanceUID = "1.2.3.3"
    p2.studyDate = "20200116"
    p2.studyTime = "2330"
    p2.accessionNumber = "ACC3"
    p2.referringPhysicianName = "SMITH^ANNA"
    p2.seriesInstanceUID = "1.2.3.3.1"
    p2.sopInstanceUID = "1.2.3.3.1.1"
    return [p1ct1, p1ct2, p1sr, p1mr, p2]
}
