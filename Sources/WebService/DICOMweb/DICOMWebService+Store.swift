import Archive
import DICOM
import DICOMCore
import DICOMDictionary
import DICOMJSON
import Hummingbird
import Logging
import NIOCore

/// PS3.18 §10.5.3.3.2 (Table 10.5.3-3) failure reasons of a STOW-RS response.
enum StoreFailureReason: UInt16 {
    /// The part is not an instance this service can read (not DICOM, malformed, missing attributes).
    case cannotUnderstand = 0xC000
    /// The instance belongs to another study than the one in the request's path.
    case studyMismatch = 0xA900
    /// The archive failed to store it (retry later).
    case processingFailure = 0x0110
}

extension DICOMWebService {
    /// STOW-RS (PS3.18 §10.5): each part of a multipart/related application/dicom body streams into
    /// `ArchiveService.ingest` as it arrives. The response lists the stored instances (ReferencedSOPSequence, with
    /// their RetrieveURL and warnings) and the failed parts (FailedSOPSequence with a FailureReason): 200 when all
    /// were stored, 202 when some were, 409 when none was; 415 for a body that is not multipart/related
    /// application/dicom.
    func store(_ request: Request, _ context: WebContext) async throws -> Response {
        let access = try context.requireAccess()
        let path = try PathUIDs(context)
        let contentType = MediaType(parsing: request.headers[.contentType] ?? "")
        guard contentType.essence == "multipart/related" else {
            throw Problem.unsupportedMediaType("STOW-RS takes multipart/related; type=\"application/dicom\"")
        }
        let rootType = contentType.parameters["type"].map { MediaType(parsing: $0) }
        if let rootType, rootType.essence != "application/dicom" {
            throw Problem.unsupportedMediaType(
                "only application/dicom parts are stored (application/dicom+json with bulk data is not supported)")
        }
        guard let boundary = contentType.parameters["boundary"], let parser = MultipartParser(boundary: boundary) else {
            throw Problem.badRequest("the multipart/related Content-Type needs a boundary of 1 to 70 characters")
        }
        let reader = MultipartBodyReader(body: request.body, parser: parser)
        let service = serviceURL(request)
        let source = "http:\(access.principal)@\(context.remoteAddress ?? "?")"
        var referenced: [DataSet] = []
        var failed: [DataSet] = []
        var warnings = false
        while let headers = try await reader.nextPart() {
            let partType = headers["content-type"].map { MediaType(parsing: $0) } ?? rootType
            guard partType?.essence == "application/dicom" else {
                failed.append(Self.failure(.cannotUnderstand, classUID: nil, instanceUID: nil))
                continue
            }
            let ingested: Result<IngestResult, IngestError>
            do {
                ingested = .success(try await archive.ingest(reader.partBody, context: access, source: source))
            } catch {
                ingested = .failure(error)
            }
            switch ingested {
            case .success(let result):
                if let item = referencedItem(result, path: path, service: service, failed: &failed) {
                    if item.contains(.warningReason) { warnings = true }
                    referenced.append(item)
                }
            case .failure(let error):
                context.logger.notice("STOW-RS part not stored", metadata: ["nuage.error": "\(error)"])
                // Skip whatever is left of the part before reading the next one.
                for try await _ in reader.partBody {}
                if case .source(let underlying) = error {
                    // The request body itself is broken (malformed multipart, connection lost).
                    if let multipart = underlying as? MultipartError { throw Problem.badRequest(multipart.description) }
                    throw underlying
                }
                failed.append(
                    Self.failure(error.isRejection ? .cannotUnderstand : .processingFailure, classUID: nil, instanceUID: nil))
            }
        }
        guard !referenced.isEmpty || !failed.isEmpty else { throw Problem.badRequest("the body has no parts") }
        var response = DataSet()
        if let study = path.study {
            response.insert(DataElement(tag: .retrieveURL, vr: .UR, asciiStrings: [Self.url(service: service, study: study)]))
        }
        if !failed.isEmpty { response.insert(DataElement(tag: .failedSOPSequence, items: failed)) }
        if !referenced.isEmpty { response.insert(DataElement(tag: .referencedSOPSequence, items: referenced)) }
        let status: HTTPResponse.Status = failed.isEmpty ? (warnings ? .accepted : .ok) : (referenced.isEmpty ? .conflict : .accepted)
        let body = try DICOMJSONEncoder().encode(response)
        return Response(status: status, headers: [.contentType: "application/dicom+json"], body: .init(byteBuffer: body))
    }

    /// The ReferencedSOPSequence item of a stored instance, or nil when it belongs to another study than the
    /// path's (then recorded in `failed`; ingest has filed it under its own study).
    private func referencedItem(_ result: IngestResult, path: PathUIDs, service: String, failed: inout [DataSet])
        -> DataSet?
    {
        let attributes = result.attributes
        if let study = path.study, attributes.study.studyInstanceUID != study {
            failed.append(
                Self.failure(
                    .studyMismatch, classUID: attributes.instance.sopClassUID,
                    instanceUID: attributes.instance.sopInstanceUID))
            return nil
        }
        var item = DataSet()
        item.insert(DataElement(tag: .referencedSOPClassUID, vr: .UI, asciiStrings: [attributes.instance.sopClassUID]))
        item.insert(
            DataElement(tag: .referencedSOPInstanceUID, vr: .UI, asciiStrings: [attributes.instance.sopInstanceUID]))
        let url = Self.url(
            service: service, study: attributes.study.studyInstanceUID, series: attributes.series.seriesInstanceUID,
            instance: attributes.instance.sopInstanceUID)
        item.insert(DataElement(tag: .retrieveURL, vr: .UR, asciiStrings: [url]))
        if result.disposition == .keptFirst || result.disposition == .replaced {
            // B000 (coercion of data elements): the archive kept another version than the one sent.
            item.insert(DataElement(tag: .warningReason, vr: .US, integers: [UInt16(0xB000)]))
        }
        return item
    }

    private static func failure(_ reason: StoreFailureReason, classUID: String?, instanceUID: String?) -> DataSet {
        var item = DataSet()
        if let classUID { item.insert(DataElement(tag: .referencedSOPClassUID, vr: .UI, asciiStrings: [classUID])) }
        if let instanceUID {
            item.insert(DataElement(tag: .referencedSOPInstanceUID, vr: .UI, asciiStrings: [instanceUID]))
        }
        item.insert(DataElement(tag: .failureReason, vr: .US, integers: [reason.rawValue]))
        return item
    }
}
