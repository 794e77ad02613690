import DICOMCore
import DICOMDictionary
import Foundation

/// `IndexStore.register`, written once for both databases: look up what the batch touches, decide every outcome
/// in memory, then write it all; the driver runs it in one transaction.
///
/// Steps (each one round trip of a few statements per tenant, whatever the batch size):
/// 1. the instances with the batch's SOP Instance UIDs;
/// 2. the series named by the batch or holding those instances;
/// 3. their studies and the studies named by the batch;
/// 4. their patients and the patients named by the batch;
/// 5. the writes: new patients, studies, series (counters final), new instances (multi-row inserts), replaced
///    versions, counter and ModalitiesInStudy updates of existing rows, attribute conflicts.
/// Lookups lock the rows they read (PostgreSQL `FOR UPDATE`, children before parents as deletion does), so that
/// nodes writing the same study serialise; SQLite has one writer. Two nodes creating the same new study at once
/// collide on a unique key: the driver retries the whole program, which then finds the row.
///
/// Registrations apply in order, as if one at a time: the first instance of a patient, study or series sets its
/// attributes; later ones with other values for an attribute the first had are recorded as conflicts (keep the
/// first); values for attributes the first lacked are neither added nor recorded.
package struct RegistrationProgram: SQLProgram {
    package typealias Output = [RegistrationOutcome]

    private let dialect: SQLDialect
    private let duplicates: DuplicatePolicy
    private let items: [PreparedRegistration]
    private var stage = Stage.instances

    private var instances: [Scoped<String>: InstanceEntity] = [:]
    private var series: [Scoped<String>: SeriesEntity] = [:]
    private var studies: [Scoped<String>: StudyEntity] = [:]
    private var patients: [Scoped<PatientKey>: PatientEntity] = [:]
    private var seriesByID: [Int64: Scoped<String>] = [:]
    private var studiesByID: [Int64: Scoped<String>] = [:]
    private var patientsByID: [Int64: Scoped<PatientKey>] = [:]
    private var outcomes: [RegistrationOutcome] = []

    private enum Stage {
        case instances, series, studies, patients, writes
    }

    package init(
        _ registrations: [InstanceRegistration], duplicates: DuplicatePolicy, scope: AccessScope,
        dialect: SQLDialect
    ) throws(IndexStoreError) {
        try scope.require(.write)
        var items: [PreparedRegistration] = []
        items.reserveCapacity(registrations.count)
        var encoded = LevelDocuments.EncodedLevels()
        for registration in registrations {
            try scope.requireCovers(registration.tenant)
            items.append(try PreparedRegistration(registration, encoded: &encoded))
        }
        self.items = items
        self.duplicates = duplicates
        self.dialect = dialect
    }

    // MARK: - Lookups

    package mutating func start() throws -> SQLProgramStep<[RegistrationOutcome]> {
        guard !items.isEmpty else { return .finished([]) }
        var statements: [SQLStatement] = []
        for (tenant, uids) in groupedByTenant({ [$0.sopInstanceUID] }) {
            statements += lookups(
                """
                SELECT i.id, i.tenant, i.sop_instance_uid, i.series_fk, i.sop_class_uid, i.transfer_syntax_uid, \
                i.size_bytes, i.sha256, i.blob_key, i.received_at, i.source, i.version FROM instances i
                """, keyColumn: "i.sop_instance_uid", alias: "i", tenant: tenant, keys: uids)
        }
        return .run(statements)
    }

    package mutating func resume(with results: [[SQLRow]]) throws -> SQLProgramStep<[RegistrationOutcome]> {
        switch stage {
        case .instances:
            var seriesIDs: Set<Int64> = []
            for row in results.joined() {
                let entity = try InstanceEntity(row: row)
                instances[Scoped(entity.tenant, entity.sopInstanceUID)] = entity
                seriesIDs.insert(entity.seriesID)
            }
            stage = .series
            return .run(
                lookupStep(
                    select: """
                        SELECT se.id, se.tenant, se.series_instance_uid, se.study_fk, se.modality, \
                        \(dialect.jsonAsText("se.attributes")) FROM series se
                        """, keyColumn: "se.series_instance_uid", alias: "se",
                    keys: { [$0.seriesInstanceUID] }, ids: seriesIDs))
        case .series:
            var studyIDs: Set<Int64> = []
            for row in results.joined() {
                let entity = try SeriesEntity(row: row)
                let key = Scoped(entity.tenant, entity.uid)
                series[key] = entity
                seriesByID[try entity.requireID()] = key
                studyIDs.insert(entity.studyID)
            }
            stage = .studies
            return .run(
                lookupStep(
                    select: """
                        SELECT s.id, s.tenant, s.study_instance_uid, s.patient_fk, s.modalities_in_study, \
                        \(dialect.jsonAsText("s.attributes")) FROM studies s
                        """, keyColumn: "s.study_instance_uid", alias: "s",
                    keys: { [$0.studyInstanceUID] }, ids: studyIDs))
        case .studies:
            var patientIDs: Set<Int64> = []
            for row in results.joined() {
                let entity = try StudyEntity(row: row)
                let key = Scoped(entity.tenant, entity.uid)
                studies[key] = entity
                studiesByID[try entity.requireID()] = key
                patientIDs.insert(entity.patientID)
            }
            stage = .patients
            return .run(
                lookupStep(
                    select: """
                        SELECT p.id, p.tenant, p.patient_id, p.issuer_of_patient_id, \
                        \(dialect.jsonAsText("p.attributes")) FROM patients p
                        """, keyColumn: "p.patient_id", alias: "p",
                    keys: { [$0.patientKey.patientID] }, ids: patientIDs))
        case .patients:
            for row in results.joined() {
                let entity = try PatientEntity(row: row)
                let key = Scoped(entity.tenant, entity.key)
                patients[key] = entity
                patientsByID[try entity.requireID()] = key
            }
            try linkLoadedEntities()
            var writes = WritePlan(dialect: dialect)
            for item in items {
                outcomes.append(try apply(item, to: &writes))
            }
            let statements = writes.statements(
                patients: patients, studies: studies, series: series, instances: instances)
            stage = .writes
            return statements.isEmpty ? .finished(outcomes) : .run(statements)
        case .writes:
            return .finished(outcomes)
        }
    }

    /// Per tenant, the batch's keys (by `keys`) and, when given, rows by id.
    private func lookupStep(
        select: String, keyColumn: String, alias: String, keys: (PreparedRegistration) -> [String],
        ids: Set<Int64>
    ) -> [SQLStatement] {
        var statements: [SQLStatement] = []
        for (tenant, values) in groupedByTenant(keys) {
            statements += lookups(select, keyColumn: keyColumn, alias: alias, tenant: tenant, keys: values)
        }
        // Rows by id come from rows of this batch's tenants already: their parents (same tenant by the schema).
        for chunk in ids.sorted().chunked(500) {
            var builder = SQLBuilder(dialect, select)
            builder.append(" WHERE \(alias).id IN ")
            builder.bindList(chunk.map(SQLValue.integer))
            builder.append(" ORDER BY \(alias).id")
            builder.append(dialect.lockingClause(of: alias))
            statements.append(builder.statement)
        }
        return statements
    }

    private func lookups(
        _ select: String, keyColumn: String, alias: String, tenant: TenantID, keys: [String]
    )
        -> [SQLStatement]
    {
        keys.chunked(500).map { chunk in
            var builder = SQLBuilder(dialect, select)
            builder.append(" WHERE \(alias).tenant = ")
            builder.bind(.text(tenant.rawValue))
            builder.append(" AND \(keyColumn) IN ")
            builder.bindList(chunk.map(SQLValue.text))
            builder.append(" ORDER BY \(alias).id")
            builder.append(dialect.lockingClause(of: alias))
            return builder.statement
        }
    }

    /// The distinct keys of the batch per tenant, sorted (a stable statement order).
    private func groupedByTenant(_ keys: (PreparedRegistration) -> [String]) -> [(TenantID, [String])] {
        var grouped: [TenantID: Set<String>] = [:]
        for item in items { grouped[item.tenant, default: []].formUnion(keys(item)) }
        return grouped.keys.sorted().map { ($0, grouped[$0, default: []].sorted()) }
    }

    /// Resolves the parent ids read back into natural keys.
    private mutating func linkLoadedEntities() throws(IndexStoreError) {
        for (key, entity) in instances {
            guard let seriesKey = seriesByID[entity.seriesID] else {
                throw IndexStoreError(.corruptRow, "an instance references a series that was not found")
            }
            instances[key]?.seriesKey = seriesKey
        }
        for (key, entity) in series {
            guard let studyKey = studiesByID[entity.studyID] else {
                throw IndexStoreError(.corruptRow, "a series references a study that was not found")
            }
            series[key]?.studyKey = studyKey
        }
        for (key, entity) in studies {
            guard let patientKey = patientsByID[entity.patientID] else {
                throw IndexStoreError(.corruptRow, "a study references a patient that was not found")
            }
            studies[key]?.patientKey = patientKey
        }
    }

    // MARK: - Planning

    private mutating func apply(
        _ item: PreparedRegistration, to writes: inout WritePlan
    ) throws(IndexStoreError)
        -> RegistrationOutcome
    {
        let tenant = item.tenant
        let instanceKey = Scoped(tenant, item.sopInstanceUID)
        if let existing = instances[instanceKey] {
            if existing.object.sha256 == item.registration.object.sha256
                && existing.object.size == item.registration.object.size
            {
                return .alreadyStored(existing.object)
            }
            if duplicates == .keepFirst { return .keptFirst(existing: existing.object) }
            return try replace(existing, with: item, writes: &writes)
        }

        // Placement: the stored series if there is one, else the stored study, else the patient.
        let seriesKey = Scoped(tenant, item.seriesInstanceUID)
        let studyKey: Scoped<String>
        var created: Set<QueryLevel> = []
        if let existingSeries = series[seriesKey] {
            studyKey = existingSeries.studyKey
            if studyKey.key != item.studyInstanceUID {
                writes.conflicts.append(
                    conflict(
                        .series, seriesKey: seriesKey, studyKey: studyKey, item: item, tag: .studyInstanceUID,
                        kept: LevelDocuments.attributeJSON(.studyInstanceUID, vr: .UI, value: studyKey.key),
                        received: LevelDocuments.attributeJSON(
                            .studyInstanceUID, vr: .UI, value: item.studyInstanceUID)))
            }
        } else {
            studyKey = Scoped(tenant, item.studyInstanceUID)
            if studies[studyKey] == nil {
                let patientKey = Scoped(tenant, item.patientKey)
                if patients[patientKey] == nil {
                    patients[patientKey] = PatientEntity(new: item)
                    writes.newPatients.append(patientKey)
                    created.insert(.patient)
                }
                studies[studyKey] = StudyEntity(new: item, patientKey: patientKey)
                writes.newStudies.append(studyKey)
                created.insert(.study)
                patients[patientKey]?.counters.studies += 1
            }
            series[seriesKey] = SeriesEntity(new: item, studyKey: studyKey)
            writes.newSeries.append(seriesKey)
            created.insert(.series)
            studies[studyKey]?.counters.series += 1
            if let patientKey = studies[studyKey]?.patientKey { patients[patientKey]?.counters.series += 1 }
            if let modality = item.registration.attributes.series.modality, !modality.isEmpty {
                studies[studyKey]?.addModality(modality)
            }
        }

        if !created.contains(.study) {
            recordPatientMismatch(item, studyKey: studyKey, writes: &writes)
        }
        try recordAttributeConflicts(item, seriesKey: seriesKey, studyKey: studyKey, skipping: created, writes: &writes)
        addToCounters(
            seriesKey: seriesKey, studyKey: studyKey, instances: 1, bytes: item.registration.object.size)
        instances[instanceKey] = InstanceEntity(new: item, seriesKey: seriesKey)
        writes.newInstances.append(instanceKey)
        return .stored
    }

    /// An instance of a stored study that names another patient stays in the study, with its first patient.
    private func recordPatientMismatch(
        _ item: PreparedRegistration, studyKey: Scoped<String>, writes: inout WritePlan
    ) {
        guard let storedPatient = studies[studyKey]?.patientKey.key, storedPatient != item.patientKey else { return }
        for (tag, kept, received) in [
            (Tag.patientID, storedPatient.patientID, item.patientKey.patientID),
            (Tag.issuerOfPatientID, storedPatient.issuer, item.patientKey.issuer),
        ] where kept != received {
            writes.conflicts.append(
                conflict(
                    .study, seriesKey: nil, studyKey: studyKey, item: item, tag: tag,
                    kept: LevelDocuments.attributeJSON(tag, vr: .LO, value: kept),
                    received: LevelDocuments.attributeJSON(tag, vr: .LO, value: received)))
        }
    }

    /// `DuplicatePolicy.replace`: the stored content becomes a version; the instance stays in its series.
    private mutating func replace(
        _ existing: InstanceEntity, with item: PreparedRegistration, writes: inout WritePlan
    ) throws(IndexStoreError) -> RegistrationOutcome {
        let instanceKey = Scoped(item.tenant, item.sopInstanceUID)
        let seriesKey = existing.seriesKey
        guard let studyKey = series[seriesKey]?.studyKey else {
            throw IndexStoreError(.corruptRow, "a replaced instance's series was not found")
        }
        for (tag, kept, received) in [
            (Tag.seriesInstanceUID, seriesKey.key, item.seriesInstanceUID),
            (Tag.studyInstanceUID, studyKey.key, item.studyInstanceUID),
        ] where kept != received {
            writes.conflicts.append(
                conflict(
                    .instance, seriesKey: seriesKey, studyKey: studyKey, item: item, tag: tag,
                    kept: LevelDocuments.attributeJSON(tag, vr: .UI, value: kept),
                    received: LevelDocuments.attributeJSON(tag, vr: .UI, value: received)))
        }
        recordPatientMismatch(item, studyKey: studyKey, writes: &writes)
        try recordAttributeConflicts(item, seriesKey: seriesKey, studyKey: studyKey, skipping: [], writes: &writes)
        addToCounters(
            seriesKey: seriesKey, studyKey: studyKey, instances: 0,
            bytes: item.registration.object.size - existing.object.size)
        writes.replacements.append(Replacement(previous: existing, item: item))
        var replaced = existing
        replaced.object = item.registration.object
        replaced.sopClassUID = item.registration.attributes.instance.sopClassUID
        replaced.receivedAt = item.registration.receivedAt
        replaced.source = item.registration.source
        replaced.version += 1
        instances[instanceKey] = replaced
        return .replaced(previous: existing.object)
    }

    private mutating func addToCounters(
        seriesKey: Scoped<String>, studyKey: Scoped<String>, instances: Int64, bytes: Int64
    ) {
        series[seriesKey]?.counters.add(instances: instances, bytes: bytes)
        studies[studyKey]?.counters.add(instances: instances, bytes: bytes)
        if let patientKey = studies[studyKey]?.patientKey {
            patients[patientKey]?.counters.add(instances: instances, bytes: bytes)
        }
    }

    /// Compares the item's patient, study and series attributes with those kept (except for entities the item
    /// itself created) and records each difference.
    private mutating func recordAttributeConflicts(
        _ item: PreparedRegistration, seriesKey: Scoped<String>, studyKey: Scoped<String>,
        skipping created: Set<QueryLevel>, writes: inout WritePlan
    ) throws(IndexStoreError) {
        if !created.contains(.series), var entity = series[seriesKey] {
            for (tag, kept, received) in try entity.document.differences(
                from: item.documents.series, excluding: .seriesInstanceUID)
            {
                writes.conflicts.append(
                    conflict(
                        .series, seriesKey: seriesKey, studyKey: studyKey, item: item, tag: tag, kept: kept,
                        received: received))
            }
            series[seriesKey] = entity
        }
        if !created.contains(.study), var entity = studies[studyKey] {
            for (tag, kept, received) in try entity.document.differences(
                from: item.documents.study, excluding: .studyInstanceUID)
            {
                writes.conflicts.append(
                    conflict(
                        .study, seriesKey: nil, studyKey: studyKey, item: item, tag: tag, kept: kept, received: received
                    ))
            }
            studies[studyKey] = entity
        }
        if !created.contains(.patient), let patientKey = studies[studyKey]?.patientKey,
            var entity = patients[patientKey]
        {
            for (tag, kept, received) in try entity.document.differences(
                from: item.documents.patient, excluding: .patientID)
            {
                writes.conflicts.append(
                    conflict(
                        .patient, seriesKey: nil, studyKey: nil, patientKey: patientKey, item: item, tag: tag,
                        kept: kept, received: received))
            }
            patients[patientKey] = entity
        }
    }

    private func conflict(
        _ level: QueryLevel, seriesKey: Scoped<String>?, studyKey: Scoped<String>?,
        patientKey: Scoped<PatientKey>? = nil, item: PreparedRegistration, tag: Tag, kept: String?,
        received: String?
    ) -> PlannedConflict {
        let resolvedPatient = patientKey ?? studyKey.flatMap { studies[$0]?.patientKey }
        let entityKey: String
        switch level {
        case .patient: entityKey = resolvedPatient?.key.patientID ?? item.patientKey.patientID
        case .study: entityKey = studyKey?.key ?? item.studyInstanceUID
        case .series: entityKey = seriesKey?.key ?? item.seriesInstanceUID
        case .instance: entityKey = item.sopInstanceUID
        }
        return PlannedConflict(
            level: level, entityKey: entityKey, tag: tag, kept: kept, received: received, item: item,
            patientKey: resolvedPatient ?? Scoped(item.tenant, item.patientKey),
            studyKey: level == .patient ? nil : studyKey,
            seriesKey: level == .patient || level == .study ? nil : seriesKey,
            instanceKey: level == .instance ? Scoped(item.tenant, item.sopInstanceUID) : nil)
    }
}

