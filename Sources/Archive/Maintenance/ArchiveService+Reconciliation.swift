import Crypto
import DICOM
import DICOMCore
import Foundation
import Logging
import NIOCore

/// What a reconciliation found and did.
public struct ReconciliationReport: Sendable {
    /// Temporaries of dead uploads removed.
    public var temporariesRemoved: Int = 0
    /// Blobs that had no row and were indexed from their header.
    public var reindexed: [BlobKey] = []
    /// Blobs that had no row and duplicated a stored instance: removed.
    public var redundantRemoved: [BlobKey] = []
    /// Blobs that had no row and could not be indexed (unreadable, invalid): left in place.
    public var unindexable: [BlobKeyProblem] = []
    /// Rows whose blob is missing.
    public var missingBlobs: [StoredInstance] = []

    public init() {}

    /// Whether the index and the blobs now agree (temporaries removed and orphans re-indexed count as agreement).
    public var isConsistent: Bool { unindexable.isEmpty && missingBlobs.isEmpty }
}

/// What `verify` found.
public struct VerificationReport: Sendable {
    public var instancesChecked: Int = 0
    public var bytesChecked: Int64 = 0
    /// Rows whose blob is missing, of another size, or of another SHA-256.
    public var problems: [VerificationProblem] = []
    /// Blobs that no row references.
    public var unindexedBlobs: [BlobKey] = []
    /// Temporaries left by dead uploads (reconciliation removes them; not an inconsistency).
    public var abandonedTemporaries: Int = 0

    public init() {}

    /// Every row has its blob with the recorded size and SHA-256, and every blob has its row.
    public var isClean: Bool { problems.isEmpty && unindexedBlobs.isEmpty }
}

/// A row of the index that its blob does not match.
public struct VerificationProblem: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        case missingBlob, sizeMismatch, checksumMismatch, unreadableBlob
    }

    public var kind: Kind
    public var instance: StoredInstance
    public var detail: String

    public init(kind: Kind, instance: StoredInstance, detail: String) {
        self.kind = kind
        self.instance = instance
        self.detail = detail
    }

    public var description: String {
        "\(kind.rawValue): \(instance.object.blobKey) (tenant \(instance.tenant), SOP Instance "
            + "\(instance.sopInstanceUID)): \(detail)"
    }
}

extension ArchiveService {
    /// Brings blobs and index back into agreement after a crash; run at start, before accepting data.
    ///
    /// DESIGN §3. For each tenant of the scope: removes the temporaries of dead uploads (those whose writer's lock
    /// is gone; uploads in progress are left alone), indexes every blob that has no row from its own header (a
    /// crash between blob commit and index commit leaves exactly that) or removes it when it duplicates a stored
    /// instance, and, with `checksMissingBlobs`, reports the rows whose blob is gone (which the write order
    /// never produces; a lost disk or a manual deletion does).
    ///
    /// Meant for a quiet archive: an orphan is a blob without a row *at the time it is listed*, so a deletion
    /// running concurrently could see its instance re-indexed.
    public func reconcile(
        context: AccessContext, checksMissingBlobs: Bool = true, parallelism: Int = 4
    ) async throws -> ReconciliationReport {
        let scope = try policy.scope(for: context, action: .write)
        var report = ReconciliationReport()
        for tenant in scope.sortedTenants {
            report.temporariesRemoved += try await blobs.removeAbandonedTemporaries(of: tenant, scope: scope)
            var cursor: BlobKey?
            while true {
                let keys = try await blobs.keys(of: tenant, after: cursor, limit: 1000, scope: scope)
                guard let last = keys.last else { break }
                cursor = last
                let referenced = try await index.referencedBlobKeys(among: keys, scope: scope)
                let orphans = keys.filter { !referenced.contains($0) }
                let outcomes = await forEach(orphans, parallelism: parallelism) { key in
                    await self.reindexOrphan(key, tenant: tenant, scope: scope)
                }
                for (key, outcome) in zip(orphans, outcomes) {
                    switch outcome {
                    case .reindexed: report.reindexed.append(key)
                    case .redundant: report.redundantRemoved.append(key)
                    case .unindexable(let reason): report.unindexable.append(BlobKeyProblem(key: key, reason: reason))
                    }
                }
            }
        }
        if checksMissingBlobs {
            var cursor: BlobKey?
            while true {
                let page = try await index.instancePage(after: cursor, limit: 500, scope: scope)
                guard let last = page.last else { break }
                cursor = last.object.blobKey
                let sizes = await forEach(page, parallelism: parallelism) { instance in
                    try? await self.blobs.size(of: instance.object.blobKey, scope: scope)
                }
                for (instance, size) in zip(page, sizes) where size == nil {
                    report.missingBlobs.append(instance)
                }
            }
        }
        if !report.reindexed.isEmpty || report.temporariesRemoved > 0 || !report.isConsistent {
            logger.notice(
                "reconciled",
                metadata: [
                    "nuage.temporaries_removed": "\(report.temporariesRemoved)",
                    "nuage.reindexed": "\(report.reindexed.count)",
                    "nuage.redundant_removed": "\(report.redundantRemoved.count)",
                    "nuage.unindexable": "\(report.unindexable.count)",
                    "nuage.missing_blobs": "\(report.missingBlobs.count)",
                ])
        }
        return report
    }

