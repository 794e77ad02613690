public import DICOMCore
public import DICOMNetwork
import NIOConcurrencyHelpers
public import NIOCore

/// Sends the C-STORE sub-operations of a C-GET on the association that asked for them (PS3.4 C.4.3).
///
/// Each `store` picks the accepted presentation context for the SOP class and transfer syntax (the requestor must
/// have proposed it with the SCP role, PS3.7 §D.3.3.4), streams the data set, waits for the requestor's
/// C-STORE-RSP, counts the outcome and sends a pending C-GET-RSP with the counts.
public final class GetSubOperations: Sendable {
    private struct State {
        var counts = SubOperationCounts(remaining: 0)
        var failedSOPInstanceUIDs: [UID] = []
        var nextMessageID: UInt16 = 1
    }

    private let core: AssociationCore
    private let router: ResponseRouter
    private let negotiated: NegotiatedAssociation
    private let getRequest: CGetRequest
    private let state = NIOLockedValueBox(State())

    init(core: AssociationCore, router: ResponseRouter, negotiated: NegotiatedAssociation, getRequest: CGetRequest) {
        self.core = core
        self.router = router
        self.negotiated = negotiated
        self.getRequest = getRequest
    }

    /// The transfer syntaxes accepted for the SOP class, in the order the requestor proposed them.
    public func acceptedTransferSyntaxes(for sopClassUID: UID) -> [UID] {
        negotiated.acceptedContexts.filter { $0.abstractSyntax == sopClassUID }.map(\.transferSyntax)
    }

    /// Sets how many sub-operations remain, reported in the pending responses.
    public func setRemaining(_ remaining: Int) {
        state.withLockedValue { $0.counts.remaining = UInt16(clamping: remaining) }
    }

    /// The counts so far and the instances that failed.
    public var outcome: (counts: SubOperationCounts, failedSOPInstanceUIDs: [UID]) {
        state.withLockedValue { ($0.counts, $0.failedSOPInstanceUIDs) }
    }

    /// Sends one instance and returns the requestor's status; one with no accepted context is counted as failed
    /// and answered `sopClassNotSupported` without sending anything. Throws `CancellationError` once cancelled.
    public func store<Chunks: AsyncSequence>(
        sopClassUID: UID, sopInstanceUID: UID, transferSyntax: UID, dataSet: Chunks
    ) async throws -> DIMSEStatus where Chunks.Element == ByteBuffer {
        try Task.checkCancellation()
        let context = negotiated.acceptedContexts.first {
            $0.abstractSyntax == sopClassUID && $0.transferSyntax == transferSyntax
        }
        let status: DIMSEStatus
        if let context {
            let messageID = state.withLockedValue { state in
                defer { state.nextMessageID &+= 1 }
                return state.nextMessageID
            }
            let request = CStoreRequest(
                messageID: messageID, affectedSOPClassUID: sopClassUID, affectedSOPInstanceUID: sopInstanceUID,
                priority: getRequest.priority)
            try await core.send(command: request.commandSet, contextID: context.id, dataSet: dataSet)
            status = try await router.response(to: messageID).status
        } else {
            status = .sopClassNotSupported
        }
        let counts = state.withLockedValue { state in
            switch status.kind {
            case .success: state.counts.completed += 1
            case .warning: state.counts.warning += 1
            default:
                state.counts.failed += 1
                state.failedSOPInstanceUIDs.append(sopInstanceUID)
            }
            if let remaining = state.counts.remaining, remaining > 0 { state.counts.remaining = remaining - 1 }
            return state.counts
        }
        let pending = CRetrieveResponse(
            commandField: .cGetResponse, messageIDBeingRespondedTo: getRequest.messageID, status: .pending,
            affectedSOPClassUID: getRequest.affectedSOPClassUID, subOperations: counts)
        if let contextID = negotiated.context(for: getRequest.affectedSOPClassUID)?.id {
            try await core.send(command: pending.commandSet, contextID: contextID)
        }
        return status
    }
}

/// Hands C-STORE-RSPs read by the association's reader to the sub-operation waiting for them.
final class ResponseRouter: Sendable {
    private struct State {
        var waiters: [UInt16: CheckedContinuation<CStoreResponse, any Error>] = [:]
        var arrived: [UInt16: CStoreResponse] = [:]
        var failure: DICOMNetworkError?
    }

    private let state = NIOLockedValueBox(State())

    func response(to messageID: UInt16) async throws -> CStoreResponse {
        try await withCheckedThrowingContinuation { continuation in
            let immediate: Result<CStoreResponse, DICOMNetworkError>? = state.withLockedValue { state in
                if let response = state.arrived.removeValue(forKey: messageID) { return .success(response) }
                if let failure = state.failure { return .failure(failure) }
                state.waiters[messageID] = continuation
                return nil
            }
            if let immediate { continuation.resume(with: immediate) }
        }
    }

    func deliver(_ response: CStoreResponse) {
        let waiter = state.withLockedValue { state in
            guard let waiter = state.waiters.removeValue(forKey: response.messageIDBeingRespondedTo) else {
                state.arrived[response.messageIDBeingRespondedTo] = response
                return nil as CheckedContinuation<CStoreResponse, any Error>?
            }
            return waiter
        }
        waiter?.resume(returning: response)
    }

    func fail(_ error: DICOMNetworkError) {
        let waiters = state.withLockedValue { state in
            state.failure = error
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(throwing: error) }
    }
}
