import DICOM
import DICOMCore
import DICOMDictionary
import Foundation
import Logging
public import NIOCore

extension ArchiveService {
    /// Stores one Part 10 object arriving as a stream of chunks (a C-STORE's PDVs, a STOW-RS part), and returns
    /// only once it is durable in the blob store and recorded in the index.
    ///
    /// DESIGN §3. Bytes go to a blob upload as they arrive while the header is read from them (never the whole
    /// object in memory); the header is validated (`InstanceAttributeExtractor`); the blob is committed (fsync,
    /// rename, fsync of its directory); its registration joins an index transaction (group commit); then the
    /// result. Any failure before the commit leaves nothing behind; a crash between commit and registration
    /// leaves an orphan blob that `reconcile` re-indexes.
    ///
    /// Duplicates follow `configuration.duplicates`: the same bytes again answer `alreadyStored` and change
    /// nothing; other content is dropped with a warning (`keptFirst`) or replaces the stored version (`replaced`).
    ///
    /// - Parameters:
    ///   - source: who sent it, as the index records it ("aet:CT01@10.1.2.3", "user:alice").
    public func ingest<Chunks: AsyncSequence>(
        _ chunks: Chunks, context: AccessContext, source: String
    ) async throws(IngestError) -> IngestResult where Chunks.Element == ByteBuffer {
        let scope = try scope(for: context, action: .write)
        var input = AsyncSequenceInput(iterator: chunks.makeAsyncIterator())
        return try await ingest(from: &input, tenant: context.tenant, scope: scope, source: source, storedCopy: nil)
    }

    /// Stores one Part 10 file from the local file system (the `nuage import` path), as `ingest(_:context:source:)`.
    ///
    /// With `skipsStoredInstances`, a file whose SOP Instance UID is stored with the same size and SHA-256 is
    /// answered `alreadyStored` after reading it, without writing anything: running an import again costs reads.
    public func ingest(
        fileAt path: String, context: AccessContext, source: String? = nil, skipsStoredInstances: Bool = true
    ) async throws(IngestError) -> IngestResult {
        let scope = try scope(for: context, action: .write)
        return try await FileInput.withFile(at: path, io: io, chunkSize: configuration.readChunkSize) {
            (file: FileInput) async throws(IngestError) -> IngestResult in
            let storedCopy: (@Sendable (DICOMFile) async -> StoredInstance?)?
            if skipsStoredInstances {
                storedCopy = { header in await self.storedInstance(sameAs: file, header: header, scope: scope) }
            } else {
                storedCopy = nil
            }
            var input = file
            return try await self.ingest(
                from: &input, tenant: context.tenant, scope: scope, source: source ?? "import:\(path)",
                storedCopy: storedCopy)
        }
    }

    /// The instance stored with the file's exact bytes, if any (looked up by the header's UIDs, then size, then
    /// SHA-256). Any failure answers nil: the file is then ingested normally, which is always correct.
    private func storedInstance(sameAs file: FileInput, header: DICOMFile, scope: AccessScope) async
        -> StoredInstance?
    {
        guard let sopInstanceUID = header.dataSet.string(.sopInstanceUID), !sopInstanceUID.isEmpty else { return nil }
        let studyInstanceUID = header.dataSet.string(.studyInstanceUID)
        guard
            let stored = try? await index.instances(
                .instance(studyInstanceUID: studyInstanceUID, seriesInstanceUID: nil, sopInstanceUID: sopInstanceUID),
                scope: scope),
            let candidate = stored.first(where: { $0.object.size == file.size })
        else { return nil }
        guard let digest = try? await file.sha256(), digest == candidate.object.sha256 else { return nil }
        return candidate
    }

