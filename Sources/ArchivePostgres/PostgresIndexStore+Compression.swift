public import Archive
public import Foundation

extension PostgresIndexStore {
    public func switchStoredObject(
        of instance: StoredInstance, to replacement: StoredObject, at instant: Date, scope: AccessScope
    ) async throws -> Bool {
        try await write(
            CompressionPrograms.switchStoredObject(
                of: instance, to: replacement, at: instant, scope: scope, dialect: .postgres))
    }

    public func retiredBlobs(before cutoff: Date, limit: Int, scope: AccessScope) async throws -> [BlobKey] {
        try await read(CompressionPrograms.retiredBlobs(before: cutoff, limit: limit, scope: scope, dialect: .postgres))
    }

    public func forgetRetiredBlobs(_ keys: [BlobKey], scope: AccessScope) async throws {
        try await write(CompressionPrograms.forgetRetiredBlobs(keys, scope: scope, dialect: .postgres))
    }

    public func compressionTotals(scope: AccessScope) async throws -> [CompressionTotals] {
        try await read(CompressionPrograms.compressionTotals(scope: scope, dialect: .postgres))
    }
}
