public import Archive

/// One pass of compression at rest over the establishments that asked for it in the directory
/// (`TenantRecord.compression`): what `nuage compress` runs once and `CompressionService` runs periodically.
public struct CompressionPass: Sendable {
    public let archive: ArchiveService
    public let directory: any DirectoryStore
    public let compressor: any StoredObjectCompressor
    /// How long replaced originals stay in the store before a pass deletes them.
    public let retiredBlobGrace: Duration

    public init(
        archive: ArchiveService, directory: any DirectoryStore,
        compressor: any StoredObjectCompressor = LosslessCompressor(),
        retiredBlobGrace: Duration = ArchiveService.retiredBlobGrace
    ) {
        self.archive = archive
        self.directory = directory
        self.compressor = compressor
        self.retiredBlobGrace = retiredBlobGrace
    }

    /// What the pass did for one establishment.
    public struct TenantOutcome: Sendable {
        public var tenant: TenantRecord
        public var report: CompressionReport
    }

    /// Compresses the uncompressed instances of every opted-in tenant (or of `tenant` only, when it opted in), at
    /// most `limit` instances per tenant; tenants whose setting is `none` are not compressed. First, for every
    /// tenant (opted in or not: one may have opted out since), deletes the originals that earlier passes retired
    /// and whose grace has passed (`ArchiveService.deleteRetiredBlobs`). Each tenant is worked on with the system's
    /// context for that tenant, so everything stays scoped to it.
    public func run(tenant: TenantID? = nil, limit: Int? = nil) async throws -> [TenantOutcome] {
        var outcomes: [TenantOutcome] = []
        for record in try await directory.tenants() where tenant == nil || record.id == tenant {
            try Task.checkCancellation()
            let context = AccessContext.system(record.id, task: "compress")
            try await archive.deleteRetiredBlobs(context: context, grace: retiredBlobGrace)
            guard record.compression != .none else { continue }
            let report = try await archive.compressAtRest(
                context: context, to: record.compression, compressor: compressor, limit: limit)
            outcomes.append(TenantOutcome(tenant: record, report: report))
        }
        return outcomes
    }
}
