import Archive
import DICOM
import DICOMCore
import DICOMDictionary
import DICOMImaging
import DICOMJSON
import Hummingbird
import NIOCore

extension DICOMWebService {
    /// WADO-RS study, series or instance retrieval (PS3.18 §10.4.1.1.1): multipart/related application/dicom,
    /// streamed a blob chunk at a time. Every instance's conversion is decided before the first byte goes out, so a
    /// 406 is never discovered mid-stream.
    func retrieve(_ request: Request, _ context: WebContext) async throws -> Response {
        let access = try context.requireAccess()
        let transfer = try DICOMTransferRequest(accept: request.headers[.accept])
        guard let selector = try PathUIDs(context).selector else { throw Problem.notFound() }
        let instances = try await archive.instances(selector, context: access)
        guard !instances.isEmpty else { throw Problem.notFound("no such study, series or instance") }
        // By position: `map` would hand the closure a copy of each instance (every string retained and released).
        let conversions = try instances.indices.map {
            try transfer.conversion(
                fromStored: instances[$0].object.transferSyntaxUID, storedSize: instances[$0].object.size,
                conversionLimit: configuration.maximumConversionBytes)
        }
        return streamInstances(instances, conversions: conversions, access: access)
    }

    /// Stored instances up to this size are read whole, in batches read ahead of the one being sent; larger ones
    /// stream a chunk at a time.
    static let wholeReadLimit: Int64 = 1 << 20
    /// A batch of whole reads (one trip to the blob store's I/O threads) holds up to this many bytes…
    static let batchBytes: Int64 = 512 << 10
    /// …and up to this many instances.
    package static let batchCount = 64
    /// How many batches are read or waiting to be sent at once (memory: at most this many × (`batchBytes` +
    /// `wholeReadLimit`)).
    static let batchesInFlight = 3
    /// Parts are handed to the connection in batches of about this many bytes (one hop to the event loop per batch).
    static let writeSize = 256 << 10