    /// The pipeline shared by every input.
    private func ingest<Input: IngestInput>(
        from input: inout Input, tenant: TenantID, scope: AccessScope, source: String,
        storedCopy: (@Sendable (DICOMFile) async -> StoredInstance?)?
    ) async throws(IngestError) -> IngestResult {
        var reader = HeaderReader(
            maximumBufferedBytes: configuration.maximumHeaderBytes, bulkDataThreshold: configuration.bulkDataThreshold)
        guard let first = try await Self.next(&input) else { throw .empty }
        // The first chunk is read before anything is written: a file that is not DICOM costs no upload.
        try reader.consume(first)
        if let storedCopy, let header = reader.file, let stored = await storedCopy(header) {
            let (attributes, warnings) = try InstanceAttributeExtractor.extract(
                from: header, uidValidation: configuration.uidValidation)
            return IngestResult(
                disposition: .alreadyStored, tenant: tenant, attributes: attributes, object: stored.object,
                receivedBytes: stored.object.size, warnings: warnings, peakHeaderBytes: reader.peakBufferedBytes)
        }

        var upload: BlobUpload
        do {
            upload = try await blobs.beginUpload(for: tenant, scope: scope)
        } catch {
            throw .blobStore(error)
        }
        let file: DICOMFile
        let attributes: InstanceAttributes
        var warnings: [IngestWarning]
        do throws(IngestError) {
            try await Self.write(first, to: &upload)
            while let chunk = try await Self.next(&input) {
                try reader.consume(chunk)
                try await Self.write(chunk, to: &upload)
            }
            file = try reader.finish(totalLength: Int(upload.size))
            (attributes, warnings) = try InstanceAttributeExtractor.extract(
                from: file, uidValidation: configuration.uidValidation)
        } catch {
            await upload.abort()
            throw error
        }
        let committed: CommittedBlob
        do {
            committed = try await upload.commit()
        } catch {
            throw .blobStore(error)
        }

        let object = StoredObject(
            blobKey: committed.key, size: committed.size, sha256: committed.sha256,
            transferSyntaxUID: file.transferSyntax.uid.rawValue)
        let registration = InstanceRegistration(
            tenant: tenant, attributes: attributes, header: file.dataSet.removingBulkData(), object: object,
            receivedAt: Date(), source: source)
        let outcome: RegistrationOutcome
        do {
            outcome = try await registrations.register(
                registration, duplicates: configuration.duplicates, scope: scope)
        } catch {
            await discardIfUnreferenced(committed.key, scope: scope)
            throw .index(error)
        }

        var logger = logger
        logger[metadataKey: "nuage.tenant"] = "\(tenant)"
        logger[metadataKey: "nuage.blob_key"] = "\(committed.key)"
        let disposition: IngestResult.Disposition
        let kept: StoredObject
        switch outcome {
        case .stored:
            disposition = .stored
            kept = object
        case .alreadyStored(let existing):
            disposition = .alreadyStored
            kept = existing
            await discardRedundant(committed.key, existing: existing, scope: scope, logger: logger)
        case .keptFirst(let existing):
            disposition = .keptFirst
            kept = existing
            warnings.append(
                IngestWarning(
                    .duplicateKeptFirst, "other content with this SOP Instance UID was stored first and is kept"))
            logger.warning("duplicate SOP Instance UID with other content: kept the first")
            await discardRedundant(committed.key, existing: existing, scope: scope, logger: logger)
        case .replaced:
            disposition = .replaced
            kept = object
            warnings.append(IngestWarning(.replacedPrevious, "replaced the previous version, which stays recorded"))
            logger.notice("duplicate SOP Instance UID with other content: replaced the previous version")
        }
        logger.debug("ingested", metadata: ["nuage.disposition": "\(disposition.rawValue)"])
        return IngestResult(
            disposition: disposition, tenant: tenant, attributes: attributes, object: kept,
            receivedBytes: committed.size, warnings: warnings, peakHeaderBytes: reader.peakBufferedBytes)
    }

    /// Deletes a new blob that duplicates a stored one (never the stored one itself: reconciliation may have
    /// indexed this very blob meanwhile). A failure leaves an orphan that reconciliation removes.
    private func discardRedundant(_ key: BlobKey, existing: StoredObject, scope: AccessScope, logger: Logger) async {
        guard existing.blobKey != key else { return }
        do {
            try await blobs.delete(key, scope: scope)
        } catch {
            logger.warning("could not delete a redundant blob", metadata: ["nuage.error": "\(error)"])
        }
    }

    /// After a failed registration: deletes the new blob unless the index references it (a transaction can fail
    /// after it committed, when the connection drops). In doubt, keeps it for reconciliation.
    func discardIfUnreferenced(_ key: BlobKey, scope: AccessScope) async {
        guard let referenced = try? await index.referencedBlobKeys(among: [key], scope: scope),
            !referenced.contains(key)
        else { return }
        _ = try? await blobs.delete(key, scope: scope)
    }

    private static func next<Input: IngestInput>(_ input: inout Input) async throws(IngestError) -> ByteBuffer? {
        do {
            return try await input.next()
        } catch {
            throw .source(error)
        }
    }

    private static func write(_ chunk: ByteBuffer, to upload: inout BlobUpload) async throws(IngestError) {
        do {
            try await upload.write(chunk)
        } catch {
            throw .blobStore(error)
        }
    }
}
