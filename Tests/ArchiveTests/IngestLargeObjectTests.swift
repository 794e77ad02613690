import Archive
import Crypto
import Foundation
import NuageTestSupport
import DICOM
import DICOMCore
import DICOMDictionary
import NIOCore
import Testing

/// A synthetic object generated chunk by chunk, never whole in memory: a Part 10 header, then one long value
/// (Pixel Data or another element), as a network stream would deliver it.
struct GeneratedObject: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    /// The Part 10 encoding of everything before the long value, including the value's element header.
    let prefix: ByteBuffer
    let valueLength: Int
    let chunkSize: Int

    /// A multi-frame image of `frames` 512×512 16-bit frames, Explicit VR Little Endian.
    static func multiFrame(frames: Int, chunkSize: Int) throws -> GeneratedObject {
        var dataSet = try Synthetic.dataSet(pixelLength: 0)
        try dataSet.setStrings([String(frames)], for: .numberOfFrames, vr: .IS)
        dataSet.insert(DataElement(tag: .rows, vr: .US, integers: [UInt16(512)]))
        dataSet.insert(DataElement(tag: .columns, vr: .US, integers: [UInt16(512)]))
        let length = frames * 512 * 512 * 2
        return GeneratedObject(
            prefix: try withLongElementHeader(dataSet, tag: 0x7FE0_0010, vr: "OW", length: length),
            valueLength: length, chunkSize: chunkSize)
    }

    /// An object without pixel data whose header holds one long private value (an encapsulated document's shape).
    static func longPrivateValue(length: Int, chunkSize: Int) throws -> GeneratedObject {
        var dataSet = try Synthetic.dataSet(pixelLength: 0)
        try dataSet.setStrings(["NUAGE TEST"], for: Tag(group: 0x0009, element: 0x0010), vr: .LO)
        return GeneratedObject(
            prefix: try withLongElementHeader(dataSet, tag: 0x0009_1001, vr: "OB", length: length),
            valueLength: length, chunkSize: chunkSize)
    }

    /// The Part 10 encoding of the data set followed by the header of an element with a 4-byte length (PS3.5 §7.1.2),
    /// whose tag must sort after every element of the data set.
    private static func withLongElementHeader(_ dataSet: DataSet, tag: UInt32, vr: String, length: Int) throws
        -> ByteBuffer
    {
        var bytes = try Synthetic.file(dataSet)
        bytes.writeInteger(UInt16(tag >> 16), endianness: .little)
        bytes.writeInteger(UInt16(tag & 0xFFFF), endianness: .little)
        bytes.writeString(vr)
        bytes.writeInteger(UInt16(0), endianness: .little)
        bytes.writeInteger(UInt32(length), endianness: .little)
        return bytes
    }

    var totalLength: Int { prefix.readableBytes + valueLength }

    struct AsyncIterator: AsyncIteratorProtocol {
        let object: GeneratedObject
        let block: ByteBuffer
        var sentPrefix = false
        var remaining: Int

        mutating func next() async throws -> ByteBuffer? {
            if !sentPrefix {
                sentPrefix = true
                return object.prefix
            }
            guard remaining > 0 else { return nil }
            let count = Swift.min(remaining, object.chunkSize)
            remaining -= count
            return block.getSlice(at: block.readerIndex, length: count)
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        var block = ByteBuffer()
        block.writeBytes((0..<chunkSize).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
        return AsyncIterator(object: self, block: block, remaining: valueLength)
    }

    /// The SHA-256 of the whole object, computed by generating it once more.
    func sha256() async throws -> String {
        var hasher = SHA256()
        for try await chunk in self { chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) } }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

@Suite("Ingest of large objects")
struct IngestLargeObjectTests {
    @Test("a 300 MB multi-frame streams through with a header buffer of kilobytes, and verifies")
    func largeMultiFrame() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            let object = try GeneratedObject.multiFrame(frames: 600, chunkSize: 64 * 1024)
            #expect(object.totalLength > 300_000_000)
            let result = try await fixture.archive.ingest(object, context: ArchiveFixture.context, source: "test")
            #expect(result.disposition == .stored)
            #expect(result.object.size == Int64(object.totalLength))
            // The instrument: the header reader never held more than one chunk and the header.
            #expect(result.peakHeaderBytes < 256 * 1024)
            #expect(result.object.sha256 == (try await object.sha256()))
            let size = try await fixture.blobs.size(of: result.object.blobKey, scope: fixture.scope())
            #expect(size == Int64(object.totalLength))
        }
    }

    @Test("a long value before any pixel data is skipped, not buffered")
    func longValueBeforePixelData() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            let object = try GeneratedObject.longPrivateValue(length: 20_000_000, chunkSize: 64 * 1024)
            let result = try await fixture.archive.ingest(object, context: ArchiveFixture.context, source: "test")
            #expect(result.disposition == .stored)
            #expect(result.peakHeaderBytes < 256 * 1024)
            #expect(result.object.size == Int64(object.totalLength))
            #expect(result.attributes.instance.sopInstanceUID == "\(Synthetic.root).1.1.1")
        }
    }

    @Test("a header larger than the limit is rejected rather than buffered")
    func headerLimit() async throws {
        let configuration = ArchiveConfiguration(maximumHeaderBytes: 1 << 20, bulkDataThreshold: .max)
        try await ArchiveFixture.with(configuration: configuration) { (fixture: ArchiveFixture) async throws in
            let object = try GeneratedObject.longPrivateValue(length: 8_000_000, chunkSize: 64 * 1024)
            await #expect {
                _ = try await fixture.archive.ingest(object, context: ArchiveFixture.context, source: "test")
            } throws: { error in
                guard let error = error as? IngestError, case .headerTooLarge = error else { return false }
                return true
            }
            #expect(try await fixture.allKeys().isEmpty)
        }
    }
}

