import DICOMCore
import NIOCore
import Testing

@testable import DICOMNetwork

@Suite struct CommandSetTests {
    @Test func echoRequestMatchesKnownBytes() throws {
        let known = bytes(
            hex: "0000000004000000380000000000020012000000312e322e3834302e31303030382e312e3100000000010200000030000000100102000000070000000008020000000101")
        let request = CEchoRequest(messageID: 7)
        #expect(request.commandSet.encoded() == known)
        #expect(try DIMSEMessage(CommandSet(decoding: known)) == .echoRequest(request))
    }

    @Test func everyMessageRoundTrips() throws {
        let messages: [DIMSEMessage] = [
            .echoResponse(CEchoResponse(messageIDBeingRespondedTo: 1, status: .success)),
            .storeRequest(
                CStoreRequest(
                    messageID: 2, affectedSOPClassUID: "1.2.840.10008.5.1.4.1.1.2", affectedSOPInstanceUID: "1.2.3.4.5",
                    priority: .high, moveOriginatorAETitle: "MOVER", moveOriginatorMessageID: 9)),
            .storeResponse(
                CStoreResponse(
                    messageIDBeingRespondedTo: 2, status: .cannotUnderstand, affectedSOPClassUID: "1.2", affectedSOPInstanceUID: "1.2.3",
                    errorComment: "bad")),
            .findRequest(CFindRequest(messageID: 3, affectedSOPClassUID: "1.2.840.10008.5.1.4.1.2.2.1")),
            .findResponse(CFindResponse(messageIDBeingRespondedTo: 3, status: .pending, affectedSOPClassUID: "1.2", hasIdentifier: true)),
            .moveRequest(CMoveRequest(messageID: 4, affectedSOPClassUID: "1.2.840.10008.5.1.4.1.2.2.2", moveDestination: "DEST")),
            .moveResponse(
                CRetrieveResponse(
                    commandField: .cMoveResponse, messageIDBeingRespondedTo: 4, status: .pending, affectedSOPClassUID: "1.2",
                    subOperations: SubOperationCounts(remaining: 3, completed: 1, failed: 0, warning: 2))),
            .getRequest(CGetRequest(messageID: 5, affectedSOPClassUID: "1.2.840.10008.5.1.4.1.2.2.3", priority: .low)),
            .getResponse(
                CRetrieveResponse(
                    commandField: .cGetResponse, messageIDBeingRespondedTo: 5, status: .subOperationsCompleteWithFailures,
                    affectedSOPClassUID: nil, subOperations: SubOperationCounts(completed: 4, failed: 1), hasIdentifier: true)),
            .cancelRequest(CCancelRequest(messageIDBeingRespondedTo: 3)),
        ]
        for message in messages {
            let encoded = message.commandSet.encoded()
            #expect(encoded.readableBytes % 2 == 0)
            #expect(try DIMSEMessage(CommandSet(decoding: encoded)) == message)
        }
    }

    @Test func hostileCommandSetsThrow() {
        // A value length past the end.
        #expect(throws: DICOMNetworkError.self) { try CommandSet(decoding: bytes(hex: "00000001ffff0000")) }
        // An element outside group 0000.
        #expect(throws: DICOMNetworkError.self) { try CommandSet(decoding: bytes(hex: "0800160000000000")) }
        // No command field.
        #expect(throws: DICOMNetworkError.self) { try CommandSet(decoding: bytes(hex: "000010010200000007000")) }
        // A command field of 4 bytes.
        #expect(throws: DICOMNetworkError.self) { try CommandSet(decoding: bytes(hex: "000000010400000030000000")) }
        // A C-STORE-RQ without its SOP Instance UID.
        var store = CStoreRequest(messageID: 1, affectedSOPClassUID: "1.2", affectedSOPInstanceUID: "1.3").commandSet
        store.affectedSOPInstanceUID = nil
        #expect(throws: DICOMNetworkError.self) { try DIMSEMessage(CommandSet(decoding: store.encoded())) }
    }

    @Test(arguments: [
        (UInt16(0x0000), DIMSEStatus.Kind.success), (0xFF00, .pending), (0xFF01, .pending), (0xFE00, .cancel),
        (0xB000, .warning), (0x0107, .warning), (0xA700, .failure), (0xC000, .failure), (0x0110, .failure),
    ])
    func statusKinds(code: UInt16, kind: DIMSEStatus.Kind) {
        #expect(DIMSEStatus(rawValue: code).kind == kind)
    }
}

@Suite struct MessageFragmentationTests {
    let store = CStoreRequest(messageID: 1, affectedSOPClassUID: "1.2.840.10008.5.1.4.1.1.7", affectedSOPInstanceUID: "1.2.3")

    func values(_ pdus: [PDU]) -> [PresentationDataValue] {
        pdus.flatMap { pdu -> [PresentationDataValue] in
            guard case .data(let transfer) = pdu else { return [] }
            return transfer.values
        }
    }

