import Archive
import DICOM
import DICOMCore
import DICOMDictionary
import Foundation
import NuageTestSupport
import NIOCore
import Testing

@Suite("Ingest pipeline")
struct IngestTests {
    static let context = ArchiveFixture.context

    @Test("a synthetic instance is stored as received, indexed with its decoded attributes")
    func storesInstance() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            var dataSet = try Synthetic.dataSet(patientName: "Müller^Jürgen", characterSet: "ISO_IR 100")
            try dataSet.setStrings(["Thorax ärztlich"], for: .studyDescription, vr: .LO)
            let bytes = try Synthetic.file(dataSet)
            let result = try await fixture.archive.ingest(
                ChunkSequence(chunks: Synthetic.chunks(bytes, size: 100)), context: Self.context, source: "test")
            #expect(result.disposition == .stored)
            #expect(result.warnings.isEmpty)
            #expect(result.object.size == Int64(bytes.readableBytes))
            #expect(result.object.sha256 == BlobStoreTests.sha256(bytes))
            #expect(result.object.transferSyntaxUID == "1.2.840.10008.1.2.1")
            #expect(try await fixture.blobs.read(result.object.blobKey, scope: fixture.scope()) == bytes)

            let record = try #require(await fixture.index.record(sopInstanceUID: "\(Synthetic.root).1.1.1"))
            #expect(record.attributes.patient.patientName == "Müller^Jürgen")
            #expect(record.attributes.patient.patientID == "PAT-001")
            #expect(record.attributes.patient.patientBirthDate == "19700101")
            #expect(record.attributes.study.studyDescription == "Thorax ärztlich")
            #expect(record.attributes.study.studyDate == "20240131")
            #expect(record.attributes.study.accessionNumber == "ACC1")
            #expect(record.attributes.series.modality == "CT")
            #expect(record.attributes.series.seriesNumber == 7)
            #expect(record.attributes.instance.instanceNumber == 1)
            #expect(record.attributes.instance.sopClassUID == Synthetic.ctImageStorage)
            #expect(record.instance.object == result.object)
            #expect(try await fixture.blobs.temporaries(of: .defaultTenant, scope: fixture.scope()).isEmpty)
        }
    }

    @Test("bytes that are not DICOM are rejected before anything is written")
    func rejectsNonDICOM() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            var text = ByteBuffer()
            text.writeString(String(repeating: "This is a plain text file, not an image.\n", count: 20))
            await #expect {
                _ = try await fixture.archive.ingest(
                    ChunkSequence(chunks: [text]), context: Self.context, source: "test")
            } throws: { error in
                guard let error = error as? IngestError, case .notDICOM = error else { return false }
                return error.isRejection
            }
            await #expect(throws: IngestError.self) {
                _ = try await fixture.archive.ingest(ChunkSequence(chunks: []), context: Self.context, source: "t")
            }
            #expect(try await fixture.allKeys().isEmpty)
            #expect(try await fixture.blobs.temporaries(of: .defaultTenant, scope: fixture.scope()).isEmpty)
        }
    }

    static let invalidObjects: [(String, String)] = [
        ("no SOP Instance UID", "missing SOPInstanceUID"),
        ("no SOP Class UID", "missing SOPClassUID"),
        ("a SOP Instance UID with a leading zero", "invalid SOPInstanceUID"),
        ("a SOP Instance UID with letters", "invalid SOPInstanceUID"),
        ("two Study Instance UIDs", "invalid StudyInstanceUID"),
    ]

    @Test("objects without valid identifying UIDs are rejected and leave nothing", arguments: invalidObjects)
    func rejectsInvalidObjects(_ invalid: (String, String)) async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            var dataSet: DataSet
            switch invalid.0 {
            case "no SOP Instance UID": dataSet = try Synthetic.dataSet(sop: "")
            case "no SOP Class UID": dataSet = try Synthetic.dataSet(sopClass: nil)
            case "a SOP Instance UID with a leading zero": dataSet = try Synthetic.dataSet(sop: "1.2.03.4")
            case "a SOP Instance UID with letters": dataSet = try Synthetic.dataSet(sop: "1.2.abc")
            default:
                dataSet = try Synthetic.dataSet()
                try dataSet.setStrings(["1.2.3", "1.2.4"], for: .studyInstanceUID, vr: .UI)
            }
            let bytes = try Synthetic.file(dataSet)
            await #expect {
                _ = try await fixture.archive.ingest(
                    ChunkSequence(chunks: [bytes]), context: Self.context, source: "test")
            } throws: { error in
                guard let error = error as? IngestError else { return false }
                return error.isRejection && error.description.hasPrefix(invalid.1)
            }
            #expect(try await fixture.allKeys().isEmpty)
            #expect(try await fixture.blobs.temporaries(of: .defaultTenant, scope: fixture.scope()).isEmpty)
        }
    }

    @Test("lenient UID validation accepts leading zeros")
    func lenientUIDs() async throws {
        let configuration = ArchiveConfiguration(uidValidation: .lenient)
        try await ArchiveFixture.with(configuration: configuration) { (fixture: ArchiveFixture) async throws in
            let bytes = try Synthetic.file(Synthetic.dataSet(sop: "1.2.03.4"))
            let result = try await fixture.archive.ingest(
                ChunkSequence(chunks: [bytes]), context: Self.context, source: "test")
            #expect(result.disposition == .stored)
        }
    }

    @Test("an object without Patient ID is filed under its study's placeholder patient, with a warning")
    func missingPatientID() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            let bytes = try Synthetic.file(Synthetic.dataSet(patientID: nil))
            let result = try await fixture.archive.ingest(
                ChunkSequence(chunks: [bytes]), context: Self.context, source: "test")
            #expect(result.disposition == .stored)
            #expect(result.attributes.patient.patientID == "~\(Synthetic.root).1")
            #expect(result.warnings.map(\.code) == [.missingPatientID])
            // The object is stored as received, without the placeholder.
            let stored = try await fixture.blobs.read(result.object.blobKey, scope: fixture.scope())
            #expect(stored == bytes)
        }
    }

    @Test("same bytes again: success and nothing changes; other content: the first is kept, with a warning")
    func duplicatesKeepFirst() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            let first = try Synthetic.file(sop: "\(Synthetic.root).9", pixelValue: 1)
            let stored = try await fixture.archive.ingest(
                ChunkSequence(chunks: [first]), context: Self.context, source: "test")
            let again = try await fixture.archive.ingest(
                ChunkSequence(chunks: [first]), context: Self.context, source: "test")
            #expect(again.disposition == .alreadyStored)
            #expect(again.object == stored.object)
            #expect(try await fixture.allKeys() == [stored.object.blobKey])

            let other = try Synthetic.file(sop: "\(Synthetic.root).9", pixelValue: 2)
            let kept = try await fixture.archive.ingest(
                ChunkSequence(chunks: [other]), context: Self.context, source: "test")
            #expect(kept.disposition == .keptFirst)
            #expect(kept.object == stored.object)
            #expect(kept.warnings.map(\.code) == [.duplicateKeptFirst])
            #expect(try await fixture.allKeys() == [stored.object.blobKey])
            #expect(try await fixture.blobs.read(stored.object.blobKey, scope: fixture.scope()) == first)
            #expect(await fixture.index.count == 1)
        }
    }

    @Test("with the replace policy, other content replaces the stored version, which is kept")
    func duplicatesReplace() async throws {
        let configuration = ArchiveConfiguration(duplicates: .replace)
        try await ArchiveFixture.with(configuration: configuration) { (fixture: ArchiveFixture) async throws in
            let first = try await fixture.archive.ingest(
                ChunkSequence(chunks: [try Synthetic.file(sop: "\(Synthetic.root).9", pixelValue: 1)]),
                context: Self.context, source: "test")
            let second = try await fixture.archive.ingest(
                ChunkSequence(chunks: [try Synthetic.file(sop: "\(Synthetic.root).9", pixelValue: 2)]),
                context: Self.context, source: "test")
            #expect(second.disposition == .replaced)
            #expect(second.object != first.object)
            #expect(second.warnings.map(\.code) == [.replacedPrevious])
            #expect(Set(try await fixture.allKeys()) == [first.object.blobKey, second.object.blobKey])
            let current = try #require(await fixture.index.record(sopInstanceUID: "\(Synthetic.root).9"))
            #expect(current.instance.object == second.object)
        }
    }

    @Test("importing a file twice reads it again but writes nothing the second time")
    func fileReimportSkipsStored() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            let path = fixture.folder + "/one.dcm"
            let bytes = try Synthetic.file(sop: "\(Synthetic.root).5")
            try Data(bytes.readableBytesView).write(to: URL(fileURLWithPath: path))
            let first = try await fixture.archive.ingest(fileAt: path, context: Self.context)
            #expect(first.disposition == .stored)
            let transactions = await fixture.index.transactions.count
            let second = try await fixture.archive.ingest(fileAt: path, context: Self.context)
            #expect(second.disposition == .alreadyStored)
            #expect(second.object == first.object)
            #expect(await fixture.index.transactions.count == transactions)
            #expect(try await fixture.allKeys() == [first.object.blobKey])
        }
    }

    @Test("an object that ends before its pixel data does is rejected")
    func truncatedPixelData() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            let bytes = try Synthetic.file(Synthetic.dataSet(pixelLength: 4096))
            let truncated = try #require(bytes.getSlice(at: bytes.readerIndex, length: bytes.readableBytes - 100))
            await #expect {
                _ = try await fixture.archive.ingest(
                    ChunkSequence(chunks: Synthetic.chunks(truncated, size: 1000)), context: Self.context,
                    source: "test")
            } throws: { error in
                guard let error = error as? IngestError, case .truncated = error else { return false }
                return true
            }
            #expect(try await fixture.allKeys().isEmpty)
        }
    }

    struct RefusingPolicy: AccessPolicy {
        func scope(for context: AccessContext, action: ArchiveAction) throws(AccessDenied) -> AccessScope {
            throw AccessDenied(context: context, action: action, reason: "test")
        }
    }

    @Test("the policy decides whether the tenant accepts data")
    func policyRefuses() async throws {
        try await ArchiveFixture.with(policy: RefusingPolicy()) { (fixture: ArchiveFixture) async throws in
            await #expect {
                _ = try await fixture.archive.ingest(
                    ChunkSequence(chunks: [try Synthetic.file(sop: "1.2.3")]), context: Self.context, source: "t")
            } throws: { error in
                guard let error = error as? IngestError, case .accessDenied = error else { return false }
                return true
            }
            #expect(try await fixture.blobs.tenants().isEmpty)
        }
    }

    @Test("deleting a study removes its rows, then its blobs")
    func deletion() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            for index in 1...3 {
                _ = try await fixture.archive.ingest(
                    ChunkSequence(chunks: [try Synthetic.file(sop: "\(Synthetic.root).1.\(index)")]),
                    context: Self.context, source: "test")
            }
            _ = try await fixture.archive.ingest(
                ChunkSequence(chunks: [try Synthetic.file(sop: "\(Synthetic.root).2.1", study: "\(Synthetic.root).2")]),
                context: Self.context, source: "test")
            #expect(try await fixture.allKeys().count == 4)
            let report = try await fixture.archive.delete(.study(studyInstanceUID: "\(Synthetic.root).1"),
                context: Self.context)
            #expect(report.instances.count == 3)
            #expect(report.blobsDeleted == 3)
            #expect(report.failures.isEmpty)
            #expect(try await fixture.allKeys().count == 1)
            #expect(await fixture.index.count == 1)
            let statistics = try await fixture.archive.statistics(context: Self.context)
            #expect(statistics.first?.instances == 1)
        }
    }

    @Test("reconciliation removes dead temporaries, re-indexes orphans, drops redundant ones, reports missing blobs")
    func reconciliation() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            let scope = try fixture.scope()
            // An orphan: a committed blob whose registration never happened (a crash in between).
            let orphanBytes = try Synthetic.file(sop: "\(Synthetic.root).7.1")
            var upload = try await fixture.blobs.beginUpload(for: .defaultTenant, scope: scope)
            try await upload.write(orphanBytes)
            let orphan = try await upload.commit()
            // A redundant orphan: the same instance stored and indexed already.
            let stored = try await fixture.archive.ingest(
                ChunkSequence(chunks: [try Synthetic.file(sop: "\(Synthetic.root).7.2")]), context: Self.context,
                source: "test")
            var duplicate = try await fixture.blobs.beginUpload(for: .defaultTenant, scope: scope)
            try await duplicate.write(try Synthetic.file(sop: "\(Synthetic.root).7.2"))
            let redundant = try await duplicate.commit()
            // A row whose blob is gone.
            let lost = try await fixture.archive.ingest(
                ChunkSequence(chunks: [try Synthetic.file(sop: "\(Synthetic.root).7.3")]), context: Self.context,
                source: "test")
            try FileManager.default.removeItem(atPath: fixture.path(of: lost.object.blobKey))
            // A blob that is not DICOM at all.
            var junk = try await fixture.blobs.beginUpload(for: .defaultTenant, scope: scope)
            try await junk.write(ByteBuffer(string: String(repeating: "junk ", count: 100)))
            let junkKey = try await junk.commit().key
            // A temporary left by a dead writer.
            let dead = fixture.blobs.root + "/default/tmp/00000000000000000000000000000000.tmp"
            #expect(FileManager.default.createFile(atPath: dead, contents: Data([0])))

            let report = try await fixture.archive.reconcile(context: Self.context)
            #expect(report.temporariesRemoved == 1)
            #expect(report.reindexed == [orphan.key])
            #expect(report.redundantRemoved == [redundant.key])
            #expect(report.unindexable.map(\.key) == [junkKey])
            #expect(report.missingBlobs.map(\.sopInstanceUID) == ["\(Synthetic.root).7.3"])
            let reindexed = try #require(await fixture.index.record(sopInstanceUID: "\(Synthetic.root).7.1"))
            #expect(reindexed.instance.object.sha256 == orphan.sha256)
            #expect(reindexed.instance.object.size == orphan.size)
            #expect(Set(try await fixture.allKeys()) == [orphan.key, stored.object.blobKey, junkKey])
        }
    }

    @Test("verification checks every blob's SHA-256 against the index, and the index against the blobs")
    func verification() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            var results: [IngestResult] = []
            for index in 1...4 {
                results.append(
                    try await fixture.archive.ingest(
                        ChunkSequence(chunks: [try Synthetic.file(sop: "\(Synthetic.root).3.\(index)")]),
                        context: Self.context, source: "test"))
            }
            let clean = try await fixture.archive.verify(context: Self.context)
            #expect(clean.isClean)
            #expect(clean.instancesChecked == 4)
            #expect(clean.bytesChecked == results.reduce(0) { $0 + $1.object.size })

            // Corrupt one byte of one blob (same size), remove another, and orphan a third.
            let corrupted = fixture.path(of: results[0].object.blobKey)
            var data = try Data(contentsOf: URL(fileURLWithPath: corrupted))
            data[data.count - 1] ^= 0xFF
            try data.write(to: URL(fileURLWithPath: corrupted))
            try FileManager.default.removeItem(atPath: fixture.path(of: results[1].object.blobKey))
            await fixture.index.forget(sopInstanceUID: "\(Synthetic.root).3.3")

            let report = try await fixture.archive.verify(context: Self.context)
            #expect(!report.isClean)
            #expect(report.instancesChecked == 3)
            #expect(Set(report.problems.map(\.kind)) == [.checksumMismatch, .missingBlob])
            #expect(report.unindexedBlobs == [results[2].object.blobKey])
        }
    }
}
