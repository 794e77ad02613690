package import Foundation

/// The index side of compression at rest, for both dialects: migrations 3 and 5 of `IndexSchema` (the tenant's
/// setting and the totals; the retired objects), the switch of an instance to its compressed blob, the totals, and
/// the retired objects.
package enum CompressionPrograms {
    /// Migration 3: `tenants.compression` (a `CompressionAtRest` raw value, 'none' for every existing tenant) and
    /// `compression_totals`, cumulative per tenant, maintained by `switchStoredObject`.
    static func version3(_ dialect: SQLDialect) -> [String] {
        let text = dialect.text
        let bigint = dialect.bigint
        return [
            "ALTER TABLE tenants ADD COLUMN compression \(text) NOT NULL DEFAULT 'none'",
            """
            CREATE TABLE compression_totals (
                tenant \(text) PRIMARY KEY,
                instances \(bigint) NOT NULL CHECK (instances >= 0),
                bytes_before \(bigint) NOT NULL CHECK (bytes_before >= 0),
                bytes_after \(bigint) NOT NULL CHECK (bytes_after >= 0)
            )
            """,
        ]
    }

    /// Migration 5: `retired_blobs`, the objects that compression at rest replaced, each with the instant the index
    /// stopped naming it. They stay in the store (and count as referenced) until `retiredBlobs(before:)` offers them
    /// for deletion: a reader that looked an instance up just before the switch still finds its object.
    static func version5(_ dialect: SQLDialect) -> [String] {
        [
            """
            CREATE TABLE retired_blobs (
                blob_key \(dialect.text) PRIMARY KEY,
                tenant \(dialect.text) NOT NULL,
                retired_at \(dialect.bigint) NOT NULL
            )
            """,
            "CREATE INDEX retired_blobs_by_time ON retired_blobs (tenant, retired_at)",
        ]
    }

    /// `IndexStore.switchStoredObject`.
    package static func switchStoredObject(
        of instance: StoredInstance, to replacement: StoredObject, at instant: Date, scope: AccessScope,
        dialect: SQLDialect
    ) throws(IndexStoreError) -> StoredObjectSwitch {
        try scope.require(.write)
        try scope.requireCovers(instance.tenant)
        return StoredObjectSwitch(instance: instance, replacement: replacement, instant: instant, dialect: dialect)
    }

    /// `IndexStore.retiredBlobs`.
    package static func retiredBlobs(before cutoff: Date, limit: Int, scope: AccessScope, dialect: SQLDialect)
        -> SingleStepProgram<[BlobKey]>
    {
        var builder = SQLBuilder(dialect, "SELECT blob_key FROM retired_blobs WHERE ")
        builder.appendTenantFilter("tenant", scope)
        builder.append(" AND retired_at < ")
        builder.bind(SQLValue(cutoff))
        builder.append(" ORDER BY retired_at, blob_key LIMIT ")
        builder.bind(.integer(Int64(max(limit, 0))))
        return SingleStepProgram([builder.statement]) { results in
            try (results.first ?? []).map { BlobKey(rawValue: try $0.text(0)) }
        }
    }

    /// `IndexStore.forgetRetiredBlobs`.
    package static func forgetRetiredBlobs(_ keys: [BlobKey], scope: AccessScope, dialect: SQLDialect)
        throws(IndexStoreError) -> SingleStepProgram<Void>
    {
        try scope.require(.write)
        let statements = Array(Set(keys)).sorted().chunked(500).map { chunk in
            var builder = SQLBuilder(dialect, "DELETE FROM retired_blobs WHERE ")
            builder.appendTenantFilter("tenant", scope)
            builder.append(" AND blob_key IN ")
            builder.bindList(chunk.map { .text($0.rawValue) })
            return builder.statement
        }
        return SingleStepProgram(statements) { _ in }
    }

    /// `IndexStore.compressionTotals`.
    package static func compressionTotals(scope: AccessScope, dialect: SQLDialect)
        -> SingleStepProgram<[CompressionTotals]>
    {
        var builder = SQLBuilder(
            dialect, "SELECT tenant, instances, bytes_before, bytes_after FROM compression_totals WHERE ")
        builder.appendTenantFilter("tenant", scope)
        let tenants = scope.sortedTenants
        return SingleStepProgram([builder.statement]) { results in
            var byTenant: [String: CompressionTotals] = [:]
            for row in results.first ?? [] {
                let tenant = try row.text(0)
                byTenant[tenant] = CompressionTotals(
                    tenant: tenant, instances: try row.int(1), bytesBefore: try row.integer(2),
                    bytesAfter: try row.integer(3))
            }
            return tenants.map {
                byTenant[$0.rawValue] ?? CompressionTotals(tenant: $0.rawValue, instances: 0, bytesBefore: 0, bytesAfter: 0)
            }
        }
    }
}