    @Test func fragmentsFitThePeerMaximumAndReassemble() throws {
        var fragmenter = MessageFragmenter(peerMaximumLength: 64)
        var data = ByteBuffer()
        for index in 0..<1000 { data.writeInteger(UInt8(truncatingIfNeeded: index)) }
        var pdus = fragmenter.commandPDUs(store.commandSet, contextID: 3)
        // Data in uneven pieces: coalesced into full PDVs.
        var remaining = data
        while remaining.readableBytes > 0 {
            let piece = remaining.readSlice(length: min(37, remaining.readableBytes)) ?? ByteBuffer()
            pdus += fragmenter.append(dataSet: piece, contextID: 3, isLast: remaining.readableBytes == 0)
        }
        for pdu in pdus { #expect(pdu.encoded.readableBytes - 6 <= 64) }
        let dataValues = values(pdus).filter { !$0.isCommand }
        #expect(dataValues.dropLast().allSatisfy { $0.data.readableBytes == 58 })
        #expect(dataValues.filter(\.isLast).count == 1)

        var assembler = MessageAssembler()
        var received = ByteBuffer()
        var command: CommandSet?
        var sawLast = false
        for value in values(pdus) {
            switch try assembler.receive(value) {
            case .command(let set, let contextID):
                #expect(contextID == 3)
                command = set
            case .dataSetFragment(var bytes, _, let isLast):
                received.writeBuffer(&bytes)
                sawLast = isLast
            case nil: break
            }
        }
        #expect(try command.map(DIMSEMessage.init) == .storeRequest(store))
        #expect(received == data)
        #expect(sawLast)
        #expect(!assembler.isInsideMessage)
    }

    @Test func outOfOrderFragmentsThrow() throws {
        var assembler = MessageAssembler()
        let dataValue = PresentationDataValue(contextID: 1, isCommand: false, isLast: true, data: ByteBuffer())
        #expect(throws: DICOMNetworkError.self) { try assembler.receive(dataValue) }

        // A command on another context while the first command's data set is expected.
        var expectingData = MessageAssembler()
        let command = PresentationDataValue(contextID: 1, isCommand: true, isLast: true, data: store.commandSet.encoded())
        _ = try expectingData.receive(command)
        var other = command
        other.contextID = 3
        #expect(throws: DICOMNetworkError.self) { try expectingData.receive(other) }
    }

    @Test func oversizedCommandIsRefused() throws {
        var assembler = MessageAssembler()
        let chunk = PresentationDataValue(contextID: 1, isCommand: true, isLast: false, data: ByteBuffer(repeating: 0, count: 40_000))
        _ = try assembler.receive(chunk)
        #expect(throws: DICOMNetworkError.self) { try assembler.receive(chunk) }
    }
}

@Suite struct NegotiationTests {
    let ct: UID = "1.2.840.10008.5.1.4.1.1.2"
    let implicit: UID = "1.2.840.10008.1.2"
    let explicit: UID = "1.2.840.10008.1.2.1"
    let jpeg: UID = "1.2.840.10008.1.2.4.50"

    @Test func acceptsInTheRequestorsOrderAndAnswersEveryContext() {
        let policy = AssociationAcceptancePolicy(abstractSyntaxes: [ct, verificationSOPClassUID], transferSyntaxes: [implicit, explicit])
        var request = echoAssociateRequest
        request.presentationContexts = [
            PresentationContextProposal(id: 1, abstractSyntax: ct, transferSyntaxes: [explicit, implicit]),
            PresentationContextProposal(id: 3, abstractSyntax: ct, transferSyntaxes: [jpeg]),
            PresentationContextProposal(id: 5, abstractSyntax: "1.2.3.4", transferSyntaxes: [implicit]),
        ]
        request.userInformation.roleSelections = [RoleSelection(sopClassUID: ct, scuRole: false, scpRole: true)]
        request.userInformation.userIdentityRequest = .username("bob", positiveResponseRequested: true)
        let results = policy.results(for: request)
        #expect(results.map(\.result) == [.acceptance, .transferSyntaxesNotSupported, .abstractSyntaxNotSupported])
        #expect(results[0].transferSyntax == explicit)
        let accept = policy.accept(request, results: results, maximumLength: 1000, implementationClassUID: "1.2", implementationVersionName: nil)
        #expect(accept.userInformation.roleSelections == [RoleSelection(sopClassUID: ct, scuRole: false, scpRole: true)])
        #expect(accept.userInformation.userIdentityResponse != nil)

        let negotiated = NegotiatedAssociation(request: request, accept: accept)
        #expect(negotiated.acceptedContexts == [AcceptedPresentationContext(id: 1, abstractSyntax: ct, transferSyntax: explicit)])
        #expect(negotiated.requestorSCPRoles == [ct])
        #expect(negotiated.peerMaximumLength == 1000)
        #expect(negotiated.context(for: ct)?.id == 1)
        #expect(negotiated.context(for: "1.2.3.4") == nil)
    }
}
