public import Archive
public import Authentication
import DICOM
import DICOMCore
public import DICOMNetwork
public import DICOMNetworkNIO
public import Logging
import NIOCore

/// The archive's DIMSE SCP: verification, storage of every storage SOP class, and Patient Root and Study Root
/// query/retrieve (FIND, MOVE, GET) at every level, over `ArchiveService` (PS3.4 Annexes A, B, C).
///
/// An association's calling AE title names its establishment through the AE registry (`DirectoryStore`), or a
/// verified user identity does (PS3.7 D.3.3.7: user name and passcode, or a JWT); every operation then runs with
/// that establishment's `AccessContext`, so a modality stores into, and a PACS queries
/// and retrieves from, its own establishment only. C-MOVE sends only to destinations registered in the same
/// establishment. Objects are stored as received (the transfer syntax the sender chose); retrieval sends them as
/// stored, or converts them when the peer did not accept the stored syntax.
public struct ArchiveDIMSEProvider: DIMSEServiceProvider {
    public typealias AssociationState = AccessContext

    private let archive: ArchiveService
    private let directory: any DirectoryStore
    private let configuration: DIMSEServiceConfiguration
    private let credentials: CredentialVerifier?
    private let client: DIMSEClient
    private let logger: Logger

    /// - Parameters:
    ///   - credentials: verifies user identities (user name and passcode, JWT); nil rejects every association that
    ///     presents credentials, since they cannot be checked.
    ///   - client: opens the C-MOVE sub-operation associations.
    public init(
        archive: ArchiveService, directory: any DirectoryStore, credentials: CredentialVerifier?,
        configuration: DIMSEServiceConfiguration, client: DIMSEClient, logger: Logger
    ) {
        self.archive = archive
        self.directory = directory
        self.credentials = credentials
        self.configuration = configuration
        self.client = client
        self.logger = logger
    }

    // MARK: - Association

    public func associationRequested(_ request: AssociationRequestInfo) async -> AssociationDecision<AccessContext> {
        let calling = ApplicationEntity.normalizedTitle(request.callingAETitle) ?? request.callingAETitle
        var logger = self.logger
        logger[metadataKey: "dicom.calling_ae"] = "\(calling)"
        logger[metadataKey: "dicom.peer"] = "\(request.peerAddress)"
        if configuration.checksCalledAETitle,
            ApplicationEntity.normalizedTitle(request.calledAETitle) != configuration.aeTitle
        {
            logger.notice(
                "association rejected: wrong called AE title",
                metadata: ["dicom.called_ae": "\(request.calledAETitle)"])
            return .reject(AssociateReject(result: .permanent, reason: .serviceUser(.calledAETitleNotRecognized)))
        }
        let user: AccessContext?
        switch await verifiedUser(request.userIdentity, logger: logger) {
        case .verified(let context): user = context
        case .notVerified: user = nil
        case .rejected: return .reject(AssociateReject(result: .permanent, reason: .serviceUser(.noReasonGiven)))
        case .unavailable: return Self.congested
        }
        if configuration.requiresUserIdentity && user == nil {
            logger.notice("association rejected: no verified user identity (dicom.requireUserIdentity)")
            return .reject(AssociateReject(result: .permanent, reason: .serviceUser(.noReasonGiven)))
        }
        let tenant: TenantID
        do {
            if let entity = try await directory.applicationEntity(title: calling) {
                guard !entity.checksAddress || Self.host(of: request.peerAddress) == entity.host else {
                    logger.notice("association rejected: the calling AE title is registered for another address")
                    return .reject(
                        AssociateReject(result: .permanent, reason: .serviceUser(.callingAETitleNotRecognized)))
                }
                tenant = entity.tenant
            } else if let user {
                logger.info("unregistered calling AE title admitted by its verified user identity")
                tenant = user.tenant
            } else if configuration.acceptsUnknownCallingAETitles {
                logger.warning(
                    "accepting an unregistered calling AE title (register it with `nuage ae add`)",
                    metadata: ["nuage.tenant": "\(configuration.unknownCallersTenant)"])
                tenant = configuration.unknownCallersTenant
            } else {
                logger.notice("association rejected: unregistered calling AE title")
                return .reject(AssociateReject(result: .permanent, reason: .serviceUser(.callingAETitleNotRecognized)))
            }
        } catch {
            logger.error("association rejected: the AE registry failed", metadata: ["nuage.error": "\(error)"])
            return Self.congested
        }
        let origin = "\(calling)@\(request.peerAddress)"
        var context = AccessContext(
            tenant: tenant, principal: Principal(kind: .applicationEntity, identifier: calling), roles: [.modality],
            purposeOfUse: .treatment, origin: origin)
        if let user {
            guard user.tenant == tenant else {
                logger.notice(
                    "association rejected: the user belongs to another establishment than the calling AE title",
                    metadata: ["nuage.user": "\(user.principal.identifier)"])
                return .reject(AssociateReject(result: .permanent, reason: .serviceUser(.noReasonGiven)))
            }
            context = AccessContext(
                tenant: tenant, principal: user.principal, roles: user.roles, purposeOfUse: .treatment, origin: origin)
        }
        // PS3.7 D.3.3.7: a positive response, when asked for, once the identity is verified; its server response is
        // empty for the user name and JWT kinds.
        let positiveResponse = user != nil && request.userIdentity?.positiveResponseRequested == true
        return .accept(
            context, contexts: AssociationAcceptancePolicy(transferSyntaxes: ServiceClassSupport.transferSyntaxes),
            userIdentityResponse: positiveResponse ? ByteBuffer() : nil)
    }

