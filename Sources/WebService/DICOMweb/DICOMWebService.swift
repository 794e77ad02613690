public import Archive
import DICOMCore
import Foundation
import HTTPTypes
public import Hummingbird

/// Settings of the DICOMweb service.
public struct DICOMWebConfiguration: Sendable {
    /// The path under which the studies service answers (DESIGN §7: `/dicomweb`).
    public var root: String
    /// The most matches one QIDO-RS response carries (a client's larger `limit` is cut, with a Warning header).
    public var maximumSearchResults: Int
    /// Values longer than this many bytes are left out of metadata responses as BulkDataURIs.
    public var bulkDataThreshold: Int
    /// The largest STOW-RS request body: a larger Content-Length, or a body that grows past it, is refused with 413.
    public var maximumStoreBodyBytes: Int64
    /// How many parts of one STOW-RS request are stored at the same time, at most.
    public var storeConcurrency: Int
    /// STOW-RS parts up to this size are read whole and stored concurrently; larger ones stream into ingest one at
    /// a time.
    public var storeBufferedPartBytes: Int
    /// The most bytes of whole parts one STOW-RS request holds while they are stored (a part is always let in when
    /// none is running): many small images at once, a few large ones.
    public var storeBufferedBytes: Int
    /// The largest stored instance that WADO-RS and WADO-URI convert to another transfer syntax (a conversion holds
    /// the instance whole in memory, decoded); larger ones are served as stored.
    public var maximumConversionBytes: Int64

    public init(
        root: String = "/dicomweb", maximumSearchResults: Int = 10_000, bulkDataThreshold: Int = 1024,
        maximumStoreBodyBytes: Int64 = 4 << 30, storeConcurrency: Int = 32, storeBufferedPartBytes: Int = 4 << 20,
        storeBufferedBytes: Int = 32 << 20, maximumConversionBytes: Int64 = 64 << 20
    ) {
        self.root = root
        self.maximumSearchResults = maximumSearchResults
        self.bulkDataThreshold = bulkDataThreshold
        self.maximumStoreBodyBytes = maximumStoreBodyBytes
        self.storeConcurrency = max(1, storeConcurrency)
        self.storeBufferedPartBytes = max(64 << 10, storeBufferedPartBytes)
        self.storeBufferedBytes = max(self.storeBufferedPartBytes, storeBufferedBytes)
        self.maximumConversionBytes = maximumConversionBytes
    }
}

/// The studies service of PS3.18 (§10.4 STOW-RS, §10.4 WADO-RS, §10.6 QIDO-RS, §10.5 DELETE as peers offer it,
/// §8.9 capabilities) and WADO-URI (§9), over an `ArchiveService`.
///
/// Every handler takes the caller's `AccessContext` from `WebContext` and goes through the archive with it: another
/// establishment's studies are answered as absent (404). Path UIDs are checked (400 when malformed) before any
/// query.
public struct DICOMWebService: Sendable {
    public let archive: ArchiveService
    public let metadataCache: SeriesMetadataCache
    public let configuration: DICOMWebConfiguration
    /// Where the frames of recently read instances lie in their objects.
    let frameTables = StoredFramesCache()

    public init(archive: ArchiveService, metadataCache: SeriesMetadataCache, configuration: DICOMWebConfiguration) {
        self.archive = archive
        self.metadataCache = metadataCache
        self.configuration = configuration
    }

