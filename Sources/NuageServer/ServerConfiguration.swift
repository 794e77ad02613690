public import Configuration
public import Foundation
import SystemPackage
public import DICOMNetworkNIO
public import DIMSEService
public import WebService
import Archive
import Authentication
import NIOCore

/// Everything `nuage serve` reads from its configuration: one JSON file (optional) and environment variables
/// `NUAGE_…`, which win over the file (swift-configuration). Every key is documented in docs/configuration.md.
///
/// Keys are dotted (`http.port`); the file nests them (`{"http": {"port": 8080}}`) and the environment spells
/// them `NUAGE_HTTP_PORT`. A value that cannot be used (a port of 70000, an unknown backend) throws
/// `ConfigurationError` naming the key, before anything starts.
public struct ServerConfiguration: Sendable {
    public var storage: ArchiveStorage
    public var httpHost: String
    public var httpPort: Int
    public var web: WebServiceConfiguration
    /// Cache series metadata (derived data, `<data>/cache/`).
    public var cachesMetadata: Bool
    /// A JWKS file (RFC 7517) whose keys verify bearer JWTs.
    public var jwksFile: String?
    /// A shared secret verifying HS256 bearer JWTs (for identity providers that sign with one).
    public var jwtHMACSecret: String?
    /// How long an account or API key read from the directory is reused for later requests
    /// (`CredentialVerifier.recordLifetime`); zero reads the directory for every request.
    public var credentialRecordLifetime: Duration = .seconds(2)
    /// The password of the `admin` account created on first start; generated and printed once when absent.
    public var adminPassword: String?
    /// swift-log level of the server's logger.
    public var logLevel: String
    /// The DIMSE listener (nil: off): address, port and limits.
    public var dicom: DIMSEServerConfiguration?
    /// Who the DIMSE SCP admits and how it answers.
    public var dicomService: DIMSEServiceConfiguration
    /// How long the compression-at-rest service waits between passes once it has caught up (nil: the service is
    /// off; `nuage compress` still works). Only tenants that opted in are compressed.
    public var compressionInterval: Duration? = .seconds(600)

    public init(
        storage: ArchiveStorage = ArchiveStorage(), httpHost: String = "0.0.0.0", httpPort: Int = 8080,
        web: WebServiceConfiguration = WebServiceConfiguration(), cachesMetadata: Bool = true,
        jwksFile: String? = nil, jwtHMACSecret: String? = nil, adminPassword: String? = nil, logLevel: String = "info",
        dicom: DIMSEServerConfiguration? = DIMSEServerConfiguration(),
        dicomService: DIMSEServiceConfiguration = DIMSEServiceConfiguration()
    ) {
        self.storage = storage
        self.httpHost = httpHost
        self.httpPort = httpPort
        self.web = web
        self.cachesMetadata = cachesMetadata
        self.jwksFile = jwksFile
        self.jwtHMACSecret = jwtHMACSecret
        self.adminPassword = adminPassword
        self.logLevel = logLevel
        self.dicom = dicom
        self.dicomService = dicomService
    }

