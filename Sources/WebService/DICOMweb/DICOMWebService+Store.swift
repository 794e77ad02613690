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

/// What became of one part of a STOW-RS request.
private enum PartOutcome: Sendable {
    case ingested(IngestResult)
    case failed(IngestError)
    /// Refused before anything was stored: its FailedSOPSequence item.
    case refused(DataSet)
}

extension DICOMWebService {
    /// STOW-RS (PS3.18 §10.5): the parts of a multipart/related application/dicom body go into
    /// `ArchiveService.ingest` as they arrive. Parts up to `storeBufferedPartBytes` are read whole and stored
    /// concurrently, up to `storeConcurrency` of them and `storeBufferedBytes` in all (their fsyncs and index
    /// commits overlap: the more at once, the fewer rounds of waiting on the disk); larger parts stream into
    /// ingest. With a study in the path, each part's header is read first and an instance of another study is
    /// refused (A900) before anything is stored. The response lists the stored instances (ReferencedSOPSequence,
    /// with their RetrieveURL and warnings) and the failed parts (FailedSOPSequence with a FailureReason), in the
    /// order of the parts: 200 when all were stored, 202 when some were, 409 when none was; 415 for a body that is
    /// not multipart/related application/dicom; 413 for a body over `maximumStoreBodyBytes`.
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
        let limit = configuration.maximumStoreBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > limit {
            throw Problem.bodyTooLarge(limit: limit)
        }
        let reader = MultipartBodyReader(body: request.body, parser: parser, maximumBodyBytes: limit)
        let source = "http:\(access.principal)@\(context.remoteAddress ?? "?")"
        let archive = self.archive
        let concurrency = configuration.storeConcurrency
        let bufferedPartBytes = configuration.storeBufferedPartBytes
        let bufferedBytes = configuration.storeBufferedBytes
        let outcomes = try await withThrowingTaskGroup(of: (Int, PartOutcome).self) { group in
            var outcomes: [(Int, PartOutcome)] = []
            // The sizes of the whole parts being stored, by position.
            var running: [Int: Int] = [:]
            var runningBytes = 0
            var index = -1
            while let headers = try await reader.nextPart() {
                index += 1
                let partType = headers["content-type"].map { MediaType(parsing: $0) } ?? rootType
                guard partType?.essence == "application/dicom" else {
                    outcomes.append((index, .refused(Self.failure(.cannotUnderstand, classUID: nil, instanceUID: nil))))
                    continue
                }
                let (prefix, isComplete) = try await reader.readPart(upTo: bufferedPartBytes)
                if let study = path.study, let refusal = Self.studyRefusal(prefix, isComplete: isComplete, study: study) {
                    context.logger.notice("STOW-RS part refused: not an instance of the path's study")
                    if !isComplete { for try await _ in reader.partBody {} }
                    outcomes.append((index, .refused(refusal)))
                    continue
                }
                if isComplete {
                    while !running.isEmpty,
                        running.count >= concurrency || runningBytes + prefix.readableBytes > bufferedBytes,
                        let done = try await group.next()
                    {
                        outcomes.append(done)
                        runningBytes -= running.removeValue(forKey: done.0) ?? 0
                    }
                    let position = index
                    group.addTask {
                        (position, await Self.ingest(WholePart(bytes: prefix), archive, access, source))
                    }
                    running[position] = prefix.readableBytes
                    runningBytes += prefix.readableBytes
                } else {
                    reader.unread(prefix)
                    let outcome = await Self.ingest(reader.partBody, archive, access, source)
                    if case .failed(let error) = outcome {
                        // Skip whatever is left of the part before reading the next one.
                        for try await _ in reader.partBody {}
                        if case .source(let underlying) = error {
                            // The request body itself is broken (malformed multipart, too long, connection lost).
                            if let multipart = underlying as? MultipartError {
                                throw Problem.badRequest(multipart.description)
                            }
                            throw underlying
                        }
                    }
                    outcomes.append((index, outcome))
                }
            }
            for try await done in group { outcomes.append(done) }
            return outcomes.sorted { $0.0 < $1.0 }
        }
        guard !outcomes.isEmpty else { throw Problem.badRequest("the body has no parts") }
        let service = serviceURL(request)
        var referenced: [DataSet] = []
        var failed: [DataSet] = []
        var warnings = false
        for (_, outcome) in outcomes {
            switch outcome {
            case .ingested(let result):
                let item = Self.referencedItem(result, service: service)
                if item.contains(.warningReason) { warnings = true }
                referenced.append(item)
            case .failed(let error):
                context.logger.notice("STOW-RS part not stored", metadata: ["nuage.error": "\(error)"])
                failed.append(
                    Self.failure(
                        error.isRejection ? .cannotUnderstand : .processingFailure, classUID: nil, instanceUID: nil))
            case .refused(let item):
                failed.append(item)
            }
        }
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

    /// One part into the archive.
    private static func ingest<Chunks: AsyncSequence>(
        _ chunks: Chunks, _ archive: ArchiveService, _ access: AccessContext, _ source: String
    ) async -> PartOutcome where Chunks.Element == ByteBuffer {
        do {
            return .ingested(try await archive.ingest(chunks, context: access, source: source))
        } catch {
            return .failed(error)
        }
    }

    /// The FailedSOPSequence item of a part that is not an instance of `study` (PS3.18 §10.5.3.3.2: A900), read
    /// from the part's first bytes; nil when it is one, or when a whole part does not parse (ingest then says why).
    /// A part whose header does not fit in the bytes read ahead cannot be checked and is refused (C000).
    private static func studyRefusal(_ prefix: ByteBuffer, isComplete: Bool, study: String) -> DataSet? {
        guard let header = try? DICOMFile(bytes: prefix, options: DICOMReadOptions(stopsBeforePixelData: true)) else {
            return isComplete ? nil : failure(.cannotUnderstand, classUID: nil, instanceUID: nil)
        }
        guard header.dataSet.string(.studyInstanceUID) != study else { return nil }
        return failure(
            .studyMismatch, classUID: header.dataSet.string(.sopClassUID),
            instanceUID: header.dataSet.string(.sopInstanceUID))
    }

    /// The ReferencedSOPSequence item of a stored instance.
    private static func referencedItem(_ result: IngestResult, service: String) -> DataSet {
        let attributes = result.attributes
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
