public import Archive
import Foundation
import GRDB
import GRDBSQLite
public import Logging

/// The archive's index in one SQLite file, through GRDB: the embedded default (DESIGN §5).
///
/// One `DatabasePool` per file and per process (GRDB's advice: connect once): WAL journal, one writer connection
/// and up to `maximumReaders` reader connections, so queries run while a batch is written. `synchronous = FULL`:
/// a registration is durable when `register` returns, which is what lets the ingest acknowledge. Foreign keys are
/// enforced; LIKE is case-sensitive (`case_sensitive_like`), as DICOM matching is except for person names, which
/// match on a case-folded column. Writes run in `BEGIN IMMEDIATE` transactions and wait up to `busyTimeout` for
/// another process (a `nuage import` next to `nuage serve`).
///
/// The SQL and the logic are shared with PostgreSQL (`SQLProgram`s in `Archive`); this type only runs them.
public struct SQLiteIndexStore: IndexStore, SQLProgramRunner {
    private let pool: DatabasePool
    private let logger: Logger

    /// Opens (creating if needed) the index at `path`. Call `prepare()` before use.
    ///
    /// - Parameters:
    ///   - maximumReaders: Reader connections for concurrent queries.
    ///   - busyTimeout: How long a write waits for another process's write before failing.
    ///   - cacheMebibytes: The page cache of each connection.
    public init(
        path: String, maximumReaders: Int = 4, busyTimeout: Duration = .seconds(10), cacheMebibytes: Int = 32,
        logger: Logger = Logger(label: "nuage.index.sqlite")
    ) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.maximumReaderCount = max(1, maximumReaders)
        configuration.busyMode = .timeout(TimeInterval(busyTimeout.components.seconds))
        configuration.label = "nuage.index"
        let cacheKibibytes = max(1, cacheMebibytes) * 1024
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA case_sensitive_like = ON")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA cache_size = -\(cacheKibibytes)")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB switches a pool's writer to `synchronous = NORMAL` when it enables WAL, after `prepareDatabase`:
        // restore FULL, without which a commit can be lost to a power cut after `register` returned.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        self.pool = pool
        self.logger = logger
    }

    /// Applies the migrations this build knows (GRDB's `DatabaseMigrator`); refuses a database that a newer build
    /// migrated further.
    public func prepare() async throws {
        var migrator = DatabaseMigrator()
        for migration in IndexSchema.migrations {
            migrator.registerMigration(migration.identifier) { db in
                for statement in migration.statements(.sqlite) { try db.execute(sql: statement) }
            }
        }
        let frozen = migrator
        if try await pool.read({ db in try frozen.hasBeenSuperseded(db) }) {
            throw IndexStoreError(.unknownSchemaVersion, "the index was migrated by a newer version of Nuage")
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            frozen.asyncMigrate(pool) { result in
                continuation.resume(with: result.map { _ in () })
            }
        }
        try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA optimize") }
        logger.debug("index schema ready", metadata: ["index.backend": "sqlite"])
    }

    public func register(
        _ registrations: [InstanceRegistration], duplicates: DuplicatePolicy, scope: AccessScope
    ) async throws -> [RegistrationOutcome] {
        try await write(RegistrationProgram(registrations, duplicates: duplicates, scope: scope, dialect: .sqlite))
    }

    public func find(_ query: IndexQuery, scope: AccessScope) async throws -> IndexQueryResult {
        try await read(FindProgram(query: query, scope: scope, dialect: .sqlite))
    }

    public func instances(_ selector: InstanceSelector, scope: AccessScope) async throws -> [StoredInstance] {
        try await read(IndexReadPrograms.instances(selector, scope: scope, dialect: .sqlite))
    }

    public func delete(_ selector: InstanceSelector, scope: AccessScope) async throws -> [StoredInstance] {
        try await write(DeleteProgram(selector, scope: scope, dialect: .sqlite))
    }

    public func instancePage(
        after cursor: BlobKey?, limit: Int, scope: AccessScope
    ) async throws
        -> [StoredInstance]
    {
        try await read(IndexReadPrograms.instancePage(after: cursor, limit: limit, scope: scope, dialect: .sqlite))
    }

    public func referencedBlobKeys(among keys: [BlobKey], scope: AccessScope) async throws -> Set<BlobKey> {
        try await read(IndexReadPrograms.referencedBlobKeys(among: keys, scope: scope, dialect: .sqlite))
    }

    public func attributeConflicts(
        _ selector: InstanceSelector?, scope: AccessScope
    ) async throws
        -> [AttributeConflict]
    {
        try await read(IndexReadPrograms.attributeConflicts(selector, scope: scope, dialect: .sqlite))
    }

    public func statistics(scope: AccessScope) async throws -> [TenantStatistics] {
        try await read(IndexReadPrograms.statistics(scope: scope, dialect: .sqlite))
    }

    /// Updates the query planner's statistics (`ANALYZE`); worth running after a large import.
    public func analyze() async throws {
        try await pool.writeWithoutTransaction { db in try db.execute(sql: "ANALYZE") }
    }

    /// The directory (establishments, AE titles, accounts, API keys) kept in the same database, ready once
    /// `prepare()` has run.
    public var directory: SQLDirectoryStore { SQLDirectoryStore(runner: self) }

    // MARK: - Running programs

    package var dialect: SQLDialect { .sqlite }

    /// Runs a read program in a read transaction, so that its statements see one state of the index; a program of
    /// one statement runs without one (the statement alone is atomic), sparing a BEGIN and a COMMIT.
    package func read<Program: SQLProgram>(_ program: Program) async throws -> Program.Output {
        if program.runsOneStatement {
            return try await pool.unsafeRead { db in try Self.run(program, in: db) }
        }
        return try await pool.read { db in try Self.run(program, in: db) }
    }

    package func write<Program: SQLProgram>(_ program: Program) async throws -> Program.Output {
        try await pool.writeWithoutTransaction { db in
            var output: Program.Output?
            try db.inTransaction(.immediate) {
                output = try Self.run(program, in: db)
                return .commit
            }
            guard let output else {
                throw IndexStoreError(.corruptRow, "a write transaction finished without a result")
            }
            return output
        }
    }

    /// The SQLite `synchronous` setting of the connection that commits (2 is FULL), for tests.
    package func writerSynchronousSetting() async throws -> Int {
        try await pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// SQLite's plan for a statement (`EXPLAIN QUERY PLAN`: one line per step, such as "SEARCH i USING INDEX …"),
    /// for tests that pin how a query reaches its rows.
    package func queryPlan(_ statement: SQLStatement) async throws -> [String] {
        try await pool.read { db in
            let arguments = statement.statementArguments
            return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + statement.sql, arguments: arguments).map {
                $0["detail"] ?? ""
            }
        }
    }

    /// Statements with at most this many arguments are kept prepared on their connection and reused.
    ///
    /// Preparing costs more than running for the small statements of one registration or one lookup (parsing, and
    /// GRDB's authorizer visiting every column). Statements with long IN lists or multi-row VALUES vary in shape with
    /// the batch size; caching them would fill the (unbounded) cache with shapes seldom seen again.
    private static let cachedStatementArgumentLimit = 32

    private static func run<Program: SQLProgram>(_ program: Program, in db: Database) throws -> Program.Output {
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
                    results.append(try execute(statement, in: db))
                }
                step = try program.resume(with: results)
            }
        }
    }

    private static func execute(_ statement: SQLStatement, in db: Database) throws -> [SQLRow] {
        let prepared =
            statement.arguments.count <= cachedStatementArgumentLimit
            ? try db.cachedStatement(sql: statement.sql) : try db.makeStatement(sql: statement.sql)
        let arguments = statement.statementArguments
        guard statement.returnsRows else {
            try prepared.execute(arguments: arguments)
            return []
        }
        // GRDB's cursor steps the statement; each row's values are read from the statement with SQLite's own
        // accessors. Going through GRDB's rows cost more than the query: `fetchAll` copies every row with its
        // column names, and each `DatabaseValue` is one more value to make and convert (a study's 100 rows took
        // 0.75-0.9 ms of CPU that way, of which SQLite's steps were 0.2-0.35 ms).
        let cursor = try Row.fetchCursor(prepared, arguments: arguments)
        let sqliteStatement = prepared.sqliteStatement
        let columnCount = CInt(prepared.columnCount)
        var rows: [SQLRow] = []
        // A text equal to the one in the same column of the row before is shared, not made again: the rows of a
        // study repeat its tenant, study and series UIDs, SOP class and transfer syntax.
        var previous: [SQLValue] = []
        while try cursor.next() != nil {
            var values: [SQLValue] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                let earlier = previous.isEmpty ? SQLValue.null : previous[Int(column)]
                values.append(SQLValue(sqliteStatement, column: column, sharing: earlier))
            }
            rows.append(SQLRow(values))
            previous = values
        }
        return rows
    }
}