    /// Adds the studies service's routes under `configuration.root` and WADO-URI at `/wado`.
    public func addRoutes(to router: some RouterMethods<WebContext>) {
        let root = router.group(RouterPath(configuration.root))
        // Retrieve Capabilities (§8.9): OPTIONS on the base URI; GET …/capabilities gives the same document.
        root.on("", method: .options) { request, context in try self.capabilities(request, context) }
        root.get("capabilities") { request, context in try self.capabilities(request, context) }

        // QIDO-RS (§10.6)
        root.get("studies") { request, context in try await self.search(.study, request, context) }
        root.get("series") { request, context in try await self.search(.series, request, context) }
        root.get("instances") { request, context in try await self.search(.instance, request, context) }
        root.get("studies/:study/series") { request, context in try await self.search(.series, request, context) }
        root.get("studies/:study/instances") { request, context in
            try await self.search(.instance, request, context)
        }
        root.get("studies/:study/series/:series/instances") { request, context in
            try await self.search(.instance, request, context)
        }

        // WADO-RS (§10.4)
        for path in ["studies/:study", "studies/:study/series/:series", "studies/:study/series/:series/instances/:instance"] {
            root.get(RouterPath(path)) { request, context in try await self.retrieve(request, context) }
            root.get(RouterPath(path + "/metadata")) { request, context in try await self.metadata(request, context) }
            root.get(RouterPath(path + "/thumbnail")) { request, context in try await self.thumbnail(request, context) }
            root.delete(RouterPath(path)) { request, context in try await self.delete(request, context) }
        }
        let instance = "studies/:study/series/:series/instances/:instance"
        root.get(RouterPath(instance + "/frames/:frames")) { request, context in try await self.frames(request, context) }
        for rendered in [instance + "/rendered", instance + "/frames/:frames/rendered"] {
            root.get(RouterPath(rendered)) { request, context in try await self.rendered(request, context) }
        }
        for rendered in ["studies/:study/rendered", "studies/:study/series/:series/rendered"] {
            root.get(RouterPath(rendered)) { request, context in try await self.renderedCollection(request, context) }
        }
        root.get(RouterPath(instance + "/frames/:frames/thumbnail")) { request, context in
            try await self.thumbnail(request, context)
        }
        root.get(RouterPath(instance + "/bulkdata/:tag")) { request, context in try await self.bulkData(request, context) }

        // STOW-RS (§10.5)
        root.post("studies") { request, context in try await self.store(request, context) }
        root.post("studies/:study") { request, context in try await self.store(request, context) }

        // WADO-URI (§9)
        router.get("wado") { request, context in try await self.wadoURI(request, context) }
    }

    /// The UIDs of the path, checked: the study, series and instance named by the route, as far as it goes.
    struct PathUIDs {
        var study: String?
        var series: String?
        var instance: String?

        init(study: String?, series: String?, instance: String?) {
            self.study = study
            self.series = series
            self.instance = instance
        }

        init(_ context: WebContext) throws {
            study = try Self.uid(context, "study")
            series = try Self.uid(context, "series")
            instance = try Self.uid(context, "instance")
        }

        private static func uid(_ context: WebContext, _ name: String) throws -> String? {
            guard let value = context.parameters.get(name) else { return nil }
            guard UID(value).isWellFormed else { throw Problem.badRequest("the \(name) UID in the path is not a UID") }
            return value
        }

        /// The instances the path names; nil for a path without a study.
        var selector: InstanceSelector? {
            if let instance { return .instance(studyInstanceUID: study, seriesInstanceUID: series, sopInstanceUID: instance) }
            if let series { return .series(studyInstanceUID: study, seriesInstanceUID: series) }
            if let study { return .study(studyInstanceUID: study) }
            return nil
        }
    }

    /// The base URL of the studies service as the client reached it (for RetrieveURL and BulkDataURI).
    func serviceURL(_ request: Request) -> String {
        let host = request.head.authority ?? "localhost"
        let scheme = request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https" ? "https" : "http"
        return "\(scheme)://\(host)\(configuration.root)"
    }

    static func url(service: String, study: String, series: String? = nil, instance: String? = nil) -> String {
        var url = "\(service)/studies/\(study)"
        if let series { url += "/series/\(series)" }
        if let instance { url += "/instances/\(instance)" }
        return url
    }

    /// The Capabilities Description (PS3.18 §8.9, Annex H): a WADL document of the resources and methods this
    /// service answers; 406 when Accept admits neither WADL nor XML.
    func capabilities(_ request: Request, _ context: WebContext) throws -> Response {
        _ = try context.requireAccess()
        let accepted = MediaType.acceptList(request.headers[.accept])
        guard accepted.contains(where: {
            $0.admits("application", "vnd.sun.wadl+xml") || $0.admits("application", "xml")
        }) else {
            throw Problem.notAcceptable("the capabilities description is \(CapabilitiesDescription.mediaType)")
        }
        return Response(
            status: .ok, headers: [.contentType: CapabilitiesDescription.mediaType],
            body: .init(byteBuffer: CapabilitiesDescription.document(baseURL: serviceURL(request))))
    }

    /// DELETE of a study, series or instance: 204 when something was removed, 404 when nothing matched.
    func delete(_ request: Request, _ context: WebContext) async throws -> Response {
        let access = try context.requireAccess()
        guard let selector = try PathUIDs(context).selector else { throw Problem.notFound() }
        let report = try await archive.delete(selector, context: access)
        guard !report.instances.isEmpty else { throw Problem.notFound("no such study, series or instance") }
        return Response(status: .noContent)
    }
}
