public import DICOM
public import DICOMCore
import DICOMNetwork
public import Logging
import NIOConcurrencyHelpers
public import NIOCore
public import NIOPosix
public import NIOSSL
public import ServiceLifecycle

/// The settings of a `DIMSEServer`.
public struct DIMSEServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (see `DIMSEServer.listeningAddress()`).
    public var port: Int
    /// Associations served at once; one more is rejected as transient, "local limit exceeded" (PS3.8 Table 9-21).
    public var maximumAssociations: Int
    /// The Maximum Length announced and enforced for received P-DATA-TF PDUs (PS3.8 §D.1). With at most four
    /// PDUs queued per association, it bounds an association's buffered input to about 5 × this value.
    public var maximumPDULength: UInt32
    /// An association with no PDU read or written for this long is closed.
    public var idleTimeout: TimeAmount
    /// PS3.8 §9.1.5's ARTIM timer: the wait for the A-ASSOCIATE-RQ and for the peer to close after a release,
    /// a rejection or an abort.
    public var artimTimeout: TimeAmount
    /// On graceful shutdown, how long associations in flight may take before they are closed.
    public var shutdownGracePeriod: TimeAmount
    /// The largest C-FIND/C-MOVE/C-GET identifier accepted.
    public var maximumIdentifierLength: Int
    /// TLS (PS3.15 Annex B, the DICOM TLS profiles): the server certificate and key, and
    /// `certificateVerification` to require client certificates. Nil: plain TCP.
    public var tls: TLSConfiguration?
    public var implementationClassUID: UID
    public var implementationVersionName: String

    public init(
        host: String = "0.0.0.0", port: Int = 11112, maximumAssociations: Int = 64, maximumPDULength: UInt32 = 256 * 1024,
        idleTimeout: TimeAmount = .seconds(120), artimTimeout: TimeAmount = .seconds(30),
        shutdownGracePeriod: TimeAmount = .seconds(30), maximumIdentifierLength: Int = 1 << 20, tls: TLSConfiguration? = nil,
        implementationClassUID: UID = Implementation.classUID, implementationVersionName: String = Implementation.versionName
    ) {
        self.host = host
        self.port = port
        self.maximumAssociations = maximumAssociations
        self.maximumPDULength = maximumPDULength
        self.idleTimeout = idleTimeout
        self.artimTimeout = artimTimeout
        self.shutdownGracePeriod = shutdownGracePeriod
        self.maximumIdentifierLength = maximumIdentifierLength
        self.tls = tls
        self.implementationClassUID = implementationClassUID
        self.implementationVersionName = implementationVersionName
    }
}

/// A DICOM DIMSE server (SCP): accepts associations and serves C-ECHO, C-STORE, C-FIND, C-MOVE and C-GET through a
/// `DIMSEServiceProvider`.
///
/// PS3.7, PS3.8. A `Service`: `run()` listens until cancelled or gracefully shut down; on graceful shutdown it stops
/// accepting, lets the associations in flight finish for `shutdownGracePeriod`, then closes them. Every socket has
/// TCP_NODELAY. Hostile input (garbage, absurd lengths, PDUs out of state) ends that association with an A-ABORT and
/// one log line; other associations are unaffected.
public final class DIMSEServer<Provider: DIMSEServiceProvider>: Service, Sendable {
    public let configuration: DIMSEServerConfiguration
    let provider: Provider
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    private let sslContext: NIOSSLContext?
    private let bound = ListeningAddress()
    private let connections = NIOLockedValueBox([ObjectIdentifier: any Channel]())

    public init(
        configuration: DIMSEServerConfiguration, provider: Provider,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) throws {
        self.configuration = configuration
        self.provider = provider
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.sslContext = try configuration.tls.map { try NIOSSLContext(configuration: $0) }
    }

    /// The address the server listens on, once `run()` has bound it.
    public func listeningAddress() async throws -> SocketAddress {
        try await bound.value()
    }

