import Archive
import DICOM
import DICOMCore
import DICOMDictionary
import DICOMImaging
import Hummingbird
import NIOCore

extension DICOMWebService {
    /// WADO-RS rendered resources (PS3.18 §10.4.1.1.4) of an instance or of one of its frames: image/jpeg (the
    /// default) or image/png, with the `window`, `viewport` and `quality` query parameters (§8.3.5.1). A multi-frame
    /// instance renders its first frame (its first listed frame for the frames resource).
    func rendered(_ request: Request, _ context: WebContext) async throws -> Response {
        let access = try context.requireAccess()
        let path = try PathUIDs(context)
        let format = try Self.renderedFormat(request)
        var parameters = try Self.renderParameters(request)
        if let frames = context.parameters.get("frames") {
            guard let first = frames.split(separator: ",").first.flatMap({ Int($0) }), first >= 1 else {
                throw Problem.badRequest("frame numbers are positive integers separated by commas")
            }
            parameters.frame = first - 1
        }
        let source = try await renderSource(
            try await storedInstance(path, access: access), frame: parameters.frame, access: access)
        parameters.frame = source.frame
        let image = try ImageRenderer(dataSet: source.dataSet, transferSyntax: source.transferSyntax).render(parameters)
        return try Self.imageResponse(image, format: format, quality: request.uri.queryParameters["quality"])
    }

    /// What rendering one frame of an instance needs.
    struct RenderSource {
        var dataSet: DataSet
        var transferSyntax: TransferSyntax
        /// The frame to render in `dataSet` (0 when it holds that frame alone).
        var frame: Int
    }

    /// The data set that rendering frame `index` (from 0; nil: the middle one) of an instance needs, read as ranges
    /// of its object: every attribute before Pixel Data, and that frame alone as the Pixel Data of a single-frame
    /// data set. Rendering a frame of a 2 GB multi-frame thus reads its header and one frame, not 2 GB. An object
    /// whose frames are not cut from ranges (deflated, bit-packed or big-endian data: StoredFrames' 406), or a frame
    /// it does not have, is read whole and rendered as it is (the renderer then says what is wrong).
    func renderSource(_ instance: StoredInstance, frame index: Int?, access: AccessContext) async throws
        -> RenderSource
    {
        let read = rangeReader(instance, access: access)
        // Long values (lookup tables) are kept: the renderer needs them in memory.
        let header = try await StoredHeader.read(size: instance.object.size, read, keepsLongValues: true)
        if header.pixelDataOffset != nil,
            let frames = try? await frameTables.frames(of: instance.object.blobKey, make: {
                try await StoredFrames(header, read)
            })
        {
            let number = (index ?? frames.count / 2) + 1
            if number >= 1 && number <= frames.count {
                var dataSet = header.file.dataSet
                let frame = try await frames.frame(number, read)
                let syntax = header.file.transferSyntax
                dataSet.remove(Tag(rawValue: 0x7FE0_0001))  // Extended Offset Table and its lengths: of the
                dataSet.remove(Tag(rawValue: 0x7FE0_0002))  // whole object, not of this one frame
                // OW suits native data of any Bits Allocated in the little-endian syntaxes cut here.
                dataSet.insert(
                    syntax.isEncapsulated
                        ? DataElement(tag: .pixelData, vr: .OB, value: .fragments(PixelFragments(fragments: [frame])))
                        : DataElement(tag: .pixelData, vr: .OW, bytes: frame))
                try dataSet.setStrings(["1"], for: .numberOfFrames, vr: .IS)
                return RenderSource(dataSet: dataSet, transferSyntax: syntax, frame: 0)
            }
        }
        let file = try Self.storedFile(try await archive.content(of: instance, context: access))
        let frame = index ?? (try? PixelData(dataSet: file.dataSet, transferSyntax: file.transferSyntax)).map {
            $0.numberOfFrames / 2
        } ?? 0
        return RenderSource(dataSet: file.dataSet, transferSyntax: file.transferSyntax, frame: frame)
    }

    /// A stored object's bytes parsed: they were checked at ingest, so a failure is the server's (500).
    private static func storedFile(_ bytes: ByteBuffer) throws -> DICOMFile {
        do {
            return try DICOMFile(bytes: bytes)
        } catch {
            throw Problem(.internalServerError, "the stored instance cannot be read")
        }
    }

    /// WADO-RS thumbnails (§10.4.1.1.4 "thumbnail"): of the instance, or of a representative instance of a series
    /// or study (the one with an image nearest the middle: a report or presentation state is passed over), fitted
    /// in 128×128 (or `viewport`).
    func thumbnail(_ request: Request, _ context: WebContext) async throws -> Response {
        let access = try context.requireAccess()
        let format = try Self.renderedFormat(request)
        guard let selector = try PathUIDs(context).selector else { throw Problem.notFound() }
        let parameters = try Self.renderParameters(request)
        let instances = try await archive.instances(selector, context: access)
        guard !instances.isEmpty else { throw Problem.notFound("no such study, series or instance") }
        let middle = instances.count / 2
        for index in instances.indices.sorted(by: { abs($0 - middle) < abs($1 - middle) }) {
            let source = try await renderSource(instances[index], frame: nil, access: access)
            do {
                let renderer = try ImageRenderer(dataSet: source.dataSet, transferSyntax: source.transferSyntax)
                let image = try renderer.render(
                    RenderParameters(
                        frame: source.frame, viewport: try parameters.viewport ?? Viewport(width: 128, height: 128)))
                return try Self.imageResponse(image, format: format, quality: nil)
            } catch let error as PixelDataError where instances.count > 1 && error.code != .invalidParameter {
                continue  // no image here: try the next nearest the middle
            }
        }
        throw Problem.notFound("nothing in this study or series has an image to render")
    }

