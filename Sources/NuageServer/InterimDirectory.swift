import Archive
import Logging
import Synchronization

/// The directory of `nuage serve` until the SQL directory stores land on main: held in memory, so accounts, keys
/// and AEs last as long as the process. `openDirectory` is the one place to switch to the persistent one.
func openDirectory(archive: ArchiveService, storage: ArchiveStorage, logger: Logger) async throws
    -> any DirectoryStore
{
    logger.warning("the directory (accounts, API keys, AE titles) is held in memory until the SQL directory lands")
    return InMemoryDirectoryStore()
}

/// A `DirectoryStore` in memory.
final class InMemoryDirectoryStore: DirectoryStore {
    private struct Contents {
        var tenants: [TenantID: TenantRecord] = [:]
        var entities: [String: ApplicationEntity] = [:]
        var users: [String: UserAccount] = [:]
        var keys: [String: APIKeyRecord] = [:]
    }

    private let contents = Mutex(Contents())

    func prepare() async throws {}

    func tenants() async throws -> [TenantRecord] { contents.withLock { $0.tenants.values.sorted { $0.id < $1.id } } }
    func tenant(_ id: TenantID) async throws -> TenantRecord? { contents.withLock { $0.tenants[id] } }
    func createTenant(_ tenant: TenantRecord) async throws {
        try contents.withLock { contents throws(DirectoryError) in
            guard contents.tenants[tenant.id] == nil else { throw DirectoryError(.alreadyExists, "the tenant exists") }
            contents.tenants[tenant.id] = tenant
        }
    }

    func applicationEntities(tenant: TenantID?) async throws -> [ApplicationEntity] {
        contents.withLock { $0.entities.values.filter { tenant == nil || $0.tenant == tenant }.sorted { $0.title < $1.title } }
    }
    func applicationEntity(title: String) async throws -> ApplicationEntity? {
        guard let title = ApplicationEntity.normalizedTitle(title) else { return nil }
        return contents.withLock { $0.entities[title] }
    }
    func saveApplicationEntity(_ entity: ApplicationEntity) async throws {
        try contents.withLock { contents throws(DirectoryError) in
            guard let title = ApplicationEntity.normalizedTitle(entity.title) else {
                throw DirectoryError(.invalidValue, "not an AE title")
            }
            guard contents.tenants[entity.tenant] != nil else { throw DirectoryError(.invalidValue, "unknown tenant") }
            var entity = entity
            entity.title = title
            contents.entities[title] = entity
        }
    }
    func removeApplicationEntity(title: String) async throws -> Bool {
        contents.withLock { $0.entities.removeValue(forKey: ApplicationEntity.normalizedTitle(title) ?? "") != nil }
    }

    func users(tenant: TenantID?) async throws -> [UserAccount] {
        contents.withLock { $0.users.values.filter { tenant == nil || $0.tenant == tenant }.sorted { $0.username < $1.username } }
    }
    func user(named username: String) async throws -> UserAccount? { contents.withLock { $0.users[username] } }
    func saveUser(_ user: UserAccount) async throws {
        try contents.withLock { contents throws(DirectoryError) in
            guard contents.tenants[user.tenant] != nil else { throw DirectoryError(.invalidValue, "unknown tenant") }
            contents.users[user.username] = user
        }
    }
    func removeUser(named username: String) async throws -> Bool {
        contents.withLock { $0.users.removeValue(forKey: username) != nil }
    }

    func apiKeys(tenant: TenantID?) async throws -> [APIKeyRecord] {
        contents.withLock { $0.keys.values.filter { tenant == nil || $0.tenant == tenant }.sorted { $0.id < $1.id } }
    }
    func apiKey(id: String) async throws -> APIKeyRecord? { contents.withLock { $0.keys[id] } }
    func saveAPIKey(_ key: APIKeyRecord) async throws {
        try contents.withLock { contents throws(DirectoryError) in
            guard contents.tenants[key.tenant] != nil else { throw DirectoryError(.invalidValue, "unknown tenant") }
            contents.keys[key.id] = key
        }
    }
    func removeAPIKey(id: String) async throws -> Bool {
        contents.withLock { $0.keys.removeValue(forKey: id) != nil }
    }
}
