import DICOM
import DICOMCore
import DICOMDictionary
import NIOCore

/// Builds the data set of each match from a row of `FindColumns.selectList`: the stored attributes of the level and
/// the levels above, then the unique keys and computed attributes from their columns, the query's return keys
/// (empty when unknown) and Specific Character Set "ISO_IR 192".
///
/// The attributes of a patient, study or series are decoded once per result, however many matches share them.
struct FindResultAssembler {
    let level: QueryLevel
    let returnKeys: Set<Tag>
    private var decoded: [QueryLevel: [Int64: DataSet]] = [:]

    init(level: QueryLevel, returnKeys: Set<Tag>) {
        self.level = level
        self.returnKeys = returnKeys
    }

    mutating func dataSet(for row: SQLRow) throws(IndexStoreError) -> DataSet {
        var result = DataSet()
        result.insert(
            DataElement(tag: StructuralTag.specificCharacterSet, vr: .CS, bytes: ByteBuffer(string: "ISO_IR 192")))
        var column = 0
        var overlay: [(Tag, VR, [String])] = []
        for rowLevel in level.levelsFromPatient {
            let id = try row.integer(column)
            switch rowLevel {
            case .patient:
                try merge(rowLevel, id: id, json: row.text(column + 3), into: &result)
                overlay.append((.patientID, .LO, [try row.text(column + 1)]))
                let issuer = try row.text(column + 2)
                if !issuer.isEmpty { overlay.append((.issuerOfPatientID, .LO, [issuer])) }
                if level == .patient {
                    overlay.append((.numberOfPatientRelatedStudies, .IS, [String(try row.integer(column + 4))]))
                    overlay.append((.numberOfPatientRelatedSeries, .IS, [String(try row.integer(column + 5))]))
                    overlay.append((.numberOfPatientRelatedInstances, .IS, [String(try row.integer(column + 6))]))
                }
            case .study:
                try merge(rowLevel, id: id, json: row.text(column + 2), into: &result)
                overlay.append((.studyInstanceUID, .UI, [try row.text(column + 1)]))
                if level == .study {
                    let modalities = try row.text(column + 3)
                    overlay.append(
                        (
                            .modalitiesInStudy, .CS,
                            modalities.isEmpty ? [] : modalities.split(separator: "\\").map(String.init)
                        ))
                    overlay.append((.numberOfStudyRelatedSeries, .IS, [String(try row.integer(column + 4))]))
                    overlay.append((.numberOfStudyRelatedInstances, .IS, [String(try row.integer(column + 5))]))
                }
            case .series:
                try merge(rowLevel, id: id, json: row.text(column + 2), into: &result)
                overlay.append((.seriesInstanceUID, .UI, [try row.text(column + 1)]))
                if level == .series {
                    overlay.append((.numberOfSeriesRelatedInstances, .IS, [String(try row.integer(column + 3))]))
                }
            case .instance:
                try merge(rowLevel, id: id, json: row.text(column + 4), into: &result)
                overlay.append((.sopInstanceUID, .UI, [try row.text(column + 1)]))
                overlay.append((.sopClassUID, .UI, [try row.text(column + 2)]))
                overlay.append((.availableTransferSyntaxUID, .UI, [try row.text(column + 3)]))
            }
            column += FindColumns.columnCount(of: rowLevel)
        }
        for (tag, vr, values) in overlay {
            do {
                try result.setStrings(values, for: tag, vr: vr)
            } catch {
                // A stored key that DICOM cannot carry (a backslash in a PatientID): keep the stored JSON's value.
                continue
            }
        }
        for tag in returnKeys.union(QueryAttributeCatalogue.requiredReturnKeys(of: level)) where !result.contains(tag) {
            result.insert(Self.emptyElement(tag))
        }
        return result
    }

    private mutating func merge(
        _ level: QueryLevel, id: Int64, json: String, into result: inout DataSet
    )
        throws(IndexStoreError)
    {
        let attributes: DataSet
        if let cached = decoded[level]?[id] {
            attributes = cached
        } else {
            attributes = try LevelDocuments.decode(json)
            if level != self.level { decoded[level, default: [:]][id] = attributes }
        }
        for element in attributes { result.insert(element) }
    }

    /// A zero-length element with the dictionary's VR (PS3.4 §C.2.2.2.3: universal matching returns the key).
    static func emptyElement(_ tag: Tag) -> DataElement {
        let vr = DataDictionary.vr(for: tag)
        if vr == .SQ { return DataElement(tag: tag, items: []) }
        return DataElement(tag: tag, vr: vr, bytes: ByteBuffer())
    }
}
