import DICOM
import DICOMCore
import DICOMNetwork
import Logging
import NIOCore

/// One accepted association on the server: reads requests, runs them through the provider, answers.
///
/// C-ECHO and C-STORE are served in the reading task (a C-STORE's data set is read as the provider consumes it).
/// C-FIND, C-MOVE and C-GET run in a child task so that the reader stays free for C-CANCEL and for the C-STORE
/// responses of C-GET sub-operations.
struct ServerSession<Provider: DIMSEServiceProvider> {
    let provider: Provider
    let core: AssociationCore
    let reader: AssociationReader
    let association: AssociationContext<Provider.AssociationState>
    let maximumIdentifierLength: Int
    let logger: Logger
    let router = ResponseRouter()

    func run() async throws {
        let runner = ServerOperations(provider: provider, core: core, router: router, association: association, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { operations in
            var cancelSignal: (messageID: UInt16, continuation: AsyncStream<Void>.Continuation)?
            defer { operations.cancelAll() }
            /// Starts a find, move or get in a child task, after the previous one (the window is 1), with the
            /// signal that a C-CANCEL for its message ID fires.
            func start(_ messageID: UInt16, _ operation: @escaping @Sendable (AsyncStream<Void>) async -> Void) async throws {
                try await operations.waitForAll()
                let (signal, continuation) = AsyncStream<Void>.makeStream()
                cancelSignal = (messageID, continuation)
                operations.addTask { await operation(signal) }
            }
            while true {
                switch try await reader.next() {
                case .command(let command, let contextID):
                    guard let context = association.negotiated.context(id: contextID) else {
                        throw DICOMNetworkError(.invalidParameter, "message on presentation context \(contextID), not accepted")
                    }
                    switch try DIMSEMessage(command) {
                    case .echoRequest(let request):
                        let status = await provider.echo(association: association)
                        let response = CEchoResponse(
                            messageIDBeingRespondedTo: request.messageID, status: status,
                            affectedSOPClassUID: request.affectedSOPClassUID)
                        try await core.send(command: response.commandSet, contextID: contextID)
                    case .storeRequest(let request):
                        try await store(request, context: context)
                    case .findRequest(let request):
                        guard let identifier = try await identifier(messageID: request.messageID, field: .cFindResponse, context: context)
                        else { continue }
                        let find = FindRequest(
                            messageID: request.messageID, sopClassUID: request.affectedSOPClassUID, identifier: identifier,
                            priority: request.priority)
                        try await start(request.messageID) { await runner.find(find, context: context, cancelSignal: $0) }
                    case .moveRequest(let request):
                        guard let identifier = try await identifier(messageID: request.messageID, field: .cMoveResponse, context: context)
                        else { continue }
                        let move = MoveRequest(
                            messageID: request.messageID, sopClassUID: request.affectedSOPClassUID, identifier: identifier,
                            moveDestination: request.moveDestination, priority: request.priority)
                        try await start(request.messageID) { await runner.move(move, context: context, cancelSignal: $0) }
                    case .getRequest(let request):
                        guard let identifier = try await identifier(messageID: request.messageID, field: .cGetResponse, context: context)
                        else { continue }
                        let get = GetRequest(
                            messageID: request.messageID, sopClassUID: request.affectedSOPClassUID, identifier: identifier,
                            priority: request.priority)
                        try await start(request.messageID) {
                            await runner.get(get, command: request, context: context, cancelSignal: $0)
                        }
                    case .cancelRequest(let request):
                        if let signal = cancelSignal, signal.messageID == request.messageIDBeingRespondedTo {
                            signal.continuation.yield()
                        }
                    case .storeResponse(let response):
                        router.deliver(response)
                    case .echoResponse, .findResponse, .moveResponse, .getResponse:
                        throw DICOMNetworkError(.invalidCommand, "unexpected \(command.commandField) on the SCP side")
                    }
                case .dataSetFragment:
                    throw DICOMNetworkError(.unexpectedFragment, "data set fragment outside a message")
                case .releaseRequested:
                    try await operations.waitForAll()
                    _ = try await core.handle(.releaseResponse)
                    await reader.waitForClose()
                    return
                case .aborted(let reason):
                    logger.info("association aborted: \(reason)")
                    router.fail(DICOMNetworkError(.associationClosed, reason))
                    return
                case .associateRequest, .associateAccepted, .associateRejected, .released:
                    throw DICOMNetworkError(.unexpectedPDU, "association PDU inside an established association")
                }
            }
        }
    }

    /// C-STORE: hands the data set stream to the provider, drains what it left, answers with its status.
    private func store(_ request: CStoreRequest, context: AcceptedPresentationContext) async throws {
        let source = DataSetSource(reader: reader)
        let store = StoreRequest(
            messageID: request.messageID, sopClassUID: request.affectedSOPClassUID,
            sopInstanceUID: request.affectedSOPInstanceUID, transferSyntax: context.transferSyntax, priority: request.priority,
            moveOriginatorAETitle: request.moveOriginatorAETitle, moveOriginatorMessageID: request.moveOriginatorMessageID)
        var comment: String?
        let status: DIMSEStatus
        do {
            status = try await provider.store(store, dataSet: DataSetStream(source: source), association: association)
        } catch let error as DIMSEStatusError {
            (status, comment) = (error.status, error.comment)
        } catch let error as DICOMNetworkError where source.isFinished && error.code == .associationClosed {
            throw error
        } catch {
            logger.warning("C-STORE failed: \(error)")
            (status, comment) = (.processingFailure, "\(error)".prefix(64).description)
        }
        try await source.drain()
        let response = CStoreResponse(
            messageIDBeingRespondedTo: request.messageID, status: status, affectedSOPClassUID: request.affectedSOPClassUID,
            affectedSOPInstanceUID: request.affectedSOPInstanceUID, errorComment: status.isSuccess ? nil : comment)
        try await core.send(command: response.commandSet, contextID: context.id)
    }

    /// Reads and decodes a request's identifier; an undecodable one is answered with a failure, nil returned.
    private func identifier(messageID: UInt16, field: CommandField, context: AcceptedPresentationContext) async throws -> DataSet? {
        let bytes = try await reader.collectDataSet(limit: maximumIdentifierLength)
        do {
            return try DataSet(decoding: bytes, transferSyntax: context.transferSyntax)
        } catch {
            logger.info("\(field) identifier undecodable: \(error)")
            var response = CommandSet(commandField: field, hasDataSet: false)
            response.messageIDBeingRespondedTo = messageID
            response.affectedSOPClassUID = context.abstractSyntax
            response.status = .dataSetDoesNotMatchSOPClass
            try await core.send(command: response, contextID: context.id)
            return nil
        }
    }
}

/// The find, move and get operations of one association, run in child tasks of its session (hence `Sendable`: no
/// reader in here, only the writer side).
struct ServerOperations<Provider: DIMSEServiceProvider>: Sendable {
    let provider: Provider
    let core: AssociationCore
    let router: ResponseRouter
    let association: AssociationContext<Provider.AssociationState>
    let logger: Logger

