import Foundation

/// The directory's tables (`DirectoryStore`), in the index's database: migration 2 of `IndexSchema`.
///
/// Every establishment that has data has a row in `tenants` (the migration adds those the index already holds).
/// AE titles, users and API keys belong to a tenant (foreign key; a tenant with any of them cannot be removed).
/// Flags are 0/1 integers and roles a sorted comma-separated list of `Role` raw values, the same in both dialects.
enum DirectorySchema {
    static func version2(_ dialect: SQLDialect) -> [String] {
        let text = dialect.text
        let bigint = dialect.bigint
        return [
            """
            CREATE TABLE tenants (
                id \(text) PRIMARY KEY,
                name \(text) NOT NULL,
                created_at \(bigint) NOT NULL
            )
            """,
            """
            INSERT INTO tenants (id, name, created_at)
            SELECT DISTINCT tenant, tenant, \(dialect.currentMicroseconds) FROM patients
            """,
            """
            CREATE TABLE application_entities (
                title \(text) PRIMARY KEY,
                tenant \(text) NOT NULL REFERENCES tenants (id),
                host \(text),
                port \(bigint) CHECK (port BETWEEN 1 AND 65535),
                checks_address \(bigint) NOT NULL DEFAULT 0 CHECK (checks_address IN (0, 1))
            )
            """,
            "CREATE INDEX application_entities_by_tenant ON application_entities (tenant, title)",
            """
            CREATE TABLE users (
                username \(text) PRIMARY KEY,
                tenant \(text) NOT NULL REFERENCES tenants (id),
                roles \(text) NOT NULL,
                password_hash \(text) NOT NULL,
                disabled \(bigint) NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
            )
            """,
            "CREATE INDEX users_by_tenant ON users (tenant, username)",
            """
            CREATE TABLE api_keys (
                id \(text) PRIMARY KEY,
                tenant \(text) NOT NULL REFERENCES tenants (id),
                roles \(text) NOT NULL,
                secret_sha256 \(text) NOT NULL,
                label \(text) NOT NULL,
                created_at \(bigint) NOT NULL,
                revoked \(bigint) NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
            )
            """,
            "CREATE INDEX api_keys_by_tenant ON api_keys (tenant, id)",
        ]
    }
}

