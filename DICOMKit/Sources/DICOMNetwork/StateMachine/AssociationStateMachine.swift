/// The DICOM Upper Layer association state machine, as a value that takes events and returns actions.
///
/// PS3.8 §9.2, Table 9-10 (states Sta1–Sta13, events Evt1–Evt19, actions AE-n, DT-n, AR-n, AA-n). It does no I/O:
/// the caller performs the returned actions in order (send a PDU, start or stop the ARTIM timer, close the
/// transport, hand an indication to the user). A PDU that is not allowed in the current state yields the abort
/// actions the table prescribes (AA-1, AA-7 or AA-8); a local request that is not allowed throws, since that is a
/// programming error of the caller, never the peer's doing.
public struct AssociationStateMachine: Hashable, Sendable {
    /// PS3.8 Table 9-10's states.
    public enum State: Int, Hashable, Sendable {
        /// Sta1: idle.
        case idle = 1
        /// Sta2: transport connection open, awaiting A-ASSOCIATE-RQ PDU.
        case awaitingAssociateRequest
        /// Sta3: awaiting the local A-ASSOCIATE response primitive.
        case awaitingLocalAssociateResponse
        /// Sta4: awaiting the transport connection to open.
        case awaitingTransportOpen
        /// Sta5: awaiting A-ASSOCIATE-AC or -RJ PDU.
        case awaitingAssociateResponse
        /// Sta6: association established, ready for data transfer.
        case established
        /// Sta7: awaiting A-RELEASE-RP PDU.
        case awaitingReleaseResponse
        /// Sta8: awaiting the local A-RELEASE response primitive.
        case awaitingLocalReleaseResponse
        /// Sta9: release collision, requestor side, awaiting the local A-RELEASE response primitive.
        case collisionRequestorAwaitingLocalResponse
        /// Sta10: release collision, acceptor side, awaiting A-RELEASE-RP PDU.
        case collisionAcceptorAwaitingReleaseResponse
        /// Sta11: release collision, requestor side, awaiting A-RELEASE-RP PDU.
        case collisionRequestorAwaitingReleaseResponse
        /// Sta12: release collision, acceptor side, awaiting the local A-RELEASE response primitive.
        case collisionAcceptorAwaitingLocalResponse
        /// Sta13: awaiting the transport connection to close.
        case awaitingTransportClose
    }

    /// PS3.8 Table 9-10's events; received PDUs are one event (`received`) that the machine sorts by type.
    public enum Event: Hashable, Sendable {
        /// Evt1: the local user asks for an association.
        case associateRequest(AssociateRequest)
        /// Evt2: the transport connection opened (requestor). The request of Evt1 is sent and the ARTIM timer
        /// started, to bound the wait for the acceptor's answer (PS3.8 leaves that wait to the implementation).
        case transportConnected
        /// Evt5: a transport connection was accepted (acceptor).
        case transportAccepted
        /// Evt3, 4, 6, 10, 12, 13, 16: a PDU arrived.
        case received(PDU)
        /// Evt19: bytes that are not a valid PDU arrived.
        case receivedInvalidPDU(DICOMNetworkError)
        /// Evt7: the local user accepts the association.
        case associateAccept(AssociateAccept)
        /// Evt8: the local user rejects the association.
        case associateReject(AssociateReject)
        /// Evt9: the local user sends data.
        case dataRequest(DataTransfer)
        /// Evt11: the local user asks to release.
        case releaseRequest
        /// Evt14: the local user answers a release request.
        case releaseResponse
        /// Evt15: the local user aborts.
        case abortRequest
        /// Evt17: the transport connection closed.
        case transportClosed
        /// Evt18: the ARTIM timer expired.
        case artimExpired
    }

    /// What the caller must do, in order.
    public enum Action: Hashable, Sendable {
        /// Open the transport connection to the peer (AE-1).
        case openTransport
        /// Write the PDU.
        case send(PDU)
        case startARTIM
        case stopARTIM
        case closeTransport
        /// A-ASSOCIATE indication: the user decides on the request (AE-6).
        case indicateAssociateRequest(AssociateRequest)
        /// A-ASSOCIATE confirmation, accepted (AE-3).
        case confirmAccepted(AssociateAccept)
        /// A-ASSOCIATE confirmation, rejected (AE-4).
        case confirmRejected(AssociateReject)
        /// P-DATA indication (DT-2, AR-6).
        case indicateData(DataTransfer)
        /// A-RELEASE indication: the peer asks to release (AR-2, AR-8).
        case indicateReleaseRequest
        /// A-RELEASE confirmation (AR-3, AR-10).
        case confirmRelease
        /// A-ABORT indication from the peer (AA-3).
        case indicateAbort(Abort)
        /// A-P-ABORT indication: the provider aborted, for the reason given (AA-3, AA-4, AA-8).
        case indicateProviderAbort(AbortReason)
    }

