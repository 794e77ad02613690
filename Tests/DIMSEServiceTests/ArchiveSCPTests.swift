import Archive
import ArchiveSQLite
import Authentication
import DICOM
import DICOMCore
import DICOMDictionary
import DICOMImaging
import DICOMNetwork
import DICOMNetworkNIO
import DIMSEService
import Foundation
import Logging
import NIOCore
import NuageTestSupport
import Testing

/// Swift Testing declares a `Tag` too; in this module, `Tag` is DICOM's.
typealias Tag = DICOMCore.Tag

/// The archive's SCP against DCMTK's SCUs and storescp, over a real SQLite index and file blob store.
@Suite("Archive SCP with DCMTK", .serialized)
struct ArchiveSCPTests {
    @Test func answersEchoAndStoresWhatStorescuSends() async throws {
        try await SCPFixture.with { scp in
            let files = try scp.writeStudy(patientID: "PAT-1", study: "\(Synthetic.root).10", count: 3)
            let echo = try await runProgram(DCMTK.echoscu, ["-aet", "CT01", "-aec", "NUAGE", "127.0.0.1", "\(scp.port)"])
            #expect(echo.status == 0, "\(echo.output)")

            let store = try await runProgram(
                DCMTK.storescu, ["-aet", "CT01", "-aec", "NUAGE", "127.0.0.1", "\(scp.port)"] + files)
            #expect(store.status == 0, "\(store.output)")
            let stored = try await scp.archive.instances(
                .study(studyInstanceUID: "\(Synthetic.root).10"), context: scp.context(.defaultTenant))
            #expect(stored.count == 3)
            // The object is kept as sent, in a Part 10 file whose meta group names the sender.
            let first = try #require(stored.first)
            let content = try await scp.archive.content(of: first, context: scp.context(.defaultTenant))
            let file = try DICOMFile(bytes: content)
            #expect(file.fileMetaInformation.string(.sourceApplicationEntityTitle) == "CT01")
            #expect(file.dataSet == (try DICOMFile(contentsOf: files[0]).dataSet))
        }
    }

