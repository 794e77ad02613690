public import Archive
public import Authentication
import Foundation
public import Hummingbird

/// The administration API (JSON; described by `docs/openapi/admin.json`): establishments, local accounts, API
/// keys, the AE registry and statistics.
///
/// A service operator administers every tenant; an establishment administrator only their own (another tenant's
/// entries are answered as absent, 404); anyone else gets 403. Passwords are stored as scrypt PHC strings and API
/// key secrets as SHA-256 digests; the key's text is shown once, in the response that creates it.
public struct AdminService: Sendable {
    public let archive: ArchiveService
    public let directory: any DirectoryStore
    /// The cost of new password hashes.
    public let passwordCost: PasswordHasher.Cost
    /// The verifier of this server's requests, told when an account or a key changes (it keeps recent records).
    public let credentials: CredentialVerifier?

    public init(
        archive: ArchiveService, directory: any DirectoryStore, passwordCost: PasswordHasher.Cost = .standard,
        credentials: CredentialVerifier? = nil
    ) {
        self.archive = archive
        self.directory = directory
        self.passwordCost = passwordCost
        self.credentials = credentials
    }

    public func addRoutes(to router: some RouterMethods<WebContext>) {
        let admin = router.group("admin")
        admin.get("statistics") { _, context in try await self.statistics(context) }
        admin.get("tenants") { _, context in try await self.tenants(context) }
        admin.post("tenants") { request, context in try await self.createTenant(request, context) }
        admin.patch("tenants/:id") { request, context in try await self.updateTenant(request, context) }
        admin.get("users") { request, context in try await self.users(request, context) }
        admin.post("users") { request, context in try await self.createUser(request, context) }
        admin.delete("users/:username") { _, context in try await self.removeUser(context) }
        admin.get("api-keys") { request, context in try await self.apiKeys(request, context) }
        admin.post("api-keys") { request, context in try await self.createAPIKey(request, context) }
        admin.delete("api-keys/:id") { _, context in try await self.removeAPIKey(context) }
        admin.get("application-entities") { request, context in try await self.applicationEntities(request, context) }
        admin.put("application-entities/:title") { request, context in try await self.saveApplicationEntity(request, context) }
        admin.delete("application-entities/:title") { _, context in try await self.removeApplicationEntity(context) }
    }

    // MARK: Who may administer what

    /// The tenants the caller administers: nil for all (service operator), else their own.
    private func administeredTenants(_ context: WebContext) throws -> Set<TenantID>? {
        let access = try context.requireAccess()
        if access.roles.contains(.serviceOperator) { return nil }
        if access.roles.contains(.establishmentAdministrator) { return [access.tenant] }
        throw Problem(.forbidden, "administration needs the serviceOperator or establishmentAdministrator role")
    }

    /// The tenant a request names (or the caller's), checked against what the caller administers.
    private func targetTenant(_ named: String?, _ context: WebContext) throws -> TenantID {
        let access = try context.requireAccess()
        guard let named else { return access.tenant }
        guard let tenant = TenantID(rawValue: named) else { throw Problem.badRequest("tenant is not a tenant id") }
        if let allowed = try administeredTenants(context), !allowed.contains(tenant) { throw Problem.notFound("no such tenant") }
        return tenant
    }

    private func visible(_ tenant: TenantID, _ context: WebContext) throws -> Bool {
        try administeredTenants(context).map { $0.contains(tenant) } ?? true
    }

    private func filterTenant(_ request: Request, _ context: WebContext) throws -> TenantID? {
        if let named = request.uri.queryParameters["tenant"] { return try targetTenant(String(named), context) }
        return try administeredTenants(context) == nil ? nil : try context.requireAccess().tenant
    }

    // MARK: Handlers

    func statistics(_ context: WebContext) async throws -> Response {
        _ = try administeredTenants(context)
        let access = try context.requireAccess()
        let compression = try await archive.compressionTotals(context: access)
        return try json(
            try await archive.statistics(context: access).map { counts in
                StatisticsBody(counts, compression: compression.first { $0.tenant == counts.tenant })
            })
    }

    func tenants(_ context: WebContext) async throws -> Response {
        let allowed = try administeredTenants(context)
        let tenants = try await directory.tenants().filter { allowed?.contains($0.id) ?? true }
        return try json(tenants.map(TenantBody.init))
    }

    func createTenant(_ request: Request, _ context: WebContext) async throws -> Response {
        guard try administeredTenants(context) == nil else {
            throw Problem(.forbidden, "creating establishments needs the serviceOperator role")
        }
        let body = try await decode(TenantBody.self, request, context)
        guard let id = TenantID(rawValue: body.id) else {
            throw Problem.badRequest("id must be 1-63 lower-case letters, digits and hyphens")
        }
        let record = TenantRecord(id: id, name: body.name, compression: try Self.compression(body.compression))
        try await directory.createTenant(record)
        let scope = try archive.policy.scope(for: .system(id, task: "admin"), action: .write)
        try await archive.blobs.prepare(tenant: id, scope: scope)
        return try json(TenantBody(record), status: .created)
    }

