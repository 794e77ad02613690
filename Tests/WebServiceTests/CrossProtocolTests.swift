import Archive
import Authentication
import DICOM
import DICOMCore
import DICOMDictionary
import DICOMNetworkNIO
import DIMSEService
import Foundation
import Logging
import NIOCore
import NuageServer
import NuageTestSupport
import Testing
import WebService

/// One archive, two protocols (`nuage serve`'s composition root with both listeners on loopback): what DCMTK stores
/// by C-STORE, QIDO-RS finds and WADO-RS returns; what STOW-RS stores, C-FIND finds and C-GET returns.
@Suite(.serialized)
struct CrossProtocolTests {
    private static let password = "cross-protocol-password"

    @Test(.timeLimit(.minutes(1))) func instancesCrossBetweenDIMSEAndDICOMweb() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nuage-cross-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let dimsePort = try freePort()
        let configuration = ServerConfiguration(
            storage: ArchiveStorage(dataFolder: folder + "/data", ioThreads: 4), httpHost: "127.0.0.1", httpPort: 0,
            web: WebServiceConfiguration(passwordCost: PasswordHasher.Cost(logRounds: 10)), adminPassword: Self.password,
            dicom: DIMSEServerConfiguration(host: "127.0.0.1", port: dimsePort),
            // Admission is ArchiveSCPTests' subject: here the peers' AE titles need no registration.
            dicomService: DIMSEServiceConfiguration(acceptsUnknownCallingAETitles: true))
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await NuageServer.run(configuration, logger: InteropTests.quietLogger) { address in
                    continuation.yield(address?.port ?? 0)
                }
            }
            var iterator = ports.makeAsyncIterator()
            let httpPort = await iterator.next() ?? 0
            try await waitForListener(port: dimsePort)
            try await Self.storeByDIMSEThenRetrieveByDICOMweb(folder: folder, http: httpPort, dimse: dimsePort)
            try await Self.storeByDICOMwebThenRetrieveByDIMSE(folder: folder, http: httpPort, dimse: dimsePort)
            group.cancelAll()
        }
    }

    private static func storeByDIMSEThenRetrieveByDICOMweb(folder: String, http: Int, dimse: Int) async throws {
        let bytes = try SyntheticInstance.make(study: "2.25.7001", series: "2.25.7001.1", sop: "2.25.7001.1.1")
        let path = folder + "/dimse.dcm"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes.readableBytesView))
        let store = try await runProgram(
            "/usr/bin/storescu", ["-aet", "MODALITY", "-aec", "NUAGE", "127.0.0.1", "\(dimse)", path])
        try #require(store.status == 0, "\(store.output)")

        let search = try await curl(["http://127.0.0.1:\(http)/dicomweb/studies?StudyInstanceUID=2.25.7001"])
        #expect(search.contains("2.25.7001"), "\(search)")
        let retrieved = folder + "/wado.multipart"
        _ = try await curl(
            [
                "-H", "Accept: multipart/related; type=\"application/dicom\"; transfer-syntax=*", "-o", retrieved,
                "http://127.0.0.1:\(http)/dicomweb/studies/2.25.7001/series/2.25.7001.1/instances/2.25.7001.1.1",
            ])
        let body = try Data(contentsOf: URL(fileURLWithPath: retrieved))
        // The stored object is the data set as sent, under a meta group the SCP wrote: its data set bytes are there.
        let dataSet = try DICOMFile(bytes: bytes).encodedDataSet()
        #expect(body.range(of: Data(dataSet.readableBytesView)) != nil)
    }

    private static func storeByDICOMwebThenRetrieveByDIMSE(folder: String, http: Int, dimse: Int) async throws {
        let bytes = try SyntheticInstance.make(
            study: "2.25.7002", series: "2.25.7002.1", sop: "2.25.7002.1.1", patientID: "STOW-1")
        let (body, contentType) = SyntheticInstance.stowBody([bytes])
        let bodyPath = folder + "/stow.multipart"
        _ = FileManager.default.createFile(atPath: bodyPath, contents: Data(body.readableBytesView))
        let stored = try await curl(
            [
                "-X", "POST", "-H", "Content-Type: \(contentType)", "-H", "Accept: application/dicom+json",
                "--data-binary", "@\(bodyPath)", "-w", "\nHTTP %{http_code}", "http://127.0.0.1:\(http)/dicomweb/studies",
            ])
        try #require(stored.hasSuffix("HTTP 200"), "\(stored)")

        let responses = folder + "/find"
        try FileManager.default.createDirectory(atPath: responses, withIntermediateDirectories: true)
        let find = try await runProgram(
            "/usr/bin/findscu",
            [
                "-aet", "PACS", "-aec", "NUAGE", "-S", "-X", "-od", responses, "-k", "QueryRetrieveLevel=STUDY",
                "-k", "PatientID=STOW-1", "-k", "StudyInstanceUID", "127.0.0.1", "\(dimse)",
            ])
        try #require(find.status == 0, "\(find.output)")
        let matches = try FileManager.default.contentsOfDirectory(atPath: responses)
        try #require(matches.count == 1)
        #expect(try DICOMFile(contentsOf: responses + "/" + matches[0]).dataSet.string(.studyInstanceUID) == "2.25.7002")

        let received = folder + "/get"
        try FileManager.default.createDirectory(atPath: received, withIntermediateDirectories: true)
        let get = try await runProgram(
            "/usr/bin/getscu",
            [
                "-aet", "VIEWER", "-aec", "NUAGE", "-S", "-od", received, "-k", "QueryRetrieveLevel=STUDY", "-k",
                "StudyInstanceUID=2.25.7002", "127.0.0.1", "\(dimse)",
            ])
        #expect(get.status == 0, "\(get.output)")
        let files = try FileManager.default.contentsOfDirectory(atPath: received)
        try #require(files.count == 1)
        #expect(try DICOMFile(contentsOf: received + "/" + files[0]).dataSet == DICOMFile(bytes: bytes).dataSet)
    }

    /// curl as the admin account; the response body (and what `-w` adds).
    private static func curl(_ arguments: [String]) async throws -> String {
        let result = try await runProgram("/usr/bin/curl", ["-sS", "-u", "admin:\(password)"] + arguments)
        try #require(result.status == 0, "\(result.output)")
        return result.output
    }
}