// MARK: - Keys and entities

/// A key within a tenant.
package struct Scoped<Key: Hashable & Sendable>: Hashable, Sendable {
    package var tenant: TenantID
    package var key: Key

    package init(_ tenant: TenantID, _ key: Key) {
        self.tenant = tenant
        self.key = key
    }
}

/// A patient's unique key within a tenant: PatientID and IssuerOfPatientID ('' for none).
package struct PatientKey: Hashable, Sendable, Comparable {
    package var patientID: String
    package var issuer: String

    package static func < (lhs: PatientKey, rhs: PatientKey) -> Bool {
        (lhs.patientID, lhs.issuer) < (rhs.patientID, rhs.issuer)
    }
}

/// A registration checked and turned into what the index stores.
struct PreparedRegistration: Sendable {
    let registration: InstanceRegistration
    let documents: LevelDocuments
    let patientKey: PatientKey

    var tenant: TenantID { registration.tenant }
    var sopInstanceUID: String { registration.attributes.instance.sopInstanceUID }
    var seriesInstanceUID: String { registration.attributes.series.seriesInstanceUID }
    var studyInstanceUID: String { registration.attributes.study.studyInstanceUID }

    init(_ registration: InstanceRegistration, encoded: inout LevelDocuments.EncodedLevels) throws(IndexStoreError) {
        let attributes = registration.attributes
        for (name, value) in [
            ("StudyInstanceUID", attributes.study.studyInstanceUID),
            ("SeriesInstanceUID", attributes.series.seriesInstanceUID),
            ("SOPInstanceUID", attributes.instance.sopInstanceUID),
            ("SOPClassUID", attributes.instance.sopClassUID),
            ("blob key", registration.object.blobKey.rawValue),
            ("SHA-256", registration.object.sha256),
            ("transfer syntax", registration.object.transferSyntaxUID),
        ] where value.isEmpty {
            throw IndexStoreError(.invalidRegistration, "\(name) is empty")
        }
        guard registration.object.size >= 0 else {
            throw IndexStoreError(.invalidRegistration, "the object size is negative")
        }
        self.registration = registration
        self.documents = LevelDocuments(header: registration.header, reusing: &encoded)
        self.patientKey = PatientKey(
            patientID: attributes.patient.patientID, issuer: attributes.patient.issuerOfPatientID ?? "")
    }
}