    @Test func refusesAnObjectWithoutAStudyInstanceUID() async throws {
        try await SCPFixture.with { scp in
            var dataSet = try Synthetic.dataSet(study: "\(Synthetic.root).11", sop: "\(Synthetic.root).11.1.1")
            dataSet.remove(.studyInstanceUID)
            let path = scp.folder + "/broken.dcm"
            try DICOMFile(dataSet: dataSet, transferSyntax: .explicitVRLittleEndian).write(to: path)
            let store = try await runProgram(
                DCMTK.storescu, ["-v", "-aet", "CT01", "-aec", "NUAGE", "127.0.0.1", "\(scp.port)", path])
            #expect(store.output.contains("DataSetDoesNotMatchSOPClass"), "\(store.output)")
            #expect(
                try await scp.archive.find(IndexQuery(level: .instance), context: scp.context(.defaultTenant))
                    .matches.isEmpty)
        }
    }

    @Test func findsAtEachLevelWithTheRequestedKeysOnly() async throws {
        try await SCPFixture.with { scp in
            let files = try scp.writeStudy(patientID: "PAT-2", study: "\(Synthetic.root).20", count: 2)
            try await scp.store(files, callingAETitle: "CT01")

            let responses = scp.folder + "/find"
            try FileManager.default.createDirectory(atPath: responses, withIntermediateDirectories: true)
            let find = try await runProgram(
                DCMTK.findscu,
                [
                    "-aet", "PACS", "-aec", "NUAGE", "-S", "-X", "-od", responses, "-k", "QueryRetrieveLevel=STUDY",
                    "-k", "PatientID=PAT-2", "-k", "StudyInstanceUID", "-k", "NumberOfStudyRelatedInstances",
                    "-k", "PatientName", "127.0.0.1", "\(scp.port)",
                ])
            #expect(find.status == 0, "\(find.output)")
            let matches = try FileManager.default.contentsOfDirectory(atPath: responses).sorted()
            #expect(matches.count == 1)
            let match = try DICOMFile(contentsOf: responses + "/" + (matches.first ?? "")).dataSet
            #expect(match.string(.studyInstanceUID) == "\(Synthetic.root).20")
            #expect(match.string(.numberOfStudyRelatedInstances) == "2")
            #expect(match.string(.patientName) == "Doe^Jane")
            #expect(match.string(.queryRetrieveLevel) == "STUDY")
            // Only what was asked: no StudyDate, no Modality.
            #expect(match[.studyDate] == nil)
            #expect(match[.modality] == nil)

            let badDate = try await runProgram(
                DCMTK.findscu,
                [
                    "-v", "-aet", "PACS", "-aec", "NUAGE", "-S", "-k", "QueryRetrieveLevel=STUDY", "-k",
                    "StudyDate=2024-01-01", "127.0.0.1", "\(scp.port)",
                ])
            #expect(
                badDate.output.contains("Final Find Response (Error: DataSetDoesNotMatchSOPClass)"),
                "\(badDate.output)")
        }
    }

    @Test func getSendsTheStoredBytesOnTheSameAssociation() async throws {
        try await SCPFixture.with { scp in
            let files = try scp.writeStudy(patientID: "PAT-3", study: "\(Synthetic.root).30", count: 2)
            try await scp.store(files, callingAETitle: "CT01")
            let received = scp.folder + "/get"
            try FileManager.default.createDirectory(atPath: received, withIntermediateDirectories: true)
            let get = try await runProgram(
                DCMTK.getscu,
                [
                    "-aet", "VIEWER", "-aec", "NUAGE", "-S", "-od", received, "-k", "QueryRetrieveLevel=STUDY",
                    "-k", "StudyInstanceUID=\(Synthetic.root).30", "127.0.0.1", "\(scp.port)",
                ])
            #expect(get.status == 0, "\(get.output)")
            let names = try FileManager.default.contentsOfDirectory(atPath: received)
            #expect(names.count == 2)
            for name in names {
                let copy = try DICOMFile(contentsOf: received + "/" + name).dataSet
                let original = try files.map { try DICOMFile(contentsOf: $0).dataSet }
                #expect(original.contains(copy))
            }
        }
    }

    @Test func getConvertsACompressedInstanceForAPeerThatTakesOnlyUncompressed() async throws {
        try await SCPFixture.with { scp in
            var native = try Synthetic.dataSet(
                study: "\(Synthetic.root).35", series: "\(Synthetic.root).35.1", sop: "\(Synthetic.root).35.1.1",
                pixelLength: 0)
            try native.setStrings(["MONOCHROME2"], for: .photometricInterpretation, vr: .CS)
            for (tag, value) in [(Tag.samplesPerPixel, 1), (.bitsStored, 12), (.highBit, 11), (.pixelRepresentation, 0)] {
                native.insert(DataElement(tag: tag, vr: .US, integers: [UInt16(value)]))
            }
            var pixels = ByteBuffer()
            for index in 0..<64 { pixels.writeInteger(UInt16(index * 61 % 4096), endianness: .little) }
            native.insert(DataElement(tag: .pixelData, vr: .OW, bytes: pixels))
            let compressed = try Transcoder.transcode(
                DICOMFile(dataSet: native, transferSyntax: .explicitVRLittleEndian), to: .jpegLSLossless)
            let path = scp.folder + "/jpegls.dcm"
            try compressed.write(to: path)
            let store = try await runProgram(
                DCMTK.storescu, ["-xt", "-aet", "CT01", "-aec", "NUAGE", "127.0.0.1", "\(scp.port)", path])
            try #require(store.status == 0, "\(store.output)")
            let stored = try await scp.archive.instances(
                .study(studyInstanceUID: "\(Synthetic.root).35"), context: scp.context(.defaultTenant))
            #expect(stored.first?.object.transferSyntaxUID == TransferSyntax.jpegLSLossless.uid.rawValue)

            let received = scp.folder + "/get"
            try FileManager.default.createDirectory(atPath: received, withIntermediateDirectories: true)
            let get = try await runProgram(
                DCMTK.getscu,
                [
                    "-aet", "VIEWER", "-aec", "NUAGE", "-S", "-od", received, "-k", "QueryRetrieveLevel=STUDY",
                    "-k", "StudyInstanceUID=\(Synthetic.root).35", "127.0.0.1", "\(scp.port)",
                ])
            #expect(get.status == 0, "\(get.output)")
            let names = try FileManager.default.contentsOfDirectory(atPath: received)
            try #require(names.count == 1)
            let copy = try DICOMFile(contentsOf: received + "/" + names[0])
            #expect(copy.transferSyntax.isNative)
            #expect(copy.dataSet[.pixelData]?.bytes == pixels)
        }
    }

    @Test func moveSendsToARegisteredDestinationOfTheSameEstablishment() async throws {
        try await SCPFixture.with { scp in
            let files = try scp.writeStudy(patientID: "PAT-4", study: "\(Synthetic.root).40", count: 2)
            try await scp.store(files, callingAETitle: "CT01")
            let destinationPort = try freePort()
            let received = scp.folder + "/moved"
            try FileManager.default.createDirectory(atPath: received, withIntermediateDirectories: true)
            try await scp.directory.saveApplicationEntity(
                ApplicationEntity(title: "STORESCP", tenant: .defaultTenant, host: "127.0.0.1", port: destinationPort))
            try await scp.directory.createTenant(TenantRecord(id: .other, name: "Other"))
            try await scp.directory.saveApplicationEntity(
                ApplicationEntity(title: "ELSEWHERE", tenant: .other, host: "127.0.0.1", port: destinationPort))

            try await withBackgroundProgram(
                DCMTK.storescp, ["-aet", "STORESCP", "-od", received, "\(destinationPort)"]
            ) {
                try await waitForListener(port: destinationPort)
                let move = try await runProgram(
                    DCMTK.movescu,
                    [
                        "-aet", "PACS", "-aec", "NUAGE", "-aem", "STORESCP", "-S", "-k", "QueryRetrieveLevel=STUDY",
                        "-k", "StudyInstanceUID=\(Synthetic.root).40", "127.0.0.1", "\(scp.port)",
                    ])
                #expect(move.status == 0, "\(move.output)")
                #expect(try FileManager.default.contentsOfDirectory(atPath: received).count == 2)

                // Another establishment's AE is no destination for this one's data.
                let elsewhere = try await runProgram(
                    DCMTK.movescu,
                    [
                        "-aet", "PACS", "-aec", "NUAGE", "-aem", "ELSEWHERE", "-S", "-k", "QueryRetrieveLevel=STUDY",
                        "-k", "StudyInstanceUID=\(Synthetic.root).40", "127.0.0.1", "\(scp.port)",
                    ])
                #expect(
                    elsewhere.output.contains("MoveDestinationUnknown"),
                    "\(elsewhere.output)")
            }
        }
    }

    @Test func keepsEstablishmentsApartByCallingAETitle() async throws {
        try await SCPFixture.with { scp in
            try await scp.directory.createTenant(TenantRecord(id: .other, name: "Other"))
            try await scp.directory.saveApplicationEntity(ApplicationEntity(title: "OTHERCT", tenant: .other))
            let files = try scp.writeStudy(patientID: "PAT-5", study: "\(Synthetic.root).50", count: 1)
            try await scp.store(files, callingAETitle: "OTHERCT")
            #expect(
                try await scp.archive.instances(
                    .study(studyInstanceUID: "\(Synthetic.root).50"), context: scp.context(.other)
                ).count == 1)
            #expect(
                try await scp.archive.instances(
                    .study(studyInstanceUID: "\(Synthetic.root).50"), context: scp.context(.defaultTenant)
                ).isEmpty)

            // An unregistered caller lands in the default establishment and finds nothing of the other's.
            let responses = scp.folder + "/find"
            try FileManager.default.createDirectory(atPath: responses, withIntermediateDirectories: true)
            _ = try await runProgram(
                DCMTK.findscu,
                [
                    "-aet", "STRANGER", "-aec", "NUAGE", "-S", "-X", "-od", responses, "-k",
                    "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID", "127.0.0.1", "\(scp.port)",
                ])
            #expect(try FileManager.default.contentsOfDirectory(atPath: responses).isEmpty)
        }
    }

    @Test func rejectsUnknownCallersAndWrongCalledTitlesWhenStrict() async throws {
        try await SCPFixture.with(acceptsUnknownCallers: false) { scp in
            try await scp.directory.saveApplicationEntity(ApplicationEntity(title: "CT01", tenant: .defaultTenant))
            let known = try await runProgram(DCMTK.echoscu, ["-aet", "CT01", "-aec", "NUAGE", "127.0.0.1", "\(scp.port)"])
            #expect(known.status == 0, "\(known.output)")
            let unknown = try await runProgram(
                DCMTK.echoscu, ["-aet", "STRANGER", "-aec", "NUAGE", "127.0.0.1", "\(scp.port)"])
            #expect(unknown.status != 0)
            #expect(unknown.output.contains("Calling AE Title Not Recognized"), "\(unknown.output)")
            let wrongCalled = try await runProgram(
                DCMTK.echoscu, ["-aet", "CT01", "-aec", "SOMEONE", "127.0.0.1", "\(scp.port)"])
            #expect(wrongCalled.status != 0)
            #expect(wrongCalled.output.contains("Called AE Title Not Recognized"), "\(wrongCalled.output)")
        }
    }
}