    /// A local event that the current state does not allow (a caller's bug).
    public struct InvalidLocalEvent: Error, Hashable, Sendable, CustomStringConvertible {
        public var state: State
        public var event: String
        public var description: String { "\(event) is not allowed in Sta\(state.rawValue)" }
    }

    public private(set) var state: State
    /// Whether this side requested the association (decides the release collision branch, AR-8).
    public let isRequestor: Bool
    /// The request of Evt1, sent when the transport opens (AE-2).
    private var pendingRequest: AssociateRequest?

    /// A machine for the side that opens the connection (starts in Sta1, then Evt1).
    public static func requestor() -> AssociationStateMachine { AssociationStateMachine(state: .idle, isRequestor: true) }

    /// A machine for the side that accepts connections (starts in Sta1, then Evt5).
    public static func acceptor() -> AssociationStateMachine { AssociationStateMachine(state: .idle, isRequestor: false) }

    private init(state: State, isRequestor: Bool) {
        self.state = state
        self.isRequestor = isRequestor
    }

    /// Applies one event; returns the actions to perform in order.
    public mutating func handle(_ event: Event) throws(InvalidLocalEvent) -> [Action] {
        switch event {
        case .received(let pdu): return received(pdu)
        case .receivedInvalidPDU(let error):
            // Evt19.
            return unexpected(reason: error.abortReason, inAwaitingClose: [.send(.abort(Abort(source: .serviceProvider, reason: error.abortReason)))])
        case .associateRequest(let request):
            try require(state == .idle, "A-ASSOCIATE request")
            state = .awaitingTransportOpen
            pendingRequest = request
            return [.openTransport]  // AE-1
        case .transportConnected:
            try require(state == .awaitingTransportOpen, "transport connect confirmation")
            guard let request = pendingRequest else { throw InvalidLocalEvent(state: state, event: "transport connect confirmation") }
            state = .awaitingAssociateResponse
            pendingRequest = nil
            return [.send(.associateRequest(request)), .startARTIM]  // AE-2
        case .transportAccepted:
            try require(state == .idle, "transport connection indication")
            state = .awaitingAssociateRequest
            return [.startARTIM]  // AE-5
        case .associateAccept(let accept):
            try require(state == .awaitingLocalAssociateResponse, "A-ASSOCIATE response (accept)")
            state = .established
            return [.send(.associateAccept(accept))]  // AE-7
        case .associateReject(let reject):
            try require(state == .awaitingLocalAssociateResponse, "A-ASSOCIATE response (reject)")
            state = .awaitingTransportClose
            return [.send(.associateReject(reject)), .startARTIM]  // AE-8
        case .dataRequest(let data):
            switch state {
            case .established, .awaitingLocalReleaseResponse: return [.send(.data(data))]  // DT-1, AR-7
            default: throw InvalidLocalEvent(state: state, event: "P-DATA request")
            }
        case .releaseRequest:
            try require(state == .established, "A-RELEASE request")
            state = .awaitingReleaseResponse
            return [.send(.releaseRequest)]  // AR-1
        case .releaseResponse:
            switch state {
            case .awaitingLocalReleaseResponse, .collisionAcceptorAwaitingLocalResponse:
                state = .awaitingTransportClose
                return [.send(.releaseResponse), .startARTIM]  // AR-4
            case .collisionRequestorAwaitingLocalResponse:
                state = .collisionRequestorAwaitingReleaseResponse
                return [.send(.releaseResponse)]  // AR-9
            default: throw InvalidLocalEvent(state: state, event: "A-RELEASE response")
            }
        case .abortRequest:
            switch state {
            case .awaitingTransportOpen:
                state = .idle
                pendingRequest = nil
                return [.closeTransport]  // AA-2
            case .idle, .awaitingAssociateRequest, .awaitingTransportClose:
                throw InvalidLocalEvent(state: state, event: "A-ABORT request")
            default:
                state = .awaitingTransportClose
                return [.send(.abort(Abort(source: .serviceUser))), .startARTIM]  // AA-1
            }
        case .transportClosed:
            switch state {
            case .idle: return []
            case .awaitingAssociateRequest:
                state = .idle
                return [.stopARTIM]  // AA-5
            case .awaitingTransportClose:
                state = .idle
                return [.stopARTIM]  // AR-5
            default:
                state = .idle
                return [.indicateProviderAbort(.notSpecified)]  // AA-4
            }
        case .artimExpired:
            switch state {
            case .awaitingAssociateRequest, .awaitingTransportClose:
                state = .idle
                return [.closeTransport]  // AA-2
            case .awaitingAssociateResponse:
                // The acceptor never answered (PS3.8 leaves this to the implementation): give up as AA-8 would.
                state = .awaitingTransportClose
                return [
                    .send(.abort(Abort(source: .serviceProvider))), .indicateProviderAbort(.notSpecified), .closeTransport,
                ]
            default: return []  // A stale timer: nothing to do.
            }
        }
    }

