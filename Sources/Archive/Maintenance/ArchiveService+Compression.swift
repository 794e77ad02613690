import Crypto
public import Foundation
import Logging
public import NIOCore

/// Re-encodes one stored Part 10 object in a lossless transfer syntax: what compression at rest calls for each
/// uncompressed instance (DICOMKit's pixel codecs, in the app's `ArchiveCompression` target).
public protocol StoredObjectCompressor: Sendable {
    /// The object with its pixel data in `transferSyntaxUID` and its pixels verified identical to the original's
    /// once decoded; nil when the object is to stay as it is (no pixel data, a layout the codec does not take).
    /// Throws when re-encoding or the verification fails: the stored object is then left as it is.
    func compress(_ object: ByteBuffer, to transferSyntaxUID: String) throws -> ByteBuffer?
}

/// What one compression pass over a tenant did.
public struct CompressionReport: Sendable {
    /// Uncompressed current instances looked at.
    public var examined = 0
    /// Instances now stored compressed.
    public var compressed = 0
    /// Sizes of those instances before and after.
    public var bytesBefore: Int64 = 0
    public var bytesAfter: Int64 = 0
    /// Instances left as stored: no pixel data, a layout no encoder takes, no gain, too large, changed meanwhile.
    public var leftAsStored = 0
    /// Instances whose compression failed (left as stored too), with the reason.
    public var failures: [CompressionFailure] = []

    public init() {}

    /// Bytes before over bytes after, for the instances compressed; nil when none was.
    public var ratio: Double? { bytesAfter > 0 ? Double(bytesBefore) / Double(bytesAfter) : nil }

    /// Adds another pass's figures.
    public mutating func add(_ other: CompressionReport) {
        examined += other.examined
        compressed += other.compressed
        bytesBefore += other.bytesBefore
        bytesAfter += other.bytesAfter
        leftAsStored += other.leftAsStored
        failures += other.failures
    }
}

/// An instance that compression at rest could not re-encode.
public struct CompressionFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var instance: StoredInstance
    public var reason: String

    public init(instance: StoredInstance, reason: String) {
        self.instance = instance
        self.reason = reason
    }

    public var description: String { "\(instance.object.blobKey): \(reason)" }
}

/// The points of a compression between which a crash leaves something behind (for tests that interrupt there).
package enum CompressionStep: Sendable {
    /// The compressed blob is durable; the index still names the original (a crash leaves an orphan blob).
    case compressedBlobCommitted
    /// The index names the compressed blob and has retired the original (a crash leaves nothing behind: the
    /// original is deleted once its grace has passed, as if there had been no crash).
    case indexSwitched
}

extension ArchiveService {
    /// Transfer syntaxes whose instances compression at rest re-encodes: the native ones (PS3.5 §A.1–A.5).
    static let uncompressedTransferSyntaxes: Set<String> = [
        "1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99",
    ]

    /// Re-encodes the context tenant's uncompressed instances in `compression`'s lossless syntax, one at a time.
    ///
    /// Ingest stores objects as received and acknowledges; this runs afterwards (`nuage compress`, the maintenance
    /// service of `nuage serve`). For each current instance in a native syntax: the blob is read and checked against
    /// its SHA-256, re-encoded and verified bit-exact (`compressor`), written as a new durable blob, and the index
    /// row switched to it in one transaction (same SOP Instance UID; new key, size, SHA-256 and transfer syntax; the
    /// counters moved; the original recorded as retired). The original stays in the store for
    /// `retiredBlobGrace`, so that a reader that looked the instance up just before the switch still finds it;
    /// `deleteRetiredBlobs` removes it afterwards. A crash after the new blob is written and before the switch
    /// leaves one orphan blob, which `reconcile` removes (it duplicates the stored instance). An instance deleted
    /// or replaced meanwhile keeps what the other writer left, and the new blob is deleted. Objects larger than
    /// `maximumObjectBytes` (they are re-encoded in memory) and those the compressor declines or cannot shrink stay
    /// as they are.
    ///
    /// - Parameters:
    ///   - limit: At most this many instances compressed in this call (nil: all).
    public func compressAtRest(
        context: AccessContext, to compression: CompressionAtRest, compressor: any StoredObjectCompressor,
        maximumObjectBytes: Int64 = 256 << 20, limit: Int? = nil
    ) async throws -> CompressionReport {
        try await compressAtRest(
            context: context, to: compression, compressor: compressor, maximumObjectBytes: maximumObjectBytes,
            limit: limit, after: { _ in })
    }

