/// What an index store refuses, or what it found broken in its own rows.
///
/// Messages name tenants, levels and columns, never patient names or identifiers: they reach logs.
public struct IndexStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// A registration or selector names a tenant outside the scope.
        case outOfScope
        /// The scope was granted for another action (writing needs `.write`, deleting `.delete`).
        case wrongAction
        /// A registration cannot be recorded: a required value is missing or malformed.
        case invalidRegistration
        /// A query cannot be run (a negative offset or limit).
        case invalidQuery
        /// A row read back does not have the shape the schema promises: a bug or a foreign change to the database.
        case corruptRow
        /// The database schema is newer than this build knows.
        case unknownSchemaVersion
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "index store: \(code.rawValue): \(reason)" }
}

extension AccessScope {
    /// Throws `wrongAction` unless the scope was granted for `action`.
    package func require(_ action: ArchiveAction) throws(IndexStoreError) {
        guard self.action == action else {
            throw IndexStoreError(.wrongAction, "a scope for \(self.action.rawValue) cannot \(action.rawValue)")
        }
    }

    /// Throws `outOfScope` unless the scope covers the tenant.
    package func requireCovers(_ tenant: TenantID) throws(IndexStoreError) {
        guard covers(tenant) else {
            throw IndexStoreError(.outOfScope, "tenant \(tenant) is outside the scope")
        }
    }
}
