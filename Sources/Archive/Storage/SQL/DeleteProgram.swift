/// `IndexStore.delete`: removes the selected instances, keeps the counters of what remains right, and removes the
/// series, studies and patients left empty, in one transaction.
///
/// Steps: (1) the selected instances, locked; (2) their superseded versions, and the counters of their series,
/// studies and patients, locked (children before parents, as registration locks), with the modalities of every
/// series of those studies; (3) the deletes and updates. Emptiness is decided from the counters read under lock;
/// deleting a parent cascades to whatever the schema hangs below it (attribute conflicts included).
package struct DeleteProgram: SQLProgram {
    package typealias Output = [StoredInstance]

    private let selector: InstanceSelector
    private let scope: AccessScope
    private let dialect: SQLDialect
    private var stage = Stage.select
    private var selected: [InstanceSelection.Row] = []
    private var removed: [StoredInstance] = []

    private enum Stage {
        case select, counters, writes
    }

    package init(_ selector: InstanceSelector, scope: AccessScope, dialect: SQLDialect) throws(IndexStoreError) {
        try scope.require(.delete)
        self.selector = selector
        self.scope = scope
        self.dialect = dialect
    }

    package mutating func start() throws -> SQLProgramStep<[StoredInstance]> {
        var builder = SQLBuilder(dialect, InstanceSelection.currentInstances(from: selector) + " AND ")
        builder.appendTenantFilter("i.tenant", scope)
        InstanceSelection.appendConditions(selector, scope: scope, to: &builder)
        builder.append(" ORDER BY i.id")
        builder.append(dialect.lockingClause(of: "i"))
        return .run([builder.statement])
    }

    package mutating func resume(with results: [[SQLRow]]) throws -> SQLProgramStep<[StoredInstance]> {
        switch stage {
        case .select:
            selected = try (results.first ?? []).map { try InstanceSelection.Row($0) }
            guard !selected.isEmpty else { return .finished([]) }
            stage = .counters
            return .run(counterLookups())
        case .counters:
            let plan = try DeletionPlan(selected: selected, results: results)
            removed = selected.map(\.instance) + plan.supersededVersions
            stage = .writes
            return .run(plan.statements(dialect: dialect))
        case .writes:
            return .finished(removed)
        }
    }

    /// Versions, series, studies, patients, then the series of the studies: in the order `DeletionPlan` reads.
    private func counterLookups() -> [SQLStatement] {
        let instanceIDs = selected.map(\.instanceID)
        let seriesIDs = Set(selected.map(\.seriesID)).sorted()
        let studyIDs = Set(selected.map(\.studyID)).sorted()
        let patientIDs = Set(selected.map(\.patientID)).sorted()
        var versions = SQLBuilder(dialect, InstanceSelection.supersededVersions + " WHERE v.instance_fk IN ")
        versions.bindList(instanceIDs.map(SQLValue.integer))
        versions.append(" ORDER BY v.id")
        return [
            versions.statement,
            lookup("SELECT se.id, 0, 0, se.instance_count, se.size_bytes FROM series se", alias: "se", ids: seriesIDs),
            lookup(
                "SELECT s.id, 0, s.series_count, s.instance_count, s.size_bytes FROM studies s", alias: "s",
                ids: studyIDs),
            lookup(
                "SELECT p.id, p.study_count, p.series_count, p.instance_count, p.size_bytes FROM patients p",
                alias: "p", ids: patientIDs),
            {
                var builder = SQLBuilder(
                    dialect, "SELECT se.study_fk, se.id, se.modality FROM series se WHERE se.study_fk IN ")
                builder.bindList(studyIDs.map(SQLValue.integer))
                return builder.statement
            }(),
        ]
    }

    private func lookup(_ select: String, alias: String, ids: [Int64]) -> SQLStatement {
        var builder = SQLBuilder(dialect, select + " WHERE \(alias).id IN ")
        builder.bindList(ids.map(SQLValue.integer))
        builder.append(" ORDER BY \(alias).id")
        builder.append(dialect.lockingClause(of: alias))
        return builder.statement
    }
}

/// What deleting the selected instances does to the rows above them.
private struct DeletionPlan {
    struct Counters {
        var studies: Int64
        var series: Int64
        var instances: Int64
        var bytes: Int64
    }

    let instanceIDs: [Int64]
    let supersededVersions: [StoredInstance]
    private var seriesCounters: [Int64: Counters] = [:]
    private var studyCounters: [Int64: Counters] = [:]
    private var patientCounters: [Int64: Counters] = [:]
    private var removedFromSeries: [Int64: Counters] = [:]
    private var removedFromStudies: [Int64: Counters] = [:]
    private var removedFromPatients: [Int64: Counters] = [:]
    /// Every series of the affected studies: (study id, series id, modality).
    private var seriesOfStudies: [(Int64, Int64, String?)] = []