/// Counter changes of a patient, study or series row.
struct CounterDeltas: Hashable, Sendable {
    var studies: Int64 = 0
    var series: Int64 = 0
    var instances: Int64 = 0
    var bytes: Int64 = 0

    mutating func add(instances: Int64, bytes: Int64) {
        self.instances += instances
        self.bytes += bytes
    }

    var isZero: Bool { studies == 0 && series == 0 && instances == 0 && bytes == 0 }
}

/// A level's stored attributes: the JSON as kept, decoded on first comparison.
struct StoredDocument: Sendable {
    let json: String
    private var decoded: DataSet?

    init(json: String) {
        self.json = json
    }

    /// The attributes of `received` (another level document's JSON) whose values differ from those kept, both
    /// present and not empty, except `excluded` (the level's key, compared apart): (tag, kept, received) as
    /// one-attribute DICOM JSON.
    mutating func differences(
        from received: String, excluding excluded: Tag
    ) throws(IndexStoreError)
        -> [(Tag, String, String)]
    {
        if received == json { return [] }
        let kept: DataSet
        if let decoded {
            kept = decoded
        } else {
            kept = try LevelDocuments.decode(json)
            decoded = kept
        }
        let incoming = try LevelDocuments.decode(received)
        var differences: [(Tag, String, String)] = []
        for element in incoming where element.tag != excluded && !element.hasEmptyValue {
            guard let keptElement = kept[element.tag], !keptElement.hasEmptyValue, keptElement != element else {
                continue
            }
            differences.append(
                (element.tag, LevelDocuments.attributeJSON(keptElement), LevelDocuments.attributeJSON(element)))
        }
        return differences
    }
}

