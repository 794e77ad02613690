import DICOMCore
import Foundation

/// The writes a `RegistrationProgram` decided on, turned into statements in an order that satisfies the foreign
/// keys: new patients, studies, series, instances; then replacements, counter updates and conflicts.
///
/// A new row's parent is referenced by id when the parent was read, else by a sub-select on its unique key (it was
/// inserted earlier in the same transaction), so no statement needs another's generated id.
struct WritePlan {
    let dialect: SQLDialect
    var newPatients: [Scoped<PatientKey>] = []
    var newStudies: [Scoped<String>] = []
    var newSeries: [Scoped<String>] = []
    var newInstances: [Scoped<String>] = []
    var replacements: [Replacement] = []
    var conflicts: [PlannedConflict] = []

    init(dialect: SQLDialect) {
        self.dialect = dialect
    }

    /// Rows per multi-row INSERT of instances: 13 arguments each, well under both databases' limits.
    static let instancesPerInsert = 200

    func statements(
        patients: [Scoped<PatientKey>: PatientEntity], studies: [Scoped<String>: StudyEntity],
        series: [Scoped<String>: SeriesEntity], instances: [Scoped<String>: InstanceEntity]
    ) -> [SQLStatement] {
        var statements: [SQLStatement] = []
        let references = References(patients: patients, studies: studies, series: series, instances: instances)

        for key in newPatients {
            guard let entity = patients[key], let item = entity.newRegistration else { continue }
            let patient = item.registration.attributes.patient
            var builder = SQLBuilder(
                dialect,
                """
                INSERT INTO patients (tenant, patient_id, issuer_of_patient_id, patient_name, \
                patient_name_normalised, patient_name_fuzzy, patient_birth_date, patient_sex, study_count, \
                series_count, instance_count, size_bytes, attributes) VALUES (
                """)
            bindValues(
                [
                    .text(key.tenant.rawValue), .text(key.key.patientID), .text(key.key.issuer),
                    SQLValue(patient.patientName), SQLValue(patient.patientName.map(PersonNameMatching.caseFolded)),
                    SQLValue(patient.patientName.map(PersonNameMatching.fuzzyWords)),
                    SQLValue(IndexValueFormat.date(patient.patientBirthDate)), SQLValue(patient.patientSex),
                    .integer(entity.counters.studies), .integer(entity.counters.series),
                    .integer(entity.counters.instances), .integer(entity.counters.bytes),
                ], to: &builder)
            builder.append(", ")
            builder.bindJSON(item.documents.patient)
            builder.append(")")
            statements.append(builder.statement)
        }

        for key in newStudies {
            guard let entity = studies[key], let item = entity.newRegistration else { continue }
            let study = item.registration.attributes.study
            var builder = SQLBuilder(
                dialect,
                """
                INSERT INTO studies (tenant, patient_fk, study_instance_uid, study_date, study_time, \
                accession_number, study_description, referring_physician_name, \
                referring_physician_name_normalised, referring_physician_name_fuzzy, study_id, \
                modalities_in_study, series_count, instance_count, size_bytes, attributes) VALUES (
                """)
            builder.bind(.text(key.tenant.rawValue))
            builder.append(", ")
            references.patient(entity.patientKey, into: &builder)
            builder.append(", ")
            let physician = study.referringPhysicianName
            bindValues(
                [
                    .text(key.key), SQLValue(IndexValueFormat.date(study.studyDate)),
                    SQLValue(IndexValueFormat.time(study.studyTime)), SQLValue(study.accessionNumber),
                    SQLValue(study.studyDescription), SQLValue(physician),
                    SQLValue(physician.map(PersonNameMatching.caseFolded)),
                    SQLValue(physician.map(PersonNameMatching.fuzzyWords)), SQLValue(study.studyID),
                    .text(entity.modalities.joined(separator: "\\")), .integer(entity.counters.series),
                    .integer(entity.counters.instances), .integer(entity.counters.bytes),
                ], to: &builder)
            builder.append(", ")
            builder.bindJSON(item.documents.study)
            builder.append(")")
            statements.append(builder.statement)
        }

        for key in newSeries {
            guard let entity = series[key], let item = entity.newRegistration else { continue }
            let attributes = item.registration.attributes.series
            var builder = SQLBuilder(
                dialect,
                """
                INSERT INTO series (tenant, study_fk, series_instance_uid, modality, series_number, \
                series_description, body_part_examined, instance_count, size_bytes, attributes) VALUES (
                """)
            builder.bind(.text(key.tenant.rawValue))
            builder.append(", ")
            references.study(entity.studyKey, into: &builder)
            builder.append(", ")
            bindValues(
                [
                    .text(key.key), SQLValue(attributes.modality), SQLValue(attributes.seriesNumber),
                    SQLValue(attributes.seriesDescription), SQLValue(attributes.bodyPartExamined),
                    .integer(entity.counters.instances), .integer(entity.counters.bytes),
                ], to: &builder)
            builder.append(", ")
            builder.bindJSON(item.documents.series)
            builder.append(")")
            statements.append(builder.statement)
        }

        let newRows = newInstances.compactMap { key -> (InstanceEntity, PreparedRegistration)? in
            guard let entity = instances[key], let item = entity.newRegistration else { return nil }
            return (entity, item)
        }
        for chunk in newRows.chunked(Self.instancesPerInsert) {
            var builder = SQLBuilder(
                dialect,
                """
                INSERT INTO instances (tenant, series_fk, sop_class_uid, sop_instance_uid, instance_number, \
                transfer_syntax_uid, size_bytes, sha256, blob_key, received_at, source, version, attributes) VALUES 
                """)
            for (index, (entity, item)) in chunk.enumerated() {
                // The row as first registered: a replacement later in the batch updates it.
                let registration = item.registration
                builder.append(index == 0 ? "(" : ", (")
                builder.bind(.text(entity.tenant.rawValue))
                builder.append(", ")
                references.series(entity.seriesKey, into: &builder)
                builder.append(", ")
                bindValues(
                    [
                        .text(registration.attributes.instance.sopClassUID), .text(entity.sopInstanceUID),
                        SQLValue(registration.attributes.instance.instanceNumber),
                        .text(registration.object.transferSyntaxUID), .integer(registration.object.size),
                        .text(registration.object.sha256), .text(registration.object.blobKey.rawValue),
                        SQLValue(registration.receivedAt), .text(registration.source), .integer(1),
                    ], to: &builder)
                builder.append(", ")
                builder.bindJSON(item.documents.instance)
                builder.append(")")
            }
            statements.append(builder.statement)
        }

        for replacement in replacements {
            statements += replacementStatements(replacement, references: references)
        }

        for (_, entity) in patients.sorted(by: { $0.key.key < $1.key.key }) where !entity.counters.isZero {
            guard let id = entity.id else { continue }
            var builder = SQLBuilder(
                dialect,
                "UPDATE patients SET study_count = study_count + ")
            builder.bind(.integer(entity.counters.studies))
            builder.append(", series_count = series_count + ")
            builder.bind(.integer(entity.counters.series))
            appendInstanceCounters(entity.counters, to: &builder)
            builder.append(" WHERE id = ")
            builder.bind(.integer(id))
            statements.append(builder.statement)
        }
        for (_, entity) in studies.sorted(by: { $0.key.key < $1.key.key })
        where !entity.counters.isZero || entity.modalitiesChanged {
            guard let id = entity.id else { continue }
            var builder = SQLBuilder(dialect, "UPDATE studies SET series_count = series_count + ")
            builder.bind(.integer(entity.counters.series))
            appendInstanceCounters(entity.counters, to: &builder)
            builder.append(", modalities_in_study = ")
            builder.bind(.text(entity.modalities.joined(separator: "\\")))
            builder.append(" WHERE id = ")
            builder.bind(.integer(id))
            statements.append(builder.statement)
        }
        for (_, entity) in series.sorted(by: { $0.key.key < $1.key.key }) where !entity.counters.isZero {
            guard let id = entity.id else { continue }
            var builder = SQLBuilder(dialect, "UPDATE series SET")
            appendInstanceCounters(entity.counters, to: &builder, leadingComma: false)
            builder.append(" WHERE id = ")
            builder.bind(.integer(id))
            statements.append(builder.statement)
        }

        for conflict in conflicts {
            var builder = SQLBuilder(
                dialect,
                """
                INSERT INTO attribute_conflicts (tenant, level, entity_key, tag, kept_value, received_value, \
                sop_instance_uid, recorded_at, patient_fk, study_fk, series_fk, instance_fk) VALUES (
                """)
            bindValues(
                [
                    .text(conflict.item.tenant.rawValue), .text(conflict.level.rawValue), .text(conflict.entityKey),
                    .text(conflict.tag.hexString), SQLValue(conflict.kept), SQLValue(conflict.received),
                    .text(conflict.item.sopInstanceUID), SQLValue(conflict.item.registration.receivedAt),
                ], to: &builder)
            builder.append(", ")
            references.patient(conflict.patientKey, into: &builder)
            builder.append(", ")
            if let studyKey = conflict.studyKey {
                references.study(studyKey, into: &builder)
            } else {
                builder.append("NULL")
            }
            builder.append(", ")
            if let seriesKey = conflict.seriesKey {
                references.series(seriesKey, into: &builder)
            } else {
                builder.append("NULL")
            }
            builder.append(", ")
            if let instanceKey = conflict.instanceKey {
                references.instance(instanceKey, into: &builder)
            } else {
                builder.append("NULL")
            }
            builder.append(")")
            statements.append(builder.statement)
        }
        return statements
    }

