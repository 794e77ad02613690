import Archive
import DICOM
import DICOMCore
import DICOMDictionary
import DICOMNetwork
import NIOCore

/// A C-FIND, C-MOVE or C-GET identifier read as the archive's query model (PS3.4 §C.4.1.1.3, §C.4.2.1.4).
struct QueryIdentifier {
    /// Why an identifier cannot be answered, with the status PS3.4 gives it.
    struct Refusal: Error {
        var status: DIMSEStatus
        var comment: String
    }

    let level: QueryLevel
    let identifier: DataSet

    /// Reads the Query/Retrieve Level and checks it against the information model.
    init(_ identifier: DataSet, model: ServiceClassSupport.InformationModel) throws(Refusal) {
        guard let text = identifier.string(.queryRetrieveLevel) else {
            throw Refusal(status: .identifierDoesNotMatchSOPClass, comment: "no Query/Retrieve Level (0008,0052)")
        }
        let level: QueryLevel
        switch text.uppercased() {
        case "PATIENT": level = .patient
        case "STUDY": level = .study
        case "SERIES": level = .series
        case "IMAGE": level = .instance
        default:
            throw Refusal(
                status: .identifierDoesNotMatchSOPClass, comment: "unknown Query/Retrieve Level \"\(text.prefix(16))\"")
        }
        guard model.levels.contains(level) else {
            throw Refusal(
                status: .identifierDoesNotMatchSOPClass,
                comment: "the Study Root information model has no PATIENT level")
        }
        self.level = level
        self.identifier = identifier
    }

    /// Keys that only shape the exchange and are never matched.
    private static let exchangeKeys: Set<Tag> = [.queryRetrieveLevel, .specificCharacterSet, .retrieveAETitle]

    /// The index query of a C-FIND: each key with a value matches, every key is returned (PS3.4 §C.2.2.2).
    /// Sequence keys are returned (empty when the index does not keep them) but not matched.
    func indexQuery() throws(Refusal) -> IndexQuery {
        var query = IndexQuery(level: level)
        for element in identifier.elements where element.tag.group != 0x0000 && element.tag.group != 0x0002 {
            guard !Self.exchangeKeys.contains(element.tag), !element.tag.isPrivate else { continue }
            guard element.vr != .SQ, let values = identifier.strings(element.tag) else {
                query.returnKeys.insert(element.tag)
                continue
            }
            do {
                try query.addKey(element.tag, queryValue: values.joined(separator: "\\"))
            } catch {
                throw Refusal(status: .identifierDoesNotMatchSOPClass, comment: "\(error)")
            }
        }
        return query
    }

    /// A C-FIND response identifier: the requested keys of a match (PS3.4 §C.4.1.1.3.2: only those), with the
    /// level, the character set of the match's text, and where to retrieve it from.
    func response(for match: DataSet, retrieveAETitle: String) -> DataSet {
        var response = DataSet()
        for element in identifier.elements where !Self.exchangeKeys.contains(element.tag) {
            if let matched = match[element.tag] {
                response.insert(matched)
            } else if element.vr == .SQ {
                response.insert(DataElement(tag: element.tag, items: []))
            } else {
                response.insert(DataElement(tag: element.tag, vr: element.vr, bytes: ByteBuffer()))
            }
        }
        response.insert(DataElement(tag: .queryRetrieveLevel, vr: .CS, asciiStrings: [levelName]))
        response.insert(DataElement(tag: .retrieveAETitle, vr: .AE, asciiStrings: [retrieveAETitle]))
        if let characterSet = match[.specificCharacterSet] {
            response.insert(characterSet)
        }
        return response
    }

    private var levelName: String {
        switch level {
        case .patient: "PATIENT"
        case .study: "STUDY"
        case .series: "SERIES"
        case .instance: "IMAGE"
        }
    }

    /// What a C-MOVE or C-GET retrieves: the unique keys of the level and the levels above (PS3.4 §C.4.2.2.1,
    /// hierarchical retrieval), lists of UIDs allowed at the level itself.
    func instanceSelectors() throws(Refusal) -> [InstanceSelector] {
        func uids(_ tag: Tag) -> [String] {
            (identifier.strings(tag) ?? []).filter { !$0.isEmpty }
        }
        func required(_ tag: Tag) throws(Refusal) -> [String] {
            let values = uids(tag)
            guard !values.isEmpty else {
                let keyword = DataDictionary.entry(for: tag)?.keyword ?? "\(tag)"
                throw Refusal(
                    status: .identifierDoesNotMatchSOPClass, comment: "a retrieve at this level needs \(keyword)")
            }
            return values
        }
        switch level {
        case .patient:
            let issuer = identifier.string(.issuerOfPatientID)
            return try required(.patientID).map { .patient(patientID: $0, issuerOfPatientID: issuer) }
        case .study:
            return try required(.studyInstanceUID).map { .study(studyInstanceUID: $0) }
        case .series:
            let study = uids(.studyInstanceUID).first
            return try required(.seriesInstanceUID).map { .series(studyInstanceUID: study, seriesInstanceUID: $0) }
        case .instance:
            let study = uids(.studyInstanceUID).first
            let series = uids(.seriesInstanceUID).first
            return try required(.sopInstanceUID).map {
                .instance(studyInstanceUID: study, seriesInstanceUID: series, sopInstanceUID: $0)
            }
        }
    }
}

extension DIMSEStatus {
    /// PS3.4 §C.4.1.1.4: "Identifier does not match SOP Class" (A900), for C-FIND, C-MOVE and C-GET.
    static let identifierDoesNotMatchSOPClass = DIMSEStatus.dataSetDoesNotMatchSOPClass
}
