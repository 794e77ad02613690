public import DICOMCore
import DICOMDictionary

/// Which attributes belong to which query/retrieve level, which ones the index matches on, and which ones it
/// computes.
///
/// PS3.4 §C.6.1.1 (Tables C.6-1 to C.6-4, Patient Root and Study Root keys) and PS3.18 §10.6.3.3 (Tables 10.6.3-3
/// to 10.6.3-5, the attributes a QIDO-RS response must carry). The index keeps, per level, the attributes listed here
/// as they came with the first instance of that patient, study or series; every other attribute of an instance is
/// kept at the instance level (`storageLevel(of:)`).
///
/// Matching: the attributes of `matchableAttributes(at:)` are matched by the index. PS3.4 §C.2.2.1 lets an SCP skip
/// matching on the keys it does not support; such keys (a DT of the instance level, a sequence, an unknown private
/// tag) are treated as return keys: they take no part in matching and are returned, with their value when the index
/// knows one, empty otherwise. `IndexQueryResult.unsupportedMatchKeys` lists them so that a caller may warn.
public enum QueryAttributeCatalogue {
    /// How the index matches an attribute.
    public enum MatchingKind: Hashable, Sendable {
        /// Case-sensitive single value and wildcard matching (AE, CS, LO, SH…).
        case text
        /// Single value and wildcard matching, case-insensitive; fuzzy when the query asks for it.
        case personName
        /// Single value and list of UID matching.
        case uid
        /// Single value and range matching on dates (DA).
        case date
        /// Single value and range matching on times (TM).
        case time
        /// Single value matching on an integer (IS).
        case integer
        /// ModalitiesInStudy: a study matches when one of its series has one of the modalities.
        case modalitiesInStudy
    }

    /// An attribute that the index matches: the level whose rows hold it and how it is matched.
    public struct MatchableAttribute: Hashable, Sendable {
        public var tag: Tag
        /// The level of the table that holds the value (ModalitiesInStudy: the study, computed from its series).
        public var level: QueryLevel
        public var kind: MatchingKind
    }

    /// The unique key of a level: PatientID (with IssuerOfPatientID), StudyInstanceUID, SeriesInstanceUID,
    /// SOPInstanceUID.
    public static func uniqueKey(of level: QueryLevel) -> Tag {
        switch level {
        case .patient: .patientID
        case .study: .studyInstanceUID
        case .series: .seriesInstanceUID
        case .instance: .sopInstanceUID
        }
    }

    /// The attributes the index keeps for a level (its own, not those of the levels above), in tag order.
    public static func attributes(of level: QueryLevel) -> [Tag] {
        switch level {
        case .patient: patientAttributes
        case .study: studyAttributes
        case .series: seriesAttributes
        case .instance: instanceAttributes
        }
    }

    /// The level at which the index keeps an attribute of an instance's data set: the catalogued level, else the
    /// instance level.
    public static func storageLevel(of tag: Tag) -> QueryLevel {
        if patientAttributeSet.contains(tag) { return .patient }
        if studyAttributeSet.contains(tag) { return .study }
        if seriesAttributeSet.contains(tag) { return .series }
        return .instance
    }

    /// Attributes that the index computes from the rows below a level rather than reading them from a data set:
    /// NumberOfPatientRelated{Studies,Series,Instances}, NumberOfStudyRelated{Series,Instances},
    /// NumberOfSeriesRelatedInstances and ModalitiesInStudy.
    public static func computedAttributes(of level: QueryLevel) -> [Tag] {
        switch level {
        case .patient:
            [.numberOfPatientRelatedStudies, .numberOfPatientRelatedSeries, .numberOfPatientRelatedInstances]
        case .study: [.modalitiesInStudy, .numberOfStudyRelatedSeries, .numberOfStudyRelatedInstances]
        case .series: [.numberOfSeriesRelatedInstances]
        case .instance: []
        }
    }

    /// The attributes every match of a level carries, with a value or empty (PS3.18 Tables 10.6.3-3 to 10.6.3-5
    /// and the unique keys of PS3.4 §C.6.1.1): a response is built from them whatever the query asked for.
    public static func requiredReturnKeys(of level: QueryLevel) -> [Tag] {
        switch level {
        case .patient:
            [.patientName, .patientID, .issuerOfPatientID, .patientBirthDate, .patientSex]
                + computedAttributes(of: .patient)
        case .study:
            [
                .studyDate, .studyTime, .accessionNumber, .modalitiesInStudy, .referringPhysicianName,
                .patientName, .patientID, .patientBirthDate, .patientSex, .studyInstanceUID, .studyID,
                .studyDescription, .numberOfStudyRelatedSeries, .numberOfStudyRelatedInstances,
            ]
        case .series:
            [
                .modality, .seriesDescription, .seriesNumber, .seriesInstanceUID, .studyInstanceUID,
                .numberOfSeriesRelatedInstances, .performedProcedureStepStartDate,
                .performedProcedureStepStartTime,
            ]
        case .instance:
            [
                .sopClassUID, .sopInstanceUID, .instanceNumber, .studyInstanceUID, .seriesInstanceUID,
                .availableTransferSyntaxUID, .rows, .columns, .bitsAllocated, .numberOfFrames,
            ]
        }
    }