extension ArchiveSCPTests {
    /// PS3.7 D.3.3.7 through storescu's `--user`/`--password`: a local account's password admits an association
    /// (even from an unregistered AE title) into the account's establishment, with a positive response when asked;
    /// a wrong password, or an account of another establishment than the calling AE's, is rejected.
    @Test func userIdentityIsVerifiedAgainstLocalAccounts() async throws {
        try await SCPFixture.with(acceptsUnknownCallers: false) { scp in
            let hash = try PasswordHasher.hash("correct horse", cost: PasswordHasher.Cost(logRounds: 10))
            try await scp.directory.createTenant(TenantRecord(id: .other, name: "Other"))
            try await scp.directory.saveUser(
                UserAccount(username: "tech", tenant: .other, roles: [.technologist], passwordHash: hash))
            try await scp.directory.saveApplicationEntity(ApplicationEntity(title: "CT01", tenant: .defaultTenant))
            let files = try scp.writeStudy(patientID: "PAT-U", study: "\(Synthetic.root).70", count: 2)
            func storescu(_ title: String, _ identity: [String]) async throws -> (status: Int32, output: String) {
                try await runProgram(
                    DCMTK.storescu, ["-v", "-aet", title, "-aec", "NUAGE"] + identity + ["127.0.0.1", "\(scp.port)"] + files)
            }

            // `-d` dumps the A-ASSOCIATE-AC: the positive response asked for by `-rsp` is in it.
            let admitted = try await storescu("WORKSTATION", ["-d", "-usr", "tech", "-pwd", "correct horse", "-rsp"])
            #expect(admitted.status == 0, "\(admitted.output)")
            #expect(!admitted.output.contains("Rejected"), "\(admitted.output)")
            #expect(admitted.output.contains("Server Response (not dumped) length: 0"), "\(admitted.output)")
            let stored = try await scp.archive.find(IndexQuery(level: .instance), context: scp.context(.other))
            #expect(stored.matches.count == 2)
            let elsewhere = try await scp.archive.find(IndexQuery(level: .instance), context: scp.context(.defaultTenant))
            #expect(elsewhere.matches.isEmpty)

            let wrongPassword = try await storescu("WORKSTATION", ["-usr", "tech", "-pwd", "battery staple"])
            #expect(wrongPassword.status != 0)
            #expect(wrongPassword.output.contains("Association Rejected"), "\(wrongPassword.output)")
            let bareName = try await storescu("WORKSTATION", ["-usr", "tech"])
            #expect(bareName.status != 0, "a bare user name proves nothing: the unknown AE title is rejected")
            let otherEstablishment = try await storescu("CT01", ["-usr", "tech", "-pwd", "correct horse"])
            #expect(otherEstablishment.status != 0, "\(otherEstablishment.output)")
        }
    }