    /// A multipart/related response of whole instances, each as stored or converted to another uncompressed syntax.
    ///
    /// Runs of small stored instances are read in batches, each in one trip to the blob store's I/O threads and
    /// into one buffer that already holds their parts' headers (`framedParts`): a study of 100 MR images costs a
    /// few trips and a few writes, with no copy of the images. The next batches are read while the current one is
    /// sent, so that the disk and the socket work at the same time.
    ///
    /// The instances are handed to each batch as a slice of the one array (batches are consecutive): copying them
    /// would retain and release every string of every instance once more.
    func streamInstances(
        _ instances: [StoredInstance], conversions: [TransferSyntax?], access: AccessContext
    ) -> Response {
        let writer = MultipartWriter()
        let archive = self.archive
        let segments = RetrievalSegments(
            sizes: instances.indices.map { position in
                let size = instances[position].object.size
                return conversions[position] == nil && size <= Self.wholeReadLimit ? size : nil
            },
            batchBytes: Self.batchBytes, batchCount: Self.batchCount)
        let body = ResponseBody { output in
            try await withThrowingTaskGroup(of: (Int, ByteBuffer).self) { group in
                var pending = PendingWrites()
                var scheduled = 0
                var sent = 0
                var ready: [Int: ByteBuffer] = [:]
                for segment in segments.segments {
                    while scheduled < segments.batches.count && scheduled < sent + Self.batchesInFlight {
                        let number = scheduled
                        let members = instances[segments.batches[number]]
                        group.addTask {
                            (number, try await Self.framedParts(members, writer: writer, archive: archive, access: access))
                        }
                        scheduled += 1
                    }
                    switch segment {
                    case .batch(let number):
                        while ready[number] == nil, let (done, parts) = try await group.next() { ready[done] = parts }
                        pending.append(ready.removeValue(forKey: number) ?? ByteBuffer())
                        sent += 1
                    case .single(let position):
                        let instance = instances[position]
                        if let conversion = conversions[position] {
                            let converted = try await Self.converted(
                                instance, to: conversion, archive: archive, access: access)
                            pending.append(
                                writer.partHeader(
                                    contentType: "application/dicom; transfer-syntax=\(conversion.uid.rawValue)",
                                    contentLength: converted.readableBytes))
                            pending.append(converted)
                        } else {
                            try await output.write(contentsOf: pending.take())
                            try await archive.withContent(of: instance, context: access) { chunks in
                                var iterator = chunks.makeAsyncIterator()
                                let first = try await iterator.next() ?? ByteBuffer()
                                let prefix = Part10Prefix.missing(before: first)
                                var head = writer.partHeader(
                                    contentType: "application/dicom; transfer-syntax=\(instance.object.transferSyntaxUID)",
                                    contentLength: Int(instance.object.size) + prefix.readableBytes)
                                head.writeImmutableBuffer(prefix)
                                head.writeImmutableBuffer(first)
                                try await output.write(head)
                                while let chunk = try await iterator.next() { try await output.write(chunk) }
                            }
                        }
                        pending.append(writer.partEnd)
                    }
                    if pending.byteCount >= Self.writeSize { try await output.write(contentsOf: pending.take()) }
                }
                pending.append(writer.closing)
                try await output.write(contentsOf: pending.take())
            }
            try await output.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: writer.contentType(type: "application/dicom")], body: body)
    }

    /// The parts of a run of small stored instances, each with its header, in one buffer: one framed read of the
    /// blob store. A sender may have left out the preamble and "DICM" (pydicom writes data sets that way): the blob
    /// keeps what was received, a PS3.10 file goes out.
    static func framedParts(
        _ instances: ArraySlice<StoredInstance>, writer: MultipartWriter, archive: ArchiveService,
        access: AccessContext
    ) async throws -> ByteBuffer {
        // One content type per transfer syntax (a batch usually has one), not one string per instance.
        var contentTypes: [String: String] = [:]
        let partContentTypes = instances.indices.map { position in
            let syntax = instances[position].object.transferSyntaxUID
            if let known = contentTypes[syntax] { return known }
            let contentType = "application/dicom; transfer-syntax=\(syntax)"
            contentTypes[syntax] = contentType
            return contentType
        }
        // A part header is under 200 bytes; the preamble and "DICM", when missing, 132 more.
        return try await archive.framedContents(
            of: instances, context: access, peek: Part10Prefix.inspectedBytes, trailer: writer.partEnd,
            framingBytes: 256
        ) { position, size, leading, output in
            let prefix = Part10Prefix.missing(before: leading)
            if position > 0 { output.writeStaticString("\r\n") }
            writer.writePartHeader(
                contentType: partContentTypes[position], contentLength: Int(size) + prefix.readableBytes, into: &output)
            output.writeImmutableBuffer(prefix)
        }
    }

    /// The instance re-encoded in another transfer syntax (whole in memory): pixel data decoded and encoded by
    /// DICOMImaging's `Transcoder`, the rest rewritten by the toolkit's writer.
    static func converted(
        _ instance: StoredInstance, to syntax: TransferSyntax, archive: ArchiveService, access: AccessContext
    ) async throws -> ByteBuffer {
        let file = try DICOMFile(bytes: try await archive.content(of: instance, context: access))
        return try Transcoder.transcode(file, to: syntax).encoded()
    }

    /// WADO-RS metadata (§10.4.1.1.2): DICOM JSON of every instance, bulk values as BulkDataURIs; a series comes from
    /// the metadata cache, a study from the caches of its series.
    func metadata(_ request: Request, _ context: WebContext) async throws -> Response {
        let access = try context.requireAccess()
        try Self.requireJSON(request)
        guard let selector = try PathUIDs(context).selector else { throw Problem.notFound() }
        let instances = try await archive.instances(selector, context: access)
        guard !instances.isEmpty else { throw Problem.notFound("no such study, series or instance") }
        let service = serviceURL(request)
        var body = ByteBuffer()
        body.writeString("[")
        var first = true
        var seriesInOrder: [String] = []
        var bySeries: [String: [StoredInstance]] = [:]
        for instance in instances {
            if bySeries[instance.seriesInstanceUID] == nil { seriesInOrder.append(instance.seriesInstanceUID) }
            bySeries[instance.seriesInstanceUID, default: []].append(instance)
        }
        for series in seriesInOrder {
            let members = bySeries[series] ?? []
            let objects: ByteBuffer
            if case .instance = selector {
                objects = try await instanceMetadata(members, service: service, access: access)
            } else {
                objects = try await metadataCache.metadata(of: members, variant: service) {
                    try await self.instanceMetadata(members, service: service, access: access)
                }
            }
            guard objects.readableBytes > 0 else { continue }
            if !first { body.writeString(",") }
            first = false
            var remaining = objects
            body.writeBuffer(&remaining)
        }
        body.writeString("]")
        return Response(status: .ok, headers: [.contentType: "application/dicom+json"], body: .init(byteBuffer: body))
    }

    /// Instances up to this size are read whole for their metadata (one read); larger ones by their header.
    package static let metadataWholeReadLimit: Int64 = 4 << 20

    /// An instance's data set up to Pixel Data, for its metadata. An instance over `metadataWholeReadLimit` is read
    /// by its header alone, in ranges (a 2 GB multi-frame costs its header); one whose header cannot be read that
    /// way (over 64 MiB of values before Pixel Data, a large encapsulated document say) is read whole, as smaller
    /// instances are.
    func metadataSource(_ instance: StoredInstance, access: AccessContext) async throws -> DICOMFile {
        if instance.object.size > Self.metadataWholeReadLimit,
            let header = try? await StoredHeader.read(
                size: instance.object.size, rangeReader(instance, access: access), keepsLongValues: true)
        {
            return header.file
        }
        let bytes = try await archive.content(of: instance, context: access)
        return try DICOMFile(bytes: bytes, options: DICOMReadOptions(stopsBeforePixelData: true))
    }

    /// The DICOM JSON objects of instances, comma-separated (no brackets), read from their blobs up to Pixel Data.
    func instanceMetadata(_ instances: [StoredInstance], service: String, access: AccessContext) async throws
        -> ByteBuffer
    {
        var output = ByteBuffer()
        for (index, instance) in instances.enumerated() {
            let url = Self.url(
                service: service, study: instance.studyInstanceUID, series: instance.seriesInstanceUID,
                instance: instance.sopInstanceUID)
            let file = try await metadataSource(instance, access: access)
            var dataSet = file.dataSet
            if file.stoppedBeforePixelData {
                let vr: VR = file.transferSyntax.isEncapsulated || (dataSet.bitsAllocated ?? 16) <= 8 ? .OB : .OW
                dataSet.insert(
                    DataElement(tag: .pixelData, vr: vr, value: .bulkData(BulkDataReference(.uri(url + "/frames/1")))))
            }
            let encoder = DICOMJSONEncoder(bulkDataThreshold: configuration.bulkDataThreshold) { path, _ in
                path.count == 1 ? "\(url)/bulkdata/\(path[0].hexString)" : nil
            }
            if index > 0 { output.writeString(",") }
            try encoder.encode(dataSet, into: &output)
        }
        return output
    }

    /// WADO-RS frames (§10.4.1.1.3): the listed frames (1-based, comma-separated) of one instance, as
    /// application/octet-stream for native pixel data and in the stored compressed form otherwise.
    func frames(_ request: Request, _ context: WebContext) async throws -> Response {
        let access = try context.requireAccess()
        let path = try PathUIDs(context)
        guard let frameList = context.parameters.get("frames") else { throw Problem.notFound() }
        let pieces = frameList.split(separator: ",", omittingEmptySubsequences: false)
        let requested = pieces.compactMap { Int($0) }
        guard !pieces.isEmpty, pieces.count <= 10_000, requested.count == pieces.count,
            requested.allSatisfy({ $0 >= 1 })
        else { throw Problem.badRequest("frame numbers are positive integers separated by commas") }
        let instance = try await storedInstance(path, access: access)
        if instance.object.transferSyntaxUID == TransferSyntax.deflatedExplicitVRLittleEndian.uid.rawValue {
            let frames = try StoredFrames.inflatedFrames(of: try await archive.content(of: instance, context: access))
            return try await framesResponse(
                requested, count: frames.count, mediaType: "application/octet-stream",
                partContentType: "application/octet-stream", accept: request.headers[.accept]
            ) { number in frames[number - 1] }
        }
        let read = rangeReader(instance, access: access)
        let frames = try await frameTables.frames(of: instance.object.blobKey) {
            try await StoredFrames(try await StoredHeader.read(size: instance.object.size, read), read)
        }
        return try await framesResponse(
            requested, count: frames.count, mediaType: frames.mediaType, partContentType: frames.partContentType,
            accept: request.headers[.accept]
        ) { number in try await frames.frame(number, read) }
    }

    /// The multipart/related answer of a frames request, after checking the frame numbers and the Accept header.
    private func framesResponse(
        _ requested: [Int], count: Int, mediaType: String, partContentType: String, accept: String?,
        frame: (Int) async throws -> ByteBuffer
    ) async throws -> Response {
        guard let last = requested.max(), last <= count else {
            throw Problem.notFound("the instance has \(count) frame(s)")
        }
        let accepted = MediaType.acceptList(accept)
        guard accepted.contains(where: { entry in
            (entry.admits("multipart", "related")
                && (entry.parameters["type"].map {
                    let type = MediaType(parsing: $0)
                    return type.admits("application", "octet-stream") && mediaType == "application/octet-stream"
                        || type.essence == mediaType
                } ?? true))
                || (entry.essence == mediaType)
        }) else {
            throw Problem.notAcceptable("the frames of this instance are available as \(mediaType) only")
        }
        let writer = MultipartWriter()
        var body = ByteBuffer()
        for number in requested {
            var bytes = try await frame(number)
            body.writeImmutableBuffer(writer.partHeader(contentType: partContentType, contentLength: bytes.readableBytes))
            body.writeBuffer(&bytes)
            body.writeString("\r\n")
        }
        body.writeImmutableBuffer(writer.closing)
        return Response(
            status: .ok, headers: [.contentType: writer.contentType(type: mediaType)], body: .init(byteBuffer: body))
    }

    /// WADO-RS bulk data (§10.4.1.1.5): a top-level value of an instance before its Pixel Data, or the Pixel Data
    /// (`bulkdata/{tag}`), as application/octet-stream; read from the object without the rest of it.
    func bulkData(_ request: Request, _ context: WebContext) async throws -> Response {
        let access = try context.requireAccess()
        let path = try PathUIDs(context)
        guard let text = context.parameters.get("tag"), text.utf8.count == 8, let tag = Tag(hexString: text) else {
            throw Problem.badRequest("bulk data is named by its tag, eight hexadecimal digits")
        }
        let instance = try await storedInstance(path, access: access)
        let read = rangeReader(instance, access: access)
        let header = try await StoredHeader.read(size: instance.object.size, read)
        let value: ByteBuffer
        if tag == .pixelData, header.pixelDataOffset != nil {
            let frames = try await frameTables.frames(of: instance.object.blobKey) { try await StoredFrames(header, read) }
            value = try await frames.allFrames(read)
        } else {
            guard let element = header.file.dataSet[tag] else { throw Problem.notFound("the instance has no \(text)") }
            guard let bytes = try await header.value(of: element, read) else {
                throw Problem.notFound("\(text) is not a bulk value")
            }
            value = bytes
        }
        let writer = MultipartWriter()
        return Response(
            status: .ok, headers: [.contentType: writer.contentType(type: "application/octet-stream")],
            body: .init(contentsOf: [
                writer.partHeader(contentType: "application/octet-stream", contentLength: value.readableBytes), value,
                writer.partEnd, writer.closing,
            ]))
    }

    /// The current instance the path names (404 when the caller cannot see it).
    func storedInstance(_ path: PathUIDs, access: AccessContext) async throws -> StoredInstance {
        guard let sopInstanceUID = path.instance else { throw Problem.notFound() }
        let selector = InstanceSelector.instance(
            studyInstanceUID: path.study, seriesInstanceUID: path.series, sopInstanceUID: sopInstanceUID)
        guard let instance = try await archive.instances(selector, context: access).first else {
            throw Problem.notFound("no such instance")
        }
        return instance
    }

    /// Ranged reads of the instance's object, as the caller.
    func rangeReader(_ instance: StoredInstance, access: AccessContext) -> RangeReader {
        { range in try await self.archive.content(of: instance, range: range, context: access) }
    }

    /// WADO-URI (PS3.18 §9): `requestType=WADO&studyUID=…&seriesUID=…&objectUID=…`, answering
    /// `contentType=application/dicom` with the instance (as stored, or converted with `transferSyntax`), and by
    /// default (`image/jpeg`, or `image/png`) with frame `frameNumber` (1) rendered, at `imageQuality`.
    func wadoURI(_ request: Request, _ context: WebContext) async throws -> Response {
        let access = try context.requireAccess()
        let parameters = request.uri.queryParameters
        guard parameters["requestType"] == "WADO" else { throw Problem.badRequest("requestType must be WADO") }
        var uids: [String] = []
        for name in ["studyUID", "seriesUID", "objectUID"] {
            guard let value = parameters[Substring(name)].map(String.init), UID(value).isWellFormed else {
                throw Problem.badRequest("\(name) is required and must be a UID")
            }
            uids.append(value)
        }
        let contentTypes = (parameters["contentType"].map(String.init) ?? "image/jpeg").split(separator: ",")
            .map { MediaType(parsing: $0) }
        guard contentTypes.contains(where: { $0.essence == "application/dicom" }) else {
            guard let image = contentTypes.first(where: { $0.essence == "image/jpeg" || $0.essence == "image/png" })
            else { throw Problem.notAcceptable("contentType: application/dicom, image/jpeg or image/png") }
            let frame = parameters["frameNumber"].map { Int($0) } ?? 1
            guard let frame, frame >= 1 else { throw Problem.badRequest("frameNumber is a positive integer") }
            let path = PathUIDs(study: uids[0], series: uids[1], instance: uids[2])
            let source = try await renderSource(try await storedInstance(path, access: access), frame: frame - 1, access: access)
            let rendered = try ImageRenderer(dataSet: source.dataSet, transferSyntax: source.transferSyntax)
                .render(RenderParameters(frame: source.frame))
            return try Self.imageResponse(rendered, format: image.essence, quality: parameters["imageQuality"])
        }
        let transfer: DICOMTransferRequest =
            if let syntax = parameters["transferSyntax"].map(String.init) {
                try DICOMTransferRequest(accept: "application/dicom; transfer-syntax=\(syntax)")
            } else {
                .asStored
            }
        let selector = InstanceSelector.instance(
            studyInstanceUID: uids[0], seriesInstanceUID: uids[1], sopInstanceUID: uids[2])
        guard let instance = try await archive.instances(selector, context: access).first else {
            throw Problem.notFound("no such instance")
        }
        if let conversion = try transfer.conversion(
            fromStored: instance.object.transferSyntaxUID, storedSize: instance.object.size,
            conversionLimit: configuration.maximumConversionBytes)
        {
            let converted = try await Self.converted(instance, to: conversion, archive: archive, access: access)
            return Response(
                status: .ok, headers: [.contentType: "application/dicom"], body: .init(byteBuffer: converted))
        }
        // As stored, streamed a chunk at a time (an instance may be a 2 GB multi-frame), after the preamble and
        // "DICM" when the sender left them out: the first bytes are read ahead to know the length.
        let leading = try await archive.content(
            of: instance, range: 0..<Int64(Part10Prefix.inspectedBytes), context: access)
        let prefix = Part10Prefix.missing(before: leading)
        let archive = self.archive
        let body = ResponseBody(contentLength: prefix.readableBytes + Int(instance.object.size)) { output in
            if prefix.readableBytes > 0 { try await output.write(prefix) }
            try await archive.withContent(of: instance, context: access) { chunks in
                for try await chunk in chunks { try await output.write(chunk) }
            }
            try await output.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/dicom"], body: body)
    }
}