struct PatientEntity: Sendable {
    var id: Int64?
    var tenant: TenantID
    var key: PatientKey
    var document: StoredDocument
    var counters = CounterDeltas()
    /// Column values, for a patient this batch creates.
    var newRegistration: PreparedRegistration?

    init(row: SQLRow) throws(IndexStoreError) {
        id = try row.integer(0)
        tenant = try TenantID.fromRow(row, 1)
        key = PatientKey(patientID: try row.text(2), issuer: try row.text(3))
        document = StoredDocument(json: try row.text(4))
    }

    init(new item: PreparedRegistration) {
        tenant = item.tenant
        key = item.patientKey
        document = StoredDocument(json: item.documents.patient)
        newRegistration = item
    }

    func requireID() throws(IndexStoreError) -> Int64 {
        guard let id else { throw IndexStoreError(.corruptRow, "a patient row has no id") }
        return id
    }
}

struct StudyEntity: Sendable {
    var id: Int64?
    var tenant: TenantID
    var uid: String
    /// The patient row's id, as read (stored studies).
    var patientID: Int64 = 0
    var patientKey: Scoped<PatientKey>
    var document: StoredDocument
    var modalities: [String]
    var modalitiesChanged = false
    var counters = CounterDeltas()
    var newRegistration: PreparedRegistration?

