import Archive
import ArchiveCompression
import DICOM
import DICOMCore
import DICOMDictionary
import DICOMImaging
import Foundation
import NIOCore
import NuageTestSupport
import Testing

/// Compression at rest against a real index (SQLite and PostgreSQL), a real file blob store and the real codecs.
@Suite("Compression at rest")
struct CompressionAtRestTests {
    private static let context = AccessContext.system(.alpha, task: "compression-tests")

    @Test("uncompressed images are re-encoded losslessly under their SOP Instance UID; the rest is left as stored",
        arguments: Backend.allCases)
    func compressesImagesBitExact(_ backend: Backend) async throws {
        try await withArchive(backend) { archive, _ in
            let first = try Synthetic.ctImageFile(sop: "2.25.77.1", seed: 1)
            let second = try Synthetic.ctImageFile(sop: "2.25.77.2", seed: 2)
            let noPixels = try Synthetic.file(Synthetic.dataSet(sop: "2.25.77.3", pixelLength: 0))
            for bytes in [first, second, noPixels] {
                _ = try await archive.ingest(ChunkSequence(chunks: [bytes]), context: Self.context, source: "test")
            }
            let before = try await archive.statistics(context: Self.context)[0].bytes
            let beforeSwitch = try await archive.instances(
                .study(studyInstanceUID: "\(Synthetic.root).1"), context: Self.context)

            let report = try await archive.compressAtRest(
                context: Self.context, to: .jpegLS, compressor: LosslessCompressor())
            #expect(report.examined == 3)
            #expect(report.compressed == 2)
            #expect(report.leftAsStored == 1)
            #expect(report.failures.isEmpty)
            #expect(report.bytesBefore == Int64(first.readableBytes + second.readableBytes))
            #expect(report.bytesAfter < report.bytesBefore / 2)

            let stored = try await archive.instances(.study(studyInstanceUID: "\(Synthetic.root).1"), context: Self.context)
            #expect(stored.map(\.sopInstanceUID).sorted() == ["2.25.77.1", "2.25.77.2", "2.25.77.3"])
            for (uid, original) in [("2.25.77.1", first), ("2.25.77.2", second)] {
                let instance = try #require(stored.first { $0.sopInstanceUID == uid })
                #expect(instance.object.transferSyntaxUID == "1.2.840.10008.1.2.4.80")
                let content = try await archive.content(of: instance, context: Self.context)
                let file = try DICOMFile(bytes: content)
                #expect(file.transferSyntax.uid.rawValue == "1.2.840.10008.1.2.4.80")
                #expect(file.dataSet.string(.sopInstanceUID) == uid)
                #expect(try Self.pixels(of: content) == Self.pixels(of: original))
            }
            #expect(stored.first { $0.sopInstanceUID == "2.25.77.3" }?.object.transferSyntaxUID == "1.2.840.10008.1.2.1")

            // A reader that looked an instance up before the switch still finds its original, for the grace
            // period; the originals count as referenced meanwhile, and are deleted once it has passed.
            let retired = try #require(beforeSwitch.first { $0.sopInstanceUID == "2.25.77.1" })
            #expect(try await archive.content(of: retired, context: Self.context) == first)
            #expect(try await archive.verify(context: Self.context).isClean)
            let later = Date().addingTimeInterval(60)
            #expect(try await archive.deleteRetiredBlobs(context: Self.context, grace: .seconds(120), now: later) == 0)
            // As after a crash between deleting an original and forgetting it: the object is already gone, and the
            // record is forgotten all the same.
            let writeScope = try archive.policy.scope(for: Self.context, action: .write)
            #expect(try await archive.blobs.delete(retired.object.blobKey, scope: writeScope))
            #expect(try await archive.deleteRetiredBlobs(context: Self.context, grace: .seconds(30), now: later) == 2)
            #expect(try await archive.deleteRetiredBlobs(context: Self.context, grace: .zero, now: later) == 0)
            await #expect(throws: BlobStoreError.notFound(retired.object.blobKey)) {
                _ = try await archive.content(of: retired, context: Self.context)
            }

            // Counters moved by the difference; totals recorded; originals gone; nothing else left behind.
            let after = try await archive.statistics(context: Self.context)[0].bytes
            #expect(after == before - (report.bytesBefore - report.bytesAfter))
            let totals = try await archive.compressionTotals(context: Self.context)
            #expect(
                totals == [CompressionTotals(
                    tenant: "alpha", instances: 2, bytesBefore: report.bytesBefore, bytesAfter: report.bytesAfter)])
            #expect(try await archive.verify(context: Self.context).isClean)

