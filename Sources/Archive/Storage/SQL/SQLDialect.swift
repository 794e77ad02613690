/// The differences between SQLite and PostgreSQL that the index's SQL has to spell out; everything else is
/// written once, in the SQL both accept.
package enum SQLDialect: Hashable, Sendable {
    case sqlite
    case postgres

    /// The placeholder for the `position`-th argument (1-based): `?` for SQLite, `$1`, `$2`… for PostgreSQL.
    package func placeholder(_ position: Int) -> String {
        switch self {
        case .sqlite: "?"
        case .postgres: "$\(position)"
        }
    }

    /// The surrogate key column: SQLite's rowid alias, PostgreSQL's identity column.
    package var identityPrimaryKey: String {
        switch self {
        case .sqlite: "INTEGER PRIMARY KEY"
        case .postgres: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
        }
    }

    /// 64-bit integers.
    package var bigint: String {
        switch self {
        case .sqlite: "INTEGER"
        case .postgres: "BIGINT"
        }
    }

    /// Text compared byte by byte, so that SQLite and PostgreSQL order and match it alike (SQLite's BINARY
    /// collation, PostgreSQL's "C"), and B-tree indexes serve prefix ranges and `LIKE 'abc%'`.
    package var text: String {
        switch self {
        case .sqlite: "TEXT"
        case .postgres: "TEXT COLLATE \"C\""
        }
    }

    /// A column holding a DICOM JSON document, kept as written: PostgreSQL's `json` (validated, verbatim), SQLite's
    /// TEXT.
    package var json: String {
        switch self {
        case .sqlite: "TEXT"
        case .postgres: "JSON"
        }
    }

    /// The placeholder for a JSON argument (sent as text): PostgreSQL needs the cast.
    package func jsonPlaceholder(_ position: Int) -> String {
        switch self {
        case .sqlite: placeholder(position)
        case .postgres: placeholder(position) + "::json"
        }
    }

    /// A JSON column read back as text.
    package func jsonAsText(_ column: String) -> String {
        switch self {
        case .sqlite: column
        case .postgres: column + "::text"
        }
    }

    /// The current instant as microseconds since 1970 (how instants are stored), for SQL run without arguments
    /// (migrations).
    package var currentMicroseconds: String {
        switch self {
        case .sqlite: "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)"
        case .postgres: "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)"
        }
    }

    /// A LIMIT clause without a limit, for an OFFSET alone (SQLite requires a LIMIT before OFFSET).
    package var unlimited: String {
        switch self {
        case .sqlite: "LIMIT -1"
        case .postgres: "LIMIT ALL"
        }
    }

    /// Appended to a `SELECT` that reads rows the transaction goes on to update, locking them (PostgreSQL) so that
    /// concurrent writers on other nodes serialise on them. SQLite has a single writer and needs nothing.
    package func lockingClause(of tableAlias: String) -> String {
        switch self {
        case .sqlite: ""
        case .postgres: " FOR UPDATE OF \(tableAlias)"
        }
    }
}

/// Builds one statement: SQL text with placeholders in the dialect's style and the arguments they stand for.
///
/// Values are only ever bound, never written into the SQL text; the text holds only what this module writes
/// (keywords, table and column names).
package struct SQLBuilder {
    package let dialect: SQLDialect
    package private(set) var sql: String
    package private(set) var arguments: [SQLValue]

    package init(_ dialect: SQLDialect, _ sql: String = "") {
        self.dialect = dialect
        self.sql = sql
        self.arguments = []
    }

    /// Appends SQL text written by this module (never a value).
    package mutating func append(_ text: String) {
        sql += text
    }

    /// Appends a placeholder bound to `value`.
    package mutating func bind(_ value: SQLValue) {
        arguments.append(value)
        sql += dialect.placeholder(arguments.count)
    }

    /// Appends a placeholder bound to JSON text (cast to `json` for PostgreSQL).
    package mutating func bindJSON(_ json: String) {
        arguments.append(.text(json))
        sql += dialect.jsonPlaceholder(arguments.count)
    }

    /// Appends `(?, ?, …)` bound to the values; `(NULL)` for none, which matches nothing in `IN`.
    package mutating func bindList(_ values: [SQLValue]) {
        guard !values.isEmpty else {
            sql += "(NULL)"
            return
        }
        sql += "("
        for (index, value) in values.enumerated() {
            if index > 0 { sql += ", " }
            bind(value)
        }
        sql += ")"
    }

    /// Appends `column IN (…)` for the scope's tenants.
    package mutating func appendTenantFilter(_ column: String, _ scope: AccessScope) {
        sql += "\(column) IN "
        bindList(scope.sortedTenants.map { .text($0.rawValue) })
    }

    package var statement: SQLStatement {
        SQLStatement(sql: sql, arguments: arguments)
    }
}

extension Array {
    /// The elements in consecutive slices of at most `size` (a statement binds at most a few thousand values).
    package func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: Swift.max(size, 1)).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
