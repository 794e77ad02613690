import DICOMCore
import NIOCore
import Testing

@testable import DICOMNetwork

private let accept = AssociateAccept(
    calledAETitle: "ANY-SCP", callingAETitle: "ECHOSCU",
    presentationContexts: [PresentationContextResult(id: 1, result: .acceptance, transferSyntax: "1.2.840.10008.1.2")],
    userInformation: UserInformation(maximumLength: 16384, implementationClassUID: "1.2.3"))
private let data = DataTransfer(values: [PresentationDataValue(contextID: 1, isCommand: true, isLast: true, data: ByteBuffer())])
private let providerAbort = PDU.abort(Abort(source: .serviceProvider, reason: .unexpectedPDU))

@Suite struct AssociationStateMachineTests {
    func established(requestor: Bool) throws -> AssociationStateMachine {
        var machine = requestor ? AssociationStateMachine.requestor() : .acceptor()
        if requestor {
            _ = try machine.handle(.associateRequest(echoAssociateRequest))
            _ = try machine.handle(.transportConnected)
            _ = try machine.handle(.received(.associateAccept(accept)))
        } else {
            _ = try machine.handle(.transportAccepted)
            _ = try machine.handle(.received(.associateRequest(echoAssociateRequest)))
            _ = try machine.handle(.associateAccept(accept))
        }
        #expect(machine.state == .established)
        return machine
    }

    @Test func acceptorHappyPath() throws {
        var machine = AssociationStateMachine.acceptor()
        #expect(try machine.handle(.transportAccepted) == [.startARTIM])
        #expect(machine.state == .awaitingAssociateRequest)
        #expect(try machine.handle(.received(.associateRequest(echoAssociateRequest))) == [.stopARTIM, .indicateAssociateRequest(echoAssociateRequest)])
        #expect(machine.state == .awaitingLocalAssociateResponse)
        #expect(try machine.handle(.associateAccept(accept)) == [.send(.associateAccept(accept))])
        #expect(try machine.handle(.received(.data(data))) == [.indicateData(data)])
        #expect(try machine.handle(.dataRequest(data)) == [.send(.data(data))])
        #expect(try machine.handle(.received(.releaseRequest)) == [.indicateReleaseRequest])
        #expect(machine.state == .awaitingLocalReleaseResponse)
        #expect(try machine.handle(.releaseResponse) == [.send(.releaseResponse), .startARTIM])
        #expect(machine.state == .awaitingTransportClose)
        #expect(try machine.handle(.transportClosed) == [.stopARTIM])
        #expect(machine.state == .idle)
    }

    @Test func requestorHappyPath() throws {
        var machine = AssociationStateMachine.requestor()
        #expect(try machine.handle(.associateRequest(echoAssociateRequest)) == [.openTransport])
        #expect(machine.state == .awaitingTransportOpen)
        #expect(try machine.handle(.transportConnected) == [.send(.associateRequest(echoAssociateRequest)), .startARTIM])
        #expect(try machine.handle(.received(.associateAccept(accept))) == [.stopARTIM, .confirmAccepted(accept)])
        #expect(try machine.handle(.releaseRequest) == [.send(.releaseRequest)])
        #expect(machine.state == .awaitingReleaseResponse)
        #expect(try machine.handle(.received(.data(data))) == [.indicateData(data)])
        #expect(try machine.handle(.received(.releaseResponse)) == [.confirmRelease, .closeTransport])
        #expect(machine.state == .idle)
    }

    @Test func rejectionClosesBothSides() throws {
        let reject = AssociateReject(result: .permanent, reason: .serviceUser(.calledAETitleNotRecognized))
        var requestor = AssociationStateMachine.requestor()
        _ = try requestor.handle(.associateRequest(echoAssociateRequest))
        _ = try requestor.handle(.transportConnected)
        #expect(try requestor.handle(.received(.associateReject(reject))) == [.stopARTIM, .confirmRejected(reject), .closeTransport])
        #expect(requestor.state == .idle)

        var acceptor = AssociationStateMachine.acceptor()
        _ = try acceptor.handle(.transportAccepted)
        _ = try acceptor.handle(.received(.associateRequest(echoAssociateRequest)))
        #expect(try acceptor.handle(.associateReject(reject)) == [.send(.associateReject(reject)), .startARTIM])
        #expect(acceptor.state == .awaitingTransportClose)
        #expect(try acceptor.handle(.artimExpired) == [.closeTransport])
        #expect(acceptor.state == .idle)
    }

    @Test func unsupportedProtocolVersionIsRejectedByTheProvider() throws {
        var machine = AssociationStateMachine.acceptor()
        _ = try machine.handle(.transportAccepted)
        var request = echoAssociateRequest
        request.protocolVersion = 2
        let actions = try machine.handle(.received(.associateRequest(request)))
        let reject = AssociateReject(result: .permanent, reason: .serviceProviderACSE(.protocolVersionNotSupported))
        #expect(actions == [.stopARTIM, .send(.associateReject(reject)), .startARTIM])
        #expect(machine.state == .awaitingTransportClose)
    }