    /// How the index matches `tag` in a query of `level`; nil when it does not (the key is then only returned).
    ///
    /// Keys of the query's level and of the levels above it are matched (relational queries, as QIDO-RS allows);
    /// ModalitiesInStudy is matched at the study level and below.
    public static func matchableAttribute(_ tag: Tag, at level: QueryLevel) -> MatchableAttribute? {
        guard let attribute = matchable[tag], attribute.level.depth <= level.depth else { return nil }
        return attribute
    }

    /// The attributes matched at a level, the levels above included.
    public static func matchableAttributes(at level: QueryLevel) -> [MatchableAttribute] {
        matchable.values.filter { $0.level.depth <= level.depth }.sorted { $0.tag < $1.tag }
    }

    private static let matchable: [Tag: MatchableAttribute] = {
        let entries: [(Tag, QueryLevel, MatchingKind)] = [
            (.patientID, .patient, .text),
            (.issuerOfPatientID, .patient, .text),
            (.patientName, .patient, .personName),
            (.patientBirthDate, .patient, .date),
            (.patientSex, .patient, .text),
            (.studyInstanceUID, .study, .uid),
            (.studyDate, .study, .date),
            (.studyTime, .study, .time),
            (.accessionNumber, .study, .text),
            (.studyDescription, .study, .text),
            (.referringPhysicianName, .study, .personName),
            (.studyID, .study, .text),
            (.modalitiesInStudy, .study, .modalitiesInStudy),
            (.seriesInstanceUID, .series, .uid),
            (.modality, .series, .text),
            (.seriesNumber, .series, .integer),
            (.seriesDescription, .series, .text),
            (.bodyPartExamined, .series, .text),
            (.sopInstanceUID, .instance, .uid),
            (.sopClassUID, .instance, .uid),
            (.instanceNumber, .instance, .integer),
        ]
        var table: [Tag: MatchableAttribute] = [:]
        for (tag, level, kind) in entries { table[tag] = MatchableAttribute(tag: tag, level: level, kind: kind) }
        return table
    }()

    // PS3.4 Table C.6-1 and the Patient module's identifying attributes.
    private static let patientAttributes: [Tag] = [
        .referencedPatientSequence, .patientName, .patientID, .issuerOfPatientID, .typeOfPatientID,
        .issuerOfPatientIDQualifiersSequence, .qualityControlSubject, .patientBirthDate, .patientBirthTime,
        .patientSex, .otherPatientNames, .otherPatientIDsSequence, .patientBirthName, .patientMotherBirthName,
        .ethnicGroup, .patientSpeciesDescription, .patientBreedDescription, .responsiblePerson,
        .patientComments,
    ].sorted()

    // PS3.4 Table C.6-2, PS3.18 Table 10.6.3-3.
    private static let studyAttributes: [Tag] = [
        .studyDate, .studyTime, .accessionNumber, .issuerOfAccessionNumberSequence, .timezoneOffsetFromUTC,
        .referringPhysicianName, .studyDescription, .procedureCodeSequence, .physiciansOfRecord,
        .nameOfPhysiciansReadingStudy, .admittingDiagnosesDescription, .referencedStudySequence, .patientAge,
        .patientSize, .patientWeight, .occupation, .additionalPatientHistory, .studyInstanceUID, .studyID,
    ].sorted()

    // PS3.4 Table C.6-3, PS3.18 Table 10.6.3-4, and the General Equipment module.
    private static let seriesAttributes: [Tag] = [
        .seriesDate, .seriesTime, .modality, .manufacturer, .institutionName, .stationName, .seriesDescription,
        .institutionalDepartmentName, .performingPhysicianName, .operatorsName, .manufacturerModelName,
        .bodyPartExamined, .protocolName, .seriesInstanceUID, .seriesNumber, .laterality,
        .performedProcedureStepStartDate, .performedProcedureStepStartTime, .requestAttributesSequence,
    ].sorted()

    // PS3.4 Table C.6-4, PS3.18 Table 10.6.3-5; any attribute not listed at another level is kept here too.
    private static let instanceAttributes: [Tag] = [
        .sopClassUID, .sopInstanceUID, .contentDate, .contentTime, .instanceNumber, .rows, .columns,
        .bitsAllocated, .numberOfFrames,
    ].sorted()

    private static let patientAttributeSet = Set(patientAttributes)
    private static let studyAttributeSet = Set(studyAttributes)
    private static let seriesAttributeSet = Set(seriesAttributes)
}

extension QueryLevel {
    /// 0 for the patient, 1 study, 2 series, 3 instance.
    public var depth: Int {
        switch self {
        case .patient: 0
        case .study: 1
        case .series: 2
        case .instance: 3
        }
    }

    /// The levels from the patient down to this one.
    public var levelsFromPatient: [QueryLevel] {
        QueryLevel.allCases.filter { $0.depth <= depth }
    }
}
