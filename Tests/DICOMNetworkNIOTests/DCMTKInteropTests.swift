import DICOM
import DICOMCore
import DICOMDictionary
import DICOMNetwork
import DICOMNetworkNIO
import Foundation
import NIOCore
import Testing

private let dcmtkInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/storescu")

/// Our server against DCMTK's SCUs, and our client against DCMTK's storescp (TCP_NODELAY=1 for DCMTK).
@Suite(.serialized, .enabled(if: dcmtkInstalled, "DCMTK is not installed (scripts/bootstrap installs it)"))
struct DCMTKInteropTests {
    @Test func echoscuIsAnsweredAndAWrongCalledAETitleRejected() async throws {
        let directory = try makeTemporaryDirectory("echo")
        try await withServer(RecordingProvider(directory: directory)) { port in
            let accepted = try await runProgram("/usr/bin/echoscu", ["-aec", "NUAGE", "127.0.0.1", "\(port)"])
            #expect(accepted.status == 0, "\(accepted.output)")
            let rejected = try await runProgram("/usr/bin/echoscu", ["-aec", "SOMEONE", "127.0.0.1", "\(port)"])
            #expect(rejected.status != 0)
            #expect(rejected.output.contains("Called AE Title Not Recognized"), "\(rejected.output)")
        }
    }

    @Test(arguments: [TransferSyntax.explicitVRLittleEndian, .implicitVRLittleEndian])
    func storescuDataSetsArriveByteForByte(syntax: TransferSyntax) async throws {
        let source = try makeTemporaryDirectory("store-source")
        let received = try makeTemporaryDirectory("store-received")
        let files = try writeSyntheticFiles(count: 3, in: source, syntax: syntax)
        try await withServer(RecordingProvider(directory: received)) { port in
            // A small maximum PDU on storescu's side makes every data set span many PDVs.
            let result = try await runProgram(
                "/usr/bin/storescu",
                ["-aec", "NUAGE", "-aet", "MODALITY", "--max-pdu", "4096", syntax == .implicitVRLittleEndian ? "-xi" : "-xe", "127.0.0.1", "\(port)"] + files)
            #expect(result.status == 0, "\(result.output)")
        }
        for (index, file) in files.enumerated() {
            let instance = received + "/2.25.\(424_242_000 + index)"
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: instance)))
            #expect(bytes == (try dataSetBytes(ofFile: file)))
            let info = try String(contentsOfFile: instance + ".info", encoding: .utf8)
            #expect(info == syntax.uid.rawValue + "\naet:MODALITY")
        }
    }

    @Test func findscuReceivesEveryMatch() async throws {
        let directory = try makeTemporaryDirectory("find")
        var provider = RecordingProvider(directory: directory)
        provider.matches = (0..<3).map { index in
            DataSet([
                DataElement(tag: .queryRetrieveLevel, vr: .CS, asciiStrings: ["STUDY"]),
                DataElement(tag: .studyInstanceUID, vr: .UI, asciiStrings: ["2.25.77\(index)"]),
            ])
        }
        try await withServer(provider) { port in
            let result = try await runProgram(
                "/usr/bin/findscu",
                ["-S", "-aec", "NUAGE", "-X", "127.0.0.1", "\(port)", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID"],
                directory: directory)
            #expect(result.status == 0, "\(result.output)")
        }
        let responses = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("rsp") }
        #expect(responses.count == 3)
    }

    @Test func getscuReceivesTheInstancesOnTheSameAssociation() async throws {
        let source = try makeTemporaryDirectory("get-source")
        let output = try makeTemporaryDirectory("get-output")
        var provider = RecordingProvider(directory: source)
        provider.retrievable = try writeSyntheticFiles(count: 3, in: source)
        try await withServer(provider) { port in
            let result = try await runProgram(
                "/usr/bin/getscu",
                ["-S", "-aec", "NUAGE", "-od", output, "127.0.0.1", "\(port)", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=2.25.1000"])
            #expect(result.status == 0, "\(result.output)")
        }
        let received = try FileManager.default.contentsOfDirectory(atPath: output)
        #expect(received.count == 3)
        for file in received {
            let index = Int(file.split(separator: ".").last.map(String.init) ?? "") ?? -1
            #expect(try dataSetBytes(ofFile: output + "/" + file) == (try dataSetBytes(ofFile: source + "/instance\(index - 424_242_000).dcm")))
        }
    }

    @Test func movescuSendsToAStorescpDestination() async throws {
        let source = try makeTemporaryDirectory("move-source")
        let output = try makeTemporaryDirectory("move-output")
        let destinationPort = try freePort()
        var provider = RecordingProvider(directory: source)
        provider.retrievable = try writeSyntheticFiles(count: 2, in: source)
        provider.destinations = ["STORESCP": destinationPort]
        try await withBackgroundProgram("/usr/bin/storescp", ["-aet", "STORESCP", "-od", output, "\(destinationPort)"]) {
            try await waitForListener(port: destinationPort)
            try await withServer(provider) { port in
                let result = try await runProgram(
                    "/usr/bin/movescu",
                    ["-S", "-aec", "NUAGE", "-aem", "STORESCP", "127.0.0.1", "\(port)", "-k", "QueryRetrieveLevel=STUDY",
                     "-k", "StudyInstanceUID=2.25.1000"])
                #expect(result.status == 0, "\(result.output)")
                let unknown = try await runProgram(
                    "/usr/bin/movescu",
                    ["-v", "-S", "-aec", "NUAGE", "-aem", "NOWHERE", "127.0.0.1", "\(port)", "-k", "QueryRetrieveLevel=STUDY"])
                #expect(unknown.output.contains("Refused: MoveDestinationUnknown"), "\(unknown.output)")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: output).count == 2)
    }

    @Test func ourClientStoresIntoStorescp() async throws {
        let source = try makeTemporaryDirectory("client-source")
        let output = try makeTemporaryDirectory("client-output")
        let files = try writeSyntheticFiles(count: 2, in: source)
        let port = try freePort()
        try await withBackgroundProgram("/usr/bin/storescp", ["-aet", "STORESCP", "-od", output, "\(port)"]) {
            try await waitForListener(port: port)
            var parameters = AssociationParameters(callingAETitle: "NUAGE", calledAETitle: "STORESCP", maximumPDULength: 16384)
            parameters.propose([verificationSOPClassUID], transferSyntaxes: [TransferSyntax.implicitVRLittleEndian.uid])
            parameters.propose([ctImageStorage], transferSyntaxes: [TransferSyntax.explicitVRLittleEndian.uid])
            try await DIMSEClient(logger: testLogger).withAssociation(host: "127.0.0.1", port: port, parameters: parameters) { association in
                let outcome1 = try await association.echo()
                #expect(outcome1 == .success)
                for file in files {
                    let outcome2 = try await association.storeFile(at: file).status
                    #expect(outcome2 == .success)
                }
            }
        }
        let stored = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        #expect(stored.count == 2)
        for file in stored {
            let index = Int(file.split(separator: ".").last.map(String.init) ?? "") ?? -1
            #expect(try dataSetBytes(ofFile: output + "/" + file) == (try dataSetBytes(ofFile: source + "/instance\(index - 424_242_000).dcm")))
        }
    }
}
