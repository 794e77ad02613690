import Archive
import ArchivePostgres
import ArchiveSQLite
import ArgumentParser
import Glibc
import Logging

/// Which index a command uses.
enum IndexBackend: String, ExpressibleByArgument, CaseIterable {
    case sqlite, postgres
}

/// Options every archive command takes: the data folder and the index backend.
///
/// The data folder (default `./nuage-data`, DESIGN §7) holds `index.sqlite` and `blobs/`. With `--backend postgres`
/// the index is in PostgreSQL and the folder holds the blobs only.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: "The data folder (index.sqlite and blobs/).")
    var dataFolder = "./nuage-data"

    @Option(help: "The index: sqlite (in the data folder) or postgres (--postgres-url).")
    var backend: IndexBackend = .sqlite

    @Option(help: "PostgreSQL connection URL, e.g. postgres://user:password@localhost:5432/nuage.")
    var postgresURL: String?

    @Option(help: "PostgreSQL schema of the index (created if missing; default: the user's default schema).")
    var postgresSchema: String?

    @Option(help: ArgumentHelp("Threads for blocking file I/O (write, fsync, read).", visibility: .hidden))
    var ioThreads = 32

    @Flag(help: "Log what the archive does (to standard error).")
    var verbose = false

    func validate() throws {
        if backend == .postgres && postgresURL == nil {
            throw ValidationError("--backend postgres needs --postgres-url")
        }
        guard ioThreads > 0 else { throw ValidationError("--io-threads must be positive") }
    }

    var blobsFolder: String { dataFolder + "/blobs" }
    var indexPath: String { dataFolder + "/index.sqlite" }

    func makeLogger() -> Logger {
        var logger = Logger(label: "nuage") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .debug : .error
        return logger
    }

    /// Opens the index and the blob store of the data folder, runs `body` with an archive over them, and closes
    /// everything. The first use of an empty data folder creates it with the tenant `default` (DESIGN §7).
    func withArchive<Result: Sendable>(
        configuration: ArchiveConfiguration = ArchiveConfiguration(),
        _ body: (ArchiveService) async throws -> Result
    ) async throws -> Result {
        try await withArchive(configuration: configuration, marksSession: false) { archive, _ in
            try await body(archive)
        }
    }

    /// As `withArchive(configuration:_:)`, for commands that write: marks the folder as in use while `body` runs,
    /// and tells `body` whether a process that wrote before died without finishing (it must then reconcile; the
    /// evidence is removed once `body` returns).
    func withArchive<Result: Sendable>(
        configuration: ArchiveConfiguration = ArchiveConfiguration(), marksSession: Bool,
        _ body: (ArchiveService, _ previousSessionCrashed: Bool) async throws -> Result
    ) async throws -> Result {
        let logger = makeLogger()
        let isNew = try prepareFolder()
        let session = marksSession ? try SessionMarker(folder: dataFolder) : nil
        let crashed = session?.previousSessionCrashed ?? false
        let result = try await BlockingIO.withBlockingIO(threads: ioThreads) { io in
            try await withIndex(logger: logger) { index, directory in
                try await index.prepare()
                let blobs = FileBlobStore(root: blobsFolder, io: io)
                let archive = ArchiveService(
                    index: index, blobs: blobs, io: io, configuration: configuration, logger: logger)
                if isNew { try await createDefaultTenant(archive) }
                try await recordDefaultTenant(in: directory)
                return try await body(archive, crashed)
            }
        }
        session?.removeStale()
        return result
    }

    /// Creates the data folder and its blobs folder; true when they did not exist.
    private func prepareFolder() throws -> Bool {
        var created = false
        for folder in [dataFolder, blobsFolder] {
            if mkdir(folder, 0o750) == 0 {
                created = true
            } else if errno != EEXIST {
                throw CommandFailure("cannot create the data folder \(folder): \(String(cString: strerror(errno)))")
            }
        }
        return created
    }

    /// The embedded default must just work: an empty archive gets the tenant `default`, ready to receive.
    private func createDefaultTenant(_ archive: ArchiveService) async throws {
        let context = AccessContext.system(.defaultTenant, task: "setup")
        let scope = try archive.policy.scope(for: context, action: .write)
        try await archive.blobs.prepare(tenant: .defaultTenant, scope: scope)
        printError("nuage: created the data folder \(dataFolder) with the tenant \"default\"")
    }

    /// Opens the index's database and runs `body` with its directory (tenants, AE titles, accounts, API keys),
    /// for the commands that administer it; safe while a server uses the same database.
    func withDirectory<Result: Sendable>(_ body: (any DirectoryStore) async throws -> Result) async throws -> Result {
        _ = try prepareFolder()
        return try await withIndex(logger: makeLogger()) { index, directory in
            try await index.prepare()
            try await recordDefaultTenant(in: directory)
            return try await body(directory)
        }
    }

    /// A directory without any establishment gets `default` (DESIGN §7), so that an empty archive receives at once.
    private func recordDefaultTenant(in directory: any DirectoryStore) async throws {
        guard try await directory.tenants().isEmpty else { return }
        do {
            try await directory.createTenant(TenantRecord(id: .defaultTenant, name: "Default establishment"))
        } catch let error as DirectoryError where error.code == .alreadyExists {
            // Another process created it meanwhile.
        }
    }

    private func withIndex<Result: Sendable>(
        logger: Logger, _ body: (any IndexStore, any DirectoryStore) async throws -> Result
    ) async throws -> Result {
        switch backend {
        case .sqlite:
            let index = try SQLiteIndexStore(path: indexPath, logger: logger)
            return try await body(index, index.directory)
        case .postgres:
            guard let postgresURL else { throw ValidationError("--backend postgres needs --postgres-url") }
            let configuration = try PostgresIndexStore.Configuration(url: postgresURL, schema: postgresSchema)
            return try await PostgresIndexStore.withIndexStore(configuration, logger: logger) { index in
                try await body(index, index.directory)
            }
        }
    }

    /// Every tenant with data in the folder, and `default`.
    func tenants(of archive: ArchiveService) async throws -> [TenantID] {
        Array(Set(try await archive.blobs.tenants()).union([.defaultTenant])).sorted()
    }
}

/// A command failed for a reason worth one line on standard error.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