    private static let congested = AssociationDecision<AccessContext>.reject(
        AssociateReject(result: .transient, reason: .serviceProviderPresentation(.temporaryCongestion)))

    private enum UserVerification {
        case verified(AccessContext)
        /// No identity, or a kind that proves nothing here (a bare user name) or that this SCP cannot check.
        case notVerified
        case rejected
        case unavailable
    }

    /// Checks the A-ASSOCIATE-RQ's user identity (PS3.7 D.3.3.7): a user name with its passcode against the local
    /// accounts, a JWT against the configured keys. Credentials that fail reject the association; a bare user name
    /// (type 1), Kerberos and SAML assertions authenticate nobody and are only logged.
    private func verifiedUser(_ identity: UserIdentityRequest?, logger: Logger) async -> UserVerification {
        guard let identity else { return .notVerified }
        do throws(AuthenticationFailure) {
            switch identity.kind {
            case .usernameAndPasscode:
                guard let credentials else { throw AuthenticationFailure("user identities are not checked here") }
                return .verified(try await credentials.password(identity.secondaryText, username: identity.primaryText))
            case .jwt:
                guard let credentials else { throw AuthenticationFailure("user identities are not checked here") }
                return .verified(try await credentials.bearerToken(identity.primaryText))
            case .username, .kerberos, .saml:
                logger.info(
                    "user identity not verified (a bare user name, or a kind this SCP does not check)",
                    metadata: ["dicom.user_identity_type": "\(identity.kind.rawValue)"])
                return .notVerified
            }
        } catch {
            if error.isUnavailable {
                logger.error("association rejected: the directory failed", metadata: ["nuage.error": "\(error)"])
                return .unavailable
            }
            logger.notice("association rejected: user identity not verified", metadata: ["nuage.reason": "\(error)"])
            return .rejected
        }
    }