    /// PATCH /admin/tenants/{id}: the settings the body names (its compression at rest).
    func updateTenant(_ request: Request, _ context: WebContext) async throws -> Response {
        let tenant = try targetTenant(context.parameters.get("id") ?? "", context)
        let body = try await decode(TenantSettingsBody.self, request, context)
        guard try await directory.tenant(tenant) != nil else { throw Problem.notFound("no such tenant") }
        if body.compression != nil {
            try await directory.setCompression(try Self.compression(body.compression), of: tenant)
        }
        guard let record = try await directory.tenant(tenant) else { throw Problem.notFound("no such tenant") }
        return try json(TenantBody(record))
    }

    func users(_ request: Request, _ context: WebContext) async throws -> Response {
        let users = try await directory.users(tenant: try filterTenant(request, context))
        return try json(users.map(UserBody.init))
    }

    func createUser(_ request: Request, _ context: WebContext) async throws -> Response {
        let body = try await decode(NewUserBody.self, request, context)
        let tenant = try targetTenant(body.tenant, context)
        guard body.username.utf8.count <= 64, !body.username.isEmpty,
            body.username.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-_@".contains($0)) })
        else { throw Problem.badRequest("username: 1-64 letters, digits, '.', '_', '-', '@'") }
        guard body.password.count >= 12, body.password.utf8.count <= 1024 else {
            throw Problem.badRequest("password: at least 12 characters")
        }
        if let existing = try await directory.user(named: body.username), try !visible(existing.tenant, context) {
            throw Problem(.conflict, "the username is taken")
        }
        let user = UserAccount(
            username: body.username, tenant: tenant, roles: try Self.roles(body.roles),
            passwordHash: try PasswordHasher.hash(body.password, cost: passwordCost))
        try await directory.saveUser(user)
        credentials?.forgetDirectoryRecords()
        return try json(UserBody(user), status: .created)
    }

    func removeUser(_ context: WebContext) async throws -> Response {
        try await removeEntry(context, parameter: "username", kind: "user") { name in
            try await directory.user(named: name).map { ($0.tenant, $0.username) }
        } remove: {
            defer { credentials?.forgetDirectoryRecords() }
            return try await directory.removeUser(named: $0)
        }
    }

    func apiKeys(_ request: Request, _ context: WebContext) async throws -> Response {
        let keys = try await directory.apiKeys(tenant: try filterTenant(request, context))
        return try json(keys.map { APIKeyBody($0, key: nil) })
    }

    func createAPIKey(_ request: Request, _ context: WebContext) async throws -> Response {
        let body = try await decode(NewAPIKeyBody.self, request, context)
        let tenant = try targetTenant(body.tenant, context)
        let (key, record) = APIKeys.make(tenant: tenant, roles: try Self.roles(body.roles), label: body.label)
        try await directory.saveAPIKey(record)
        credentials?.forgetDirectoryRecords()
        return try json(APIKeyBody(record, key: key), status: .created)
    }

    func removeAPIKey(_ context: WebContext) async throws -> Response {
        try await removeEntry(context, parameter: "id", kind: "API key") { id in
            try await directory.apiKey(id: id).map { ($0.tenant, $0.id) }
        } remove: {
            defer { credentials?.forgetDirectoryRecords() }
            return try await directory.removeAPIKey(id: $0)
        }
    }

    func applicationEntities(_ request: Request, _ context: WebContext) async throws -> Response {
        let entities = try await directory.applicationEntities(tenant: try filterTenant(request, context))
        return try json(entities.map(ApplicationEntityBody.init))
    }

    func saveApplicationEntity(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let title = ApplicationEntity.normalizedTitle(context.parameters.get("title") ?? "") else {
            throw Problem.badRequest("not an AE title (1-16 characters, no backslash or control character)")
        }
        let body = try await decode(ApplicationEntityBody.self, request, context)
        let tenant = try targetTenant(body.tenant, context)
        if let existing = try await directory.applicationEntity(title: title), try !visible(existing.tenant, context) {
            throw Problem(.conflict, "the AE title is registered by another establishment")
        }
        if let port = body.port, !(1...65535).contains(port) { throw Problem.badRequest("port: 1-65535") }
        let entity = ApplicationEntity(
            title: title, tenant: tenant, host: body.host, port: body.port, checksAddress: body.checksAddress ?? false)
        try await directory.saveApplicationEntity(entity)
        return try json(ApplicationEntityBody(entity))
    }

