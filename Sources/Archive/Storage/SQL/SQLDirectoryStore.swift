/// The `DirectoryStore` of an SQL index: the directory's programs run by the index's backend, in its database.
public struct SQLDirectoryStore: DirectoryStore {
    private let runner: any SQLProgramRunner

    package init(runner: any SQLProgramRunner) {
        self.runner = runner
    }

    private var dialect: SQLDialect { runner.dialect }

    public func tenants() async throws -> [TenantRecord] {
        try await runner.read(DirectoryPrograms.tenants(dialect: dialect))
    }

    public func tenant(_ id: TenantID) async throws -> TenantRecord? {
        try await runner.read(DirectoryPrograms.tenant(id, dialect: dialect))
    }

    public func createTenant(_ tenant: TenantRecord) async throws {
        try await runner.write(try DirectoryPrograms.createTenant(tenant, dialect: dialect))
    }

    public func setCompression(_ compression: CompressionAtRest, of tenant: TenantID) async throws {
        try await runner.write(DirectoryPrograms.setCompression(compression, of: tenant, dialect: dialect))
    }

    public func applicationEntities(tenant: TenantID?) async throws -> [ApplicationEntity] {
        try await runner.read(DirectoryPrograms.applicationEntities(tenant: tenant, dialect: dialect))
    }

    public func applicationEntity(title: String) async throws -> ApplicationEntity? {
        try await runner.read(DirectoryPrograms.applicationEntity(title: title, dialect: dialect))
    }

    public func saveApplicationEntity(_ entity: ApplicationEntity) async throws {
        try await runner.write(try DirectoryPrograms.saveApplicationEntity(entity, dialect: dialect))
    }

    public func removeApplicationEntity(title: String) async throws -> Bool {
        try await runner.write(DirectoryPrograms.removeApplicationEntity(title: title, dialect: dialect))
    }

    public func users(tenant: TenantID?) async throws -> [UserAccount] {
        try await runner.read(DirectoryPrograms.users(tenant: tenant, dialect: dialect))
    }

    public func user(named username: String) async throws -> UserAccount? {
        try await runner.read(DirectoryPrograms.user(named: username, dialect: dialect))
    }

    public func saveUser(_ user: UserAccount) async throws {
        try await runner.write(try DirectoryPrograms.saveUser(user, dialect: dialect))
    }

    public func removeUser(named username: String) async throws -> Bool {
        try await runner.write(DirectoryPrograms.removeUser(named: username, dialect: dialect))
    }

    public func apiKeys(tenant: TenantID?) async throws -> [APIKeyRecord] {
        try await runner.read(DirectoryPrograms.apiKeys(tenant: tenant, dialect: dialect))
    }

    public func apiKey(id: String) async throws -> APIKeyRecord? {
        try await runner.read(DirectoryPrograms.apiKey(id: id, dialect: dialect))
    }

    public func saveAPIKey(_ key: APIKeyRecord) async throws {
        try await runner.write(try DirectoryPrograms.saveAPIKey(key, dialect: dialect))
    }

    public func removeAPIKey(id: String) async throws -> Bool {
        try await runner.write(DirectoryPrograms.removeAPIKey(id: id, dialect: dialect))
    }
}
