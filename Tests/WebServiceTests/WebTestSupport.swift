import Archive
import Authentication
import DICOM
import DICOMCore
import DICOMDictionary
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import JWTKit
@testable import NuageServer
import Testing
import WebService

typealias Tag = DICOMCore.Tag

// Fixtures for the in-process HTTP tests: a real SQLite index and file blob store in a temporary folder, two
// tenants with an API key each, a local account, and synthetic instances (never real patient data).

/// Synthetic Part 10 instances.
enum SyntheticInstance {
    static let ctImageStorage = "1.2.840.10008.5.1.4.1.1.2"

    /// A 4×4 16-bit instance with `frames` frames, in Explicit VR Little Endian (or `syntax`).
    static func make(
        study: String, series: String, sop: String, patientID: String = "P1", patientName: String = "Test^Alpha",
        studyDate: String = "20240315", modality: String = "CT", frames: Int = 1,
        syntax: TransferSyntax = .explicitVRLittleEndian
    ) throws -> ByteBuffer {
        let text: [(Tag, VR, String)] = [
            (.specificCharacterSet, .CS, "ISO_IR 192"),
            (.sopClassUID, .UI, ctImageStorage), (.sopInstanceUID, .UI, sop), (.studyDate, .DA, studyDate),
            (.modality, .CS, modality), (.patientName, .PN, patientName), (.patientID, .LO, patientID),
            (.studyInstanceUID, .UI, study), (.seriesInstanceUID, .UI, series), (.seriesNumber, .IS, "1"),
            (.instanceNumber, .IS, "1"), (.numberOfFrames, .IS, String(frames)), (.photometricInterpretation, .CS, "MONOCHROME2"),
        ]
        var dataSet = DataSet(text.map { DataElement(tag: $0.0, vr: $0.1, asciiStrings: [$0.2]) })
        for (tag, value) in [(Tag.samplesPerPixel, 1), (.rows, 4), (.columns, 4), (.bitsAllocated, 16), (.bitsStored, 12), (.highBit, 11), (.pixelRepresentation, 0)] {
            dataSet.insert(DataElement(tag: tag, vr: .US, integers: [UInt16(value)]))
        }
        var pixels = ByteBuffer()
        for frame in 0..<frames {
            for index in 0..<16 { pixels.writeInteger(UInt16(truncatingIfNeeded: frame * 100 + index), endianness: .little) }
        }
        dataSet.insert(DataElement(tag: .pixelData, vr: .OW, bytes: pixels))
        return try DICOMFile(dataSet: dataSet, transferSyntax: syntax).encoded()
    }

    /// The native Pixel Data value of a data set; nil when it has none.
    static func nativePixels(_ dataSet: DataSet) -> ByteBuffer? {
        guard case .bytes(let pixels)? = dataSet[.pixelData]?.value else { return nil }
        return pixels
    }

    /// A multipart/related body of application/dicom parts, and its Content-Type.
    static func stowBody(_ parts: [ByteBuffer], boundary: String = "stow-boundary-1", partType: String = "application/dicom")
        -> (body: ByteBuffer, contentType: String)
    {
        var body = ByteBuffer()
        for part in parts {
            body.writeString("--\(boundary)\r\nContent-Type: \(partType)\r\n\r\n")
            var part = part
            body.writeBuffer(&part)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        return (body, "multipart/related; type=\"application/dicom\"; boundary=\(boundary)")
    }
}

/// The test archive and its credentials.
struct WebFixture {
    static let otherTenant = TenantID(rawValue: "other-clinic")!
    let archive: ArchiveService
    let directory: any DirectoryStore
    /// API keys: `default` (radiologist and administrator), `other-clinic` (radiologist).
    let defaultKey: String
    let otherKey: String
    /// A local account of `default`: alice / correct-horse-battery.
    static let alice = ("alice", "correct-horse-battery")
    let cacheFolder: String

    static let testCost = PasswordHasher.Cost(logRounds: 10)

    /// Runs `body` with a client of the in-process router over a fresh archive.
    static func withApp(
        corsOrigins: [String] = [], jwtKeys: JWTKeyCollection? = nil,
        dicomWeb: DICOMWebConfiguration = DICOMWebConfiguration(maximumSearchResults: 50),
        _ body: @Sendable (any TestClientProtocol, WebFixture) async throws -> Void
    ) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nuage-web-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var logger = Logger(label: "nuage-test")
        logger.logLevel = .critical
        try await ArchiveStorage(dataFolder: folder, ioThreads: 4).withArchive(logger: logger) { archive, directory, _ in
            try await FirstStart.prepare(directory: directory, adminPassword: "admin-password-1", cost: testCost, logger: logger)
            try await directory.createTenant(TenantRecord(id: otherTenant, name: "Other clinic"))
            let scope = try archive.policy.scope(for: .system(otherTenant, task: "test"), action: .write)
            try await archive.blobs.prepare(tenant: otherTenant, scope: scope)
            let (defaultKey, defaultRecord) = APIKeys.make(
                tenant: .defaultTenant, roles: [.radiologist, .establishmentAdministrator], label: "test")
            let (otherKey, otherRecord) = APIKeys.make(tenant: otherTenant, roles: [.radiologist], label: "test")
            try await directory.saveAPIKey(defaultRecord)
            try await directory.saveAPIKey(otherRecord)
            try await directory.saveUser(
                UserAccount(
                    username: alice.0, tenant: .defaultTenant, roles: [.radiologist],
                    passwordHash: try PasswordHasher.hash(alice.1, cost: testCost)))
            let fixture = WebFixture(
                archive: archive, directory: directory, defaultKey: defaultKey, otherKey: otherKey,
                cacheFolder: folder + "/cache")
            let router = WebRouter.make(
                archive: archive, directory: directory,
                authenticator: Authenticator(directory: directory, jwtKeys: jwtKeys),
                metadataCache: SeriesMetadataCache(folder: fixture.cacheFolder),
                configuration: WebServiceConfiguration(
                    dicomWeb: dicomWeb, corsOrigins: corsOrigins,
                    passwordCost: testCost))
            let app = Application(router: router, logger: logger)
            try await app.test(.router) { client in try await body(client, fixture) }
        }
    }

    /// Stores instances through STOW-RS with the `default` key and returns the response status.
    @discardableResult
    func stow(_ client: any TestClientProtocol, _ parts: [ByteBuffer], key: String? = nil, path: String = "/dicomweb/studies")
        async throws -> HTTPResponse.Status
    {
        let (body, contentType) = SyntheticInstance.stowBody(parts)
        return try await client.execute(
            uri: path, method: .post, headers: headers(key ?? defaultKey, [.contentType: contentType]), body: body
        ).status
    }

    func headers(_ key: String? = nil, _ extra: HTTPFields = [:]) -> HTTPFields {
        var fields = extra
        fields[.authorization] = "Bearer \(key ?? defaultKey)"
        return fields
    }
}

/// The JSON array of a response body.
func jsonArray(_ response: TestResponse) throws -> [[String: Any]] {
    let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
    return object as? [[String: Any]] ?? []
}

/// The first value of a DICOM JSON attribute.
func firstValue(_ object: [String: Any], _ tag: String) -> Any? {
    ((object[tag] as? [String: Any])?["Value"] as? [Any])?.first
}