    @Test func releaseCollisionOnBothSides() throws {
        var requestor = try established(requestor: true)
        _ = try requestor.handle(.releaseRequest)
        #expect(try requestor.handle(.received(.releaseRequest)) == [.indicateReleaseRequest])
        #expect(requestor.state == .collisionRequestorAwaitingLocalResponse)  // Sta9
        #expect(try requestor.handle(.releaseResponse) == [.send(.releaseResponse)])
        #expect(requestor.state == .collisionRequestorAwaitingReleaseResponse)  // Sta11
        #expect(try requestor.handle(.received(.releaseResponse)) == [.confirmRelease, .closeTransport])

        var acceptor = try established(requestor: false)
        _ = try acceptor.handle(.releaseRequest)
        #expect(try acceptor.handle(.received(.releaseRequest)) == [.indicateReleaseRequest])
        #expect(acceptor.state == .collisionAcceptorAwaitingReleaseResponse)  // Sta10
        #expect(try acceptor.handle(.received(.releaseResponse)) == [.confirmRelease])
        #expect(acceptor.state == .collisionAcceptorAwaitingLocalResponse)  // Sta12
        #expect(try acceptor.handle(.releaseResponse) == [.send(.releaseResponse), .startARTIM])
        #expect(acceptor.state == .awaitingTransportClose)
    }

    @Test func dataBeforeAssociationIsAbortedWithARTIM() throws {
        var machine = AssociationStateMachine.acceptor()
        _ = try machine.handle(.transportAccepted)
        #expect(try machine.handle(.received(.data(data))) == [.send(providerAbort), .startARTIM])  // AA-1
        #expect(machine.state == .awaitingTransportClose)
        #expect(try machine.handle(.received(.data(data))) == [])  // AA-6
        #expect(try machine.handle(.received(.associateRequest(echoAssociateRequest))) == [.send(providerAbort)])  // AA-7
    }

    @Test(arguments: [
        PDU.associateRequest(echoAssociateRequest), .associateAccept(accept),
        .associateReject(AssociateReject(result: .permanent, reason: .serviceUser(.noReasonGiven))), .releaseResponse,
    ])
    func wrongPDUInEstablishedStateAborts(pdu: PDU) throws {
        var machine = try established(requestor: false)
        #expect(try machine.handle(.received(pdu)) == [.send(providerAbort), .indicateProviderAbort(.unexpectedPDU), .startARTIM])  // AA-8
        #expect(machine.state == .awaitingTransportClose)
        #expect(try machine.handle(.transportClosed) == [.stopARTIM])
    }

    @Test func invalidBytesAbortWithTheirReason() throws {
        var machine = try established(requestor: true)
        let error = DICOMNetworkError(.pduTooLong, "test")
        let abort = PDU.abort(Abort(source: .serviceProvider, reason: .invalidPDUParameterValue))
        #expect(try machine.handle(.receivedInvalidPDU(error)) == [.send(abort), .indicateProviderAbort(.invalidPDUParameterValue), .startARTIM])
    }

    @Test func peerAbortAndTransportLoss() throws {
        var machine = try established(requestor: true)
        let abort = Abort(source: .serviceUser)
        #expect(try machine.handle(.received(.abort(abort))) == [.indicateAbort(abort), .closeTransport])  // AA-3
        #expect(machine.state == .idle)

        var lost = try established(requestor: false)
        #expect(try lost.handle(.transportClosed) == [.indicateProviderAbort(.notSpecified)])  // AA-4
        #expect(lost.state == .idle)
    }

    @Test func localAbortSendsUserAbort() throws {
        var machine = try established(requestor: true)
        #expect(try machine.handle(.abortRequest) == [.send(.abort(Abort(source: .serviceUser))), .startARTIM])  // AA-1
    }

    @Test func artimInAwaitingRequestCloses() throws {
        var machine = AssociationStateMachine.acceptor()
        _ = try machine.handle(.transportAccepted)
        #expect(try machine.handle(.artimExpired) == [.closeTransport])
        #expect(machine.state == .idle)
    }

    @Test func localEventsOutOfStateThrow() throws {
        var machine = AssociationStateMachine.acceptor()
        #expect(throws: AssociationStateMachine.InvalidLocalEvent.self) { try machine.handle(.dataRequest(data)) }
        #expect(throws: AssociationStateMachine.InvalidLocalEvent.self) { try machine.handle(.releaseRequest) }
        var established = try established(requestor: true)
        #expect(throws: AssociationStateMachine.InvalidLocalEvent.self) { try established.handle(.associateAccept(accept)) }
    }
}