    init(row: SQLRow) throws(IndexStoreError) {
        id = try row.integer(0)
        tenant = try TenantID.fromRow(row, 1)
        uid = try row.text(2)
        patientID = try row.integer(3)
        let stored = try row.text(4)
        modalities = stored.isEmpty ? [] : stored.split(separator: "\\").map(String.init)
        document = StoredDocument(json: try row.text(5))
        patientKey = Scoped(tenant, PatientKey(patientID: "", issuer: ""))
    }

    init(new item: PreparedRegistration, patientKey: Scoped<PatientKey>) {
        tenant = item.tenant
        uid = item.studyInstanceUID
        self.patientKey = patientKey
        document = StoredDocument(json: item.documents.study)
        modalities = []
        newRegistration = item
    }

    mutating func addModality(_ modality: String) {
        guard !modalities.contains(modality) else { return }
        modalities.append(modality)
        modalities.sort()
        modalitiesChanged = true
    }

    func requireID() throws(IndexStoreError) -> Int64 {
        guard let id else { throw IndexStoreError(.corruptRow, "a study row has no id") }
        return id
    }
}

struct SeriesEntity: Sendable {
    var id: Int64?
    var tenant: TenantID
    var uid: String
    var studyID: Int64 = 0
    var studyKey: Scoped<String>
    var document: StoredDocument
    var counters = CounterDeltas()
    var newRegistration: PreparedRegistration?

