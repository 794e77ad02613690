public import Archive
import Foundation
public import Logging
public import PostgresNIO

/// The archive's index in PostgreSQL, through PostgresNIO: for many nodes sharing one database (DESIGN §6).
///
/// The schema, the SQL and the logic are those of the SQLite index (`SQLProgram`s in `Archive`), in PostgreSQL's
/// dialect: identity keys, `COLLATE "C"` text (byte order, as SQLite), `json` documents, `$n` placeholders, and row
/// locks (`FOR UPDATE`) on what a write reads, so that nodes writing the same study serialise. Values are always
/// bound (`PostgresBindings`), never written into SQL. A write that loses a race (a deadlock, a serialization
/// failure, or a unique key another node just inserted) is retried a few times from the start: it rolled back
/// entirely, and the retry reads the other node's rows.
///
/// `PostgresClient` is a swift-service-lifecycle `Service` whose `run()` must be running for queries to be served:
/// either pass a client that your `ServiceGroup` runs to `init(client:schema:logger:)`, or use
/// `withIndexStore(_:logger:_:)`, which runs one for the duration of a closure.
public struct PostgresIndexStore: IndexStore, SQLProgramRunner {
    /// Where the index lives.
    public struct Configuration: Sendable {
        public var client: PostgresClient.Configuration
        /// A schema of its own for the index (created by `prepare()`), selected on every connection through the
        /// `search_path` startup parameter; nil for the user's default (`public`). Lower-case letters, digits and
        /// underscores, starting with a letter or underscore.
        public var schema: String?

        public init(client: PostgresClient.Configuration, schema: String? = nil) throws(IndexStoreError) {
            if let schema { try Self.validateSchemaName(schema) }
            var client = client
            if let schema {
                client.options.additionalStartupParameters.append(("search_path", schema))
            }
            self.client = client
            self.schema = schema
        }

        /// Reads `postgres://user[:password]@host[:port]/database[?sslmode=disable|require]` (sslmode defaults to
        /// disable, for loopback and private networks; use `require` across anything else).
        public init(url: String, schema: String? = nil) throws(IndexStoreError) {
            guard let components = URLComponents(string: url),
                components.scheme == "postgres" || components.scheme == "postgresql",
                let host = components.host, !host.isEmpty
            else {
                throw IndexStoreError(.invalidQuery, "not a postgres:// URL with a host")
            }
            let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
            let sslMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
            let tls: PostgresClient.Configuration.TLS
            switch sslMode {
            case "disable": tls = .disable
            case "prefer": tls = .prefer(.makeClientConfiguration())
            case "require": tls = .require(.makeClientConfiguration())
            default: throw IndexStoreError(.invalidQuery, "sslmode must be disable, prefer or require")
            }
            let client = PostgresClient.Configuration(
                host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
                password: components.password, database: database.isEmpty ? nil : database, tls: tls)
            try self.init(client: client, schema: schema)
        }

