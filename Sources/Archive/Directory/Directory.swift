public import Foundation

/// An establishment as the directory records it.
public struct TenantRecord: Hashable, Sendable, Codable {
    public var id: TenantID
    /// The establishment's name as people know it ("Centre Hospitalier de Lens").
    public var name: String
    public var createdAt: Date
    /// The lossless syntax its uncompressed instances are re-encoded in at rest (`nuage compress`, the serve
    /// maintenance pass); `.none` keeps them as received.
    public var compression: CompressionAtRest

    public init(id: TenantID, name: String, createdAt: Date = Date(), compression: CompressionAtRest = .none) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.compression = compression
    }
}

/// A DICOM application entity the archive knows: a modality or PACS that sends to it (its calling AE title tells
/// the establishment), and a C-MOVE destination when it has a host and port.
public struct ApplicationEntity: Hashable, Sendable, Codable {
    /// The AE title (1–16 characters of the default repertoire, no backslash or control character, not all
    /// spaces); unique across the archive, compared without its leading and trailing spaces.
    public var title: String
    /// The establishment whose data the AE sends and may query and retrieve.
    public var tenant: TenantID
    /// Where C-MOVE sends to, and the address an association from this AE must come from when
    /// `checksAddress` is set.
    public var host: String?
    public var port: Int?
    /// Whether associations calling with this title are accepted only from `host`.
    public var checksAddress: Bool

    public init(title: String, tenant: TenantID, host: String? = nil, port: Int? = nil, checksAddress: Bool = false) {
        self.title = title
        self.tenant = tenant
        self.host = host
        self.port = port
        self.checksAddress = checksAddress
    }

    /// The title without the padding spaces DICOM allows around it; nil when it is not a valid AE title.
    public static func normalizedTitle(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: CharacterSet(charactersIn: " "))
        guard (1...16).contains(trimmed.utf8.count),
            trimmed.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") })
        else { return nil }
        return trimmed
    }
}

/// A local account (small practices without an identity provider; the `admin` account of a new archive).
public struct UserAccount: Hashable, Sendable, Codable {
    /// Unique across the archive; 1–64 characters of letters, digits, `.`, `_`, `-`, `@`.
    public var username: String
    public var tenant: TenantID
    public var roles: Set<Role>
    /// The password's hash in PHC string format (`$scrypt$ln=15,r=8,p=1$<salt>$<hash>`); never the password.
    public var passwordHash: String
    public var isDisabled: Bool

    public init(username: String, tenant: TenantID, roles: Set<Role>, passwordHash: String, isDisabled: Bool = false) {
        self.username = username
        self.tenant = tenant
        self.roles = roles
        self.passwordHash = passwordHash
        self.isDisabled = isDisabled
    }
}

/// A machine's credential. The key given to the machine is `nuage_<id>_<secret>`; the directory keeps the id and
/// the SHA-256 of the secret only.
public struct APIKeyRecord: Hashable, Sendable, Codable {
    /// The public part of the key, unique; also its name in logs and audit.
    public var id: String
    public var tenant: TenantID
    public var roles: Set<Role>
    /// SHA-256 of the secret part, lower-case hexadecimal.
    public var secretSHA256: String
    /// What the key is for ("RIS integration").
    public var label: String
    public var createdAt: Date
    public var isRevoked: Bool

    public init(
        id: String, tenant: TenantID, roles: Set<Role>, secretSHA256: String, label: String,
        createdAt: Date = Date(), isRevoked: Bool = false
    ) {
        self.id = id
        self.tenant = tenant
        self.roles = roles
        self.secretSHA256 = secretSHA256
        self.label = label
        self.createdAt = createdAt
        self.isRevoked = isRevoked
    }
}

/// Why the directory refused a change.
public struct DirectoryError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// The tenant, AE title, user or key does not exist.
        case notFound
        /// Another entry already has this name.
        case alreadyExists
        /// A value is not acceptable (an AE title of 17 characters, an unknown tenant for a user…).
        case invalidValue
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// Who may connect and how: establishments, AE titles, local accounts, API keys.
///
/// Errors are `DirectoryError` for what the directory refuses, the driver's errors for what the database does.
/// Administrative data, not patient data: its callers (the admin API, the command line, authentication) decide who
/// may change what; an establishment administrator's view is filtered with the `tenant` parameters. Lives in the
/// same database as the index (SQLite file or PostgreSQL schema; `IndexStore.directory`, ready once the index's
/// `prepare()` has run), so that the command line changes it while the
/// server runs and every node sees one directory. Lookups used on every association or request
/// (`applicationEntity(title:)`, `apiKey(id:)`, `user(named:)`) are single-row primary-key reads.
public protocol DirectoryStore: Sendable {
    // MARK: Establishments

    /// Every tenant, in id order.
    func tenants() async throws -> [TenantRecord]
    func tenant(_ id: TenantID) async throws -> TenantRecord?
    /// Creates the tenant; `alreadyExists` if it does.
    func createTenant(_ tenant: TenantRecord) async throws
    /// Sets the tenant's compression at rest; `notFound` when there is no such tenant.
    func setCompression(_ compression: CompressionAtRest, of tenant: TenantID) async throws

    // MARK: Application entities

    /// The AEs of one tenant, or of all when nil, in title order.
    func applicationEntities(tenant: TenantID?) async throws -> [ApplicationEntity]
    /// The AE whose normalised title is `title`'s.
    func applicationEntity(title: String) async throws -> ApplicationEntity?
    /// Adds the AE or replaces the one with its title; its tenant must exist (`invalidValue` otherwise).
    func saveApplicationEntity(_ entity: ApplicationEntity) async throws
    /// Removes the AE; false when there was none.
    @discardableResult
    func removeApplicationEntity(title: String) async throws -> Bool

    // MARK: Local accounts

    func users(tenant: TenantID?) async throws -> [UserAccount]
    func user(named username: String) async throws -> UserAccount?
    /// Adds the account or replaces the one with its username; its tenant must exist.
    func saveUser(_ user: UserAccount) async throws
    @discardableResult
    func removeUser(named username: String) async throws -> Bool

    // MARK: API keys

    func apiKeys(tenant: TenantID?) async throws -> [APIKeyRecord]
    func apiKey(id: String) async throws -> APIKeyRecord?
    /// Adds the key or replaces the one with its id; its tenant must exist.
    func saveAPIKey(_ key: APIKeyRecord) async throws
    @discardableResult
    func removeAPIKey(id: String) async throws -> Bool
}
