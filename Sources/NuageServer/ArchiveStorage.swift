public import Archive
import ArchivePostgres
import ArchiveSQLite
import Glibc
public import Logging

/// Where the archive keeps its data and how to open it: the data folder (blobs, and the SQLite index by default)
/// and the index backend. Shared by `nuage serve` and the archive commands (import, verify, stats, reconcile).
public struct ArchiveStorage: Sendable {
    /// Which database holds the index (and the directory).
    public enum Backend: String, Sendable, CaseIterable {
        case sqlite, postgres
    }

    /// The data folder (DESIGN §7: `./nuage-data`): `index.sqlite`, `blobs/`, `cache/`.
    public var dataFolder: String
    public var backend: Backend
    public var postgresURL: String?
    public var postgresSchema: String?
    /// Threads for blocking file I/O (write, fsync, read).
    public var ioThreads: Int

    public init(
        dataFolder: String = "./nuage-data", backend: Backend = .sqlite, postgresURL: String? = nil,
        postgresSchema: String? = nil, ioThreads: Int = 32
    ) {
        self.dataFolder = dataFolder
        self.backend = backend
        self.postgresURL = postgresURL
        self.postgresSchema = postgresSchema
        self.ioThreads = ioThreads
    }

    public var blobsFolder: String { dataFolder + "/blobs" }
    public var indexPath: String { dataFolder + "/index.sqlite" }
    /// Derived data (series metadata): rebuildable, safe to delete.
    public var cacheFolder: String { dataFolder + "/cache" }

    /// Opens the index and the blob store of the data folder, runs `body` with an archive over them and the
    /// directory kept in the index's database, and closes everything. The first use of an empty data folder creates
    /// it with the tenant `default` (DESIGN §7); `body` is told whether the folder was new.
    public func withArchive<Result: Sendable>(
        configuration: ArchiveConfiguration = ArchiveConfiguration(), logger: Logger,
        _ body: (ArchiveService, any DirectoryStore, _ isNew: Bool) async throws -> Result
    ) async throws -> Result {
        let isNew = try prepareFolder()
        return try await BlockingIO.withBlockingIO(threads: ioThreads) { io in
            try await withIndex(logger: logger) { index, directory in
                try await index.prepare()
                try await Self.recordDefaultTenant(in: directory)
                let blobs = FileBlobStore(root: blobsFolder, io: io)
                let archive = ArchiveService(
                    index: index, blobs: blobs, io: io, configuration: configuration, logger: logger)
                if isNew {
                    let scope = try archive.policy.scope(for: .system(.defaultTenant, task: "setup"), action: .write)
                    try await archive.blobs.prepare(tenant: .defaultTenant, scope: scope)
                }
                return try await body(archive, directory, isNew)
            }
        }
    }

    /// Opens the index's database and runs `body` with its directory (establishments, AE titles, accounts, API
    /// keys), for the commands that administer it; safe while a server uses the same database.
    public func withDirectory<Result: Sendable>(
        logger: Logger, _ body: (any DirectoryStore) async throws -> Result
    ) async throws -> Result {
        _ = try prepareFolder()
        return try await withIndex(logger: logger) { index, directory in
            try await index.prepare()
            try await Self.recordDefaultTenant(in: directory)
            return try await body(directory)
        }
    }

    /// A directory without any establishment gets `default` (DESIGN §7), so that an empty archive receives at once.
    private static func recordDefaultTenant(in directory: any DirectoryStore) async throws {
        guard try await directory.tenants().isEmpty else { return }
        do {
            try await directory.createTenant(TenantRecord(id: .defaultTenant, name: "Default establishment"))
        } catch let error as DirectoryError where error.code == .alreadyExists {
            // Another process created it meanwhile.
        }
    }

    /// Creates the data folder and its blobs folder; true when they did not exist.
    private func prepareFolder() throws -> Bool {
        var created = false
        for folder in [dataFolder, blobsFolder] {
            if mkdir(folder, 0o750) == 0 {
                created = true
            } else if errno != EEXIST {
                throw StorageError("cannot create the data folder \(folder): \(String(cString: strerror(errno)))")
            }
        }
        return created
    }

    private func withIndex<Result: Sendable>(
        logger: Logger, _ body: (any IndexStore, any DirectoryStore) async throws -> Result
    ) async throws -> Result {
        switch backend {
        case .sqlite:
            let index = try SQLiteIndexStore(path: indexPath, logger: logger)
            return try await body(index, index.directory)
        case .postgres:
            guard let postgresURL else { throw StorageError("the postgres backend needs a PostgreSQL URL") }
            let configuration = try PostgresIndexStore.Configuration(url: postgresURL, schema: postgresSchema)
            return try await PostgresIndexStore.withIndexStore(configuration, logger: logger) { index in
                try await body(index, index.directory)
            }
        }
    }
}

/// The data folder or the index cannot be opened as configured.
public struct StorageError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