        static func validateSchemaName(_ name: String) throws(IndexStoreError) {
            let bytes = Array(name.utf8)
            let isValid =
                (1...63).contains(bytes.count)
                && bytes.enumerated().allSatisfy { index, byte in
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || byte == UInt8(ascii: "_")
                        || (index > 0 && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte))
                }
            guard isValid else {
                throw IndexStoreError(.invalidQuery, "a schema name is lower-case letters, digits and underscores")
            }
        }
    }

    private let client: PostgresClient
    private let schema: String?
    private let logger: Logger
    /// How many times a write that lost a race is run again.
    private let maximumWriteAttempts = 5

    /// A store on a client that the caller runs (`client.run()`, typically in a `ServiceGroup`). `schema` is the
    /// configuration's (validated there); call `prepare()` before use.
    public init(client: PostgresClient, schema: String? = nil, logger: Logger = Logger(label: "nuage.index.postgres")) {
        self.client = client
        self.schema = schema
        self.logger = logger
    }

    /// Runs a client for `configuration` while `body` uses a store on it, then shuts the client down.
    public static func withIndexStore<Result: Sendable>(
        _ configuration: Configuration, logger: Logger = Logger(label: "nuage.index.postgres"),
        _ body: (PostgresIndexStore) async throws -> Result
    ) async throws -> Result {
        let client = PostgresClient(configuration: configuration.client, backgroundLogger: logger)
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                startedContinuation.finish()
                await client.run()
            }
            defer { group.cancelAll() }
            // Lease connections only once `run()` is under way (else PostgresNIO warns, and waits).
            for await _ in started {}
            return try await body(PostgresIndexStore(client: client, schema: configuration.schema, logger: logger))
        }
    }

    /// Creates the schema if configured, then applies the migrations this build knows, recording each in
    /// `schema_migrations`; all in one transaction under an advisory lock, so that nodes starting together migrate
    /// once. Refuses a database that a newer build migrated further.
    public func prepare() async throws {
        let logger = self.logger
        let schema = self.schema
        try await client.withConnection { connection in
            try await connection.withTransaction(logger: logger) { connection in
                try await Self.drain(
                    connection.query("SELECT pg_advisory_xact_lock(7214297018812604773)", logger: logger))
                if let schema {
                    try await Self.drain(
                        connection.query(
                            PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema)\""), logger: logger))
                }
                try await Self.drain(
                    connection.query(
                        """
                        CREATE TABLE IF NOT EXISTS schema_migrations (
                            version BIGINT PRIMARY KEY,
                            identifier TEXT NOT NULL,
                            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                        )
                        """, logger: logger))
                var applied: Set<Int64> = []
                for try await version in try await connection.query(
                    "SELECT version FROM schema_migrations", logger: logger
                )
                .decode(Int64.self) {
                    applied.insert(version)
                }
                let known = Set(IndexSchema.migrations.map { Int64($0.version) })
                guard applied.isSubset(of: known) else {
                    throw IndexStoreError(.unknownSchemaVersion, "the index was migrated by a newer version of Nuage")
                }
                for migration in IndexSchema.migrations where !applied.contains(Int64(migration.version)) {
                    for statement in migration.statements(.postgres) {
                        try await Self.drain(connection.query(PostgresQuery(unsafeSQL: statement), logger: logger))
                    }
                    let version = Int64(migration.version)
                    let identifier = migration.identifier
                    let record: PostgresQuery =
                        "INSERT INTO schema_migrations (version, identifier) VALUES (\(version), \(identifier))"
                    try await Self.drain(connection.query(record, logger: logger))
                }
            }
        }
        logger.debug("index schema ready", metadata: ["index.backend": "postgres"])
    }

    public func register(
        _ registrations: [InstanceRegistration], duplicates: DuplicatePolicy, scope: AccessScope
    ) async throws -> [RegistrationOutcome] {
        let program = try RegistrationProgram(registrations, duplicates: duplicates, scope: scope, dialect: .postgres)
        return try await write(program)
    }

    public func find(_ query: IndexQuery, scope: AccessScope) async throws -> IndexQueryResult {
        try await read(FindProgram(query: query, scope: scope, dialect: .postgres))
    }

    public func instances(_ selector: InstanceSelector, scope: AccessScope) async throws -> [StoredInstance] {
        try await read(IndexReadPrograms.instances(selector, scope: scope, dialect: .postgres))
    }

    public func delete(_ selector: InstanceSelector, scope: AccessScope) async throws -> [StoredInstance] {
        try await write(DeleteProgram(selector, scope: scope, dialect: .postgres))
    }

    public func instancePage(
        after cursor: BlobKey?, limit: Int, scope: AccessScope
    ) async throws
        -> [StoredInstance]
    {
        try await read(IndexReadPrograms.instancePage(after: cursor, limit: limit, scope: scope, dialect: .postgres))
    }

    public func referencedBlobKeys(among keys: [BlobKey], scope: AccessScope) async throws -> Set<BlobKey> {
        try await read(IndexReadPrograms.referencedBlobKeys(among: keys, scope: scope, dialect: .postgres))
    }

    public func attributeConflicts(
        _ selector: InstanceSelector?, scope: AccessScope
    ) async throws
        -> [AttributeConflict]
    {
        try await read(IndexReadPrograms.attributeConflicts(selector, scope: scope, dialect: .postgres))
    }

    public func statistics(scope: AccessScope) async throws -> [TenantStatistics] {
        try await read(IndexReadPrograms.statistics(scope: scope, dialect: .postgres))
    }

    /// Updates the query planner's statistics and the visibility map (`VACUUM (ANALYZE)`, which index-only scans
    /// need); worth running after a large import (autovacuum gets there eventually).
    public func analyze() async throws {
        let logger = self.logger
        try await client.withConnection { connection in
            try await Self.drain(connection.query("VACUUM (ANALYZE)", logger: logger))
        }
    }

    /// Drops the configured schema and everything in it: for tests, which each work in a schema of their own.
    package func dropSchema() async throws {
        guard let schema else { return }
        let logger = self.logger
        try await client.withConnection { connection in
            try await Self.drain(
                connection.query(
                    PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \"\(schema)\" CASCADE"), logger: logger))
        }
    }

    /// The directory (establishments, AE titles, accounts, API keys) kept in the same database, ready once
    /// `prepare()` has run.
    public var directory: SQLDirectoryStore { SQLDirectoryStore(runner: self) }

    // MARK: - Running programs

    package var dialect: SQLDialect { .postgres }

    package func read<Program: SQLProgram>(_ program: Program) async throws -> Program.Output {
        let logger = self.logger
        return try await client.withConnection { connection in
            try await Self.run(program, on: connection, logger: logger)
        }
    }

    package func write<Program: SQLProgram>(_ program: Program) async throws -> Program.Output {
        let logger = self.logger
        var attempt = 1
        while true {
            do {
                return try await client.withTransaction(logger: logger) { connection in
                    try await Self.run(program, on: connection, logger: logger)
                }
            } catch let error as PostgresTransactionError {
                if let indexError = error.closureError as? IndexStoreError { throw indexError }
                if let directoryError = error.closureError as? DirectoryError { throw directoryError }
                guard attempt < maximumWriteAttempts, Self.isLostRace(error) else { throw error }
                logger.debug(
                    "index write lost a race, retrying",
                    metadata: ["index.attempt": "\(attempt)", "index.sqlstate": "\(Self.sqlState(error) ?? "")"])
                attempt += 1
                try await Task.sleep(for: .milliseconds(5 * attempt * attempt))
            }
        }
    }

    /// Deadlock (40P01), serialization failure (40001), or a unique key a concurrent transaction just committed
    /// (23505): rolled back entirely, worth running again.
    private static func isLostRace(_ error: PostgresTransactionError) -> Bool {
        guard let state = sqlState(error) else { return false }
        return state == "40P01" || state == "40001" || state == "23505"
    }

    private static func sqlState(_ error: PostgresTransactionError) -> String? {
        for candidate in [error.closureError, error.commitError] {
            if let error = candidate as? PSQLError, let state = error.serverInfo?[.sqlState] { return state }
        }
        return nil
    }

    private static func run<Program: SQLProgram>(
        _ program: Program, on connection: PostgresConnection, logger: Logger
    ) async throws -> Program.Output {
        var program = program
        var step = try program.start()
        while true {
            switch step {
            case .finished(let output):
                return output
            case .run(let statements):
                var results: [[SQLRow]] = []
                results.reserveCapacity(statements.count)
                for statement in statements {
                    results.append(try await execute(statement, on: connection, logger: logger))
                }
                step = try program.resume(with: results)
            }
        }
    }

    private static func execute(
        _ statement: SQLStatement, on connection: PostgresConnection, logger: Logger
    ) async throws -> [SQLRow] {
        var bindings = PostgresBindings(capacity: statement.arguments.count)
        for argument in statement.arguments {
            switch argument {
            case .null: bindings.appendNull()
            case .integer(let integer): bindings.append(integer)
            case .text(let text): bindings.append(text)
            }
        }
        let rows = try await connection.query(PostgresQuery(unsafeSQL: statement.sql, binds: bindings), logger: logger)
        var result: [SQLRow] = []
        for try await row in rows {
            var values: [SQLValue] = []
            for cell in row {
                values.append(try SQLValue(cell: cell))
            }
            result.append(SQLRow(values))
        }
        return result
    }

    /// Consumes a query's rows, so that its errors surface here.
    private static func drain(_ rows: PostgresRowSequence) async throws {
        for try await _ in rows {}
    }
}

extension SQLValue {
    /// A cell of the types the index schema uses: integers, text (and `json`, `::text`), NULL.
    fileprivate init(cell: PostgresCell) throws {
        guard cell.bytes != nil else {
            self = .null
            return
        }
        switch cell.dataType {
        case .int2, .int4, .int8:
            self = .integer(try cell.decode(Int64.self))
        case .bool:
            self = .integer(try cell.decode(Bool.self) ? 1 : 0)
        default:
            self = .text(try cell.decode(String.self))
        }
    }
}
