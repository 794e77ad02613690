public import DICOMCore
public import DICOMNetwork
public import NIOCore

/// What the DIMSE server asks of the application: whether to accept each association, then each operation.
///
/// PS3.7 §9 (DIMSE-C services) and PS3.4 (Verification, Storage, Query/Retrieve). The server does the protocol:
/// PDUs, negotiation bookkeeping, fragmentation, responses, cancellation, limits. The provider decides and does the
/// work. Methods are called from the association's tasks; one association's operations are performed one at a
/// time (the asynchronous operations window is negotiated to 1), different associations run concurrently.
/// A provider that throws from an operation answers the peer with a failure status (`processingFailure`, or the
/// status of a thrown `DIMSEStatusError`); the association carries on.
public protocol DIMSEServiceProvider: Sendable {
    /// What the provider keeps per association (a tenant, a principal…): returned on acceptance, handed back with
    /// every operation.
    associatedtype AssociationState: Sendable

    /// Accept (with the contexts to accept) or reject an association request (PS3.8 §7.1.1, A-ASSOCIATE).
    func associationRequested(_ request: AssociationRequestInfo) async -> AssociationDecision<AssociationState>

    /// C-ECHO (PS3.4 Annex A). The default answers success.
    func echo(association: AssociationContext<AssociationState>) async -> DIMSEStatus

    /// C-STORE (PS3.4 Annex B): `dataSet` streams the bare data set in `request.transferSyntax` as it arrives.
    /// Return once the instance is durable (or refused); the response is sent with the status returned.
    func store(_ request: StoreRequest, dataSet: DataSetStream, association: AssociationContext<AssociationState>) async throws
        -> DIMSEStatus

    /// C-FIND (PS3.4 Annex C): send each match with `responses.send(_:)` (a pending response each), then return the
    /// final status. A C-CANCEL from the peer cancels the task: `send` then throws `CancellationError` and the server
    /// answers Cancel (0xFE00). The default answers `sopClassNotSupported`.
    func find(_ request: FindRequest, responses: FindResponseWriter, association: AssociationContext<AssociationState>)
        async throws -> DIMSEStatus

    /// C-MOVE (PS3.4 Annex C): run the C-STORE sub-operations to `request.moveDestination` (with a `DIMSEClient`),
    /// reporting counts through `progress` (each report is a pending response). The final response carries the
    /// counts returned. Cancelled like `find`. The default answers `sopClassNotSupported`.
    func move(_ request: MoveRequest, progress: RetrieveProgress, association: AssociationContext<AssociationState>)
        async throws -> RetrieveOutcome

    /// C-GET (PS3.4 Annex C): send each instance on this association with `subOperations.store(…)`; the server
    /// counts them and sends the pending responses. Cancelled like `find`. The default answers `sopClassNotSupported`.
    func get(_ request: GetRequest, subOperations: GetSubOperations, association: AssociationContext<AssociationState>)
        async throws -> RetrieveOutcome

    /// Called once per accepted association after it ended (released, aborted or lost). The default does nothing.
    func associationEnded(association: AssociationContext<AssociationState>) async
}

extension DIMSEServiceProvider {
    public func echo(association: AssociationContext<AssociationState>) async -> DIMSEStatus { .success }

    public func find(_ request: FindRequest, responses: FindResponseWriter, association: AssociationContext<AssociationState>)
        async throws -> DIMSEStatus
    { .sopClassNotSupported }

    public func move(_ request: MoveRequest, progress: RetrieveProgress, association: AssociationContext<AssociationState>)
        async throws -> RetrieveOutcome
    { RetrieveOutcome(status: .sopClassNotSupported) }

    public func get(_ request: GetRequest, subOperations: GetSubOperations, association: AssociationContext<AssociationState>)
        async throws -> RetrieveOutcome
    { RetrieveOutcome(status: .sopClassNotSupported) }

    public func associationEnded(association: AssociationContext<AssociationState>) async {}
}

/// A status to answer with, thrown from a provider's operation.
public struct DIMSEStatusError: Error, Hashable, Sendable {
    public var status: DIMSEStatus
    public var comment: String?