/// The operations of `DirectoryStore` as programs, written once for both dialects. Writes validate their values
/// first (`DirectoryError.invalidValue`) and check that the tenant exists in the same transaction.
package enum DirectoryPrograms {
    // MARK: Establishments

    private static let tenantColumns = "SELECT id, name, created_at, compression FROM tenants"

    package static func tenants(dialect: SQLDialect) -> SingleStepProgram<[TenantRecord]> {
        let statement = SQLStatement(sql: tenantColumns + " ORDER BY id")
        return SingleStepProgram([statement]) { results in try (results.first ?? []).map(tenant(from:)) }
    }

    package static func tenant(_ id: TenantID, dialect: SQLDialect) -> SingleStepProgram<TenantRecord?> {
        var builder = SQLBuilder(dialect, tenantColumns + " WHERE id = ")
        builder.bind(.text(id.rawValue))
        return SingleStepProgram([builder.statement]) { results in try results.first?.first.map(tenant(from:)) }
    }

    package static func createTenant(_ record: TenantRecord, dialect: SQLDialect) throws(DirectoryError)
        -> CheckedWriteProgram
    {
        let name = record.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.count) else {
            throw DirectoryError(.invalidValue, "an establishment's name must have 1 to 200 characters")
        }
        var check = SQLBuilder(dialect, "SELECT id FROM tenants WHERE id = ")
        check.bind(.text(record.id.rawValue))
        var insert = SQLBuilder(dialect, "INSERT INTO tenants (id, name, created_at, compression) VALUES (")
        insert.bind(.text(record.id.rawValue))
        insert.append(", ")
        insert.bind(.text(name))
        insert.append(", ")
        insert.bind(SQLValue(record.createdAt))
        insert.append(", ")
        insert.bind(.text(record.compression.rawValue))
        insert.append(")")
        return CheckedWriteProgram(check: check.statement, write: insert.statement) { rows in
            guard rows.isEmpty else { throw DirectoryError(.alreadyExists, "tenant \(record.id) exists") }
        }
    }

    package static func setCompression(
        _ compression: CompressionAtRest, of tenant: TenantID, dialect: SQLDialect
    ) -> CheckedWriteProgram {
        var check = SQLBuilder(dialect, "SELECT id FROM tenants WHERE id = ")
        check.bind(.text(tenant.rawValue))
        var update = SQLBuilder(dialect, "UPDATE tenants SET compression = ")
        update.bind(.text(compression.rawValue))
        update.append(" WHERE id = ")
        update.bind(.text(tenant.rawValue))
        return CheckedWriteProgram(check: check.statement, write: update.statement) { rows in
            guard !rows.isEmpty else { throw DirectoryError(.notFound, "there is no tenant \(tenant)") }
        }
    }

    // MARK: Application entities

    private static let entityColumns = "SELECT title, tenant, host, port, checks_address FROM application_entities"

    package static func applicationEntities(
        tenant: TenantID?, dialect: SQLDialect
    ) -> SingleStepProgram<[ApplicationEntity]> {
        listing(entityColumns, tenant: tenant, orderedBy: "title", dialect: dialect, decode: applicationEntity(from:))
    }

    package static func applicationEntity(
        title: String, dialect: SQLDialect
    ) -> SingleStepProgram<ApplicationEntity?> {
        guard let title = ApplicationEntity.normalizedTitle(title) else {
            return SingleStepProgram([]) { _ in nil }
        }
        return lookup(entityColumns + " WHERE title = ", key: title, dialect: dialect, decode: applicationEntity(from:))
    }

    package static func saveApplicationEntity(
        _ entity: ApplicationEntity, dialect: SQLDialect
    ) throws(DirectoryError) -> CheckedWriteProgram {
        guard let title = ApplicationEntity.normalizedTitle(entity.title) else {
            throw DirectoryError(
                .invalidValue,
                "\"\(entity.title.prefix(40))\" is not an AE title (1 to 16 characters, no backslash or control "
                    + "character)")
        }
        if let port = entity.port, !(1...65535).contains(port) {
            throw DirectoryError(.invalidValue, "port \(port) is not between 1 and 65535")
        }
        if let host = entity.host, host.isEmpty || host.utf8.count > 253 || host.contains(where: \.isWhitespace) {
            throw DirectoryError(.invalidValue, "\"\(host.prefix(40))\" is not a host name or address")
        }
        if entity.checksAddress && entity.host == nil {
            throw DirectoryError(.invalidValue, "checking the address of \(title) needs its host")
        }
        return upsert(
            table: "application_entities", key: "title",
            columns: [
                ("title", .text(title)), ("tenant", .text(entity.tenant.rawValue)), ("host", SQLValue(entity.host)),
                ("port", SQLValue(entity.port)), ("checks_address", .integer(entity.checksAddress ? 1 : 0)),
            ],
            tenant: entity.tenant, dialect: dialect)
    }

    package static func removeApplicationEntity(title: String, dialect: SQLDialect) -> SingleStepProgram<Bool> {
        removal(table: "application_entities", key: "title", value: ApplicationEntity.normalizedTitle(title) ?? "",
            dialect: dialect)
    }

    // MARK: Local accounts

    private static let userColumns = "SELECT username, tenant, roles, password_hash, disabled FROM users"

    package static func users(tenant: TenantID?, dialect: SQLDialect) -> SingleStepProgram<[UserAccount]> {
        listing(userColumns, tenant: tenant, orderedBy: "username", dialect: dialect, decode: user(from:))
    }

    package static func user(named username: String, dialect: SQLDialect) -> SingleStepProgram<UserAccount?> {
        lookup(userColumns + " WHERE username = ", key: username, dialect: dialect, decode: user(from:))
    }

    package static func saveUser(_ account: UserAccount, dialect: SQLDialect) throws(DirectoryError)
        -> CheckedWriteProgram
    {
        guard isIdentifier(account.username, allowing: "._-@") else {
            throw DirectoryError(
                .invalidValue, "a username has 1 to 64 letters, digits, '.', '_', '-' or '@'")
        }
        guard account.passwordHash.hasPrefix("$"), account.passwordHash.utf8.count <= 512 else {
            throw DirectoryError(.invalidValue, "the password hash of \(account.username) is not a PHC string")
        }
        return upsert(
            table: "users", key: "username",
            columns: [
                ("username", .text(account.username)), ("tenant", .text(account.tenant.rawValue)),
                ("roles", .text(encode(account.roles))), ("password_hash", .text(account.passwordHash)),
                ("disabled", .integer(account.isDisabled ? 1 : 0)),
            ],
            tenant: account.tenant, dialect: dialect)
    }

    package static func removeUser(named username: String, dialect: SQLDialect) -> SingleStepProgram<Bool> {
        removal(table: "users", key: "username", value: username, dialect: dialect)
    }

    // MARK: API keys

    private static let keyColumns =
        "SELECT id, tenant, roles, secret_sha256, label, created_at, revoked FROM api_keys"

    package static func apiKeys(tenant: TenantID?, dialect: SQLDialect) -> SingleStepProgram<[APIKeyRecord]> {
        listing(keyColumns, tenant: tenant, orderedBy: "id", dialect: dialect, decode: apiKey(from:))
    }

    package static func apiKey(id: String, dialect: SQLDialect) -> SingleStepProgram<APIKeyRecord?> {
        lookup(keyColumns + " WHERE id = ", key: id, dialect: dialect, decode: apiKey(from:))
    }

    package static func saveAPIKey(_ key: APIKeyRecord, dialect: SQLDialect) throws(DirectoryError)
        -> CheckedWriteProgram
    {
        guard isIdentifier(key.id, allowing: "-") else {
            throw DirectoryError(.invalidValue, "an API key id has 1 to 64 letters, digits or '-'")
        }
        guard key.secretSHA256.utf8.count == 64, key.secretSHA256.utf8.allSatisfy(isLowerHexDigit) else {
            throw DirectoryError(.invalidValue, "the secret digest of API key \(key.id) is not a SHA-256")
        }
        return upsert(
            table: "api_keys", key: "id",
            columns: [
                ("id", .text(key.id)), ("tenant", .text(key.tenant.rawValue)), ("roles", .text(encode(key.roles))),
                ("secret_sha256", .text(key.secretSHA256)), ("label", .text(String(key.label.prefix(200)))),
                ("created_at", SQLValue(key.createdAt)), ("revoked", .integer(key.isRevoked ? 1 : 0)),
            ],
            tenant: key.tenant, dialect: dialect)
    }

    package static func removeAPIKey(id: String, dialect: SQLDialect) -> SingleStepProgram<Bool> {
        removal(table: "api_keys", key: "id", value: id, dialect: dialect)
    }

    // MARK: Building blocks

    private static func listing<Record: Sendable>(
        _ select: String, tenant: TenantID?, orderedBy order: String, dialect: SQLDialect,
        decode: @escaping @Sendable (SQLRow) throws -> Record
    ) -> SingleStepProgram<[Record]> {
        var builder = SQLBuilder(dialect, select)
        if let tenant {
            builder.append(" WHERE tenant = ")
            builder.bind(.text(tenant.rawValue))
        }
        builder.append(" ORDER BY \(order)")
        return SingleStepProgram([builder.statement]) { results in try (results.first ?? []).map(decode) }
    }

    private static func lookup<Record: Sendable>(
        _ select: String, key: String, dialect: SQLDialect, decode: @escaping @Sendable (SQLRow) throws -> Record
    ) -> SingleStepProgram<Record?> {
        var builder = SQLBuilder(dialect, select)
        builder.bind(.text(key))
        return SingleStepProgram([builder.statement]) { results in try results.first?.first.map(decode) }
    }

    /// Insert or replace the row whose `key` column has the first column's value, once the tenant is known to
    /// exist.
    private static func upsert(
        table: String, key: String, columns: [(name: String, value: SQLValue)], tenant: TenantID,
        dialect: SQLDialect
    ) -> CheckedWriteProgram {
        var check = SQLBuilder(dialect, "SELECT id FROM tenants WHERE id = ")
        check.bind(.text(tenant.rawValue))
        var write = SQLBuilder(dialect, "INSERT INTO \(table) (\(columns.map(\.name).joined(separator: ", "))) VALUES (")
        for (index, column) in columns.enumerated() {
            if index > 0 { write.append(", ") }
            write.bind(column.value)
        }
        let updates = columns.filter { $0.name != key }.map { "\($0.name) = excluded.\($0.name)" }
        write.append(") ON CONFLICT (\(key)) DO UPDATE SET \(updates.joined(separator: ", "))")
        return CheckedWriteProgram(check: check.statement, write: write.statement) { rows in
            guard !rows.isEmpty else { throw DirectoryError(.invalidValue, "there is no tenant \(tenant)") }
        }
    }

    /// Deletes the row and answers whether there was one (a count read before the delete, in the transaction).
    private static func removal(table: String, key: String, value: String, dialect: SQLDialect)
        -> SingleStepProgram<Bool>
    {
        var count = SQLBuilder(dialect, "SELECT COUNT(*) FROM \(table) WHERE \(key) = ")
        count.bind(.text(value))
        var delete = SQLBuilder(dialect, "DELETE FROM \(table) WHERE \(key) = ")
        delete.bind(.text(value))
        return SingleStepProgram([count.statement, delete.statement]) { results in
            try (results.first?.first?.integer(0) ?? 0) > 0
        }
    }

    private static func tenantID(_ row: SQLRow, _ index: Int) throws(IndexStoreError) -> TenantID {
        let text = try row.text(index)
        guard let tenant = TenantID(rawValue: text) else {
            throw IndexStoreError(.corruptRow, "\"\(text.prefix(70))\" is not a tenant id")
        }
        return tenant
    }

    private static func tenant(from row: SQLRow) throws -> TenantRecord {
        let compression = try row.text(3)
        guard let method = CompressionAtRest(rawValue: compression) else {
            throw IndexStoreError(.corruptRow, "\"\(compression.prefix(40))\" is not a compression at rest")
        }
        return TenantRecord(id: try tenantID(row, 0), name: try row.text(1), createdAt: try row.date(2), compression: method)
    }

    private static func applicationEntity(from row: SQLRow) throws -> ApplicationEntity {
        ApplicationEntity(
            title: try row.text(0), tenant: try tenantID(row, 1), host: try row.optionalText(2),
            port: try row.optionalInteger(3).map { Int($0) }, checksAddress: try row.integer(4) != 0)
    }

    private static func user(from row: SQLRow) throws -> UserAccount {
        UserAccount(
            username: try row.text(0), tenant: try tenantID(row, 1), roles: decodeRoles(try row.text(2)),
            passwordHash: try row.text(3), isDisabled: try row.integer(4) != 0)
    }

    private static func apiKey(from row: SQLRow) throws -> APIKeyRecord {
        APIKeyRecord(
            id: try row.text(0), tenant: try tenantID(row, 1), roles: decodeRoles(try row.text(2)),
            secretSHA256: try row.text(3), label: try row.text(4), createdAt: try row.date(5),
            isRevoked: try row.integer(6) != 0)
    }

    private static func encode(_ roles: Set<Role>) -> String {
        roles.map(\.rawValue).sorted().joined(separator: ",")
    }

    /// Roles read back; a name this build does not know is dropped (a newer build may add roles).
    private static func decodeRoles(_ text: String) -> Set<Role> {
        Set(text.split(separator: ",").compactMap { Role(rawValue: String($0)) })
    }

    private static func isIdentifier(_ text: String, allowing punctuation: String) -> Bool {
        let allowed = Set(punctuation.utf8)
        return (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || allowed.contains(byte)
            }
    }

    private static func isLowerHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte)
    }
}

/// A write that first reads, decides from the rows whether to go on (throwing a `DirectoryError` if not), then
/// writes; both in the driver's transaction.
package struct CheckedWriteProgram: SQLProgram {
    private let check: SQLStatement
    private let write: SQLStatement
    private let decide: @Sendable ([SQLRow]) throws -> Void
    private var checked = false

    init(check: SQLStatement, write: SQLStatement, decide: @escaping @Sendable ([SQLRow]) throws -> Void) {
        self.check = check
        self.write = write
        self.decide = decide
    }

    package mutating func start() throws -> SQLProgramStep<Void> {
        .run([check])
    }

    package mutating func resume(with results: [[SQLRow]]) throws -> SQLProgramStep<Void> {
        if checked { return .finished(()) }
        checked = true
        try decide(results.first ?? [])
        return .run([write])
    }
}
