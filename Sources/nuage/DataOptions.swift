import Archive
import ArgumentParser
import Glibc
import Logging
import NuageServer

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
        // The marker lives in the data folder, which must exist first (a new folder is still seen as new: its blobs
        // folder is missing).
        if marksSession && mkdir(dataFolder, 0o750) != 0 && errno != EEXIST {
            throw CommandFailure("cannot create the data folder \(dataFolder): \(String(cString: strerror(errno)))")
        }
        let session = marksSession ? try SessionMarker(folder: dataFolder) : nil
        let crashed = session?.previousSessionCrashed ?? false
        let result = try await storage.withArchive(configuration: configuration, logger: makeLogger()) {
            archive, _, isNew in
            if isNew { printError("nuage: created the data folder \(dataFolder) with the tenant \"default\"") }
            return try await body(archive, crashed)
        }
        session?.removeStale()
        return result
    }

    /// Opens the index's database and runs `body` with its directory (see `ArchiveStorage.withDirectory`).
    func withDirectory<Result: Sendable>(_ body: (any DirectoryStore) async throws -> Result) async throws -> Result {
        try await storage.withDirectory(logger: makeLogger(), body)
    }

    /// The data folder and index these options name.
    var storage: ArchiveStorage {
        ArchiveStorage(
            dataFolder: dataFolder, backend: backend == .postgres ? .postgres : .sqlite, postgresURL: postgresURL,
            postgresSchema: postgresSchema, ioThreads: ioThreads)
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