    /// The configuration from the environment (`NUAGE_*`) and, when given, a JSON file (`NUAGE_CONFIG_FILE` or
    /// `file`), the environment winning.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment, file: String? = nil
    ) async throws -> ServerConfiguration {
        let environmentProvider = EnvironmentVariablesProvider(
            environmentVariables: environment,
            secretsSpecifier: .specific(["NUAGE_ADMIN_PASSWORD", "NUAGE_AUTH_JWT_SECRET", "NUAGE_INDEX_POSTGRES_URL"])
        ).prefixKeys(with: ["nuage"])
        var providers: [any ConfigProvider] = [environmentProvider]
        if let path = file ?? environment["NUAGE_CONFIG_FILE"] {
            providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(path)))
        }
        return try ServerConfiguration(reader: ConfigReader(providers: providers))
    }

    /// The configuration from a reader (the keys of docs/configuration.md).
    public init(reader config: ConfigReader) throws {
        let backendName = config.string(forKey: "index.backend", default: "sqlite")
        guard let backend = ArchiveStorage.Backend(rawValue: backendName) else {
            throw ConfigurationError(key: "index.backend", reason: "sqlite or postgres")
        }
        let postgresURL = config.string(forKey: "index.postgres.url", isSecret: true)
        if backend == .postgres && postgresURL == nil {
            throw ConfigurationError(key: "index.postgres.url", reason: "required with index.backend postgres")
        }
        let ioThreads = config.int(forKey: "io.threads", default: 32)
        guard (1...1024).contains(ioThreads) else { throw ConfigurationError(key: "io.threads", reason: "1 to 1024") }
        storage = ArchiveStorage(
            dataFolder: config.string(forKey: "data.folder", default: "./nuage-data"), backend: backend,
            postgresURL: postgresURL, postgresSchema: config.string(forKey: "index.postgres.schema"),
            ioThreads: ioThreads)
        httpHost = config.string(forKey: "http.host", default: "0.0.0.0")
        httpPort = config.int(forKey: "http.port", default: 8080)
        guard (0...65535).contains(httpPort) else { throw ConfigurationError(key: "http.port", reason: "0 to 65535") }
        let root = config.string(forKey: "dicomweb.root", default: "/dicomweb")
        guard root.hasPrefix("/"), !root.hasSuffix("/"), root.count > 1 else {
            throw ConfigurationError(key: "dicomweb.root", reason: "a path such as /dicomweb (leading slash, none trailing)")
        }
        let maximumResults = config.int(forKey: "dicomweb.maxResults", default: 10_000)
        guard maximumResults > 0 else { throw ConfigurationError(key: "dicomweb.maxResults", reason: "positive") }
        let maximumStoreBodyBytes = config.int(forKey: "dicomweb.maxStoreBodyBytes", default: 4 << 30)
        guard maximumStoreBodyBytes > 0 else {
            throw ConfigurationError(key: "dicomweb.maxStoreBodyBytes", reason: "positive")
        }
        let maximumConversionBytes = config.int(forKey: "dicomweb.maxConversionBytes", default: 64 << 20)
        guard maximumConversionBytes >= 0 else {
            throw ConfigurationError(key: "dicomweb.maxConversionBytes", reason: "0 or more")
        }
        let storeConcurrency = config.int(forKey: "dicomweb.storeConcurrency", default: 32)
        guard (1...256).contains(storeConcurrency) else {
            throw ConfigurationError(key: "dicomweb.storeConcurrency", reason: "1 to 256")
        }
        let logRounds = config.int(forKey: "auth.scryptLogRounds", default: PasswordHasher.Cost.standard.logRounds)
        guard (10...20).contains(logRounds) else {
            throw ConfigurationError(key: "auth.scryptLogRounds", reason: "10 to 20")
        }
        web = WebServiceConfiguration(
            dicomWeb: DICOMWebConfiguration(
                root: root, maximumSearchResults: maximumResults, maximumStoreBodyBytes: Int64(maximumStoreBodyBytes),
                storeConcurrency: storeConcurrency, maximumConversionBytes: Int64(maximumConversionBytes)),
            corsOrigins: config.stringArray(forKey: "http.corsOrigins", default: []),
            passwordCost: PasswordHasher.Cost(logRounds: logRounds))
        cachesMetadata = config.bool(forKey: "dicomweb.metadataCache", default: true)
        jwksFile = config.string(forKey: "auth.jwksFile")
        jwtHMACSecret = config.string(forKey: "auth.jwtSecret", isSecret: true)
        let recordSeconds = config.int(forKey: "auth.recordLifetimeSeconds", default: 2)
        guard (0...3600).contains(recordSeconds) else {
            throw ConfigurationError(key: "auth.recordLifetimeSeconds", reason: "0 to 3600")
        }
        credentialRecordLifetime = .seconds(recordSeconds)
        adminPassword = config.string(forKey: "admin.password", isSecret: true)
        logLevel = config.string(forKey: "log.level", default: "info")
        (dicom, dicomService) = try Self.dicomSettings(config)
        let compressionSeconds = config.int(forKey: "compression.intervalSeconds", default: 600)
        guard compressionSeconds > 0 else {
            throw ConfigurationError(key: "compression.intervalSeconds", reason: "positive")
        }
        compressionInterval =
            config.bool(forKey: "compression.enabled", default: true) ? .seconds(compressionSeconds) : nil
    }

    /// The `dicom.*` keys: the DIMSE listener and its admission rules.
    private static func dicomSettings(
        _ config: ConfigReader
    ) throws -> (DIMSEServerConfiguration?, DIMSEServiceConfiguration) {
        let aeTitle = config.string(forKey: "dicom.aeTitle", default: "NUAGE")
        guard let title = ApplicationEntity.normalizedTitle(aeTitle) else {
            throw ConfigurationError(key: "dicom.aeTitle", reason: "1 to 16 characters, no backslash")
        }
        let tenantName = config.string(forKey: "dicom.unknownCallersTenant", default: TenantID.defaultTenant.rawValue)
        guard let tenant = TenantID(rawValue: tenantName) else {
            throw ConfigurationError(key: "dicom.unknownCallersTenant", reason: "a tenant id")
        }
        let findLimit = config.int(forKey: "dicom.maxFindResults", default: 10_000)
        guard findLimit > 0 else { throw ConfigurationError(key: "dicom.maxFindResults", reason: "positive") }
        let service = DIMSEServiceConfiguration(
            aeTitle: title, acceptsUnknownCallingAETitles: config.bool(forKey: "dicom.acceptUnknownCallers", default: false),
            unknownCallersTenant: tenant, checksCalledAETitle: config.bool(forKey: "dicom.checkCalledAETitle", default: true),
            requiresUserIdentity: config.bool(forKey: "dicom.requireUserIdentity", default: false),
            maximumFindResults: findLimit)
        guard config.bool(forKey: "dicom.enabled", default: true) else { return (nil, service) }
        let port = config.int(forKey: "dicom.port", default: 11112)
        guard (0...65535).contains(port) else { throw ConfigurationError(key: "dicom.port", reason: "0 to 65535") }
        let associations = config.int(forKey: "dicom.maxAssociations", default: 64)
        guard (1...10_000).contains(associations) else {
            throw ConfigurationError(key: "dicom.maxAssociations", reason: "1 to 10000")
        }
        let pduLength = config.int(forKey: "dicom.maxPDULength", default: 256 * 1024)
        guard (4096...(16 << 20)).contains(pduLength) else {
            throw ConfigurationError(key: "dicom.maxPDULength", reason: "4096 to 16777216")
        }
        let idleSeconds = config.int(forKey: "dicom.idleTimeoutSeconds", default: 120)
        guard idleSeconds > 0 else { throw ConfigurationError(key: "dicom.idleTimeoutSeconds", reason: "positive") }
        let server = DIMSEServerConfiguration(
            host: config.string(forKey: "dicom.host", default: "0.0.0.0"), port: port,
            maximumAssociations: associations, maximumPDULength: UInt32(pduLength),
            idleTimeout: .seconds(Int64(idleSeconds)))
        return (server, service)
    }
}

/// A configuration value that cannot be used.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var key: String
    public var reason: String

    public var description: String { "configuration key \(key): \(reason)" }
}
