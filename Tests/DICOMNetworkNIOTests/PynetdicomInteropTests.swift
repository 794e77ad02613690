import DICOM
import DICOMCore
import DICOMDictionary
import DICOMNetwork
import DICOMNetworkNIO
import Foundation
import Testing

/// scripts/pynetdicom-peer.py, from the test file's location.
private let peerScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scripts/pynetdicom-peer.py").path

private let pynetdicomInstalled: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import pynetdicom"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()

/// pynetdicom as SCU against our server, and as SCP for our client.
@Suite(.serialized, .enabled(if: pynetdicomInstalled, "pynetdicom is not installed (scripts/bootstrap installs it)"))
struct PynetdicomInteropTests {
    @Test func pynetdicomSCUEchoesStoresAndFinds() async throws {
        let source = try makeTemporaryDirectory("py-source")
        let received = try makeTemporaryDirectory("py-received")
        let files = try writeSyntheticFiles(count: 2, in: source)
        var provider = RecordingProvider(directory: received)
        provider.matches = [DataSet([DataElement(tag: .studyInstanceUID, vr: .UI, asciiStrings: ["2.25.1"])])]
        let output = try await withServer(provider) { port in
            try await runProgram("/usr/bin/env", ["python3", peerScript, "scu", "\(port)"] + files)
        }
        #expect(output.status == 0, "\(output.output)")
        #expect(output.output.contains("echo 0x0000"))
        #expect(output.output.contains("find 1 0x0000"), "\(output.output)")
        for index in 0..<2 {
            #expect(output.output.contains("store 2.25.\(424_242_000 + index) 0x0000"))
            let info = try String(contentsOfFile: received + "/2.25.\(424_242_000 + index).info", encoding: .utf8)
            #expect(info.hasSuffix("user:pyuser"))
        }
    }

    @Test func ourClientAgainstPynetdicomSCP() async throws {
        let source = try makeTemporaryDirectory("py-client-source")
        let output = try makeTemporaryDirectory("py-client-output")
        let files = try writeSyntheticFiles(count: 2, in: source)
        let port = try freePort()
        try await withBackgroundProgram("/usr/bin/env", ["python3", peerScript, "scp", "\(port)", output]) {
            try await waitForListener(port: port)
            var parameters = AssociationParameters(callingAETitle: "NUAGE", calledAETitle: "PYSCP", maximumPDULength: 16382)
            parameters.propose([verificationSOPClassUID, studyRootFind], transferSyntaxes: uncompressedSyntaxes)
            parameters.propose([ctImageStorage], transferSyntaxes: [TransferSyntax.explicitVRLittleEndian.uid])
            try await DIMSEClient(logger: testLogger).withAssociation(host: "127.0.0.1", port: port, parameters: parameters) { association in
                let outcome1 = try await association.echo()
                #expect(outcome1 == .success)
                for file in files {
                    let status = try await association.storeFile(at: file).status
                    #expect(status == .success)
                }
                var matches: [String] = []
                let status = try await association.find(
                    DataSet([DataElement(tag: .queryRetrieveLevel, vr: .CS, asciiStrings: ["STUDY"])]), sopClassUID: studyRootFind
                ) { match in
                    matches.append(match.string(.studyInstanceUID) ?? "")
                    return true
                }
                #expect(status == .success)
                #expect(matches == ["2.25.900", "2.25.901"])
            }
        }
        for index in 0..<2 {
            let stored = output + "/2.25.\(424_242_000 + index).dcm"
            #expect(try dataSetBytes(ofFile: stored) == dataSetBytes(ofFile: source + "/instance\(index).dcm"))
        }
    }
}