    public func run() async throws {
        let configuration = self.configuration
        let sslContext = self.sslContext
        let serverChannel: NIOAsyncChannel<NIOAsyncChannel<PDU, PDU>, Never>
        do {
            serverChannel = try await ServerBootstrap(group: eventLoopGroup)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.allowRemoteHalfClosure, value: false)
                .bind(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let sslContext {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                        }
                        return try channel.makeAssociationChannel(
                            maximumPDULength: configuration.maximumPDULength, idleTimeout: configuration.idleTimeout)
                    }
                }
        } catch {
            bound.resolve(.failure(error))
            throw error
        }
        if let address = serverChannel.channel.localAddress {
            bound.resolve(.success(address))
            logger.info("DIMSE server listening", metadata: ["dicom.address": "\(address)"])
        }
        let listener = serverChannel.channel
        try await withGracefulShutdownHandler {
            try await serverChannel.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        let count = connections.withLockedValue { connections in
                            connections[ObjectIdentifier(connection.channel)] = connection.channel
                            return connections.count
                        }
                        group.addTask {
                            await self.serve(connection, overLimit: count > configuration.maximumAssociations)
                            _ = self.connections.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(connection.channel)) }
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            listener.close(promise: nil)
            let connections = self.connections
            listener.eventLoop.scheduleTask(in: configuration.shutdownGracePeriod) {
                for channel in connections.withLockedValue({ Array($0.values) }) { channel.close(promise: nil) }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<PDU, PDU>, overLimit: Bool) async {
        let peer = connection.channel.remoteAddress.map(Self.describe) ?? "unknown"
        var logger = self.logger
        logger[metadataKey: "dicom.peer"] = "\(peer)"
        do {
            try await connection.executeThenClose { inbound, outbound in
                let core = AssociationCore(
                    channel: connection.channel, outbound: outbound, machine: .acceptor(),
                    artimTimeout: configuration.artimTimeout, logger: logger)
                let reader = AssociationReader(core: core, inbound: inbound)
                do {
                    try await negotiate(core: core, reader: reader, peer: peer, overLimit: overLimit, logger: &logger)
                } catch let error as DICOMNetworkError {
                    if core.machineState != .awaitingTransportClose && core.machineState != .idle {
                        _ = try? await core.handle(.receivedInvalidPDU(error))
                    }
                    logger.warning("association aborted: \(error)")
                    await reader.waitForClose()
                }
            }
        } catch {
            logger.warning("association ended with an error: \(error)")
        }
    }

    private func negotiate(
        core: AssociationCore, reader: AssociationReader, peer: String, overLimit: Bool, logger: inout Logger
    ) async throws {
        _ = try await core.handle(.transportAccepted)
        guard case .associateRequest(let request) = try await reader.next() else {
            await reader.waitForClose()
            return
        }
        logger[metadataKey: "dicom.calling_ae"] = "\(request.callingAETitle)"
        logger[metadataKey: "dicom.called_ae"] = "\(request.calledAETitle)"
        if overLimit {
            logger.warning("association rejected: \(configuration.maximumAssociations) associations already")
            let reject = AssociateReject(result: .transient, reason: .serviceProviderPresentation(.localLimitExceeded))
            _ = try await core.handle(.associateReject(reject))
            await reader.waitForClose()
            return
        }
        let info = AssociationRequestInfo(peerAddress: peer, isTLS: sslContext != nil, request: request)
        switch await provider.associationRequested(info) {
        case .reject(let reject):
            logger.info("association rejected: \(reject.reason)")
            _ = try await core.handle(.associateReject(reject))
            await reader.waitForClose()
        case .accept(let state, let policy, let identityResponse):
            let accept = policy.accept(
                request, results: policy.results(for: request), maximumLength: configuration.maximumPDULength,
                implementationClassUID: configuration.implementationClassUID,
                implementationVersionName: configuration.implementationVersionName,
                userIdentityResponse: identityResponse.map { UserIdentityResponse(serverResponse: $0) })
            let negotiated = AssociationAcceptancePolicy.negotiated(request, accept)
            core.peerMaximumLength = negotiated.peerMaximumLength
            _ = try await core.handle(.associateAccept(accept))
            let context = AssociationContext(
                callingAETitle: request.callingAETitle, calledAETitle: request.calledAETitle, peerAddress: peer,
                userIdentity: request.userInformation.userIdentityRequest, negotiated: negotiated, state: state)
            logger.debug("association accepted", metadata: ["dicom.contexts": "\(negotiated.acceptedContexts.count)"])
            let session = ServerSession(
                provider: provider, core: core, reader: reader, association: context,
                maximumIdentifierLength: configuration.maximumIdentifierLength, logger: logger)
            defer { logger.debug("association ended") }
            do {
                try await session.run()
            } catch {
                await provider.associationEnded(association: context)
                throw error
            }
            await provider.associationEnded(association: context)
        }
    }

    private static func describe(_ address: SocketAddress) -> String {
        if let ip = address.ipAddress, let port = address.port { return "\(ip):\(port)" }
        return "\(address)"
    }
}

/// The bound address, for those who wait for it (tests bind port 0).
final class ListeningAddress: Sendable {
    private struct State {
        var result: Result<SocketAddress, any Error>?
        var waiters: [CheckedContinuation<SocketAddress, any Error>] = []
    }

    private let state = NIOLockedValueBox(State())

    func value() async throws -> SocketAddress {
        try await withCheckedThrowingContinuation { continuation in
            let result = state.withLockedValue { state in
                if state.result == nil { state.waiters.append(continuation) }
                return state.result
            }
            if let result { continuation.resume(with: result) }
        }
    }

    func resolve(_ result: Result<SocketAddress, any Error>) {
        let waiters = state.withLockedValue { state in
            state.result = result
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }
}
