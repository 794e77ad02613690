package import Foundation

/// A value bound to a statement or read from a row, in the few types the index schema uses.
///
/// Both backends convert to and from their driver's types (GRDB `DatabaseValue`, PostgresNIO bindings and cells);
/// the SQL shared between them only ever sees these.
package enum SQLValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case text(String)

    package init(_ text: String?) {
        self = text.map(SQLValue.text) ?? .null
    }

    package init(_ integer: Int?) {
        self = integer.map { .integer(Int64($0)) } ?? .null
    }

    package init(_ integer: Int64) {
        self = .integer(integer)
    }

    /// Microseconds since 1970-01-01T00:00:00Z: how the schema stores instants (BIGINT in both dialects, exact
    /// and sortable; `received_at` and `recorded_at`).
    package init(_ date: Date) {
        let microseconds = (date.timeIntervalSince1970 * 1_000_000).rounded()
        self = .integer(Int64(exactly: microseconds) ?? 0)
    }
}

/// One SQL statement and its arguments, in the placeholder style of the dialect it was built for.
package struct SQLStatement: Hashable, Sendable, CustomStringConvertible {
    package var sql: String
    package var arguments: [SQLValue]

    package init(sql: String, arguments: [SQLValue] = []) {
        self.sql = sql
        self.arguments = arguments
    }

    /// The SQL only: arguments may be patient data and never reach logs.
    package var description: String { sql }
}

/// A row read back: its values in the order of the statement's select list.
package struct SQLRow: Hashable, Sendable {
    package var values: [SQLValue]

    package init(_ values: [SQLValue]) {
        self.values = values
    }

    /// The value at `index`, or `corruptRow` when the row is shorter.
    package func value(_ index: Int) throws(IndexStoreError) -> SQLValue {
        guard values.indices.contains(index) else {
            throw IndexStoreError(.corruptRow, "a row has \(values.count) columns, column \(index) was read")
        }
        return values[index]
    }

    /// Text or NULL at `index`.
    package func optionalText(_ index: Int) throws(IndexStoreError) -> String? {
        switch try value(index) {
        case .null: return nil
        case .text(let text): return text
        case .integer(let integer): return String(integer)
        }
    }

    /// Text at `index`; `corruptRow` for NULL.
    package func text(_ index: Int) throws(IndexStoreError) -> String {
        guard let text = try optionalText(index) else {
            throw IndexStoreError(.corruptRow, "column \(index) is NULL where text is required")
        }
        return text
    }

    /// An integer or NULL at `index`; text holding an integer is accepted (SQLite's type affinity).
    package func optionalInteger(_ index: Int) throws(IndexStoreError) -> Int64? {
        switch try value(index) {
        case .null: return nil
        case .integer(let integer): return integer
        case .text(let text):
            guard let integer = Int64(text) else {
                throw IndexStoreError(.corruptRow, "column \(index) holds text where an integer is required")
            }
            return integer
        }
    }

    /// An integer at `index`; `corruptRow` for NULL.
    package func integer(_ index: Int) throws(IndexStoreError) -> Int64 {
        guard let integer = try optionalInteger(index) else {
            throw IndexStoreError(.corruptRow, "column \(index) is NULL where an integer is required")
        }
        return integer
    }

    /// An integer at `index` as an `Int`.
    package func int(_ index: Int) throws(IndexStoreError) -> Int {
        Int(truncatingIfNeeded: try integer(index))
    }

    /// An instant stored as microseconds since 1970 (see `SQLValue.init(_: Date)`).
    package func date(_ index: Int) throws(IndexStoreError) -> Date {
        Date(timeIntervalSince1970: Double(try integer(index)) / 1_000_000)
    }
}