    /// WADO-RS rendered study and series (PS3.18 §10.4.1.1.4): every instance with an image, rendered (its first
    /// frame, with the `window`, `viewport` and `quality` parameters) as one part of a multipart/related response of
    /// image/jpeg (the default) or image/png, in the index's order (series, instance number). Instances without
    /// pixel data (structured reports, key object selections, presentation states) or whose pixels cannot be
    /// rendered are left out; 404 when none is left to render. Parts are rendered and sent one at a time.
    func renderedCollection(_ request: Request, _ context: WebContext) async throws -> Response {
        let access = try context.requireAccess()
        let format = try Self.renderedPartFormat(request)
        let parameters = try Self.renderParameters(request)
        let quality = request.uri.queryParameters["quality"]
        _ = try Self.jpegQuality(quality)
        guard let selector = try PathUIDs(context).selector else { throw Problem.notFound() }
        let instances = try await archive.instances(selector, context: access)
        // The first image is rendered before answering, so that a study without any answers 404, not an empty 200.
        var remaining = instances[...]
        var first: ByteBuffer?
        while first == nil, let instance = remaining.popFirst() {
            first = try await renderedImage(instance, parameters, format, quality, access: access)
        }
        guard let first else { throw Problem.notFound("nothing in this study or series has an image to render") }
        let writer = MultipartWriter()
        let rest = remaining
        let service = self
        let body = ResponseBody { output in
            var remaining = rest
            var next: ByteBuffer? = first
            while let image = next {
                try await output.write(writer.partHeader(contentType: format, contentLength: image.readableBytes))
                try await output.write(image)
                try await output.write(writer.partEnd)
                next = nil
                while next == nil, let instance = remaining.popFirst() {
                    next = try await service.renderedImage(instance, parameters, format, quality, access: access)
                }
            }
            try await output.write(writer.closing)
            try await output.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: writer.contentType(type: format)], body: body)
    }

    /// One instance rendered and encoded, or nil when it has no image to render.
    private func renderedImage(
        _ instance: StoredInstance, _ parameters: RenderParameters, _ format: String, _ quality: Substring?,
        access: AccessContext
    ) async throws -> ByteBuffer? {
        var parameters = parameters
        let source = try await renderSource(instance, frame: parameters.frame, access: access)
        parameters.frame = source.frame
        do {
            let image = try ImageRenderer(dataSet: source.dataSet, transferSyntax: source.transferSyntax)
                .render(parameters)
            return try Self.encoded(image, format: format, quality: quality)
        } catch let error as PixelDataError where error.code != .invalidParameter {
            return nil
        }
    }

    /// The part type a rendered study or series is asked in: `multipart/related; type="image/jpeg"` (also for no
    /// type, `*/*` or no Accept) or `type="image/png"`; 406 for anything else.
    static func renderedPartFormat(_ request: Request) throws -> String {
        for entry in MediaType.acceptList(request.headers[.accept]) where entry.admits("multipart", "related") {
            guard let type = entry.parameters["type"].map(MediaType.init(parsing:)) else { return "image/jpeg" }
            if type.admits("image", "jpeg") { return "image/jpeg" }
            if type.admits("image", "png") { return "image/png" }
        }
        throw Problem.notAcceptable(
            "rendered studies and series are served as multipart/related; type=\"image/jpeg\" or \"image/png\"")
    }

    /// The image type the Accept header asks for: JPEG unless it admits PNG and not JPEG; 406 for anything else.
    static func renderedFormat(_ request: Request) throws -> String {
        for entry in MediaType.acceptList(request.headers[.accept]) {
            if entry.admits("image", "jpeg") { return "image/jpeg" }
            if entry.admits("image", "png") { return "image/png" }
        }
        throw Problem.notAcceptable("rendered images are served as image/jpeg or image/png")
    }

    /// PS3.18 §8.3.5.1: `window=center,width[,function]`, `viewport=width,height`.
    static func renderParameters(_ request: Request) throws -> RenderParameters {
        let query = request.uri.queryParameters
        var parameters = RenderParameters()
        if let window = query["window"] {
            let fields = window.split(separator: ",").map(String.init)
            guard (2...3).contains(fields.count), let center = Double(fields[0]), let width = Double(fields[1]) else {
                throw Problem.badRequest("window is center,width[,function]")
            }
            let function = fields.count == 3 ? VOIWindow.Function(rawValue: fields[2].uppercased()) : .linear
            guard let function else { throw Problem.badRequest("window function: linear, linear_exact or sigmoid") }
            parameters.window = try VOIWindow(center: center, width: width, function: function)
        }
        if let viewport = query["viewport"] {
            let sides = viewport.split(separator: ",").compactMap { Int($0) }
            guard sides.count == 2 else { throw Problem.badRequest("viewport is width,height") }
            parameters.viewport = try Viewport(width: sides[0], height: sides[1])
        }
        return parameters
    }

    static func imageResponse(_ image: RenderedImage, format: String, quality: Substring?) throws -> Response {
        let body = try encoded(image, format: format, quality: quality)
        return Response(status: .ok, headers: [.contentType: format], body: .init(byteBuffer: body))
    }

    /// The image as PNG or as JPEG of the `quality` parameter.
    static func encoded(_ image: RenderedImage, format: String, quality: Substring?) throws -> ByteBuffer {
        if format == "image/png" { return try image.pngData() }
        return try image.jpegData(quality: try jpegQuality(quality))
    }

    /// PS3.18 §8.3.5.1.3 `quality`: 1 to 100, 90 when absent.
    static func jpegQuality(_ quality: Substring?) throws -> Int {
        let level = quality.map { Int($0) } ?? 90
        guard let level, (1...100).contains(level) else { throw Problem.badRequest("quality is 1 to 100") }
        return level
    }
}