    func find(_ request: FindRequest, context: AcceptedPresentationContext, cancelSignal: AsyncStream<Void>) async {
        let core = self.core
        let responses = FindResponseWriter { match in
            let response = CFindResponse(
                messageIDBeingRespondedTo: request.messageID, status: .pending, affectedSOPClassUID: request.sopClassUID,
                hasIdentifier: true)
            try await core.send(
                command: response.commandSet, contextID: context.id, dataSet: try match.encoded(transferSyntax: context.transferSyntax))
        }
        let provider = self.provider
        let association = self.association
        let status = await outcome(of: "C-FIND", cancelSignal: cancelSignal) {
            try await provider.find(request, responses: responses, association: association)
        } failure: { $0 }
        let response = CFindResponse(
            messageIDBeingRespondedTo: request.messageID, status: status, affectedSOPClassUID: request.sopClassUID,
            hasIdentifier: false)
        try? await core.send(command: response.commandSet, contextID: context.id)
    }

    func move(_ request: MoveRequest, context: AcceptedPresentationContext, cancelSignal: AsyncStream<Void>) async {
        let core = self.core
        let progress = RetrieveProgress { counts in
            let response = CRetrieveResponse(
                commandField: .cMoveResponse, messageIDBeingRespondedTo: request.messageID, status: .pending,
                affectedSOPClassUID: request.sopClassUID, subOperations: counts)
            try await core.send(command: response.commandSet, contextID: context.id)
        }
        let provider = self.provider
        let association = self.association
        let outcome = await outcome(of: "C-MOVE", cancelSignal: cancelSignal) {
            try await provider.move(request, progress: progress, association: association)
        } failure: { RetrieveOutcome(status: $0) }
        await sendFinal(field: .cMoveResponse, messageID: request.messageID, sopClassUID: request.sopClassUID, outcome: outcome, context: context)
    }

