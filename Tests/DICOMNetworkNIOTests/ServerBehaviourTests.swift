import DICOM
import DICOMCore
import DICOMDictionary
import DICOMNetwork
import DICOMNetworkNIO
import Foundation
import NuageTestSupport
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

/// Our client against our server: every operation, user identity, cancellation, limits and hostile bytes.
@Suite(.serialized) struct ServerBehaviourTests {
    func parameters(_ syntaxes: [UID] = uncompressedSyntaxes) -> AssociationParameters {
        var parameters = AssociationParameters(callingAETitle: "TESTSCU", calledAETitle: "NUAGE")
        parameters.propose([verificationSOPClassUID, ctImageStorage, studyRootFind, studyRootMove, studyRootGet], transferSyntaxes: syntaxes)
        return parameters
    }

    @Test func storeFindGetAndUserIdentityThroughOurClient() async throws {
        let directory = try makeTemporaryDirectory("own")
        let files = try writeSyntheticFiles(count: 2, in: directory)
        var provider = RecordingProvider(directory: directory)
        provider.retrievable = files
        provider.matches = [DataSet([DataElement(tag: .studyInstanceUID, vr: .UI, asciiStrings: ["2.25.5"])])]
        var parameters = parameters()
        parameters.userIdentity = .username("alice", passcode: "secret", positiveResponseRequested: true)
        parameters.scpRoleSOPClasses = [ctImageStorage]
        let expectedMatches = provider.matches
        let received = try await withServer(provider) { [parameters] port in
            try await DIMSEClient(logger: testLogger).withAssociation(host: "127.0.0.1", port: port, parameters: parameters) { association in
                #expect(association.accept.userInformation.userIdentityResponse != nil)
                #expect(association.negotiated.requestorSCPRoles == [ctImageStorage])
                let outcome1 = try await association.echo()
                #expect(outcome1 == .success)
                // A data set streamed in small uneven chunks.
                var chunks: [ByteBuffer] = []
                var bytes = ByteBuffer(bytes: try dataSetBytes(ofFile: files[0]))
                while bytes.readableBytes > 0 { chunks.append(bytes.readSlice(length: min(999, bytes.readableBytes)) ?? ByteBuffer()) }
                let stored = try await association.store(
                    sopClassUID: ctImageStorage, sopInstanceUID: "2.25.99", transferSyntax: TransferSyntax.explicitVRLittleEndian.uid,
                    dataSet: chunks.async)
                #expect(stored.status == .success)
                var matches: [DataSet] = []
                let status = try await association.find(DataSet(), sopClassUID: studyRootFind) { match in
                    matches.append(match)
                    return true
                }
                #expect(status == .success)
                #expect(matches == expectedMatches)
                var gotten: [String] = []
                let final = try await association.get(DataSet(), sopClassUID: studyRootGet) { request, dataSet in
                    var count = 0
                    for try await chunk in dataSet { count += chunk.readableBytes }
                    gotten.append("\(request.sopInstanceUID):\(count)")
                    return .success
                }
                #expect(final.status == .success)
                #expect(final.subOperations.completed == 2)
                return gotten
            }
        }
        #expect(received.count == 2)
        let info = try String(contentsOfFile: directory + "/2.25.99.info", encoding: .utf8)
        #expect(info.hasSuffix("user:alice"))
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/2.25.99"))) == dataSetBytes(ofFile: files[0]))
    }

    @Test func cancelStopsAFind() async throws {
        var provider = RecordingProvider(directory: try makeTemporaryDirectory("cancel"))
        provider.matches = Array(repeating: DataSet([DataElement(tag: .patientID, vr: .LO, asciiStrings: ["X"])]), count: 50)
        provider.findDelay = .milliseconds(20)
        let parameters = parameters()
        try await withServer(provider) { port in
            try await DIMSEClient(logger: testLogger).withAssociation(host: "127.0.0.1", port: port, parameters: parameters) { association in
                var seen = 0
                let status = try await association.find(DataSet(), sopClassUID: studyRootFind) { _ in
                    seen += 1
                    return seen < 2
                }
                #expect(status == .cancel)
                #expect(seen < 50)
                let outcome2 = try await association.echo()
                #expect(outcome2 == .success)
            }
        }
    }