extension SQLStatement {
    /// The arguments for GRDB. Given as optional existentials: GRDB's initializer for a sequence of a concrete type
    /// maps it through a key path, which the runtime instantiates again at every call (about 1% of a frame
    /// request's CPU).
    fileprivate var statementArguments: StatementArguments {
        StatementArguments(arguments.map { $0.databaseValue as (any DatabaseValueConvertible)? })
    }
}

extension SQLValue {
    fileprivate var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let integer): integer.databaseValue
        case .text(let text): text.databaseValue
        }
    }

    /// The value in `column` of the statement's current row (a statement after a step that returned a row); `earlier`
    /// itself when it is the same text.
    fileprivate init(_ statement: SQLiteStatement, column: CInt, sharing earlier: SQLValue) {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_NULL:
            self = .null
        case SQLITE_INTEGER:
            self = .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT:
            let double = sqlite3_column_double(statement, column)
            self = Int64(exactly: double).map(SQLValue.integer) ?? .text(String(double))
        default:
            // TEXT, and BLOB read as its bytes in UTF-8 (the schema stores none). `sqlite3_column_bytes` is asked
            // after the pointer, as SQLite's documentation requires, so that it counts the bytes pointed to.
            guard let bytes = sqlite3_column_blob(statement, column) else {
                self = .text("")
                return
            }
            let text = UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, column)))
            if case .text(let earlierText) = earlier, earlierText.utf8.count == text.count,
                earlierText.utf8.withContiguousStorageIfAvailable({ earlierBytes in
                    earlierBytes.baseAddress.map { memcmp($0, bytes, text.count) == 0 } ?? text.isEmpty
                }) == true
            {
                self = earlier
            } else {
                self = .text(String(decoding: text, as: UTF8.self))
            }
        }
    }
}
