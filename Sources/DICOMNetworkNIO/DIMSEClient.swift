import DICOM
public import DICOMCore
public import DICOMNetwork
public import Logging
public import NIOCore
public import NIOPosix
public import NIOSSL

/// What a requestor proposes when it opens an association.
///
/// PS3.8 §7.1.1: AE titles, presentation contexts (abstract syntax + transfer syntaxes), SCP/SCU role selection
/// (C-GET needs the SCP role for the storage classes it retrieves), user identity (PS3.7 §D.3.3.7).
public struct AssociationParameters: Sendable {
    public var callingAETitle: String
    public var calledAETitle: String
    public var presentationContexts: [PresentationContextProposal]
    /// SOP classes for which this side offers the SCP role (C-GET storage sub-operations).
    public var scpRoleSOPClasses: [UID]
    public var userIdentity: UserIdentityRequest?
    /// The Maximum Length this side announces (and enforces on what it receives).
    public var maximumPDULength: UInt32
    /// How long to wait for the acceptor's answer and, after a release or an abort, for the close.
    public var artimTimeout: TimeAmount
    /// A connection with nothing read or written for this long is closed.
    public var idleTimeout: TimeAmount
    /// TLS: nil for plain TCP.
    public var tls: TLSConfiguration?
    /// The host name checked against the server certificate (defaults to the host connected to).
    public var tlsServerHostname: String?

    public init(
        callingAETitle: String, calledAETitle: String, presentationContexts: [PresentationContextProposal] = [],
        scpRoleSOPClasses: [UID] = [], userIdentity: UserIdentityRequest? = nil, maximumPDULength: UInt32 = 256 * 1024,
        artimTimeout: TimeAmount = .seconds(30), idleTimeout: TimeAmount = .seconds(300), tls: TLSConfiguration? = nil,
        tlsServerHostname: String? = nil
    ) {
        self.callingAETitle = callingAETitle
        self.calledAETitle = calledAETitle
        self.presentationContexts = presentationContexts
        self.scpRoleSOPClasses = scpRoleSOPClasses
        self.userIdentity = userIdentity
        self.maximumPDULength = maximumPDULength
        self.artimTimeout = artimTimeout
        self.idleTimeout = idleTimeout
        self.tls = tls
        self.tlsServerHostname = tlsServerHostname
    }

    /// Adds one presentation context per abstract syntax (odd IDs, in order), each proposing `transferSyntaxes`.
    public mutating func propose(_ abstractSyntaxes: [UID], transferSyntaxes: [UID]) {
        for syntax in abstractSyntaxes {
            let id = UInt8(truncatingIfNeeded: 2 * presentationContexts.count + 1)
            presentationContexts.append(PresentationContextProposal(id: id, abstractSyntax: syntax, transferSyntaxes: transferSyntaxes))
        }
    }
}

/// Why an association could not be used.
public enum DIMSEClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The acceptor rejected the association (PS3.8 Table 9-21).
    case rejected(AssociateReject)
    /// The association was aborted or the connection lost.
    case aborted(String)
    /// No accepted presentation context for the abstract syntax (and transfer syntax, if given).
    case noPresentationContext(abstractSyntax: UID, transferSyntax: UID?)
    /// The peer answered with something the protocol does not allow there.
    case unexpectedResponse(String)

    public var description: String {
        switch self {
        case .rejected(let reject): "association rejected (\(reject.result), \(reject.reason))"
        case .aborted(let reason): "association aborted: \(reason)"
        case .noPresentationContext(let abstract, let transfer):
            "no accepted presentation context for \(abstract)" + (transfer.map { " in \($0)" } ?? "")
        case .unexpectedResponse(let what): "unexpected response: \(what)"
        }
    }
}

/// A DICOM DIMSE client (SCU): opens associations and runs C-ECHO, C-STORE, C-FIND, C-MOVE and C-GET on them.
///
/// PS3.7, PS3.8. Associations are scoped: `withAssociation` opens one, runs the body, then releases it (or aborts it
/// if the body throws); an open association is never returned. Sockets have TCP_NODELAY.
public struct DIMSEClient: Sendable {
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger

    public init(eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// Opens an association to `host:port`, runs `body` with it, releases it.
    public func withAssociation<Result>(
        host: String, port: Int, parameters: AssociationParameters, _ body: (DIMSEAssociation) async throws -> Result
    ) async throws -> Result {
        let sslContext = try parameters.tls.map { try NIOSSLContext(configuration: $0) }
        let serverHostname = parameters.tlsServerHostname ?? host
        let connection = try await ClientBootstrap(group: eventLoopGroup)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(parameters.artimTimeout)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        let hostname = serverHostname.first?.isNumber == true ? nil : serverHostname
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: sslContext, serverHostname: hostname))
                    }
                    return try channel.makeAssociationChannel(
                        maximumPDULength: parameters.maximumPDULength, idleTimeout: parameters.idleTimeout)
                }
            }
        var logger = self.logger
        logger[metadataKey: "dicom.called_ae"] = "\(parameters.calledAETitle)"
        logger[metadataKey: "dicom.peer"] = "\(host):\(port)"
        return try await connection.executeThenClose { inbound, outbound in
            let core = AssociationCore(
                channel: connection.channel, outbound: outbound, machine: .requestor(), artimTimeout: parameters.artimTimeout,
                logger: logger)
            let reader = AssociationReader(core: core, inbound: inbound)
            let request = AssociateRequest(
                calledAETitle: parameters.calledAETitle, callingAETitle: parameters.callingAETitle,
                presentationContexts: parameters.presentationContexts,
                userInformation: UserInformation(
                    maximumLength: parameters.maximumPDULength, implementationClassUID: Implementation.classUID,
                    implementationVersionName: Implementation.versionName,
                    roleSelections: parameters.scpRoleSOPClasses.map { RoleSelection(sopClassUID: $0, scuRole: true, scpRole: true) },
                    userIdentityRequest: parameters.userIdentity))
            _ = try await core.handle(.associateRequest(request))
            _ = try await core.handle(.transportConnected)
            let accept: AssociateAccept
            switch try await reader.next() {
            case .associateAccepted(let value): accept = value
            case .associateRejected(let reject): throw DIMSEClientError.rejected(reject)
            case .aborted(let reason): throw DIMSEClientError.aborted(reason)
            default: throw DIMSEClientError.unexpectedResponse("no A-ASSOCIATE-AC")
            }
            let negotiated = NegotiatedAssociation(request: request, accept: accept)
            core.peerMaximumLength = negotiated.peerMaximumLength
            let association = DIMSEAssociation(core: core, reader: reader, negotiated: negotiated, accept: accept)
            let result: Result
            do {
                result = try await body(association)
            } catch {
                if core.machineState == .established { _ = try? await core.handle(.abortRequest) }
                throw error
            }
            try await association.release()
            return result
        }
    }
}

/// An open association, valid inside `DIMSEClient.withAssociation`'s body. Operations run one at a time.
public final class DIMSEAssociation {
    let core: AssociationCore
    let reader: AssociationReader
    /// The accepted contexts, roles and the peer's maximum PDU length.
    public let negotiated: NegotiatedAssociation
    /// The acceptor's A-ASSOCIATE-AC (implementation class, user identity response…).
    public let accept: AssociateAccept
    private var nextMessageID: UInt16 = 1

    init(core: AssociationCore, reader: AssociationReader, negotiated: NegotiatedAssociation, accept: AssociateAccept) {
        self.core = core
        self.reader = reader
        self.negotiated = negotiated
        self.accept = accept
    }

    private func makeMessageID() -> UInt16 {
        defer { nextMessageID &+= 1 }
        return nextMessageID
    }

    private func context(for abstractSyntax: UID, transferSyntax: UID? = nil) throws -> AcceptedPresentationContext {
        let match = negotiated.acceptedContexts.first {
            $0.abstractSyntax == abstractSyntax && (transferSyntax == nil || $0.transferSyntax == transferSyntax)
        }
        guard let match else { throw DIMSEClientError.noPresentationContext(abstractSyntax: abstractSyntax, transferSyntax: transferSyntax) }
        return match
    }