    /// A C-FIND matching more than `maximumFindResults` is refused (A700) rather than answered in part.
    @Test func findMatchingTooMuchIsRefused() async throws {
        try await SCPFixture.with(maximumFindResults: 2) { scp in
            try await scp.store(
                try scp.writeStudy(patientID: "PAT-F", study: "\(Synthetic.root).72", count: 3), callingAETitle: "CT01")
            func findscu(_ level: String) async throws -> (status: Int32, output: String) {
                try await runProgram(
                    DCMTK.findscu,
                    [
                        "-v", "-aet", "PACS", "-aec", "NUAGE", "-S", "-k", "QueryRetrieveLevel=\(level)", "-k",
                        "StudyInstanceUID=\(Synthetic.root).72", "-k", "SeriesInstanceUID=\(Synthetic.root).72.1",
                        "-k", "SOPInstanceUID", "127.0.0.1", "\(scp.port)",
                    ])
            }
            let studies = try await findscu("STUDY")
            #expect(studies.output.contains("Success"), "\(studies.output)")
            let images = try await findscu("IMAGE")
            #expect(images.output.contains("Refused: OutOfResources"), "\(images.output)")
            #expect(!images.output.contains("Pending"), "\(images.output)")
        }
    }

    @Test func requiredUserIdentityRejectsAssociationsWithoutOne() async throws {
        try await SCPFixture.with(requiresUserIdentity: true) { scp in
            try await scp.directory.saveApplicationEntity(ApplicationEntity(title: "CT01", tenant: .defaultTenant))
            let hash = try PasswordHasher.hash("correct horse", cost: PasswordHasher.Cost(logRounds: 10))
            try await scp.directory.saveUser(
                UserAccount(username: "tech", tenant: .defaultTenant, roles: [.technologist], passwordHash: hash))
            let anonymous = try await runProgram(
                DCMTK.echoscu, ["-aet", "CT01", "-aec", "NUAGE", "127.0.0.1", "\(scp.port)"])
            #expect(anonymous.status != 0)
            let files = try scp.writeStudy(patientID: "PAT-R", study: "\(Synthetic.root).71", count: 1)
            let identified = try await runProgram(
                DCMTK.storescu,
                ["-aet", "CT01", "-aec", "NUAGE", "-usr", "tech", "-pwd", "correct horse", "127.0.0.1", "\(scp.port)"]
                    + files)
            #expect(identified.status == 0, "\(identified.output)")
        }
    }
}