    init(row: SQLRow) throws(IndexStoreError) {
        id = try row.integer(0)
        tenant = try TenantID.fromRow(row, 1)
        uid = try row.text(2)
        studyID = try row.integer(3)
        document = StoredDocument(json: try row.text(5))
        studyKey = Scoped(tenant, "")
    }

    init(new item: PreparedRegistration, studyKey: Scoped<String>) {
        tenant = item.tenant
        uid = item.seriesInstanceUID
        self.studyKey = studyKey
        document = StoredDocument(json: item.documents.series)
        newRegistration = item
    }

    func requireID() throws(IndexStoreError) -> Int64 {
        guard let id else { throw IndexStoreError(.corruptRow, "a series row has no id") }
        return id
    }
}

struct InstanceEntity: Sendable {
    var id: Int64?
    var tenant: TenantID
    var sopInstanceUID: String
    var sopClassUID: String
    var seriesID: Int64 = 0
    var seriesKey: Scoped<String>
    var object: StoredObject
    var receivedAt: Date
    var source: String
    var version: Int64
    var newRegistration: PreparedRegistration?

    init(row: SQLRow) throws(IndexStoreError) {
        id = try row.integer(0)
        tenant = try TenantID.fromRow(row, 1)
        sopInstanceUID = try row.text(2)
        seriesID = try row.integer(3)
        sopClassUID = try row.text(4)
        object = StoredObject(
            blobKey: BlobKey(rawValue: try row.text(8)), size: try row.integer(6), sha256: try row.text(7),
            transferSyntaxUID: try row.text(5))
        receivedAt = try row.date(9)
        source = try row.text(10)
        version = try row.integer(11)
        seriesKey = Scoped(tenant, "")
    }