    private enum OrphanOutcome: Sendable {
        case reindexed, redundant
        case unindexable(String)
    }

    private func reindexOrphan(_ key: BlobKey, tenant: TenantID, scope: AccessScope) async -> OrphanOutcome {
        let inspected: InspectedBlob
        do {
            inspected = try await inspect(key, scope: scope)
        } catch {
            return .unindexable("\(error)")
        }
        guard let file = inspected.header else {
            return .unindexable(inspected.headerError.map { "\($0)" } ?? "no header")
        }
        let attributes: InstanceAttributes
        do {
            (attributes, _) = try InstanceAttributeExtractor.extract(
                from: file, uidValidation: configuration.uidValidation)
        } catch {
            return .unindexable("\(error)")
        }
        let object = StoredObject(
            blobKey: key, size: inspected.size, sha256: inspected.sha256,
            transferSyntaxUID: file.transferSyntax.uid.rawValue)
        let registration = InstanceRegistration(
            tenant: tenant, attributes: attributes, header: file.dataSet.removingBulkData(), object: object,
            receivedAt: Date(), source: "reconcile")
        do {
            switch try await registrations.register(registration, duplicates: configuration.duplicates, scope: scope) {
            case .stored, .replaced:
                return .reindexed
            case .alreadyStored(let existing), .keptFirst(let existing):
                guard existing.blobKey != key else { return .reindexed }
                try await blobs.delete(key, scope: scope)
                return .redundant
            }
        } catch {
            return .unindexable("\(error)")
        }
    }

    /// Checks every row against its blob (size and SHA-256, reading every byte) and every blob against the index.
    ///
    /// `progress` is called after each instance with the running totals (instances, bytes).
    public func verify(
        context: AccessContext, parallelism: Int = 4,
        progress: (@Sendable (_ instances: Int, _ bytes: Int64) -> Void)? = nil
    ) async throws -> VerificationReport {
        let scope = try policy.scope(for: context, action: .read)
        var report = VerificationReport()
        var cursor: BlobKey?
        while true {
            let page = try await index.instancePage(after: cursor, limit: 256, scope: scope)
            guard let last = page.last else { break }
            cursor = last.object.blobKey
            let results = await forEach(page, parallelism: parallelism) { instance in
                await self.check(instance, scope: scope)
            }
            for result in results {
                report.instancesChecked += 1
                switch result {
                case .verified(let bytes): report.bytesChecked += bytes
                case .problem(let problem): report.problems.append(problem)
                }
                progress?(report.instancesChecked, report.bytesChecked)
            }
        }
        for tenant in scope.sortedTenants {
            report.abandonedTemporaries += try await blobs.temporaries(of: tenant, scope: scope).count(
                where: \.isAbandoned)
            var keyCursor: BlobKey?
            while true {
                let keys = try await blobs.keys(of: tenant, after: keyCursor, limit: 1000, scope: scope)
                guard let last = keys.last else { break }
                keyCursor = last
                let referenced = try await index.referencedBlobKeys(among: keys, scope: scope)
                report.unindexedBlobs += keys.filter { !referenced.contains($0) }
            }
        }
        return report
    }