    /// The host of "host:port" or "[v6 address]:port".
    static func host(of address: String) -> String {
        guard let colon = address.lastIndex(of: ":") else { return address }
        var host = address[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        return String(host)
    }

    // MARK: - Storage

    public func store(
        _ request: StoreRequest, dataSet: DataSetStream, association: AssociationContext<AccessContext>
    ) async throws -> DIMSEStatus {
        guard let transferSyntax = TransferSyntax(uid: request.transferSyntax) else {
            throw DIMSEStatusError(.cannotUnderstand, comment: "unknown transfer syntax \(request.transferSyntax)")
        }
        let prefix = Part10Prefix.encoded(
            sopClassUID: request.sopClassUID, sopInstanceUID: request.sopInstanceUID, transferSyntax: transferSyntax,
            sourceAETitle: association.callingAETitle)
        let source = "aet:\(association.state.origin ?? association.callingAETitle)"
        do {
            let result = try await archive.ingest(
                Part10Prefix.Chunks(prefix: prefix, dataSet: dataSet), context: association.state, source: source)
            return try StorageStatus.status(of: result)
        } catch {
            throw StorageStatus.statusError(for: error, logger: logger)
        }
    }

    // MARK: - Query

    public func find(
        _ request: FindRequest, responses: FindResponseWriter, association: AssociationContext<AccessContext>
    ) async throws -> DIMSEStatus {
        guard let model = ServiceClassSupport.findModels[request.sopClassUID] else { return .sopClassNotSupported }
        let identifier: QueryIdentifier
        var query: IndexQuery
        do {
            identifier = try QueryIdentifier(request.identifier, model: model)
            query = try identifier.indexQuery()
        } catch {
            throw DIMSEStatusError(error.status, comment: error.comment)
        }
        // One match more than allowed tells that the answer would be cut.
        query.limit = configuration.maximumFindResults + 1
        let result: IndexQueryResult
        do {
            result = try await archive.find(query, context: association.state)
        } catch {
            logger.error("C-FIND failed in the index", metadata: ["nuage.error": "\(error)"])
            throw DIMSEStatusError(.outOfResourcesUnableToCalculateMatches, comment: "the index could not answer")
        }
        guard result.matches.count <= configuration.maximumFindResults else {
            // PS3.4 C.4.1.1.4 has no "partial" status: refuse (as dcm4chee does) rather than answer an arbitrary part.
            logger.notice(
                "C-FIND refused: too many matches", metadata: ["dicom.limit": "\(configuration.maximumFindResults)"])
            throw DIMSEStatusError(
                .outOfResources,
                comment: "more than \(configuration.maximumFindResults) matches: narrow the query")
        }
        for match in result.matches {
            try await responses.send(identifier.response(for: match, retrieveAETitle: configuration.aeTitle))
        }
        return .success
    }

    // MARK: - Retrieval

    public func move(
        _ request: MoveRequest, progress: RetrieveProgress, association: AssociationContext<AccessContext>
    ) async throws -> RetrieveOutcome {
        guard let model = ServiceClassSupport.moveModels[request.sopClassUID] else {
            return RetrieveOutcome(status: .sopClassNotSupported)
        }
        let destination = try await moveDestination(request.moveDestination, for: association.state)
        let instances = try await selectedInstances(request.identifier, model: model, context: association.state)
        var tally = SubOperationTally(remaining: instances.count)
        try await progress.report(tally.counts)
        guard !instances.isEmpty else { return RetrieveOutcome(status: .success, counts: tally.counts) }

        var parameters = AssociationParameters(
            callingAETitle: configuration.aeTitle, calledAETitle: destination.title)
        for proposal in RetrievePlan.proposals(for: instances) {
            parameters.propose([proposal.sopClassUID], transferSyntaxes: proposal.transferSyntaxes)
        }
        do {
            try await client.withAssociation(
                host: destination.host, port: destination.port, parameters: parameters
            ) { subAssociation in
                for instance in instances {
                    let accepted = subAssociation.negotiated.acceptedContexts
                        .filter { $0.abstractSyntax == UID(instance.sopClassUID) }.map(\.transferSyntax)
                    let status = await send(instance, acceptedSyntaxes: accepted, context: association.state) {
                        syntax, dataSet in
                        try await subAssociation.store(
                            sopClassUID: UID(instance.sopClassUID), sopInstanceUID: UID(instance.sopInstanceUID),
                            transferSyntax: syntax, dataSet: dataSet,
                            moveOriginator: (association.callingAETitle, request.messageID)
                        ).status
                    }
                    tally.record(status, sopInstanceUID: instance.sopInstanceUID)
                    try await progress.report(tally.counts)
                }
            }
        } catch let error as CancellationError {
            throw error
        } catch {
            logger.warning(
                "C-MOVE destination unreachable or failed",
                metadata: ["dicom.move_destination": "\(destination.title)", "nuage.error": "\(error)"])
            tally.failRemaining(instances)
            return RetrieveOutcome(
                status: .outOfResourcesUnableToPerformSubOperations, counts: tally.counts,
                failedSOPInstanceUIDs: tally.failedSOPInstanceUIDs)
        }
        return RetrieveOutcome(
            status: .success, counts: tally.counts, failedSOPInstanceUIDs: tally.failedSOPInstanceUIDs)
    }

    public func get(
        _ request: GetRequest, subOperations: GetSubOperations, association: AssociationContext<AccessContext>
    ) async throws -> RetrieveOutcome {
        guard let model = ServiceClassSupport.getModels[request.sopClassUID] else {
            return RetrieveOutcome(status: .sopClassNotSupported)
        }
        let instances = try await selectedInstances(request.identifier, model: model, context: association.state)
        subOperations.setRemaining(instances.count)
        for instance in instances {
            let sopClassUID = UID(instance.sopClassUID)
            _ = await send(
                instance, acceptedSyntaxes: subOperations.acceptedTransferSyntaxes(for: sopClassUID),
                context: association.state
            ) { syntax, dataSet in
                try await subOperations.store(
                    sopClassUID: sopClassUID, sopInstanceUID: UID(instance.sopInstanceUID), transferSyntax: syntax,
                    dataSet: dataSet)
            }
            try Task.checkCancellation()
        }
        let outcome = subOperations.outcome
        return RetrieveOutcome(
            status: .success, counts: outcome.counts, failedSOPInstanceUIDs: outcome.failedSOPInstanceUIDs)
    }

    /// The registered destination of a C-MOVE: known, with an address, and of the caller's establishment (PS3.4
    /// §C.4.2.1.4: A801 otherwise; another establishment's AE is as unknown as an unregistered one).
    private func moveDestination(
        _ title: String, for context: AccessContext
    ) async throws -> (title: String, host: String, port: Int) {
        let entity: ApplicationEntity?
        do {
            entity = try await directory.applicationEntity(title: title)
        } catch {
            logger.error("the AE registry failed", metadata: ["nuage.error": "\(error)"])
            throw DIMSEStatusError(.outOfResourcesUnableToPerformSubOperations, comment: "the AE registry failed")
        }
        guard let entity, entity.tenant == context.tenant, let host = entity.host, let port = entity.port else {
            throw DIMSEStatusError(
                .moveDestinationUnknown, comment: "\(title.prefix(16)) is not a registered move destination")
        }
        return (entity.title, host, port)
    }

    /// The instances a C-MOVE or C-GET identifier names, in the caller's establishment.
    private func selectedInstances(
        _ identifier: DataSet, model: ServiceClassSupport.InformationModel, context: AccessContext
    ) async throws -> [StoredInstance] {
        let selectors: [InstanceSelector]
        do {
            selectors = try QueryIdentifier(identifier, model: model).instanceSelectors()
        } catch {
            throw DIMSEStatusError(error.status, comment: error.comment)
        }
        var instances: [StoredInstance] = []
        var seen: Set<String> = []
        do {
            for selector in selectors {
                for instance in try await archive.instances(selector, context: context)
                where seen.insert(instance.sopInstanceUID).inserted {
                    instances.append(instance)
                }
            }
        } catch {
            logger.error("retrieve failed in the index", metadata: ["nuage.error": "\(error)"])
            throw DIMSEStatusError(.outOfResourcesUnableToCalculateMatches, comment: "the index could not answer")
        }
        return instances
    }

    /// Sends one instance in a syntax the peer accepted: as stored when it can, else converted. A failure to read
    /// or convert it is that sub-operation's failure, not the whole retrieve's.
    private func send(
        _ instance: StoredInstance, acceptedSyntaxes: [UID], context: AccessContext,
        _ store: (UID, OutgoingDataSet) async throws -> DIMSEStatus
    ) async -> DIMSEStatus {
        let stored = UID(instance.object.transferSyntaxUID)
        do {
            if acceptedSyntaxes.contains(stored) {
                return try await archive.withContent(of: instance, context: context) { chunks in
                    try await store(stored, .stored(chunks))
                }
            }
            guard let target = RetrievePlan.conversionTarget(from: stored, accepted: acceptedSyntaxes) else {
                return .sopClassNotSupported
            }
            let bytes = try await archive.content(of: instance, context: context)
            return try await store(target.uid, .encoded(try RetrievePlan.convert(bytes, to: target)))
        } catch is CancellationError {
            return .cancel
        } catch let error as DIMSEStatusError {
            return error.status
        } catch {
            logger.warning(
                "a retrieve sub-operation failed",
                metadata: ["dicom.sop_instance_uid": "\(instance.sopInstanceUID)", "nuage.error": "\(error)"])
            return .unableToProcess
        }
    }
}

/// Counts of a C-MOVE's sub-operations (PS3.4 §C.4.2.1.5).
struct SubOperationTally {
    private(set) var counts: SubOperationCounts
    private(set) var failedSOPInstanceUIDs: [UID] = []

    init(remaining: Int) {
        counts = SubOperationCounts(remaining: UInt16(clamping: remaining))
    }

    mutating func record(_ status: DIMSEStatus, sopInstanceUID: String) {
        counts.remaining = counts.remaining.map { $0 > 0 ? $0 - 1 : 0 }
        switch status.kind {
        case .success: counts.completed &+= 1
        case .warning: counts.warning &+= 1
        default:
            counts.failed &+= 1
            failedSOPInstanceUIDs.append(UID(sopInstanceUID))
        }
    }

    /// Every sub-operation not yet done failed (the destination could not be reached or went away).
    mutating func failRemaining(_ instances: [StoredInstance]) {
        let done = Int(counts.completed) + Int(counts.warning) + Int(counts.failed)
        for instance in instances.dropFirst(done) {
            record(.unableToProcess, sopInstanceUID: instance.sopInstanceUID)
        }
    }
}