    /// The next command from the peer; association-level events end the operation with an error.
    private func nextCommand() async throws -> (DIMSEMessage, CommandSet, UInt8) {
        switch try await reader.next() {
        case .command(let command, let contextID): return (try DIMSEMessage(command), command, contextID)
        case .aborted(let reason): throw DIMSEClientError.aborted(reason)
        case .releaseRequested: throw DIMSEClientError.unexpectedResponse("A-RELEASE-RQ during an operation")
        default: throw DIMSEClientError.unexpectedResponse("PDU out of place")
        }
    }

    /// C-ECHO (PS3.7 §9.1.5): the peer's status.
    public func echo() async throws -> DIMSEStatus {
        let context = try context(for: verificationSOPClassUID)
        let request = CEchoRequest(messageID: makeMessageID())
        try await core.send(command: request.commandSet, contextID: context.id)
        guard case .echoResponse(let response) = try await nextCommand().0,
            response.messageIDBeingRespondedTo == request.messageID
        else { throw DIMSEClientError.unexpectedResponse("not the C-ECHO-RSP") }
        return response.status
    }

    /// C-STORE (PS3.7 §9.1.1): sends a data set (bare, in `transferSyntax`) streamed from `dataSet`.
    public func store<Chunks: AsyncSequence>(
        sopClassUID: UID, sopInstanceUID: UID, transferSyntax: UID, dataSet: Chunks, priority: DIMSEPriority = .medium,
        moveOriginator: (aeTitle: String, messageID: UInt16)? = nil
    ) async throws -> CStoreResponse where Chunks.Element == ByteBuffer {
        let context = try context(for: sopClassUID, transferSyntax: transferSyntax)
        let request = CStoreRequest(
            messageID: makeMessageID(), affectedSOPClassUID: sopClassUID, affectedSOPInstanceUID: sopInstanceUID,
            priority: priority, moveOriginatorAETitle: moveOriginator?.aeTitle, moveOriginatorMessageID: moveOriginator?.messageID)
        try await core.send(command: request.commandSet, contextID: context.id, dataSet: dataSet)
        guard case .storeResponse(let response) = try await nextCommand().0,
            response.messageIDBeingRespondedTo == request.messageID
        else { throw DIMSEClientError.unexpectedResponse("not the C-STORE-RSP") }
        return response
    }

    /// C-FIND (PS3.7 §9.1.2): calls `onMatch` with each pending identifier; returning false sends C-CANCEL (the
    /// peer then ends with Cancel). Returns the final status.
    public func find(
        _ identifier: DataSet, sopClassUID: UID, priority: DIMSEPriority = .medium,
        onMatch: (DataSet) async throws -> Bool
    ) async throws -> DIMSEStatus {
        let context = try context(for: sopClassUID)
        let request = CFindRequest(messageID: makeMessageID(), affectedSOPClassUID: sopClassUID, priority: priority)
        try await core.send(
            command: request.commandSet, contextID: context.id, dataSet: try identifier.encoded(transferSyntax: context.transferSyntax))
        var cancelled = false
        while true {
            guard case .findResponse(let response) = try await nextCommand().0,
                response.messageIDBeingRespondedTo == request.messageID
            else { throw DIMSEClientError.unexpectedResponse("not a C-FIND-RSP") }
            var match: DataSet?
            if response.hasIdentifier {
                let bytes = try await reader.collectDataSet(limit: 16 << 20)
                match = try DataSet(decoding: bytes, transferSyntax: context.transferSyntax)
            }
            guard response.status.isPending else { return response.status }
            if let match, !cancelled, try await !onMatch(match) {
                cancelled = true
                try await core.send(command: CCancelRequest(messageIDBeingRespondedTo: request.messageID).commandSet, contextID: context.id)
            }
        }
    }