    private mutating func received(_ pdu: PDU) -> [Action] {
        switch (pdu, state) {
        case (.associateAccept(let accept), .awaitingAssociateResponse):
            state = .established
            return [.stopARTIM, .confirmAccepted(accept)]  // AE-3
        case (.associateReject(let reject), .awaitingAssociateResponse):
            state = .idle
            return [.stopARTIM, .confirmRejected(reject), .closeTransport]  // AE-4
        case (.associateRequest(let request), .awaitingAssociateRequest):
            // AE-6: only protocol version 1 is acceptable at this layer; the user decides the rest.
            guard request.protocolVersion & 1 == 1 else {
                state = .awaitingTransportClose
                let reject = AssociateReject(result: .permanent, reason: .serviceProviderACSE(.protocolVersionNotSupported))
                return [.stopARTIM, .send(.associateReject(reject)), .startARTIM]
            }
            state = .awaitingLocalAssociateResponse
            return [.stopARTIM, .indicateAssociateRequest(request)]
        case (.data(let data), .established), (.data(let data), .awaitingReleaseResponse):
            return [.indicateData(data)]  // DT-2, AR-6
        case (.releaseRequest, .established):
            state = .awaitingLocalReleaseResponse
            return [.indicateReleaseRequest]  // AR-2
        case (.releaseRequest, .awaitingReleaseResponse):
            state = isRequestor ? .collisionRequestorAwaitingLocalResponse : .collisionAcceptorAwaitingReleaseResponse
            return [.indicateReleaseRequest]  // AR-8
        case (.releaseResponse, .awaitingReleaseResponse), (.releaseResponse, .collisionRequestorAwaitingReleaseResponse):
            state = .idle
            return [.confirmRelease, .closeTransport]  // AR-3
        case (.releaseResponse, .collisionAcceptorAwaitingReleaseResponse):
            state = .collisionAcceptorAwaitingLocalResponse
            return [.confirmRelease]  // AR-10
        case (.releaseResponse, .awaitingTransportClose):
            state = .idle
            return [.stopARTIM, .closeTransport]  // AR-5
        case (.abort(let abort), _):
            switch state {
            case .idle: return []
            case .awaitingAssociateRequest, .awaitingTransportClose:
                state = .idle
                return [.stopARTIM, .closeTransport]  // AA-2
            case .awaitingTransportOpen:
                return []
            default:
                state = .idle
                return [.indicateAbort(abort), .closeTransport]  // AA-3
            }
        case (.associateRequest, .awaitingTransportClose):
            return [.send(.abort(Abort(source: .serviceProvider, reason: .unexpectedPDU)))]  // AA-7
        default:
            return unexpected(reason: .unexpectedPDU, inAwaitingClose: [])  // AA-6 in Sta13
        }
    }

    /// The table's answer to a PDU that does not belong in the current state.
    private mutating func unexpected(reason: AbortReason, inAwaitingClose: [Action]) -> [Action] {
        let abort = PDU.abort(Abort(source: .serviceProvider, reason: reason))
        switch state {
        case .idle, .awaitingTransportOpen:
            return []
        case .awaitingAssociateRequest:
            state = .awaitingTransportClose
            return [.send(abort), .startARTIM]  // AA-1
        case .awaitingTransportClose:
            return inAwaitingClose  // AA-6 (ignore) or AA-7 (send A-ABORT)
        default:
            state = .awaitingTransportClose
            return [.send(abort), .indicateProviderAbort(reason), .startARTIM]  // AA-8
        }
    }

    private func require(_ condition: Bool, _ event: String) throws(InvalidLocalEvent) {
        guard condition else { throw InvalidLocalEvent(state: state, event: event) }
    }
}
