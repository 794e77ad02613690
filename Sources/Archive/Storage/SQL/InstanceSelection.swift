import DICOMCore
import Foundation

/// The SELECTs that read `StoredInstance`s, current and superseded versions alike, and the selector conditions
/// shared by `instances`, `delete` and `attributeConflicts`.
package enum InstanceSelection {
    /// Columns of a current instance, and the tables of its hierarchy from the level `selector` names down to the
    /// instances (from the instances up when nil), ending in the join conditions: append ` AND …`.
    ///
    /// Columns: tenant, study UID, series UID, SOP class, SOP instance, blob key, size, SHA-256, transfer syntax,
    /// received at, version, is current (1), instance id, series id, study id, patient id, series number, instance
    /// number.
    ///
    /// The join order is spelled out because every index begins with the tenant, and SQLite's planner, lacking
    /// statistics, takes `tenant = ?` for a selective test: left to itself it walked every instance of the tenant
    /// to find one study's. `CROSS JOIN` fixes SQLite's order (its documented use); PostgreSQL plans it as the
    /// inner join it is. The tenant equalities between levels hold by the schema's foreign keys and let each level
    /// be reached through its parent's index.
    package static func currentInstances(from selector: InstanceSelector?) -> String {
        let tables =
            switch selector {
            case .patient: "patients p CROSS JOIN studies s CROSS JOIN series se CROSS JOIN instances i"
            case .study: "studies s CROSS JOIN patients p CROSS JOIN series se CROSS JOIN instances i"
            case .series: "series se CROSS JOIN studies s CROSS JOIN patients p CROSS JOIN instances i"
            case .instance, nil: "instances i CROSS JOIN series se CROSS JOIN studies s CROSS JOIN patients p"
            }
        return """
            SELECT i.tenant, s.study_instance_uid, se.series_instance_uid, i.sop_class_uid, i.sop_instance_uid, \
            i.blob_key, i.size_bytes, i.sha256, i.transfer_syntax_uid, i.received_at, i.version, 1, i.id, se.id, s.id, \
            p.id, se.series_number, i.instance_number FROM \(tables) WHERE se.id = i.series_fk \
            AND se.tenant = i.tenant AND s.id = se.study_fk AND s.tenant = se.tenant AND p.id = s.patient_fk \
            AND p.tenant = s.tenant
            """
    }

    /// The same columns for superseded versions (is current: 0).
    package static let supersededVersions = """
        SELECT v.tenant, s.study_instance_uid, se.series_instance_uid, v.sop_class_uid, i.sop_instance_uid, \
        v.blob_key, v.size_bytes, v.sha256, v.transfer_syntax_uid, v.received_at, v.version, 0, i.id, se.id, s.id, \
        p.id, se.series_number, i.instance_number FROM instance_versions v JOIN instances i ON i.id = v.instance_fk \
        JOIN series se ON se.id = i.series_fk JOIN studies s ON s.id = se.study_fk \
        JOIN patients p ON p.id = s.patient_fk
        """

    /// Appends ` AND …` conditions selecting what `selector` names, on the aliases `p`, `s`, `se`, `i`, with the
    /// scope's tenants on the level it names (so that level is found through its unique index).
    package static func appendConditions(
        _ selector: InstanceSelector, scope: AccessScope, to builder: inout SQLBuilder
    ) {
        let level =
            switch selector {
            case .patient: "p"
            case .study: "s"
            case .series: "se"
            case .instance: "i"
            }
        builder.append(" AND ")
        builder.appendTenantFilter("\(level).tenant", scope)
        switch selector {
        case .patient(let patientID, let issuer):
            builder.append(" AND p.patient_id = ")
            builder.bind(.text(patientID))
            builder.append(" AND p.issuer_of_patient_id = ")
            builder.bind(.text(issuer ?? ""))
        case .study(let studyInstanceUID):
            builder.append(" AND s.study_instance_uid = ")
            builder.bind(.text(studyInstanceUID))
        case .series(let studyInstanceUID, let seriesInstanceUID):
            builder.append(" AND se.series_instance_uid = ")
            builder.bind(.text(seriesInstanceUID))
            if let studyInstanceUID {
                builder.append(" AND s.study_instance_uid = ")
                builder.bind(.text(studyInstanceUID))
            }
        case .instance(let studyInstanceUID, let seriesInstanceUID, let sopInstanceUID):
            builder.append(" AND i.sop_instance_uid = ")
            builder.bind(.text(sopInstanceUID))
            if let seriesInstanceUID {
                builder.append(" AND se.series_instance_uid = ")
                builder.bind(.text(seriesInstanceUID))
            }
            if let studyInstanceUID {
                builder.append(" AND s.study_instance_uid = ")
                builder.bind(.text(studyInstanceUID))
            }
        }
    }

    /// A row of `currentInstances(from:)` or `supersededVersions`.
    package struct Row: Sendable {
        package var instance: StoredInstance
        package var instanceID: Int64
        package var seriesID: Int64
        package var studyID: Int64
        package var patientID: Int64
        package var seriesNumber: Int64?
        package var instanceNumber: Int64?

        package init(_ row: SQLRow) throws(IndexStoreError) {
            instance = StoredInstance(
                tenant: try TenantID.fromRow(row, 0), studyInstanceUID: try row.text(1),
                seriesInstanceUID: try row.text(2), sopClassUID: try row.text(3), sopInstanceUID: try row.text(4),
                object: StoredObject(
                    blobKey: BlobKey(rawValue: try row.text(5)), size: try row.integer(6), sha256: try row.text(7),
                    transferSyntaxUID: try row.text(8)),
                receivedAt: try row.date(9), version: try row.int(10), isCurrentVersion: try row.integer(11) == 1)
            instanceID = try row.integer(12)
            seriesID = try row.integer(13)
            studyID = try row.integer(14)
            patientID = try row.integer(15)
            seriesNumber = try row.optionalInteger(16)
            instanceNumber = try row.optionalInteger(17)
        }

        /// The hierarchical order of `IndexStore.instances`: study UID, series number (none last), series UID,
        /// instance number (none last), SOP Instance UID; UIDs compared byte by byte.
        ///
        /// Sorted here rather than by an ORDER BY: SQLite's sorter carries every selected column, which cost more
        /// than the rest of the query (a study of 100 instances, in the sqlite3 shell: 0.35 ms with the ORDER BY,
        /// 0.14 ms without). Byte order is the text columns' collation in both databases.
        package static func hierarchicallyPrecedes(_ first: Row, _ second: Row) -> Bool {
            let (a, b) = (first.instance, second.instance)
            if a.studyInstanceUID != b.studyInstanceUID {
                return a.studyInstanceUID.utf8.lexicographicallyPrecedes(b.studyInstanceUID.utf8)
            }
            if first.seriesNumber != second.seriesNumber {
                return numberPrecedes(first.seriesNumber, second.seriesNumber)
            }
            if a.seriesInstanceUID != b.seriesInstanceUID {
                return a.seriesInstanceUID.utf8.lexicographicallyPrecedes(b.seriesInstanceUID.utf8)
            }
            if first.instanceNumber != second.instanceNumber {
                return numberPrecedes(first.instanceNumber, second.instanceNumber)
            }
            return a.sopInstanceUID.utf8.lexicographicallyPrecedes(b.sopInstanceUID.utf8)
        }

        /// The rows' instances in the order of `hierarchicallyPrecedes`. Positions are sorted rather than rows:
        /// moving a row retains and releases each of its strings.
        package static func inHierarchicalOrder(_ rows: [Row]) -> [StoredInstance] {
            rows.indices.sorted { hierarchicallyPrecedes(rows[$0], rows[$1]) }.map { rows[$0].instance }
        }

        /// Numbers ascending, then none.
        private static func numberPrecedes(_ first: Int64?, _ second: Int64?) -> Bool {
            switch (first, second) {
            case (let a?, let b?): a < b
            case (.some, nil): true
            case (nil, _): false
            }
        }
    }
}

