import Archive
import Authentication
import Foundation
import Logging
import WebService

/// What the first start of an empty archive sets up (DESIGN §7), besides the tenant `default` that opening the
/// storage records: an `admin` account
/// (service operator and administrator of `default`) whose password comes from `admin.password`
/// (`NUAGE_ADMIN_PASSWORD`) or is generated and printed once, on standard error.
enum FirstStart {
    static func prepare(
        directory: any DirectoryStore, adminPassword: String?, cost: PasswordHasher.Cost, logger: Logger
    ) async throws {
        guard try await directory.users(tenant: nil).isEmpty else { return }
        let password = adminPassword ?? APIKeysPassword.generate()
        try await directory.saveUser(
            UserAccount(
                username: "admin", tenant: .defaultTenant, roles: [.serviceOperator, .establishmentAdministrator],
                passwordHash: try PasswordHasher.hash(password, cost: cost)))
        if adminPassword == nil {
            FileHandle.standardError.write(
                Data("nuage: created the account \"admin\" with the password \(password) (shown once)\n".utf8))
        } else {
            logger.notice("created the account \"admin\" with the configured password")
        }
    }
}

/// A generated password: 20 letters and digits (about 119 bits).
enum APIKeysPassword {
    static func generate() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
    }
}