    /// As the public `compressAtRest`, calling `step` at each point where a crash leaves something behind; an error
    /// thrown by `step` ends the pass there, as a crash would (for crash-safety tests).
    package func compressAtRest(
        context: AccessContext, to compression: CompressionAtRest, compressor: any StoredObjectCompressor,
        maximumObjectBytes: Int64 = 256 << 20, limit: Int? = nil,
        after step: @Sendable (CompressionStep) async throws -> Void
    ) async throws -> CompressionReport {
        let scope = try policy.scope(for: context, action: .write)
        var report = CompressionReport()
        guard let target = compression.transferSyntaxUID else { return report }
        var logger = logger
        logger[metadataKey: "nuage.tenant"] = "\(context.tenant)"
        var cursor: BlobKey?
        pages: while true {
            try Task.checkCancellation()
            let page = try await index.instancePage(after: cursor, limit: 256, scope: scope)
            guard let last = page.last else { break }
            cursor = last.object.blobKey
            for instance in page
            where instance.isCurrentVersion && Self.uncompressedTransferSyntaxes.contains(instance.object.transferSyntaxUID)
            {
                if let limit, report.compressed >= limit { break pages }
                try Task.checkCancellation()
                report.examined += 1
                guard instance.object.size <= maximumObjectBytes else {
                    report.leftAsStored += 1
                    continue
                }
                do {
                    if let compressed = try await compress(
                        instance, to: target, compressor: compressor, scope: scope, logger: logger, after: step)
                    {
                        report.compressed += 1
                        report.bytesBefore += instance.object.size
                        report.bytesAfter += compressed.size
                    } else {
                        report.leftAsStored += 1
                    }
                } catch let failure as CompressionFailure {
                    logger.warning(
                        "compression at rest failed", metadata: ["nuage.blob_key": "\(instance.object.blobKey)",
                            "nuage.error": "\(failure.reason)"])
                    report.failures.append(failure)
                }
            }
        }
        if report.compressed > 0 || !report.failures.isEmpty {
            logger.notice(
                "compressed at rest",
                metadata: [
                    "nuage.compressed": "\(report.compressed)", "nuage.bytes_before": "\(report.bytesBefore)",
                    "nuage.bytes_after": "\(report.bytesAfter)", "nuage.failures": "\(report.failures.count)",
                ])
        }
        return report
    }

    /// One instance: the new object once the index names it, nil when it stays as stored. Failures of this
    /// instance are thrown as `CompressionFailure`; an error from `step` is rethrown as it is.
    private func compress(
        _ instance: StoredInstance, to target: String, compressor: any StoredObjectCompressor, scope: AccessScope,
        logger: Logger, after step: @Sendable (CompressionStep) async throws -> Void
    ) async throws -> StoredObject? {
        func failure(_ reason: String) -> CompressionFailure { CompressionFailure(instance: instance, reason: reason) }
        let original: ByteBuffer
        do {
            original = try await blobs.read(instance.object.blobKey, scope: scope)
        } catch {
            throw failure("cannot read the blob: \(error)")
        }
        let digest = original.withUnsafeReadableBytes { SHA256.hash(data: $0) }.hexString
        guard digest == instance.object.sha256 else {
            throw failure("the blob does not match its SHA-256 (run nuage verify)")
        }
        let encoded: ByteBuffer?
        do {
            encoded = try await io.run { try compressor.compress(original, to: target) }
        } catch {
            throw failure("\(error)")
        }
        guard let encoded, encoded.readableBytes < original.readableBytes else { return nil }

        let committed: CommittedBlob
        do {
            var upload = try await blobs.beginUpload(for: instance.tenant, scope: scope)
            do {
                try await upload.write(encoded)
            } catch {
                await upload.abort()
                throw error
            }
            committed = try await upload.commit()
        } catch {
            throw failure("cannot store the compressed object: \(error)")
        }
        try await step(.compressedBlobCommitted)

        let replacement = StoredObject(
            blobKey: committed.key, size: committed.size, sha256: committed.sha256, transferSyntaxUID: target)
        let switched: Bool
        do {
            switched = try await index.switchStoredObject(of: instance, to: replacement, at: Date(), scope: scope)
        } catch {
            await discardIfUnreferenced(committed.key, scope: scope)
            throw failure("cannot switch the index to the compressed object: \(error)")
        }
        guard switched else {
            // Deleted or replaced meanwhile: what the other writer left stands.
            _ = try? await blobs.delete(committed.key, scope: scope)
            return nil
        }
        try await step(.indexSwitched)
        return replacement
    }

    /// How long an object that compression at rest replaced stays in the store after the switch. A reader that
    /// looked the instance up just before it (a WADO-RS retrieval of a large study still streaming, a C-MOVE
    /// working through its sub-operations, a viewer's frame request) opens the object it was told of within that
    /// time; once open, a deletion no longer affects it.
    public static let retiredBlobGrace: Duration = .seconds(600)

    /// Deletes the objects that compression at rest retired more than `grace` before `now`, then forgets them;
    /// returns how many. Run by every compression pass, for every tenant. A crash between the two steps leaves
    /// records of objects already gone, which the next run forgets.
    @discardableResult
    public func deleteRetiredBlobs(
        context: AccessContext, grace: Duration = retiredBlobGrace, now: Date = Date()
    ) async throws -> Int {
        let scope = try policy.scope(for: context, action: .write)
        let cutoff = now.addingTimeInterval(-grace.seconds)
        var deleted = 0
        while true {
            try Task.checkCancellation()
            let keys = try await index.retiredBlobs(before: cutoff, limit: 256, scope: scope)
            guard !keys.isEmpty else { return deleted }
            for key in keys { try await blobs.delete(key, scope: scope) }
            try await index.forgetRetiredBlobs(keys, scope: scope)
            deleted += keys.count
        }
    }

    /// What compression at rest has done so far for the context's tenants.
    public func compressionTotals(context: AccessContext) async throws -> [CompressionTotals] {
        try await index.compressionTotals(scope: try policy.scope(for: context, action: .read))
    }
}