    init(selected: [InstanceSelection.Row], results: [[SQLRow]]) throws(IndexStoreError) {
        guard results.count == 5 else {
            throw IndexStoreError(.corruptRow, "deletion lookups returned \(results.count) results, not 5")
        }
        instanceIDs = selected.map(\.instanceID)
        var versions: [StoredInstance] = []
        for row in results[0] { versions.append(try InstanceSelection.Row(row).instance) }
        supersededVersions = versions
        func counters(_ rows: [SQLRow]) throws(IndexStoreError) -> [Int64: Counters] {
            var table: [Int64: Counters] = [:]
            for row in rows {
                table[try row.integer(0)] = Counters(
                    studies: try row.integer(1), series: try row.integer(2), instances: try row.integer(3),
                    bytes: try row.integer(4))
            }
            return table
        }
        seriesCounters = try counters(results[1])
        studyCounters = try counters(results[2])
        patientCounters = try counters(results[3])
        for row in results[4] {
            seriesOfStudies.append((try row.integer(0), try row.integer(1), try row.optionalText(2)))
        }
        let zero = Counters(studies: 0, series: 0, instances: 0, bytes: 0)
        for row in selected {
            let size = row.instance.object.size
            removedFromSeries[row.seriesID, default: zero].instances += 1
            removedFromSeries[row.seriesID, default: zero].bytes += size
            removedFromStudies[row.studyID, default: zero].instances += 1
            removedFromStudies[row.studyID, default: zero].bytes += size
            removedFromPatients[row.patientID, default: zero].instances += 1
            removedFromPatients[row.patientID, default: zero].bytes += size
        }
        let studyOfSeries = Dictionary(selected.map { ($0.seriesID, ($0.studyID, $0.patientID)) }) { first, _ in first }
        for (seriesID, removed) in removedFromSeries
        where removed.instances >= (seriesCounters[seriesID]?.instances ?? 0) {
            guard let (studyID, patientID) = studyOfSeries[seriesID] else { continue }
            removedFromStudies[studyID, default: zero].series += 1
            removedFromPatients[patientID, default: zero].series += 1
        }
        let patientOfStudy = Dictionary(selected.map { ($0.studyID, $0.patientID) }) { first, _ in first }
        for (studyID, removed) in removedFromStudies where removed.series >= (studyCounters[studyID]?.series ?? 0) {
            guard let patientID = patientOfStudy[studyID] else { continue }
            removedFromPatients[patientID, default: zero].studies += 1
        }
    }

    private func isEmptied(
        _ id: Int64, removed: [Int64: Counters], counters: [Int64: Counters], by: KeyPath<Counters, Int64>
    ) -> Bool {
        guard let removed = removed[id], let counters = counters[id] else { return false }
        return removed[keyPath: by] >= counters[keyPath: by]
    }

    func statements(dialect: SQLDialect) -> [SQLStatement] {
        var statements: [SQLStatement] = []
        for chunk in instanceIDs.chunked(500) {
            var builder = SQLBuilder(dialect, "DELETE FROM instances WHERE id IN ")
            builder.bindList(chunk.map(SQLValue.integer))
            statements.append(builder.statement)
        }
        var deletedSeries: Set<Int64> = []
        for (id, removed) in removedFromSeries.sorted(by: { $0.key < $1.key }) {
            if isEmptied(id, removed: removedFromSeries, counters: seriesCounters, by: \.instances) {
                deletedSeries.insert(id)
                statements.append(delete("series", id: id, dialect: dialect))
            } else {
                var builder = SQLBuilder(dialect, "UPDATE series SET")
                Self.appendDecrements(removed, studies: false, series: false, to: &builder)
                builder.append(" WHERE id = ")
                builder.bind(.integer(id))
                statements.append(builder.statement)
            }
        }
        for (id, removed) in removedFromStudies.sorted(by: { $0.key < $1.key }) {
            if isEmptied(id, removed: removedFromStudies, counters: studyCounters, by: \.series) {
                statements.append(delete("studies", id: id, dialect: dialect))
            } else {
                let modalities = Set(
                    seriesOfStudies.filter { $0.0 == id && !deletedSeries.contains($0.1) }.compactMap(\.2)
                        .filter { !$0.isEmpty }
                ).sorted()
                var builder = SQLBuilder(dialect, "UPDATE studies SET")
                Self.appendDecrements(removed, studies: false, series: true, to: &builder)
                builder.append(", modalities_in_study = ")
                builder.bind(.text(modalities.joined(separator: "\\")))
                builder.append(" WHERE id = ")
                builder.bind(.integer(id))
                statements.append(builder.statement)
            }
        }
        for (id, removed) in removedFromPatients.sorted(by: { $0.key < $1.key }) {
            if isEmptied(id, removed: removedFromPatients, counters: patientCounters, by: \.studies) {
                statements.append(delete("patients", id: id, dialect: dialect))
            } else {
                var builder = SQLBuilder(dialect, "UPDATE patients SET")
                Self.appendDecrements(removed, studies: true, series: true, to: &builder)
                builder.append(" WHERE id = ")
                builder.bind(.integer(id))
                statements.append(builder.statement)
            }
        }
        return statements
    }

    private func delete(_ table: String, id: Int64, dialect: SQLDialect) -> SQLStatement {
        var builder = SQLBuilder(dialect, "DELETE FROM \(table) WHERE id = ")
        builder.bind(.integer(id))
        return builder.statement
    }

    private static func appendDecrements(
        _ removed: Counters, studies: Bool, series: Bool, to builder: inout SQLBuilder
    ) {
        if studies {
            builder.append(" study_count = study_count - ")
            builder.bind(.integer(removed.studies))
            builder.append(",")
        }
        if series {
            builder.append(" series_count = series_count - ")
            builder.bind(.integer(removed.series))
            builder.append(",")
        }
        builder.append(" instance_count = instance_count - ")
        builder.bind(.integer(removed.instances))
        builder.append(", size_bytes = size_bytes - ")
        builder.bind(.integer(removed.bytes))
    }
}
