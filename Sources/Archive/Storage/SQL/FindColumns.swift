package import DICOMCore
import DICOMDictionary

extension QueryLevel {
    /// The alias of the level's table in the index's SQL: `p`, `s`, `se`, `i`.
    package var alias: String {
        switch self {
        case .patient: "p"
        case .study: "s"
        case .series: "se"
        case .instance: "i"
        }
    }
}

/// Where `find` reads each level: the tables joined up to the patient, the columns selected, and the column of
/// each matchable attribute.
package enum FindColumns {
    /// The level's table, then each level above joined to its child by id, up to `topLevel` (the patient by
    /// default).
    package static func fromClause(for level: QueryLevel, upTo topLevel: QueryLevel = .patient) -> String {
        var clause = table(of: level)
        var child = level
        while child.depth > topLevel.depth,
            let parent = QueryLevel.allCases.first(where: { $0.depth == child.depth - 1 })
        {
            clause += " JOIN \(table(of: parent)) ON \(parent.alias).id = \(child.alias).\(parentKey(of: child))"
            child = parent
        }
        return clause
    }

    private static func table(of level: QueryLevel) -> String {
        switch level {
        case .patient: "patients p"
        case .study: "studies s"
        case .series: "series se"
        case .instance: "instances i"
        }
    }

    private static func parentKey(of level: QueryLevel) -> String {
        switch level {
        case .patient: "id"
        case .study: "patient_fk"
        case .series: "study_fk"
        case .instance: "series_fk"
        }
    }

    /// The columns of each level from the patient down to `level`, in the order `FindResultAssembler` reads them
    /// (`columnCount(of:)` per level).
    package static func selectList(for level: QueryLevel, dialect: SQLDialect) -> String {
        level.levelsFromPatient.map { columns(of: $0, dialect: dialect).joined(separator: ", ") }
            .joined(separator: ", ")
    }

    /// How many columns `selectList` gives each level.
    package static func columnCount(of level: QueryLevel) -> Int {
        columns(of: level, dialect: .sqlite).count
    }

    private static func columns(of level: QueryLevel, dialect: SQLDialect) -> [String] {
        switch level {
        case .patient:
            [
                "p.id", "p.patient_id", "p.issuer_of_patient_id", dialect.jsonAsText("p.attributes"),
                "p.study_count", "p.series_count", "p.instance_count",
            ]
        case .study:
            [
                "s.id", "s.study_instance_uid", dialect.jsonAsText("s.attributes"), "s.modalities_in_study",
                "s.series_count", "s.instance_count",
            ]
        case .series:
            ["se.id", "se.series_instance_uid", dialect.jsonAsText("se.attributes"), "se.instance_count"]
        case .instance:
            [
                "i.id", "i.sop_instance_uid", "i.sop_class_uid", "i.transfer_syntax_uid",
                dialect.jsonAsText("i.attributes"),
            ]
        }
    }

    /// The column matched for a matchable attribute (`QueryAttributeCatalogue.matchableAttribute`); PN
    /// attributes match on their case-folded column.
    package static func column(for tag: Tag) -> String {
        switch tag {
        case .patientID: "p.patient_id"
        case .issuerOfPatientID: "p.issuer_of_patient_id"
        case .patientName: "p.patient_name_normalised"
        case .patientBirthDate: "p.patient_birth_date"
        case .patientSex: "p.patient_sex"
        case .studyInstanceUID: "s.study_instance_uid"
        case .studyDate: "s.study_date"
        case .studyTime: "s.study_time"
        case .accessionNumber: "s.accession_number"
        case .studyDescription: "s.study_description"
        case .referringPhysicianName: "s.referring_physician_name_normalised"
        case .studyID: "s.study_id"
        case .seriesInstanceUID: "se.series_instance_uid"
        case .modality: "se.modality"
        case .seriesNumber: "se.series_number"
        case .seriesDescription: "se.series_description"
        case .bodyPartExamined: "se.body_part_examined"
        case .sopInstanceUID: "i.sop_instance_uid"
        case .sopClassUID: "i.sop_class_uid"
        case .instanceNumber: "i.instance_number"
        default: "NULL"
        }
    }

    /// The words column of a PN attribute, for fuzzy matching.
    package static func fuzzyColumn(for tag: Tag) -> String {
        tag == .referringPhysicianName ? "s.referring_physician_name_fuzzy" : "p.patient_name_fuzzy"
    }
}