@Suite("Group commit")
struct IngestGroupCommitTests {
    @Test("concurrent ingests share index transactions, and each is acknowledged only once its row is committed")
    func batchesConcurrentRegistrations() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            await fixture.index.setTransactionDelay(.milliseconds(5))
            let archive = fixture.archive
            let index = fixture.index
            let count = 200
            let acknowledged = try await withThrowingTaskGroup(of: Bool.self) { group in
                for number in 0..<count {
                    group.addTask {
                        let sop = "\(Synthetic.root).4.\(number)"
                        let result = try await archive.ingest(
                            ChunkSequence(chunks: [try Synthetic.file(sop: sop)]), context: ArchiveFixture.context,
                            source: "test")
                        // Acknowledged: the row must already be committed.
                        let committed = await index.record(sopInstanceUID: sop)
                        return result.disposition == .stored && committed?.instance.object == result.object
                    }
                }
                var all: [Bool] = []
                for try await ok in group { all.append(ok) }
                return all
            }
            #expect(acknowledged.count == count)
            #expect(acknowledged.allSatisfy { $0 })
            #expect(await index.count == count)
            let transactions = await index.transactions
            #expect(transactions.reduce(0, +) == count)
            #expect(transactions.count < count / 2)
            #expect((transactions.max() ?? 0) > 1)
            let statistics = await archive.groupCommitStatistics()
            #expect(statistics.registrations == count)
            #expect(try await fixture.allKeys().count == count)
        }
    }

    @Test("a registration that fails its batch fails alone; its blob is removed")
    func failureIsIsolated() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            await fixture.index.setTransactionDelay(.milliseconds(5))
            await fixture.index.setFailing(["\(Synthetic.root).5.7"])
            let archive = fixture.archive
            let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
                for number in 0..<20 {
                    group.addTask {
                        let result = try? await archive.ingest(
                            ChunkSequence(chunks: [try Synthetic.file(sop: "\(Synthetic.root).5.\(number)")]),
                            context: ArchiveFixture.context, source: "test")
                        return (number, result != nil)
                    }
                }
                var all: [Int: Bool] = [:]
                for await (number, ok) in group { all[number] = ok }
                return all
            }
            #expect(outcomes.count == 20)
            #expect(outcomes.filter { !$0.value }.map(\.key) == [7])
            #expect(await fixture.index.count == 19)
            #expect(try await fixture.allKeys().count == 19)
        }
    }

    @Test("concurrent arrivals of one instance store it once")
    func concurrentDuplicates() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            await fixture.index.setTransactionDelay(.milliseconds(2))
            let archive = fixture.archive
            let bytes = try Synthetic.file(sop: "\(Synthetic.root).6.1")
            let dispositions = try await withThrowingTaskGroup(of: IngestResult.Disposition.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        try await archive.ingest(
                            ChunkSequence(chunks: [bytes]), context: ArchiveFixture.context, source: "test"
                        ).disposition
                    }
                }
                var all: [IngestResult.Disposition] = []
                for try await disposition in group { all.append(disposition) }
                return all
            }
            #expect(dispositions.count(where: { $0 == .stored }) == 1)
            #expect(dispositions.count(where: { $0 == .alreadyStored }) == 15)
            #expect(try await fixture.allKeys().count == 1)
        }
    }
}
