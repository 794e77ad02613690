import DICOM
package import DICOMCore
import DICOMDictionary
import DICOMJSON
import NIOCore

/// An instance's header split by level (`QueryAttributeCatalogue.storageLevel(of:)`) and written as DICOM JSON,
/// the form in which each level's `attributes` column keeps it.
///
/// Text is decoded with the header's Specific Character Set and stored as UTF-8; (0008,0005) itself is not kept
/// (results say "ISO_IR 192"). Left out everywhere: the file meta group, group lengths. Left out of the instance
/// level, which keeps everything the catalogue does not place higher: private attributes, pixel data and other
/// binary values (OB, OD, OF, OL, OV, OW, UN), which belong to the blob, not the index. An attribute whose value
/// cannot be written as JSON (a binary value of the wrong length) is left out rather than failing the ingest.
package struct LevelDocuments: Hashable, Sendable {
    package var patient: String
    package var study: String
    package var series: String
    package var instance: String

    package init(header: DataSet) {
        var encoded = EncodedLevels()
        self.init(header: header, reusing: &encoded)
    }

    /// The documents of `header`, taking the patient, study and series documents from `encoded` when an earlier
    /// header of the same batch had the same attributes at that level (and the same character set), and adding the
    /// new ones to it. The instances of a series, registered together, share those three levels: encoding them once
    /// saves most of the JSON encoding of a batch (7% of a STOW-RS request's CPU was level documents).
    package init(header: DataSet, reusing encoded: inout EncodedLevels) {
        var levels: [QueryLevel: DataSet] = [:]
        for level in QueryLevel.allCases {
            var dataSet = DataSet()
            dataSet.inheritedCharacterSet = header.characterSet
            levels[level] = dataSet
        }
        for element in header where Self.isKept(element) {
            let level = QueryAttributeCatalogue.storageLevel(of: element.tag)
            if level == .instance && !Self.isKeptAtInstanceLevel(element) { continue }
            levels[level]?.insert(element)
        }
        patient = encoded.json(.patient, levels[.patient] ?? DataSet())
        study = encoded.json(.study, levels[.study] ?? DataSet())
        series = encoded.json(.series, levels[.series] ?? DataSet())
        instance = Self.json(levels[.instance] ?? DataSet())
    }

    /// Documents already encoded, by level and content (see `init(header:reusing:)`).
    package struct EncodedLevels {
        private struct Key: Hashable {
            let level: QueryLevel
            let dataSet: DataSet
            /// Not part of a data set's equality, and the JSON depends on it.
            let characterSet: SpecificCharacterSet?
        }

        private var documents: [Key: String] = [:]

        package init() {}

        fileprivate mutating func json(_ level: QueryLevel, _ dataSet: DataSet) -> String {
            let key = Key(level: level, dataSet: dataSet, characterSet: dataSet.inheritedCharacterSet)
            if let known = documents[key] { return known }
            let json = LevelDocuments.json(dataSet)
            documents[key] = json
            return json
        }
    }

    private static func isKept(_ element: DataElement) -> Bool {
        let tag = element.tag
        return !tag.isFileMetaInformation && !tag.isGroupLength && !tag.isDelimiter
            && tag != StructuralTag.specificCharacterSet
    }

    private static func isKeptAtInstanceLevel(_ element: DataElement) -> Bool {
        if element.tag.isPrivate { return false }
        switch element.vr {
        case .OB, .OD, .OF, .OL, .OV, .OW, .UN: return false
        default: break
        }
        switch element.value {
        case .bytes, .sequence: return true
        case .fragments, .bulkData: return false
        }
    }

    /// The data set as DICOM JSON; attributes the encoder refuses are dropped one by one.
    package static func json(_ dataSet: DataSet) -> String {
        var remaining = dataSet
        let encoder = DICOMJSONEncoder()
        while true {
            do {
                return try encoder.encodeString(remaining)
            } catch {
                guard let tag = error.tagPath.first, remaining.remove(tag) != nil else {
                    // No tag to blame: keep the attributes that encode on their own.
                    var encodable = DataSet(remaining.filter { (try? encoder.encodeString(DataSet([$0]))) != nil })
                    encodable.inheritedCharacterSet = dataSet.inheritedCharacterSet
                    return (try? encoder.encodeString(encodable)) ?? "{}"
                }
            }
        }
    }

    /// Reads a level's stored JSON back; its text is UTF-8 (`utf8Inherited`).
    package static func decode(_ json: String) throws(IndexStoreError) -> DataSet {
        do {
            var dataSet = try DICOMJSONDecoder().decode(ByteBuffer(string: json))
            dataSet.inheritedCharacterSet = utf8
            return dataSet
        } catch {
            throw IndexStoreError(.corruptRow, "stored attributes are not DICOM JSON: \(error.code)")
        }
    }

    /// One attribute as DICOM JSON without its tag key, `{"vr":"PN","Value":[{"Alphabetic":"DOE^JANE"}]}`, for
    /// attribute conflicts. The element's text must be UTF-8 (as decoded from stored JSON).
    package static func attributeJSON(_ element: DataElement) -> String {
        var dataSet = DataSet([element])
        dataSet.inheritedCharacterSet = utf8
        let json = Self.json(dataSet)
        let prefix = "{\"\(element.tag.hexString)\":"
        guard json.hasPrefix(prefix), json.hasSuffix("}") else { return json }
        return String(json.dropFirst(prefix.count).dropLast())
    }

    /// One text attribute as DICOM JSON without its tag key, for conflicts about keys (StudyInstanceUID…).
    package static func attributeJSON(_ tag: Tag, vr: VR, value: String) -> String {
        var dataSet = DataSet()
        dataSet.inheritedCharacterSet = utf8
        do {
            try dataSet.setStrings([value], for: tag, vr: vr)
        } catch {
            return "{\"vr\":\"\(vr.rawValue)\"}"
        }
        guard let element = dataSet[tag] else { return "{\"vr\":\"\(vr.rawValue)\"}" }
        return attributeJSON(element)
    }

    /// ISO_IR 192: UTF-8, the character set of everything read back from the index.
    package static let utf8 = SpecificCharacterSet(terms: ["ISO_IR 192"])
}

extension DataElement {
    /// Whether the element has no value: no bytes, only padding, or no items.
    package var hasEmptyValue: Bool {
        switch value {
        case .bytes(let bytes):
            return bytes.readableBytesView.allSatisfy { $0 == 0x20 || $0 == 0x00 }
        case .sequence(let items):
            return items.isEmpty
        case .fragments, .bulkData:
            return false
        }
    }
}
