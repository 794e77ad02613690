import Archive
import ArgumentParser
import DICOMCore
import Glibc

/// `nuage import PATH… --tenant T`: stores DICOM files from the local file system in the archive.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Store DICOM files and folders (recursively) in the archive.",
        discussion: """
            Files are stored in parallel, each durable (fsync) before it is counted as stored. Files that are not \
            DICOM are skipped with their reason; invalid objects are rejected with theirs. Running the same import \
            again skips what is stored. When an earlier import or server died without finishing (killed, crashed), \
            starts by reconciling blobs and index: temporaries removed, committed blobs without a row indexed.
            Exit status: 0 when every file was stored, already stored, skipped or rejected; 1 when the archive \
            failed to store some (they can be retried).
            """
    )

    @Argument(help: "Files and folders to import.")
    var paths: [String]

    @Option(help: "The tenant (establishment) that receives the data.")
    var tenant = "default"

    @Option(help: "Files stored at once (parallel fsyncs are what make durable imports fast).")
    var jobs = 32

    @Flag(help: "Print one line per stored instance on standard output (disposition, SOP Instance UID, SHA-256, path).")
    var logStored = false

    @Flag(help: "Let new content replace a stored instance with the same SOP Instance UID (default: keep the first).")
    var replaceDuplicates = false

    @Flag(
        name: .customLong("lenient-uids"),
        help: "Accept UIDs with leading zeros in a component (written by some old equipment).")
    var lenientUIDs = false

    @Flag(help: "Reconcile blobs and index first even when no earlier import crashed (lists every blob).")
    var reconcile = false

    @OptionGroup var data: DataOptions

    func validate() throws {
        guard TenantID(rawValue: tenant) != nil else {
            throw ValidationError("--tenant: lower-case letters, digits and hyphens, 1 to 63 characters")
        }
        guard jobs > 0 else { throw ValidationError("--jobs must be positive") }
    }

    func run() async throws {
        guard let tenant = TenantID(rawValue: tenant) else { throw ExitCode.validationFailure }
        let configuration = ArchiveConfiguration(
            duplicates: replaceDuplicates ? .replace : .keepFirst, uidValidation: lenientUIDs ? .lenient : .strict)
        let failed = try await data.withArchive(configuration: configuration, marksSession: true) {
            archive, previousSessionCrashed in
            let context = AccessContext.system(tenant, task: "import")
            if previousSessionCrashed || reconcile {
                try await Self.reconcile(archive, tenants: data.tenants(of: archive))
            }
            // Looking each file up before writing it pays off only when something may be stored already.
            let checksStored = try await archive.statistics(context: context).contains { $0.instances > 0 }
            let found = FileWalker.files(under: paths)
            for (path, reason) in found.unreadable { printError("nuage import: \(path): \(reason)") }
            let tally = ImportTally(
                totalFiles: found.files.count, totalBytes: found.files.reduce(0) { $0 + $1.size })
            await importFiles(
                found.files, into: archive, context: context, checksStored: checksStored, tally: tally)
            printError(tally.summary())
            let batches = await archive.groupCommitStatistics()
            if batches.transactions > 0 {
                printError(
                    "  index transactions:     \(batches.transactions) "
                        + "(up to \(batches.largestBatch) registrations each)")
            }
            return tally.snapshot.failedCount + found.unreadable.count
        }
        if failed > 0 { throw ExitCode(1) }
    }

    /// Reconciles every tenant: what a crashed writer left behind is cleaned up or indexed.
    private static func reconcile(_ archive: ArchiveService, tenants: [TenantID]) async throws {
        for tenant in tenants {
            let report = try await archive.reconcile(
                context: .system(tenant, task: "reconcile"), checksMissingBlobs: false)
            printError(
                "nuage import: reconciled \(tenant): removed \(report.temporariesRemoved) temporaries, indexed "
                    + "\(report.reindexed.count) blobs, removed \(report.redundantRemoved.count) redundant")
            for problem in report.unindexable { printError("nuage import: unindexable blob \(problem)") }
        }
    }

    /// Stores the files with `jobs` in flight, and shows progress meanwhile.
    private func importFiles(
        _ files: [ImportFile], into archive: ArchiveService, context: AccessContext, checksStored: Bool,
        tally: ImportTally
    ) async {
        let logStored = logStored
        await withTaskGroup(of: Void.self) { progressGroup in
            progressGroup.addTask { await Self.showProgress(of: tally) }
            await withTaskGroup(of: Void.self) { workers in
                var next = 0
                func addWorker() {
                    let file = files[next]
                    next += 1
                    workers.addTask {
                        await Self.importFile(
                            file, into: archive, context: context, checksStored: checksStored, tally: tally,
                            logStored: logStored)
                    }
                }
                while next < min(jobs, files.count) { addWorker() }
                while await workers.next() != nil {
                    if next < files.count { addWorker() }
                }
            }
            progressGroup.cancelAll()
        }
        if isatty(STDERR_FILENO) != 0 { writeError("\r\u{1B}[K") }
    }

    private static func importFile(
        _ file: ImportFile, into archive: ArchiveService, context: AccessContext, checksStored: Bool,
        tally: ImportTally, logStored: Bool
    ) async {
        if file.path.split(separator: "/").last == "DICOMDIR" {
            tally.record(.skipped, reason: "DICOMDIR (a media directory, not an instance)", path: file.path,
                size: file.size)
            return
        }
        do {
            let result = try await archive.ingest(
                fileAt: file.path, context: context, skipsStoredInstances: checksStored)
            tally.record(result, size: file.size)
            if logStored {
                // One write(2) per line: lines of concurrent workers never interleave, and a killed import has
                // printed exactly the instances that were durable.
                let line = [
                    result.disposition.rawValue, result.attributes.instance.sopInstanceUID, result.object.sha256,
                    file.path,
                ].joined(separator: "\t") + "\n"
                writeLine(line, to: STDOUT_FILENO)
            }
        } catch {
            switch error {
            case .notDICOM, .empty:
                tally.record(.skipped, reason: "not DICOM", path: file.path, size: file.size)
            case .missingAttribute, .invalidAttribute, .malformed, .headerTooLarge, .truncated:
                tally.record(.rejected, reason: reasonKind(error), path: file.path, size: file.size)
            case .accessDenied, .blobStore, .index, .source:
                tally.record(.failed, reason: "\(error)", path: file.path, size: file.size)
            }
        }
    }

    /// A reason that groups alike files: the error without offsets.
    private static func reasonKind(_ error: IngestError) -> String {
        switch error {
        case .malformed(let parseError): "malformed DICOM (\(parseError.code))"
        case .truncated: "truncated pixel data"
        default: error.description
        }
    }

    /// Redraws a progress line on a terminal several times a second, else prints one every few seconds.
    private static func showProgress(of tally: ImportTally) async {
        let isTerminal = isatty(STDERR_FILENO) != 0
        while true {
            try? await Task.sleep(for: isTerminal ? .milliseconds(250) : .seconds(5))
            if Task.isCancelled { return }
            if isTerminal {
                writeError("\r\u{1B}[K" + tally.progressLine())
            } else {
                writeError(tally.progressLine() + "\n")
            }
        }
    }
}
