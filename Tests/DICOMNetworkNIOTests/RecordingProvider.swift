import DICOM
import DICOMCore
import DICOMNetwork
import DICOMNetworkNIO
import Foundation
import NIOCore

/// A test SCP: accepts associations called "NUAGE", writes received data sets to a directory, answers C-FIND with
/// fixed matches and serves C-GET and C-MOVE from a list of Part 10 files.
struct RecordingProvider: DIMSEServiceProvider {
    typealias AssociationState = String

    let directory: String
    var matches: [DataSet] = []
    var retrievable: [String] = []
    /// Where C-MOVE destinations are (AE title → port on loopback).
    var destinations: [String: Int] = [:]
    /// Pause between C-FIND matches (to test C-CANCEL).
    var findDelay: Duration = .zero

    func associationRequested(_ request: AssociationRequestInfo) async -> AssociationDecision<String> {
        guard request.calledAETitle == "NUAGE" else {
            return .reject(AssociateReject(result: .permanent, reason: .serviceUser(.calledAETitleNotRecognized)))
        }
        let syntaxes = Set(TransferSyntax.uncompressed.map(\.uid) + [TransferSyntax.jpegBaseline8Bit.uid, TransferSyntax.rleLossless.uid])
        let state = request.userIdentity.map { "user:\($0.primaryText)" } ?? "aet:\(request.callingAETitle)"
        return .accept(state, contexts: AssociationAcceptancePolicy(transferSyntaxes: { _ in syntaxes }))
    }

    func store(_ request: StoreRequest, dataSet: DataSetStream, association: AssociationContext<String>) async throws -> DIMSEStatus {
        var bytes: [UInt8] = []
        for try await chunk in dataSet { bytes += chunk.readableBytesView }
        let path = directory + "/" + request.sopInstanceUID.rawValue
        try Data(bytes).write(to: URL(fileURLWithPath: path + ".tmp"))
        try FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)
        try Data((request.transferSyntax.rawValue + "\n" + association.state).utf8).write(to: URL(fileURLWithPath: path + ".info"))
        return .success
    }

    func find(_ request: FindRequest, responses: FindResponseWriter, association: AssociationContext<String>) async throws -> DIMSEStatus {
        for match in matches {
            if findDelay > .zero { try await Task.sleep(for: findDelay) }
            try await responses.send(match)
        }
        return .success
    }

    func get(_ request: GetRequest, subOperations: GetSubOperations, association: AssociationContext<String>) async throws -> RetrieveOutcome {
        subOperations.setRemaining(retrievable.count)
        for path in retrievable {
            let header = try await Part10Header(contentsOf: path)
            _ = try await subOperations.store(
                sopClassUID: header.sopClassUID, sopInstanceUID: header.sopInstanceUID, transferSyntax: header.transferSyntax,
                dataSet: FileChunks(path: path, offset: header.dataSetOffset))
        }
        return RetrieveOutcome(status: .success)
    }

    func move(_ request: MoveRequest, progress: RetrieveProgress, association: AssociationContext<String>) async throws -> RetrieveOutcome {
        guard let port = destinations[request.moveDestination] else { return RetrieveOutcome(status: .moveDestinationUnknown) }
        var parameters = AssociationParameters(callingAETitle: "NUAGE", calledAETitle: request.moveDestination)
        parameters.propose([ctImageStorage], transferSyntaxes: uncompressedSyntaxes)
        var counts = SubOperationCounts(remaining: UInt16(retrievable.count))
        let client = DIMSEClient(logger: testLogger)
        try await client.withAssociation(host: "127.0.0.1", port: port, parameters: parameters) { destination in
            for path in retrievable {
                let response = try await destination.storeFile(at: path)
                if response.status.isSuccess { counts.completed += 1 } else { counts.failed += 1 }
                counts.remaining = (counts.remaining ?? 1) - 1
                try await progress.report(counts)
            }
        }
        counts.remaining = nil
        return RetrieveOutcome(status: .success, counts: counts)
    }
}