/// Reads the instance's row (locked in PostgreSQL) where it still references the old object, then, if there is
/// one, points it at the new object, moves the counters by the size difference and records the old object as
/// retired at `instant`; one write transaction.
package struct StoredObjectSwitch: SQLProgram {
    private let instance: StoredInstance
    private let replacement: StoredObject
    private let instant: Date
    private let dialect: SQLDialect
    private var switched = false

    init(instance: StoredInstance, replacement: StoredObject, instant: Date, dialect: SQLDialect) {
        self.instance = instance
        self.replacement = replacement
        self.instant = instant
        self.dialect = dialect
    }

    package mutating func start() throws -> SQLProgramStep<Bool> {
        var select = SQLBuilder(dialect, "SELECT i.id, i.series_fk, i.size_bytes FROM instances i WHERE i.tenant = ")
        select.bind(.text(instance.tenant.rawValue))
        select.append(" AND i.blob_key = ")
        select.bind(.text(instance.object.blobKey.rawValue))
        select.append(" AND i.sha256 = ")
        select.bind(.text(instance.object.sha256))
        select.append(dialect.lockingClause(of: "i"))
        return .run([select.statement])
    }

    package mutating func resume(with results: [[SQLRow]]) throws -> SQLProgramStep<Bool> {
        if switched { return .finished(true) }
        guard let row = results.first?.first else { return .finished(false) }
        switched = true
        let instanceID = try row.integer(0)
        let seriesID = try row.integer(1)
        let before = try row.integer(2)
        let delta = replacement.size - before
        let tenant = SQLValue.text(instance.tenant.rawValue)

        var update = SQLBuilder(dialect, "UPDATE instances SET blob_key = ")
        update.bind(.text(replacement.blobKey.rawValue))
        update.append(", size_bytes = ")
        update.bind(.integer(replacement.size))
        update.append(", sha256 = ")
        update.bind(.text(replacement.sha256))
        update.append(", transfer_syntax_uid = ")
        update.bind(.text(replacement.transferSyntaxUID))
        update.append(" WHERE id = ")
        update.bind(.integer(instanceID))

        // The series, its study, the study's patient: each counter moves by the difference.
        let owners = [
            ("series", "id = ", nil),
            ("studies", "id = (SELECT study_fk FROM series WHERE id = ", ")"),
            ("patients", "id = (SELECT s.patient_fk FROM studies s JOIN series se ON se.study_fk = s.id WHERE se.id = ", ")"),
        ]
        var statements = [update.statement]
        for (table, condition, closing) in owners {
            var counter = SQLBuilder(dialect, "UPDATE \(table) SET size_bytes = size_bytes + ")
            counter.bind(.integer(delta))
            counter.append(" WHERE tenant = ")
            counter.bind(tenant)
            counter.append(" AND " + condition)
            counter.bind(.integer(seriesID))
            if let closing { counter.append(closing) }
            statements.append(counter.statement)
        }

        var totals = SQLBuilder(
            dialect, "INSERT INTO compression_totals (tenant, instances, bytes_before, bytes_after) VALUES (")
        totals.bind(tenant)
        totals.append(", 1, ")
        totals.bind(.integer(before))
        totals.append(", ")
        totals.bind(.integer(replacement.size))
        totals.append(
            """
            ) ON CONFLICT (tenant) DO UPDATE SET instances = compression_totals.instances + 1, \
            bytes_before = compression_totals.bytes_before + excluded.bytes_before, \
            bytes_after = compression_totals.bytes_after + excluded.bytes_after
            """)
        statements.append(totals.statement)

        var retired = SQLBuilder(dialect, "INSERT INTO retired_blobs (blob_key, tenant, retired_at) VALUES (")
        retired.bind(.text(instance.object.blobKey.rawValue))
        retired.append(", ")
        retired.bind(tenant)
        retired.append(", ")
        retired.bind(SQLValue(instant))
        retired.append(")")
        statements.append(retired.statement)
        return .run(statements)
    }
}
