import DICOM
import DICOMCore
import DICOMDictionary

/// How strictly the identifying UIDs of an incoming object are checked.
public enum UIDValidation: String, Hashable, Sendable {
    /// PS3.5 §9.1 to the letter: digits and single dots, at most 64 characters, no leading zero in a component.
    case strict
    /// Digits and single dots, at most 64 characters: also accepts the leading zeros that some old equipment
    /// writes, since refusing such an object loses images that can be filed safely.
    case lenient
}

/// Validates an incoming object's header and extracts what the index keeps of it.
///
/// Required (the object cannot be filed without them): SOP Class UID, SOP Instance UID, Study Instance UID and
/// Series Instance UID, each present, single-valued and a valid UID. Everything else is optional: a value that
/// does not follow its VR (a date that is not a date) is left out of the index with a warning, and the object
/// is stored as received all the same.
///
/// Patient ID is Type 2: it may be empty. Objects without one are filed under a placeholder patient per study,
/// `~<Study Instance UID>`, never under an empty ID shared by the whole tenant, which would merge the records of
/// unrelated people. The object itself is not changed; the sender is warned.
enum InstanceAttributeExtractor {
    /// The prefix of the placeholder Patient ID of objects that have none.
    static let placeholderPatientIDPrefix = "~"

    static func extract(from file: DICOMFile, uidValidation: UIDValidation) throws(IngestError)
        -> (InstanceAttributes, [IngestWarning])
    {
        let dataSet = file.dataSet
        var warnings: [IngestWarning] = []
        let sopClassUID = try requiredUID(.sopClassUID, "SOPClassUID", in: dataSet, validation: uidValidation)
        let sopInstanceUID = try requiredUID(.sopInstanceUID, "SOPInstanceUID", in: dataSet, validation: uidValidation)
        let studyInstanceUID = try requiredUID(
            .studyInstanceUID, "StudyInstanceUID", in: dataSet, validation: uidValidation)
        let seriesInstanceUID = try requiredUID(
            .seriesInstanceUID, "SeriesInstanceUID", in: dataSet, validation: uidValidation)

        if let metaInstance = try? file.fileMetaInformation.uid(.mediaStorageSOPInstanceUID),
            metaInstance.rawValue != sopInstanceUID
        {
            warnings.append(
                IngestWarning(.inconsistentFileMeta, "MediaStorageSOPInstanceUID differs from SOPInstanceUID"))
        }

        var patientID = text(.patientID, in: dataSet) ?? ""
        if patientID.isEmpty {
            patientID = placeholderPatientIDPrefix + studyInstanceUID
            warnings.append(
                IngestWarning(.missingPatientID, "no PatientID: filed under a placeholder patient for its study"))
        }
        let patient = InstanceAttributes.Patient(
            patientID: patientID,
            issuerOfPatientID: text(.issuerOfPatientID, in: dataSet),
            patientName: text(.patientName, in: dataSet),
            patientBirthDate: validated(.patientBirthDate, "PatientBirthDate", in: dataSet, &warnings) {
                DICOMDate($0) != nil
            },
            patientSex: text(.patientSex, in: dataSet))
        let study = InstanceAttributes.Study(
            studyInstanceUID: studyInstanceUID,
            studyDate: validated(.studyDate, "StudyDate", in: dataSet, &warnings) { DICOMDate($0) != nil },
            studyTime: validated(.studyTime, "StudyTime", in: dataSet, &warnings) { DICOMTime($0) != nil },
            accessionNumber: text(.accessionNumber, in: dataSet),
            studyDescription: text(.studyDescription, in: dataSet),
            referringPhysicianName: text(.referringPhysicianName, in: dataSet),
            studyID: text(.studyID, in: dataSet))
        let series = InstanceAttributes.Series(
            seriesInstanceUID: seriesInstanceUID,
            modality: text(.modality, in: dataSet),
            seriesNumber: integer(.seriesNumber, "SeriesNumber", in: dataSet, &warnings),
            seriesDescription: text(.seriesDescription, in: dataSet),
            bodyPartExamined: text(.bodyPartExamined, in: dataSet))
        let instance = InstanceAttributes.Instance(
            sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID,
            instanceNumber: integer(.instanceNumber, "InstanceNumber", in: dataSet, &warnings))
        return (InstanceAttributes(patient: patient, study: study, series: series, instance: instance), warnings)
    }

    /// Whether the text is a UID under the given validation.
    static func isValidUID(_ text: String, validation: UIDValidation) -> Bool {
        switch validation {
        case .strict:
            return UID(text).isValid
        case .lenient:
            return UID(text).isWellFormed
        }
    }

    private static func requiredUID(_ tag: Tag, _ keyword: String, in dataSet: DataSet, validation: UIDValidation)
        throws(IngestError) -> String
    {
        guard let element = dataSet[tag] else { throw .missingAttribute(keyword: keyword, tag: tag) }
        guard element.bytes != nil, let values = try? element.asciiStrings() else {
            throw .invalidAttribute(keyword: keyword, tag: tag, reason: "not a text value")
        }
        guard let value = values.first, !value.isEmpty else { throw .missingAttribute(keyword: keyword, tag: tag) }
        guard values.count == 1 else {
            throw .invalidAttribute(keyword: keyword, tag: tag, reason: "\(values.count) values where one is allowed")
        }
        guard isValidUID(value, validation: validation) else {
            throw .invalidAttribute(keyword: keyword, tag: tag, reason: "not a valid UID (PS3.5 §9.1)")
        }
        return value
    }

    /// The first value of a text element, decoded with the data set's character set; nil when absent or empty.
    private static func text(_ tag: Tag, in dataSet: DataSet) -> String? {
        guard let value = dataSet.string(tag), !value.isEmpty else { return nil }
        return value
    }

    /// The first value if it passes `isValid`; else nil and a warning.
    private static func validated(
        _ tag: Tag, _ keyword: String, in dataSet: DataSet, _ warnings: inout [IngestWarning],
        _ isValid: (String) -> Bool
    ) -> String? {
        guard let value = text(tag, in: dataSet) else { return nil }
        guard isValid(value) else {
            warnings.append(IngestWarning(.invalidIndexedValue, "\(keyword) \(tag) is not valid and is not indexed"))
            return nil
        }
        return value
    }

    private static func integer(
        _ tag: Tag, _ keyword: String, in dataSet: DataSet, _ warnings: inout [IngestWarning]
    ) -> Int? {
        guard dataSet[tag] != nil else { return nil }
        do {
            return try dataSet.integerString(tag)
        } catch {
            warnings.append(IngestWarning(.invalidIndexedValue, "\(keyword) \(tag) is not valid and is not indexed"))
            return nil
        }
    }
}