    /// C-MOVE (PS3.7 §9.1.4): asks the peer to send the matching instances to `destination`; `onProgress` sees
    /// each pending response's counts. Returns the final response.
    public func move(
        _ identifier: DataSet, sopClassUID: UID, destination: String, priority: DIMSEPriority = .medium,
        onProgress: (SubOperationCounts) async throws -> Void = { _ in }
    ) async throws -> CRetrieveResponse {
        let context = try context(for: sopClassUID)
        let request = CMoveRequest(messageID: makeMessageID(), affectedSOPClassUID: sopClassUID, moveDestination: destination, priority: priority)
        try await core.send(
            command: request.commandSet, contextID: context.id, dataSet: try identifier.encoded(transferSyntax: context.transferSyntax))
        while true {
            guard case .moveResponse(let response) = try await nextCommand().0,
                response.messageIDBeingRespondedTo == request.messageID
            else { throw DIMSEClientError.unexpectedResponse("not a C-MOVE-RSP") }
            if response.hasIdentifier { _ = try await reader.collectDataSet(limit: 16 << 20) }
            guard response.status.isPending else { return response }
            try await onProgress(response.subOperations)
        }
    }

    /// C-GET (PS3.7 §9.1.3): the peer sends the matching instances on this association; `onStore` receives each
    /// one (its data set streamed) and returns the status to answer. Returns the final C-GET response.
    public func get(
        _ identifier: DataSet, sopClassUID: UID, priority: DIMSEPriority = .medium,
        onStore: (StoreRequest, DataSetStream) async throws -> DIMSEStatus
    ) async throws -> CRetrieveResponse {
        let context = try context(for: sopClassUID)
        let request = CGetRequest(messageID: makeMessageID(), affectedSOPClassUID: sopClassUID, priority: priority)
        try await core.send(
            command: request.commandSet, contextID: context.id, dataSet: try identifier.encoded(transferSyntax: context.transferSyntax))
        while true {
            let (message, _, contextID) = try await nextCommand()
            switch message {
            case .getResponse(let response) where response.messageIDBeingRespondedTo == request.messageID:
                if response.hasIdentifier { _ = try await reader.collectDataSet(limit: 16 << 20) }
                if !response.status.isPending { return response }
            case .storeRequest(let store):
                guard let storeContext = negotiated.context(id: contextID) else {
                    throw DIMSEClientError.unexpectedResponse("C-STORE-RQ on an unaccepted context")
                }
                let source = DataSetSource(reader: reader)
                let info = StoreRequest(
                    messageID: store.messageID, sopClassUID: store.affectedSOPClassUID, sopInstanceUID: store.affectedSOPInstanceUID,
                    transferSyntax: storeContext.transferSyntax, priority: store.priority,
                    moveOriginatorAETitle: store.moveOriginatorAETitle, moveOriginatorMessageID: store.moveOriginatorMessageID)
                let status: DIMSEStatus
                do {
                    status = try await onStore(info, DataSetStream(source: source))
                } catch let error as DIMSEStatusError {
                    status = error.status
                } catch let error as DICOMNetworkError where error.code == .associationClosed {
                    throw error
                } catch {
                    status = .processingFailure
                }
                try await source.drain()
                let response = CStoreResponse(
                    messageIDBeingRespondedTo: store.messageID, status: status, affectedSOPClassUID: store.affectedSOPClassUID,
                    affectedSOPInstanceUID: store.affectedSOPInstanceUID)
                try await core.send(command: response.commandSet, contextID: contextID)
            default:
                throw DIMSEClientError.unexpectedResponse("\(message) during C-GET")
            }
        }
    }

    /// A-RELEASE (PS3.8 §7.2): asks to release and waits for the answer and the close.
    func release() async throws {
        guard core.machineState == .established else { return }
        _ = try await core.handle(.releaseRequest)
        while true {
            switch try await reader.next() {
            case .released: return
            case .aborted(let reason): throw DIMSEClientError.aborted(reason)
            case .releaseRequested:
                _ = try await core.handle(.releaseResponse)  // Release collision (PS3.8 §7.2.2).
            default: continue  // Late responses of a cancelled operation.
            }
        }
    }
}