    @Test func associationLimitRejectsTransiently() async throws {
        let provider = RecordingProvider(directory: try makeTemporaryDirectory("limit"))
        let parameters = parameters()
        try await withServer(provider, configure: { $0.maximumAssociations = 1 }) { port in
            let client = DIMSEClient(logger: testLogger)
            try await client.withAssociation(host: "127.0.0.1", port: port, parameters: parameters) { first in
                await #expect(throws: DIMSEClientError.rejected(AssociateReject(result: .transient, reason: .serviceProviderPresentation(.localLimitExceeded)))) {
                    try await client.withAssociation(host: "127.0.0.1", port: port, parameters: parameters) { _ in }
                }
                let status = try await first.echo()
                #expect(status == .success)
            }
        }
    }

    @Test(arguments: [
        [UInt8](repeating: 0x42, count: 64),  // garbage: unknown PDU type
        [0x04, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00],  // P-DATA-TF of 4 GiB before any association
        [0x01, 0x00, 0x7F, 0xFF, 0xFF, 0xFF],  // A-ASSOCIATE-RQ of 2 GiB
        [0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00],  // truncated A-ASSOCIATE-RQ
    ])
    func hostileBytesAreAbortedWhileAnotherAssociationWorks(hostile: [UInt8]) async throws {
        let provider = RecordingProvider(directory: try makeTemporaryDirectory("hostile"))
        let parameters = parameters()
        try await withServer(provider) { port in
            let client = DIMSEClient(logger: testLogger)
            try await client.withAssociation(host: "127.0.0.1", port: port, parameters: parameters) { association in
                let answer = try await exchangeRawBytes(hostile, port: port)
                #expect(answer.first == 0x07, "expected an A-ABORT, got \(answer.prefix(10))")
                let outcome3 = try await association.echo()
                #expect(outcome3 == .success)
            }
        }
    }

    @Test func silentPeersAreClosedByTheARTIMAndIdleTimers() async throws {
        let provider = RecordingProvider(directory: try makeTemporaryDirectory("timers"))
        // ARTIM 1 s, idle 3 s: which timer closed a connection shows in when it closed.
        try await withServer(
            provider,
            configure: {
                $0.artimTimeout = .seconds(1)
                $0.idleTimeout = .seconds(3)
            }
        ) { port in
            let clock = ContinuousClock()
            // Nothing sent: the ARTIM timer closes the connection without a word, before the idle timer would.
            var start = clock.now
            #expect(try await exchangeRawBytes([], port: port).isEmpty)
            #expect(clock.now - start < .milliseconds(2900))
            // An association, then silence: accepted, then closed by the idle timer.
            let request = PDU.associateRequest(
                AssociateRequest(
                    calledAETitle: "NUAGE", callingAETitle: "RAW",
                    presentationContexts: [
                        PresentationContextProposal(id: 1, abstractSyntax: verificationSOPClassUID, transferSyntaxes: [TransferSyntax.implicitVRLittleEndian.uid])
                    ],
                    userInformation: UserInformation(maximumLength: 16384, implementationClassUID: "1.2.3"))
            ).encoded
            start = clock.now
            let answer = try await exchangeRawBytes(Array(request.readableBytesView), port: port)
            #expect(answer.first == 0x02)
            // The ARTIM timer stopped with the request: the idle timer closed it.
            #expect(clock.now - start > .milliseconds(2500))
        }
    }

    @Test func hostileBytesInsideAnEstablishedAssociationAbortIt() async throws {
        let provider = RecordingProvider(directory: try makeTemporaryDirectory("hostile-established"))
        try await withServer(provider) { port in
            var request = PDU.associateRequest(
                AssociateRequest(
                    calledAETitle: "NUAGE", callingAETitle: "RAW",
                    presentationContexts: [PresentationContextProposal(id: 1, abstractSyntax: verificationSOPClassUID, transferSyntaxes: [TransferSyntax.implicitVRLittleEndian.uid])],
                    userInformation: UserInformation(maximumLength: 16384, implementationClassUID: "1.2.3"))
            ).encoded
            // Then a PDV on a context never proposed (3), then a second A-ASSOCIATE-RQ.
            PDU.data(DataTransfer(values: [PresentationDataValue(contextID: 3, isCommand: true, isLast: true, data: CEchoRequest(messageID: 1).commandSet.encoded())])).encode(into: &request)
            let answer = try await exchangeRawBytes(Array(request.readableBytesView), port: port)
            #expect(answer.first == 0x02)  // A-ASSOCIATE-AC first
            let acceptLength = Int(answer.count >= 6 ? UInt32(answer[2]) << 24 | UInt32(answer[3]) << 16 | UInt32(answer[4]) << 8 | UInt32(answer[5]) : 0)
            #expect(answer.dropFirst(6 + acceptLength).first == 0x07)  // then an A-ABORT
        }
    }
}