    /// The stored content becomes version n; the instance row takes the new content as version n + 1.
    private func replacementStatements(_ replacement: Replacement, references: References) -> [SQLStatement] {
        let previous = replacement.previous
        let registration = replacement.item.registration
        let instanceKey = Scoped(previous.tenant, previous.sopInstanceUID)
        var version = SQLBuilder(
            dialect,
            """
            INSERT INTO instance_versions (tenant, instance_fk, version, sop_class_uid, transfer_syntax_uid, \
            size_bytes, sha256, blob_key, received_at, source, replaced_at) VALUES (
            """)
        version.bind(.text(previous.tenant.rawValue))
        version.append(", ")
        references.instance(instanceKey, into: &version)
        version.append(", ")
        bindValues(
            [
                .integer(previous.version), .text(previous.sopClassUID), .text(previous.object.transferSyntaxUID),
                .integer(previous.object.size), .text(previous.object.sha256),
                .text(previous.object.blobKey.rawValue), SQLValue(previous.receivedAt), .text(previous.source),
                SQLValue(registration.receivedAt),
            ], to: &version)
        version.append(")")

        var update = SQLBuilder(dialect, "UPDATE instances SET sop_class_uid = ")
        update.bind(.text(registration.attributes.instance.sopClassUID))
        update.append(", instance_number = ")
        update.bind(SQLValue(registration.attributes.instance.instanceNumber))
        update.append(", transfer_syntax_uid = ")
        update.bind(.text(registration.object.transferSyntaxUID))
        update.append(", size_bytes = ")
        update.bind(.integer(registration.object.size))
        update.append(", sha256 = ")
        update.bind(.text(registration.object.sha256))
        update.append(", blob_key = ")
        update.bind(.text(registration.object.blobKey.rawValue))
        update.append(", received_at = ")
        update.bind(SQLValue(registration.receivedAt))
        update.append(", source = ")
        update.bind(.text(registration.source))
        update.append(", version = ")
        update.bind(.integer(previous.version + 1))
        update.append(", attributes = ")
        update.bindJSON(replacement.item.documents.instance)
        update.append(" WHERE tenant = ")
        update.bind(.text(previous.tenant.rawValue))
        update.append(" AND sop_instance_uid = ")
        update.bind(.text(previous.sopInstanceUID))
        return [version.statement, update.statement]
    }