/// What a stored object needs in front of it to be a PS3.10 file (PS3.10 §7.1): nothing when it has its preamble
/// and "DICM", both when it starts with its File Meta Information group without them.
enum Part10Prefix {
    /// How many leading bytes of an object `missing(before:)` looks at: the preamble and "DICM".
    static let inspectedBytes = 132

    static func missing(before start: ByteBuffer) -> ByteBuffer {
        let magic = start.getBytes(at: start.readerIndex + 128, length: 4)
        guard magic != Array("DICM".utf8), start.getInteger(at: start.readerIndex, endianness: .little, as: UInt16.self) == 0x0002
        else { return ByteBuffer() }
        var prefix = ByteBuffer(repeating: 0, count: 128)
        prefix.writeString("DICM")
        return prefix
    }
}

extension DataSet {
    fileprivate var bitsAllocated: Int? {
        (try? self[.bitsAllocated]?.integers(as: UInt16.self))?.first.map(Int.init)
    }
}

/// How a retrieval's instances are sent, in order: runs of small stored instances as batches (one framed read of
/// the blob store each), the others one at a time (converted, or streamed a chunk at a time).
package struct RetrievalSegments {
    package enum Segment: Hashable {
        /// A batch, by its number in `batches`.
        case batch(Int)
        /// One instance, by its position.
        case single(Int)
    }

    package private(set) var segments: [Segment] = []
    /// The positions of each batch's instances.
    package private(set) var batches: [Range<Int>] = []

    /// `sizes` holds, for each position, the size of an instance read whole, or nil for one that is not. A
    /// batch closes at `batchBytes` or `batchCount`, and where an instance that is not read whole comes between.
    package init(sizes: [Int64?], batchBytes: Int64, batchCount: Int) {
        // The batch being filled holds the positions `start..<position` (none when they are equal).
        var start = 0
        var currentBytes: Int64 = 0
        for (position, size) in sizes.enumerated() {
            if let size { currentBytes += size }
            let end = size == nil ? position : position + 1
            let closes = size == nil || currentBytes >= batchBytes || end - start >= batchCount
            if closes && end > start {
                segments.append(.batch(batches.count))
                batches.append(start..<end)
                currentBytes = 0
            }
            if closes { start = position + 1 }
            if size == nil { segments.append(.single(position)) }
        }
        if sizes.count > start {
            segments.append(.batch(batches.count))
            batches.append(start..<sizes.count)
        }
    }
}

/// What a response body hands to its connection next. Buffers up to `copyLimit` bytes (part headers, converted
/// small instances, a short batch) are copied into one; larger ones are passed on as they are. Each buffer costs
/// its own trip through the connection's pipeline (HTTP chunk framing, pending-write bookkeeping), about as much as
/// copying 30 KB.
struct PendingWrites {
    static let copyLimit = 64 << 10
    private var buffers: [ByteBuffer] = []
    private var gathered = ByteBuffer()
    /// The bytes waiting, gathered or not.
    private(set) var byteCount = 0

    mutating func append(_ buffer: ByteBuffer) {
        byteCount += buffer.readableBytes
        if buffer.readableBytes <= Self.copyLimit {
            gathered.writeImmutableBuffer(buffer)
        } else {
            closeGathered()
            buffers.append(buffer)
        }
    }

    /// Everything waiting, in order; empties the queue.
    mutating func take() -> [ByteBuffer] {
        closeGathered()
        defer {
            buffers.removeAll(keepingCapacity: true)
            byteCount = 0
        }
        return buffers
    }

    private mutating func closeGathered() {
        guard gathered.readableBytes > 0 else { return }
        buffers.append(gathered)
        gathered = ByteBuffer()
    }
}