    func removeApplicationEntity(_ context: WebContext) async throws -> Response {
        try await removeEntry(context, parameter: "title", kind: "AE title") { title in
            try await directory.applicationEntity(title: title).map { ($0.tenant, $0.title) }
        } remove: { try await directory.removeApplicationEntity(title: $0) }
    }

    /// Removes the directory entry the path names: 204, or 404 when it does not exist or belongs to a tenant the
    /// caller does not administer. `find` gives the entry's tenant and its key as stored.
    private func removeEntry(
        _ context: WebContext, parameter: String, kind: String,
        find: (String) async throws -> (TenantID, String)?, remove: (String) async throws -> Bool
    ) async throws -> Response {
        guard let (tenant, key) = try await find(context.parameters.get(parameter) ?? ""), try visible(tenant, context)
        else { throw Problem.notFound("no such \(kind)") }
        _ = try await remove(key)
        return Response(status: .noContent)
    }

    // MARK: JSON

    /// A compression-at-rest name from a body (absent: none).
    private static func compression(_ name: String?) throws -> CompressionAtRest {
        guard let name else { return .none }
        guard let compression = CompressionAtRest(rawValue: name) else {
            throw Problem.badRequest("compression must be one of \(CompressionAtRest.names)")
        }
        return compression
    }

    private static func roles(_ names: [String]) throws -> Set<Role> {
        try Set(names.map { name in
            guard let role = Role(rawValue: name) else { throw Problem.badRequest("unknown role \(name.prefix(40))") }
            return role
        })
    }

    private func decode<Body: Decodable>(_ type: Body.Type, _ request: Request, _ context: WebContext) async throws -> Body {
        guard MediaType(parsing: request.headers[.contentType] ?? "").essence == "application/json" else {
            throw Problem.unsupportedMediaType("the body must be application/json")
        }
        let buffer = try await request.body.collect(upTo: 64 << 10)
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch {
            throw Problem.badRequest("the JSON body does not match the schema")
        }
    }

    private func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(bytes: data)))
    }
}

struct TenantBody: Codable {
    var id: String
    var name: String
    var compression: String?

    init(_ record: TenantRecord) {
        id = record.id.rawValue
        name = record.name
        compression = record.compression.rawValue
    }
}

struct TenantSettingsBody: Codable {
    var compression: String?
}

/// A tenant's counts (`TenantStatistics`' fields) and, under `compression`, what compression at rest has done for it.
struct StatisticsBody: Encodable {
    var counts: TenantStatistics
    var compression: CompressionTotals?

    init(_ counts: TenantStatistics, compression: CompressionTotals?) {
        self.counts = counts
        self.compression = compression
    }

    private enum Keys: String, CodingKey {
        case compression, instances, bytesBefore, bytesAfter, ratio
    }

    func encode(to encoder: any Encoder) throws {
        try counts.encode(to: encoder)
        guard let compression else { return }
        var container = encoder.container(keyedBy: Keys.self)
        var totals = container.nestedContainer(keyedBy: Keys.self, forKey: .compression)
        try totals.encode(compression.instances, forKey: .instances)
        try totals.encode(compression.bytesBefore, forKey: .bytesBefore)
        try totals.encode(compression.bytesAfter, forKey: .bytesAfter)
        try totals.encodeIfPresent(compression.ratio, forKey: .ratio)
    }
}

struct UserBody: Codable {
    var username: String
    var tenant: String
    var roles: [String]
    var disabled: Bool

    init(_ user: UserAccount) {
        username = user.username
        tenant = user.tenant.rawValue
        roles = user.roles.map(\.rawValue).sorted()
        disabled = user.isDisabled
    }
}

struct NewUserBody: Codable {
    var username: String
    var tenant: String?
    var roles: [String]
    var password: String
}

struct APIKeyBody: Codable {
    var id: String
    var tenant: String
    var roles: [String]
    var label: String
    var revoked: Bool
    /// The key's text: only in the response that creates it.
    var key: String?

    init(_ record: APIKeyRecord, key: String?) {
        id = record.id
        tenant = record.tenant.rawValue
        roles = record.roles.map(\.rawValue).sorted()
        label = record.label
        revoked = record.isRevoked
        self.key = key
    }
}

struct NewAPIKeyBody: Codable {
    var tenant: String?
    var roles: [String]
    var label: String
}

struct ApplicationEntityBody: Codable {
    var title: String?
    var tenant: String?
    var host: String?
    var port: Int?
    var checksAddress: Bool?

    init(_ entity: ApplicationEntity) {
        title = entity.title
        tenant = entity.tenant.rawValue
        host = entity.host
        port = entity.port
        checksAddress = entity.checksAddress
    }
}