            let again = try await archive.compressAtRest(
                context: Self.context, to: .jpegLS, compressor: LosslessCompressor())
            #expect(again.compressed == 0)
            #expect(again.examined == 1)
        }
    }

    @Test(
        "a crash before the switch leaves one orphan blob, which reconcile removes, and after it nothing; the image never changes",
        arguments: Backend.allCases, [CompressionStep.compressedBlobCommitted, .indexSwitched])
    func crashBetweenSteps(_ backend: Backend, _ step: CompressionStep) async throws {
        try await withArchive(backend) { archive, _ in
            let original = try Synthetic.ctImageFile(sop: "2.25.78.1", seed: 3)
            _ = try await archive.ingest(ChunkSequence(chunks: [original]), context: Self.context, source: "test")

            await #expect(throws: SimulatedCrash.self) {
                _ = try await archive.compressAtRest(
                    context: Self.context, to: .jpeg2000, compressor: LosslessCompressor(),
                    after: { reached in if reached == step { throw SimulatedCrash() } })
            }
            let instance = try #require(
                try await archive.instances(
                    .instance(studyInstanceUID: nil, seriesInstanceUID: nil, sopInstanceUID: "2.25.78.1"),
                    context: Self.context
                ).first)
            let expectedSyntax = step == .indexSwitched ? "1.2.840.10008.1.2.4.90" : "1.2.840.10008.1.2.1"
            #expect(instance.object.transferSyntaxUID == expectedSyntax)
            #expect(try Self.pixels(of: try await archive.content(of: instance, context: Self.context)) == Self.pixels(of: original))
            // After the switch the original is retired, not orphaned: it counts as referenced until deleted.
            let orphans = step == .indexSwitched ? 0 : 1
            let interrupted = try await archive.verify(context: Self.context)
            #expect(interrupted.problems.isEmpty)
            #expect(interrupted.unindexedBlobs.count == orphans)

            let reconciled = try await archive.reconcile(context: Self.context)
            #expect(reconciled.redundantRemoved.count == orphans)
            #expect(reconciled.isConsistent)
            #expect(try await archive.verify(context: Self.context).isClean)

            let resumed = try await archive.compressAtRest(
                context: Self.context, to: .jpeg2000, compressor: LosslessCompressor())
            #expect(resumed.compressed == (step == .indexSwitched ? 0 : 1))
            let final = try #require(
                try await archive.instances(.study(studyInstanceUID: "\(Synthetic.root).1"), context: Self.context).first)
            #expect(final.object.transferSyntaxUID == "1.2.840.10008.1.2.4.90")
            #expect(try Self.pixels(of: try await archive.content(of: final, context: Self.context)) == Self.pixels(of: original))
            #expect(try await archive.verify(context: Self.context).isClean)
            #expect(try await archive.deleteRetiredBlobs(context: Self.context, grace: .zero, now: Date().addingTimeInterval(1)) == 1)
            #expect(try await archive.verify(context: Self.context).isClean)
        }
    }

    @Test("only tenants that opted in are compressed, each in its own syntax", arguments: Backend.allCases)
    func onlyOptedInTenants(_ backend: Backend) async throws {
        try await withArchive(backend) { archive, directory in
            try await directory.createTenant(TenantRecord(id: .alpha, name: "Alpha", compression: .rle))
            try await directory.createTenant(TenantRecord(id: .beta, name: "Beta"))
            #expect(try await directory.tenant(.alpha)?.compression == .rle)
            #expect(try await directory.tenant(.beta)?.compression == CompressionAtRest.none)
            let unknown = await #expect(throws: DirectoryError.self) {
                try await directory.setCompression(.jpegLS, of: TenantID(rawValue: "gamma") ?? .alpha)
            }
            #expect(unknown?.code == .notFound)

            let betaContext = AccessContext.system(.beta, task: "compression-tests")
            for (context, sop) in [(Self.context, "2.25.79.1"), (betaContext, "2.25.79.2")] {
                _ = try await archive.ingest(
                    ChunkSequence(chunks: [try Synthetic.ctImageFile(sop: sop, seed: 4)]), context: context, source: "test")
            }
            let selectorBefore = InstanceSelector.study(studyInstanceUID: "\(Synthetic.root).1")
            let alphaBefore = try await archive.instances(selectorBefore, context: Self.context)
            let pass = CompressionPass(archive: archive, directory: directory)
            let outcomes = try await pass.run()
            #expect(outcomes.map(\.tenant.id) == [.alpha])
            #expect(outcomes.first?.report.compressed == 1)
            let selector = InstanceSelector.study(studyInstanceUID: "\(Synthetic.root).1")
            #expect(try await archive.instances(selector, context: Self.context).map(\.object.transferSyntaxUID) == ["1.2.840.10008.1.2.5"])
            #expect(try await archive.instances(selector, context: betaContext).map(\.object.transferSyntaxUID) == ["1.2.840.10008.1.2.1"])

            try await directory.setCompression(.jpegLS, of: .beta)
            #expect(try await pass.run().map(\.report.compressed) == [0, 1])
            // Each pass deletes the originals whose grace has passed, also those of a tenant that has opted out
            // since; within the grace they stay.
            try await directory.setCompression(.none, of: .alpha)
            let alphaOriginal = try #require(alphaBefore.first)
            #expect(try await pass.run().map(\.tenant.id) == [.beta])
            #expect(try await archive.content(of: alphaOriginal, context: Self.context).readableBytes > 0)
            let impatient = CompressionPass(archive: archive, directory: directory, retiredBlobGrace: .zero)
            #expect(try await impatient.run().map(\.tenant.id) == [.beta])
            await #expect(throws: BlobStoreError.notFound(alphaOriginal.object.blobKey)) {
                _ = try await archive.content(of: alphaOriginal, context: Self.context)
            }
            #expect(try await archive.verify(context: Self.context).isClean)
            #expect(try await archive.verify(context: betaContext).isClean)
            #expect(try await archive.instances(selector, context: betaContext).map(\.object.transferSyntaxUID) == ["1.2.840.10008.1.2.4.80"])
        }
    }

    @Test("samples the codec cannot reproduce (bits above Bits Stored) stay as stored")
    func leavesWhatCannotRoundTrip() async throws {
        try await withArchive(.sqlite) { archive, _ in
            // Bits Stored 12, but values use all 16 bits: a 12-bit JPEG-LS stream cannot hold them.
            let original = try Synthetic.ctImageFile(sop: "2.25.80.1", seed: 5, highBits: true)
            _ = try await archive.ingest(ChunkSequence(chunks: [original]), context: Self.context, source: "test")
            let report = try await archive.compressAtRest(
                context: Self.context, to: .jpegLS, compressor: LosslessCompressor())
            #expect(report.compressed == 0)
            #expect(report.leftAsStored + report.failures.count == 1)
            let instance = try #require(
                try await archive.instances(.study(studyInstanceUID: "\(Synthetic.root).1"), context: Self.context).first)
            #expect(instance.object.transferSyntaxUID == "1.2.840.10008.1.2.1")
            #expect(try await archive.content(of: instance, context: Self.context) == original)
            #expect(try await archive.verify(context: Self.context).isClean)
        }
    }

    // MARK: Support

    private struct SimulatedCrash: Error {}

    /// An archive over a fresh index of the backend and a file blob store in a temporary folder, and the
    /// directory in the index's database.
    private func withArchive(
        _ backend: Backend, _ body: (ArchiveService, SQLDirectoryStore) async throws -> Void
    ) async throws {
        try await withIndexStore(backend) { index in
            try await withTemporaryFolder { folder in
                try await BlockingIO.withBlockingIO(threads: 4) { io in
                    let blobs = FileBlobStore(root: folder + "/blobs", io: io)
                    try await body(ArchiveService(index: index, blobs: blobs, io: io), SQLDirectoryStore(runner: index))
                }
            }
        }
    }

    /// Every frame's decoded samples.
    static func pixels(of object: ByteBuffer) throws -> [[UInt8]] {
        let file = try DICOMFile(bytes: object)
        let pixelData = try PixelData(dataSet: file.dataSet, transferSyntax: file.transferSyntax)
        return try (0..<pixelData.numberOfFrames).map { try pixelData.frame(at: $0).bytes }
    }
}
