import Archive
import ArchiveCompression
import Authentication
import DICOMNetworkNIO
import DIMSEService
import Foundation
import Hummingbird
import JWTKit
public import Logging
public import NIOCore
import ServiceLifecycle
import UnixSignals
import WebService

/// The composition root of `nuage serve` (DESIGN §2): opens the archive and its directory, makes sure a first start
/// leaves a usable archive, and runs the network services in one `ServiceGroup` until SIGTERM or SIGINT.
///
/// Shutdown is graceful: the HTTP server stops accepting connections and lets requests in flight (a STOW-RS body
/// being stored) complete before the archive's stores close.
public enum NuageServer {
    /// Runs the server until a termination signal (or until the task is cancelled).
    ///
    /// - Parameters:
    ///   - onHTTPServerRunning: called with the bound address once the HTTP server listens (port 0 picks one).
    public static func run(
        _ configuration: ServerConfiguration, logger: Logger,
        onHTTPServerRunning: @escaping @Sendable (SocketAddress?) async -> Void = { _ in }
    ) async throws {
        if !AllocatorTuning.apply() {
            logger.warning("the allocator's thresholds could not be set: retrievals run with glibc's defaults")
        }
        try await configuration.storage.withArchive(logger: logger) { archive, directory, _ in
            try await FirstStart.prepare(
                directory: directory, adminPassword: configuration.adminPassword, cost: configuration.web.passwordCost,
                logger: logger)
            let credentials = CredentialVerifier(
                directory: directory, jwtKeys: try await jwtKeys(configuration),
                recordLifetime: configuration.credentialRecordLifetime)
            let authenticator = Authenticator(credentials: credentials)
            let cache = SeriesMetadataCache(folder: configuration.cachesMetadata ? configuration.storage.cacheFolder : nil)
            let router = WebRouter.make(
                archive: archive, directory: directory, authenticator: authenticator, metadataCache: cache,
                configuration: configuration.web)
            let http = Application(
                router: router,
                configuration: ApplicationConfiguration(
                    address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "nuage"),
                onServerRunning: { channel in await onHTTPServerRunning(channel.localAddress) },
                logger: logger)
            var services: [any Service] = [http]
            if let dicom = configuration.dicom {
                let provider = ArchiveDIMSEProvider(
                    archive: archive, directory: directory, credentials: credentials,
                    configuration: configuration.dicomService,
                    client: DIMSEClient(logger: logger), logger: logger)
                let server = try DIMSEServer(configuration: dicom, provider: provider, logger: logger)
                services.append(server)
                logger.notice(
                    "DICOM listener", metadata: ["dicom.port": "\(dicom.port)", "dicom.ae_title": "\(configuration.dicomService.aeTitle)"])
            }
            if let interval = configuration.compressionInterval {
                services.append(
                    CompressionService(
                        pass: CompressionPass(archive: archive, directory: directory), interval: interval,
                        logger: logger))
            }
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger))
            try await group.run()
        }
    }

    /// The keys that verify bearer JWTs: a JWKS file's and an HS256 secret, when configured; nil when neither is.
    static func jwtKeys(_ configuration: ServerConfiguration) async throws -> JWTKeyCollection? {
        guard configuration.jwksFile != nil || configuration.jwtHMACSecret != nil else { return nil }
        let keys = JWTKeyCollection()
        if let path = configuration.jwksFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(key: "auth.jwksFile", reason: "cannot read \(path)")
            }
            do {
                try await keys.add(jwksJSON: String(decoding: data, as: UTF8.self))
            } catch {
                throw ConfigurationError(key: "auth.jwksFile", reason: "not a JWKS document: \(error)")
            }
        }
        if let secret = configuration.jwtHMACSecret {
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        }
        return keys
    }
}