    public init(_ status: DIMSEStatus, comment: String? = nil) {
        self.status = status
        self.comment = comment
    }
}

/// An association request as the provider sees it.
public struct AssociationRequestInfo: Sendable {
    public var callingAETitle: String { request.callingAETitle }
    public var calledAETitle: String { request.calledAETitle }
    /// The peer's address, as "host:port".
    public var peerAddress: String
    /// Whether the connection is TLS (PS3.15 Annex B).
    public var isTLS: Bool
    public var userIdentity: UserIdentityRequest? { request.userInformation.userIdentityRequest }
    public var proposedContexts: [PresentationContextProposal] { request.presentationContexts }
    /// The whole A-ASSOCIATE-RQ.
    public var request: AssociateRequest
}

/// The provider's answer to an association request.
public enum AssociationDecision<State: Sendable>: Sendable {
    /// Accept with `contexts` choosing which presentation contexts and transfer syntaxes; `userIdentityResponse`
    /// is sent when the requestor asked for a positive response (PS3.7 §D.3.3.7.2).
    case accept(State, contexts: AssociationAcceptancePolicy, userIdentityResponse: ByteBuffer? = nil)
    /// Reject, with a PS3.8 Table 9-21 reason.
    case reject(AssociateReject)
}

/// An accepted association, as each operation sees it.
public struct AssociationContext<State: Sendable>: Sendable {
    public var callingAETitle: String
    public var calledAETitle: String
    public var peerAddress: String
    public var userIdentity: UserIdentityRequest?
    public var negotiated: NegotiatedAssociation
    /// What the provider returned on acceptance.
    public var state: State
}

/// A C-STORE request: the command's UIDs and the context's transfer syntax (the data set is encoded in it).
public struct StoreRequest: Sendable {
    public var messageID: UInt16
    public var sopClassUID: UID
    public var sopInstanceUID: UID
    public var transferSyntax: UID
    public var priority: DIMSEPriority
    public var moveOriginatorAETitle: String?
    public var moveOriginatorMessageID: UInt16?
}

/// A C-FIND request: the information model (SOP class) and the decoded identifier.
public struct FindRequest: Sendable {
    public var messageID: UInt16
    public var sopClassUID: UID
    public var identifier: DataSet
    public var priority: DIMSEPriority
}

/// A C-MOVE request.
public struct MoveRequest: Sendable {
    public var messageID: UInt16
    public var sopClassUID: UID
    public var identifier: DataSet
    public var moveDestination: String
    public var priority: DIMSEPriority
}

/// A C-GET request.
public struct GetRequest: Sendable {
    public var messageID: UInt16
    public var sopClassUID: UID
    public var identifier: DataSet
    public var priority: DIMSEPriority
}

/// The end of a C-MOVE or C-GET: final status and counts, and the instances that failed (PS3.4 C.4.2.1.4).
public struct RetrieveOutcome: Sendable {
    public var status: DIMSEStatus
    public var counts: SubOperationCounts
    public var failedSOPInstanceUIDs: [UID]

    public init(status: DIMSEStatus, counts: SubOperationCounts = SubOperationCounts(), failedSOPInstanceUIDs: [UID] = []) {
        self.status = status
        self.counts = counts
        self.failedSOPInstanceUIDs = failedSOPInstanceUIDs
    }
}

/// Sends C-FIND pending responses, one per match (PS3.4 C.4.1.3.1).
public struct FindResponseWriter: Sendable {
    let deliver: @Sendable (DataSet) async throws -> Void

    /// Sends one match; throws `CancellationError` once the peer cancelled.
    public func send(_ match: DataSet) async throws {
        try Task.checkCancellation()
        try await deliver(match)
    }
}

/// Sends C-MOVE pending responses with sub-operation counts (PS3.4 C.4.2.3.1).
public struct RetrieveProgress: Sendable {
    let deliver: @Sendable (SubOperationCounts) async throws -> Void

    /// Sends a pending response with these counts; throws `CancellationError` once the peer cancelled.
    public func report(_ counts: SubOperationCounts) async throws {
        try Task.checkCancellation()
        try await deliver(counts)
    }
}