/// A program of one step: statements, then a decoding of their rows.
package struct SingleStepProgram<Output: Sendable>: SQLProgram {
    private let statements: [SQLStatement]
    private let decode: @Sendable ([[SQLRow]]) throws -> Output

    package init(_ statements: [SQLStatement], decode: @escaping @Sendable ([[SQLRow]]) throws -> Output) {
        self.statements = statements
        self.decode = decode
    }

    package mutating func start() throws -> SQLProgramStep<Output> {
        .run(statements)
    }

    package mutating func resume(with results: [[SQLRow]]) throws -> SQLProgramStep<Output> {
        .finished(try decode(results))
    }

    package var runsOneStatement: Bool { statements.count == 1 }
}

/// The read-only operations of `IndexStore` other than `find`, as programs.
package enum IndexReadPrograms {
    /// `IndexStore.instances`.
    package static func instances(
        _ selector: InstanceSelector, scope: AccessScope, dialect: SQLDialect
    )
        -> SingleStepProgram<[StoredInstance]>
    {
        var builder = SQLBuilder(dialect, InstanceSelection.currentInstances(from: selector) + " AND ")
        builder.appendTenantFilter("i.tenant", scope)
        InstanceSelection.appendConditions(selector, scope: scope, to: &builder)
        return SingleStepProgram([builder.statement]) { results in
            InstanceSelection.Row.inHierarchicalOrder(try (results.first ?? []).map { try InstanceSelection.Row($0) })
        }
    }

    /// `IndexStore.instancePage`: current instances and superseded versions merged in blob key order.
    package static func instancePage(
        after cursor: BlobKey?, limit: Int, scope: AccessScope, dialect: SQLDialect
    ) -> SingleStepProgram<[StoredInstance]> {
        let limit = max(limit, 0)
        let statements = [
            (InstanceSelection.currentInstances(from: nil) + " AND ", "i"),
            (InstanceSelection.supersededVersions + " WHERE ", "v"),
        ].map { select, alias in
            var builder = SQLBuilder(dialect, select)
            builder.appendTenantFilter("\(alias).tenant", scope)
            if let cursor {
                builder.append(" AND \(alias).blob_key > ")
                builder.bind(.text(cursor.rawValue))
            }
            builder.append(" ORDER BY \(alias).blob_key LIMIT ")
            builder.bind(.integer(Int64(limit)))
            return builder.statement
        }
        return SingleStepProgram(statements) { results in
            let rows = try results.joined().map { try InstanceSelection.Row($0).instance }
            return Array(rows.sorted { $0.object.blobKey < $1.object.blobKey }.prefix(limit))
        }
    }

    /// `IndexStore.referencedBlobKeys`.
    package static func referencedBlobKeys(
        among keys: [BlobKey], scope: AccessScope, dialect: SQLDialect
    )
        -> SingleStepProgram<Set<BlobKey>>
    {
        var statements: [SQLStatement] = []
        for chunk in Array(Set(keys)).sorted().chunked(500) {
            for table in ["instances", "instance_versions", "retired_blobs"] {
                var builder = SQLBuilder(dialect, "SELECT blob_key FROM \(table) WHERE ")
                builder.appendTenantFilter("tenant", scope)
                builder.append(" AND blob_key IN ")
                builder.bindList(chunk.map { .text($0.rawValue) })
                statements.append(builder.statement)
            }
        }
        return SingleStepProgram(statements) { results in
            Set(try results.joined().map { BlobKey(rawValue: try $0.text(0)) })
        }
    }

    /// `IndexStore.attributeConflicts`.
    package static func attributeConflicts(
        _ selector: InstanceSelector?, scope: AccessScope, dialect: SQLDialect
    ) -> SingleStepProgram<[AttributeConflict]> {
        var builder = SQLBuilder(
            dialect,
            """
            SELECT c.tenant, c.level, c.entity_key, c.tag, c.kept_value, c.received_value, c.sop_instance_uid, \
            c.recorded_at FROM attribute_conflicts c WHERE 
            """)
        builder.appendTenantFilter("c.tenant", scope)
        if let selector {
            let (column, select): (String, String) =
                switch selector {
                case .patient: ("c.patient_fk", "SELECT p.id FROM patients p")
                case .study: ("c.study_fk", "SELECT s.id FROM studies s JOIN patients p ON p.id = s.patient_fk")
                case .series:
                    (
                        "c.series_fk",
                        "SELECT se.id FROM series se JOIN studies s ON s.id = se.study_fk"
                            + " JOIN patients p ON p.id = s.patient_fk"
                    )
                case .instance:
                    (
                        "c.instance_fk",
                        "SELECT i.id FROM instances i JOIN series se ON se.id = i.series_fk"
                            + " JOIN studies s ON s.id = se.study_fk JOIN patients p ON p.id = s.patient_fk"
                    )
                }
            builder.append(" AND \(column) IN (\(select) WHERE ")
            builder.appendTenantFilter("p.tenant", scope)
            InstanceSelection.appendConditions(selector, scope: scope, to: &builder)
            builder.append(")")
        }
        builder.append(" ORDER BY c.id")
        return SingleStepProgram([builder.statement]) { results in
            try (results.first ?? []).map { row in
                guard let level = QueryLevel(rawValue: try row.text(1)),
                    let tag = Tag(hexString: try row.text(3))
                else { throw IndexStoreError(.corruptRow, "an attribute conflict has an unknown level or tag") }
                return AttributeConflict(
                    tenant: try TenantID.fromRow(row, 0), level: level, entityKey: try row.text(2), tag: tag,
                    keptValue: try row.optionalText(4), receivedValue: try row.optionalText(5),
                    sopInstanceUID: try row.text(6), recordedAt: try row.date(7))
            }
        }
    }

    /// `IndexStore.statistics`, from the patients' counters.
    package static func statistics(
        scope: AccessScope, dialect: SQLDialect
    )
        -> SingleStepProgram<[TenantStatistics]>
    {
        var builder = SQLBuilder(
            dialect,
            """
            SELECT tenant, COUNT(*), CAST(SUM(study_count) AS BIGINT), CAST(SUM(series_count) AS BIGINT), \
            CAST(SUM(instance_count) AS BIGINT), CAST(SUM(size_bytes) AS BIGINT) FROM patients WHERE 
            """)
        builder.appendTenantFilter("tenant", scope)
        builder.append(" GROUP BY tenant")
        let tenants = scope.sortedTenants
        return SingleStepProgram([builder.statement]) { results in
            var byTenant: [String: TenantStatistics] = [:]
            for row in results.first ?? [] {
                let tenant = try row.text(0)
                byTenant[tenant] = TenantStatistics(
                    tenant: tenant, patients: try row.int(1), studies: try row.int(2), series: try row.int(3),
                    instances: try row.int(4), bytes: try row.integer(5))
            }
            return tenants.map {
                byTenant[$0.rawValue]
                    ?? TenantStatistics(tenant: $0.rawValue, patients: 0, studies: 0, series: 0, instances: 0, bytes: 0)
            }
        }
    }
}