    private enum CheckOutcome: Sendable {
        /// The blob matches; this many bytes were read.
        case verified(Int64)
        case problem(VerificationProblem)
    }

    private func check(_ instance: StoredInstance, scope: AccessScope) async -> CheckOutcome {
        let inspected: InspectedBlob
        do {
            inspected = try await inspect(instance.object.blobKey, scope: scope, readsHeader: false)
        } catch BlobStoreError.notFound {
            return .problem(VerificationProblem(kind: .missingBlob, instance: instance, detail: "no blob"))
        } catch {
            return .problem(VerificationProblem(kind: .unreadableBlob, instance: instance, detail: "\(error)"))
        }
        if inspected.size != instance.object.size {
            return .problem(
                VerificationProblem(
                    kind: .sizeMismatch, instance: instance,
                    detail: "\(inspected.size) bytes, \(instance.object.size) recorded"))
        }
        if inspected.sha256 != instance.object.sha256 {
            return .problem(
                VerificationProblem(
                    kind: .checksumMismatch, instance: instance,
                    detail: "SHA-256 \(inspected.sha256), \(instance.object.sha256) recorded"))
        }
        return .verified(inspected.size)
    }

    /// A blob read through: its size, its SHA-256 and, if asked, its header.
    struct InspectedBlob: Sendable {
        var size: Int64
        var sha256: String
        var header: DICOMFile?
        var headerError: IngestError?
    }

    /// Reads a blob from end to end, hashing it and (with `readsHeader`) reading its header on the way.
    func inspect(_ key: BlobKey, scope: AccessScope, readsHeader: Bool = true) async throws -> InspectedBlob {
        let configuration = configuration
        return try await blobs.withChunks(of: key, chunkSize: configuration.readChunkSize, scope: scope) { chunks in
            var hasher = SHA256()
            var size: Int64 = 0
            var reader = HeaderReader(
                maximumBufferedBytes: configuration.maximumHeaderBytes,
                bulkDataThreshold: configuration.bulkDataThreshold)
            var headerError: IngestError?
            for try await chunk in chunks {
                chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                size += Int64(chunk.readableBytes)
                if readsHeader && headerError == nil && !reader.isComplete {
                    do throws(IngestError) {
                        try reader.consume(chunk)
                    } catch {
                        headerError = error
                    }
                }
            }
            var header: DICOMFile?
            if readsHeader && headerError == nil {
                do throws(IngestError) {
                    header = try reader.finish(totalLength: Int(size))
                } catch {
                    headerError = error
                }
            }
            return InspectedBlob(
                size: size, sha256: hasher.finalize().hexString, header: header, headerError: headerError)
        }
    }

    /// Runs `body` for every element with at most `parallelism` at a time; results in the elements' order.
    func forEach<Element: Sendable, Output: Sendable>(
        _ elements: [Element], parallelism: Int, _ body: @escaping @Sendable (Element) async -> Output
    ) async -> [Output] {
        guard !elements.isEmpty else { return [] }
        return await withTaskGroup(of: (Int, Output).self) { group in
            var results: [Output?] = Array(repeating: nil, count: elements.count)
            var next = 0
            for _ in 0..<min(max(1, parallelism), elements.count) {
                let index = next
                group.addTask { (index, await body(elements[index])) }
                next += 1
            }
            while let (index, output) = await group.next() {
                results[index] = output
                if next < elements.count {
                    let index = next
                    group.addTask { (index, await body(elements[index])) }
                    next += 1
                }
            }
            return results.compactMap { $0 }
        }
    }
}