    func get(
        _ request: GetRequest, command: CGetRequest, context: AcceptedPresentationContext, cancelSignal: AsyncStream<Void>
    ) async {
        let subOperations = GetSubOperations(core: core, router: router, negotiated: association.negotiated, getRequest: command)
        let provider = self.provider
        let association = self.association
        var outcome = await outcome(of: "C-GET", cancelSignal: cancelSignal) {
            try await provider.get(request, subOperations: subOperations, association: association)
        } failure: { RetrieveOutcome(status: $0) }
        let sent = subOperations.outcome
        outcome.counts = SubOperationCounts(
            remaining: outcome.status == .cancel ? sent.counts.remaining : nil, completed: sent.counts.completed,
            failed: sent.counts.failed, warning: sent.counts.warning)
        outcome.failedSOPInstanceUIDs += sent.failedSOPInstanceUIDs
        await sendFinal(field: .cGetResponse, messageID: request.messageID, sopClassUID: request.sopClassUID, outcome: outcome, context: context)
    }

    /// The final C-MOVE/C-GET response: success turns into "completed with failures" when some failed (PS3.4
    /// C.4.2.1.5), and the failed instances are listed in the identifier.
    private func sendFinal(
        field: CommandField, messageID: UInt16, sopClassUID: UID, outcome: RetrieveOutcome, context: AcceptedPresentationContext
    ) async {
        var status = outcome.status
        if status.isSuccess && (outcome.counts.failed > 0 || outcome.counts.warning > 0) {
            status = .subOperationsCompleteWithFailures
        }
        var identifier: ByteBuffer?
        if !outcome.failedSOPInstanceUIDs.isEmpty {
            let list = DataElement(
                tag: Tag(rawValue: 0x0008_0058), vr: .UI, asciiStrings: [outcome.failedSOPInstanceUIDs.map(\.rawValue).joined(separator: "\\")])
            identifier = try? DataSet([list]).encoded(transferSyntax: context.transferSyntax)
        }
        let response = CRetrieveResponse(
            commandField: field, messageIDBeingRespondedTo: messageID, status: status, affectedSOPClassUID: sopClassUID,
            subOperations: outcome.counts, hasIdentifier: identifier != nil)
        try? await core.send(command: response.commandSet, contextID: context.id, dataSet: identifier)
    }

    /// Runs a provider operation, cancelled when the signal fires (C-CANCEL); maps thrown errors to statuses.
    private func outcome<Result: Sendable>(
        of operation: String, cancelSignal: AsyncStream<Void>, _ body: @escaping @Sendable () async throws -> Result,
        failure: (DIMSEStatus) -> Result
    ) async -> Result {
        do {
            return try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    for await _ in cancelSignal { return nil }
                    return nil
                }
                while let result = try await group.next() {
                    group.cancelAll()
                    if let result { return result }
                }
                throw CancellationError()
            }
        } catch is CancellationError {
            return failure(.cancel)
        } catch let error as DIMSEStatusError {
            return failure(error.status)
        } catch {
            logger.warning("\(operation) failed: \(error)")
            return failure(.processingFailure)
        }
    }
}