    private func appendInstanceCounters(
        _ counters: CounterDeltas, to builder: inout SQLBuilder, leadingComma: Bool = true
    ) {
        builder.append(leadingComma ? ", " : " ")
        builder.append("instance_count = instance_count + ")
        builder.bind(.integer(counters.instances))
        builder.append(", size_bytes = size_bytes + ")
        builder.bind(.integer(counters.bytes))
    }

    private func bindValues(_ values: [SQLValue], to builder: inout SQLBuilder) {
        for (index, value) in values.enumerated() {
            if index > 0 { builder.append(", ") }
            builder.bind(value)
        }
    }
}

/// How a statement names a row of the batch: its id when it was read, else a sub-select on its unique key.
private struct References {
    let patients: [Scoped<PatientKey>: PatientEntity]
    let studies: [Scoped<String>: StudyEntity]
    let series: [Scoped<String>: SeriesEntity]
    let instances: [Scoped<String>: InstanceEntity]

    func patient(_ key: Scoped<PatientKey>, into builder: inout SQLBuilder) {
        if let id = patients[key]?.id {
            builder.bind(.integer(id))
            return
        }
        builder.append("(SELECT id FROM patients WHERE tenant = ")
        builder.bind(.text(key.tenant.rawValue))
        builder.append(" AND patient_id = ")
        builder.bind(.text(key.key.patientID))
        builder.append(" AND issuer_of_patient_id = ")
        builder.bind(.text(key.key.issuer))
        builder.append(")")
    }

    func study(_ key: Scoped<String>, into builder: inout SQLBuilder) {
        reference(studies[key]?.id, table: "studies", uidColumn: "study_instance_uid", key, into: &builder)
    }

    func series(_ key: Scoped<String>, into builder: inout SQLBuilder) {
        reference(series[key]?.id, table: "series", uidColumn: "series_instance_uid", key, into: &builder)
    }

    func instance(_ key: Scoped<String>, into builder: inout SQLBuilder) {
        reference(instances[key]?.id, table: "instances", uidColumn: "sop_instance_uid", key, into: &builder)
    }

    private func reference(
        _ id: Int64?, table: String, uidColumn: String, _ key: Scoped<String>, into builder: inout SQLBuilder
    ) {
        if let id {
            builder.bind(.integer(id))
            return
        }
        builder.append("(SELECT id FROM \(table) WHERE tenant = ")
        builder.bind(.text(key.tenant.rawValue))
        builder.append(" AND \(uidColumn) = ")
        builder.bind(.text(key.key))
        builder.append(")")
    }
}
