import Archive
import Foundation
import Testing

/// One suite for every `DirectoryStore`: each test runs against SQLite and PostgreSQL.
@Suite("DirectoryStore conformance")
struct DirectoryStoreConformanceTests {
    private static let digest = String(repeating: "ab", count: 32)

    @Test(arguments: Backend.allCases)
    func createsAndListsTenants(_ backend: Backend) async throws {
        try await withIndexStore(backend) { index in
            let store = SQLDirectoryStore(runner: index)
            #expect(try await store.tenants().isEmpty)
            try await store.createTenant(TenantRecord(id: .beta, name: "Clinique Beta"))
            try await store.createTenant(TenantRecord(id: .alpha, name: "  Hôpital Alpha "))
            #expect(try await store.tenants().map(\.id) == [.alpha, .beta])
            #expect(try await store.tenant(.alpha)?.name == "Hôpital Alpha")
            #expect(try await store.tenant(.defaultTenant) == nil)

            let again = await #expect(throws: DirectoryError.self) {
                try await store.createTenant(TenantRecord(id: .alpha, name: "Other"))
            }
            #expect(again?.code == .alreadyExists)
            let unnamed = await #expect(throws: DirectoryError.self) {
                try await store.createTenant(TenantRecord(id: .defaultTenant, name: "   "))
            }
            #expect(unnamed?.code == .invalidValue)
            #expect(try await store.tenant(.alpha)?.name == "Hôpital Alpha")
        }
    }

    @Test(arguments: Backend.allCases)
    func keepsApplicationEntitiesByNormalisedTitle(_ backend: Backend) async throws {
        try await withIndexStore(backend) { index in
            let store = SQLDirectoryStore(runner: index)
            let orphan = await #expect(throws: DirectoryError.self) {
                try await store.saveApplicationEntity(ApplicationEntity(title: "CT01", tenant: .alpha))
            }
            #expect(orphan?.code == .invalidValue)

            try await store.createTenant(TenantRecord(id: .alpha, name: "Alpha"))
            try await store.createTenant(TenantRecord(id: .beta, name: "Beta"))
            try await store.saveApplicationEntity(ApplicationEntity(title: " CT01 ", tenant: .alpha))
            try await store.saveApplicationEntity(
                ApplicationEntity(title: "PACS", tenant: .beta, host: "10.0.0.7", port: 104, checksAddress: true))
            try await store.saveApplicationEntity(ApplicationEntity(title: "MR1", tenant: .alpha))

            #expect(try await store.applicationEntity(title: "CT01   ")?.title == "CT01")
            #expect(try await store.applicationEntity(title: "ct01") == nil)
            #expect(try await store.applicationEntities(tenant: .alpha).map(\.title) == ["CT01", "MR1"])
            #expect(try await store.applicationEntities(tenant: nil).map(\.title) == ["CT01", "MR1", "PACS"])
            #expect(
                try await store.applicationEntity(title: "PACS")
                    == ApplicationEntity(title: "PACS", tenant: .beta, host: "10.0.0.7", port: 104, checksAddress: true))

            // Saving again replaces, possibly moving the AE to another establishment.
            try await store.saveApplicationEntity(
                ApplicationEntity(title: "CT01", tenant: .beta, host: "ct01.example", port: 11112))
            #expect(try await store.applicationEntity(title: "CT01")?.tenant == .beta)
            #expect(try await store.applicationEntity(title: "CT01")?.port == 11112)

            #expect(try await store.removeApplicationEntity(title: "MR1"))
            #expect(try await store.removeApplicationEntity(title: "MR1") == false)
            #expect(try await store.applicationEntities(tenant: .alpha).isEmpty)
        }
    }

    @Test(
        arguments: [
            ApplicationEntity(title: "SEVENTEEN_CHARS_X", tenant: .alpha),
            ApplicationEntity(title: "    ", tenant: .alpha),
            ApplicationEntity(title: "BACK\\SLASH", tenant: .alpha),
            ApplicationEntity(title: "CT01", tenant: .alpha, host: "h", port: 0),
            ApplicationEntity(title: "CT01", tenant: .alpha, host: "has space", port: 104),
            ApplicationEntity(title: "CT01", tenant: .alpha, checksAddress: true),
        ])
    func refusesInvalidApplicationEntities(_ entity: ApplicationEntity) async throws {
        try await withIndexStore(.sqlite) { index in
            let store = SQLDirectoryStore(runner: index)
            try await store.createTenant(TenantRecord(id: .alpha, name: "Alpha"))
            let error = await #expect(throws: DirectoryError.self) { try await store.saveApplicationEntity(entity) }
            #expect(error?.code == .invalidValue)
            #expect(try await store.applicationEntities(tenant: nil).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func keepsUsersAndAPIKeys(_ backend: Backend) async throws {
        try await withIndexStore(backend) { index in
            let store = SQLDirectoryStore(runner: index)
            try await store.createTenant(TenantRecord(id: .alpha, name: "Alpha"))
            try await store.createTenant(TenantRecord(id: .beta, name: "Beta"))
            let alice = UserAccount(
                username: "alice@alpha", tenant: .alpha, roles: [.radiologist, .establishmentAdministrator],
                passwordHash: "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA")
            let bob = UserAccount(
                username: "bob", tenant: .beta, roles: [.referringPhysician], passwordHash: "$scrypt$x",
                isDisabled: true)
            try await store.saveUser(alice)
            try await store.saveUser(bob)
            #expect(try await store.user(named: "alice@alpha") == alice)
            #expect(try await store.user(named: "bob") == bob)
            #expect(try await store.users(tenant: .beta) == [bob])
            #expect(try await store.users(tenant: nil).map(\.username) == ["alice@alpha", "bob"])

            var enabled = bob
            enabled.isDisabled = false
            enabled.roles = []
            try await store.saveUser(enabled)
            #expect(try await store.user(named: "bob") == enabled)
            #expect(try await store.removeUser(named: "bob"))
            #expect(try await store.user(named: "bob") == nil)

            let badName = await #expect(throws: DirectoryError.self) {
                try await store.saveUser(
                    UserAccount(username: "a b", tenant: .alpha, roles: [], passwordHash: "$scrypt$x"))
            }
            #expect(badName?.code == .invalidValue)
            let plainPassword = await #expect(throws: DirectoryError.self) {
                try await store.saveUser(
                    UserAccount(username: "carol", tenant: .alpha, roles: [], passwordHash: "hunter2"))
            }
            #expect(plainPassword?.code == .invalidValue)

            let created = Date(timeIntervalSince1970: 1_790_000_000.25)
            let key = APIKeyRecord(
                id: "ris-1", tenant: .alpha, roles: [.modality], secretSHA256: Self.digest, label: "RIS",
                createdAt: created)
            try await store.saveAPIKey(key)
            #expect(try await store.apiKey(id: "ris-1") == key)
            #expect(try await store.apiKeys(tenant: .beta).isEmpty)
            var revoked = key
            revoked.isRevoked = true
            try await store.saveAPIKey(revoked)
            #expect(try await store.apiKeys(tenant: .alpha) == [revoked])
            let notDigest = await #expect(throws: DirectoryError.self) {
                try await store.saveAPIKey(
                    APIKeyRecord(id: "k2", tenant: .alpha, roles: [], secretSHA256: "secret", label: ""))
            }
            #expect(notDigest?.code == .invalidValue)
            #expect(try await store.removeAPIKey(id: "ris-1"))
            #expect(try await store.removeAPIKey(id: "ris-1") == false)
        }
    }
}
