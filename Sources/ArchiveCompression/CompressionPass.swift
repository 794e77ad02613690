public import Archive

/// One pass of compression at rest over the establishments that asked for it in the directory
/// (`TenantRecord.compression`): what `nuage compress` runs once and `CompressionService` runs periodically.
public struct CompressionPass: Sendable {
    public let archive: ArchiveService
    public let directory: any DirectoryStore
    public let compressor: any StoredObjectCompressor

    public init(
        archive: ArchiveService, directory: any DirectoryStore,
        compressor: any StoredObjectCompressor = LosslessCompressor()
    ) {
        self.archive = archive
        self.directory = directory
        self.compressor = compressor
    }

    /// What the pass did for one establishment.
    public struct TenantOutcome: Sendable {
        public var tenant: TenantRecord
        public var report: CompressionReport
    }

    /// Compresses the uncompressed instances of every opted-in tenant (or of `tenant` only, when it opted in), at
    /// most `limit` instances per tenant; tenants whose setting is `none` are not touched. Each tenant is worked on
    /// with the system's context for that tenant, so everything stays scoped to it.
    public func run(tenant: TenantID? = nil, limit: Int? = nil) async throws -> [TenantOutcome] {
        var outcomes: [TenantOutcome] = []
        for record in try await directory.tenants()
        where record.compression != .none && (tenant == nil || record.id == tenant) {
            try Task.checkCancellation()
            let report = try await archive.compressAtRest(
                context: .system(record.id, task: "compress"), to: record.compression, compressor: compressor,
                limit: limit)
            outcomes.append(TenantOutcome(tenant: record, report: report))
        }
        return outcomes
    }
}