/// Sends bytes on a fresh connection and collects what comes back until the server closes it.
func exchangeRawBytes(_ bytes: [UInt8], port: Int) async throws -> [UInt8] {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
    return try await channel.executeThenClose { inbound, outbound in
        try await outbound.write(ByteBuffer(bytes: bytes))
        var received: [UInt8] = []
        do {
            for try await chunk in inbound { received += chunk.readableBytesView }
        } catch {
            // A reset after the abort is fine.
        }
        return received
    }
}

extension Array {
    /// The elements as an async sequence.
    var async: AsyncArray<Element> { AsyncArray(elements: self) }
}

struct AsyncArray<Element>: AsyncSequence {
    let elements: [Element]
    struct AsyncIterator: AsyncIteratorProtocol {
        var iterator: IndexingIterator<[Element]>
        mutating func next() async -> Element? { iterator.next() }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(iterator: elements.makeIterator()) }
}

/// swift-service-lifecycle: a graceful shutdown stops accepting and lets the association in flight finish.
@Suite struct GracefulShutdownTests {
    @Test func inFlightAssociationFinishesAndNewOnesAreRefused() async throws {
        let provider = RecordingProvider(directory: try makeTemporaryDirectory("shutdown"))
        let server = try DIMSEServer(
            configuration: DIMSEServerConfiguration(host: "127.0.0.1", port: 0, artimTimeout: .seconds(10)), provider: provider,
            logger: testLogger)
        let group = ServiceGroup(services: [server], gracefulShutdownSignals: [], logger: testLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await server.listeningAddress().port ?? 0
            var parameters = AssociationParameters(callingAETitle: "TESTSCU", calledAETitle: "NUAGE")
            parameters.propose([verificationSOPClassUID], transferSyntaxes: [TransferSyntax.implicitVRLittleEndian.uid])
            let client = DIMSEClient(logger: testLogger)
            try await client.withAssociation(host: "127.0.0.1", port: port, parameters: parameters) { association in
                await group.triggerGracefulShutdown()
                // The listener closes soon after (how soon depends on the machine's load): new associations then fail.
                var refused = false
                for _ in 0..<100 where !refused {
                    do {
                        try await client.withAssociation(host: "127.0.0.1", port: port, parameters: parameters) { _ in }
                        try await Task.sleep(for: .milliseconds(50))
                    } catch {
                        refused = true
                    }
                }
                #expect(refused, "new associations were still accepted 5 s after the shutdown began")
                let status = try await association.echo()
                #expect(status == .success)
            }
            try await tasks.waitForAll()
        }
    }
}