extension TenantID {
    static let other = TenantID(rawValue: "other") ?? .defaultTenant
}

/// DCMTK's programs, by full path: pynetdicom installs scripts of the same names (DESIGN §8).
enum DCMTK {
    static let echoscu = "/usr/bin/echoscu"
    static let storescu = "/usr/bin/storescu"
    static let findscu = "/usr/bin/findscu"
    static let getscu = "/usr/bin/getscu"
    static let movescu = "/usr/bin/movescu"
    static let storescp = "/usr/bin/storescp"
}

/// An archive (SQLite index, file blobs) in a temporary folder and its SCP on a free loopback port.
struct SCPFixture: Sendable {
    let folder: String
    let archive: ArchiveService
    let directory: any DirectoryStore
    let port: Int

    static func with(
        acceptsUnknownCallers: Bool = true, requiresUserIdentity: Bool = false, maximumFindResults: Int = 10_000,
        _ body: @escaping @Sendable (SCPFixture) async throws -> Void
    ) async throws {
        try await withTemporaryFolder { folder in
            try await BlockingIO.withBlockingIO(threads: 8) { io in
                let index = try SQLiteIndexStore(path: folder + "/index.sqlite")
                try await index.prepare()
                try await index.directory.createTenant(TenantRecord(id: .defaultTenant, name: "Default"))
                let archive = ArchiveService(index: index, blobs: FileBlobStore(root: folder + "/blobs", io: io), io: io)
                let provider = ArchiveDIMSEProvider(
                    archive: archive, directory: index.directory,
                    credentials: CredentialVerifier(directory: index.directory),
                    configuration: DIMSEServiceConfiguration(
                        acceptsUnknownCallingAETitles: acceptsUnknownCallers, requiresUserIdentity: requiresUserIdentity,
                        maximumFindResults: maximumFindResults),
                    client: DIMSEClient(logger: testLogger), logger: testLogger)
                let server = try DIMSEServer(
                    configuration: DIMSEServerConfiguration(host: "127.0.0.1", port: 0), provider: provider,
                    logger: testLogger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await server.run() }
                    let port = try await server.listeningAddress().port ?? 0
                    try await body(
                        SCPFixture(folder: folder, archive: archive, directory: index.directory, port: port))
                    group.cancelAll()
                }
            }
        }
    }

    func context(_ tenant: TenantID) -> AccessContext {
        .system(tenant, task: "scp-tests")
    }

    /// Writes a study of `count` small synthetic instances and returns their paths.
    func writeStudy(patientID: String, study: String, count: Int) throws -> [String] {
        try (1...count).map { number in
            let dataSet = try Synthetic.dataSet(
                patientID: patientID, study: study, series: study + ".1", sop: study + ".1.\(number)",
                instanceNumber: number)
            let path = folder + "/\(study).\(number).dcm"
            try DICOMFile(dataSet: dataSet, transferSyntax: .explicitVRLittleEndian).write(to: path)
            return path
        }
    }

    /// Stores files with DCMTK's storescu, expecting success.
    func store(_ files: [String], callingAETitle: String) async throws {
        let store = try await runProgram(
            DCMTK.storescu, ["-aet", callingAETitle, "-aec", "NUAGE", "127.0.0.1", "\(port)"] + files)
        try #require(store.status == 0, "\(store.output)")
    }
}

let testLogger: Logger = {
    var logger = Logger(label: "nuage.test.scp")
    logger.logLevel = .warning
    return logger
}()