    init(new item: PreparedRegistration, seriesKey: Scoped<String>) {
        tenant = item.tenant
        sopInstanceUID = item.sopInstanceUID
        sopClassUID = item.registration.attributes.instance.sopClassUID
        self.seriesKey = seriesKey
        object = item.registration.object
        receivedAt = item.registration.receivedAt
        source = item.registration.source
        version = 1
        newRegistration = item
    }
}

extension TenantID {
    /// The tenant column of a row; `corruptRow` when it is not a valid tenant.
    static func fromRow(_ row: SQLRow, _ index: Int) throws(IndexStoreError) -> TenantID {
        guard let tenant = TenantID(rawValue: try row.text(index)) else {
            throw IndexStoreError(.corruptRow, "a row's tenant is not a valid tenant identifier")
        }
        return tenant
    }
}

struct Replacement: Sendable {
    /// The instance as stored before (its version row copies it).
    let previous: InstanceEntity
    let item: PreparedRegistration
}

struct PlannedConflict: Sendable {
    let level: QueryLevel
    let entityKey: String
    let tag: Tag
    let kept: String?
    let received: String?
    let item: PreparedRegistration
    let patientKey: Scoped<PatientKey>
    let studyKey: Scoped<String>?
    let seriesKey: Scoped<String>?
    let instanceKey: Scoped<String>?
}
