public import Archive

extension SQLiteIndexStore {
    public func switchStoredObject(
        of instance: StoredInstance, to replacement: StoredObject, scope: AccessScope
    ) async throws -> Bool {
        try await write(
            CompressionPrograms.switchStoredObject(of: instance, to: replacement, scope: scope, dialect: .sqlite))
    }

    public func compressionTotals(scope: AccessScope) async throws -> [CompressionTotals] {
        try await read(CompressionPrograms.compressionTotals(scope: scope, dialect: .sqlite))
    }
}
