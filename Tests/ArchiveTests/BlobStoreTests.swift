import Archive
import Crypto
import Foundation
import NuageTestSupport
import NIOCore
import Testing

@Suite("File blob store")
struct BlobStoreTests {
    static func sha256(_ bytes: ByteBuffer) -> String {
        SHA256.hash(data: Array(bytes.readableBytesView)).map { String(format: "%02x", $0) }.joined()
    }

    static func pattern(_ count: Int, seed: UInt8 = 7) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeBytes((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) })
        return buffer
    }

    @Test("an upload written in chunks commits durably under a key of the store's shape")
    func roundTrip() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            let bytes = Self.pattern(300_000)
            var upload = try await fixture.blobs.beginUpload(for: .defaultTenant, scope: fixture.scope())
            for chunk in Synthetic.chunks(bytes, size: 65_536) { try await upload.write(chunk) }
            let committed = try await upload.commit()
            #expect(committed.size == 300_000)
            #expect(committed.sha256 == Self.sha256(bytes))
            let parts = committed.key.rawValue.split(separator: "/")
            #expect(parts.count == 4)
            #expect(parts[0] == "default")
            #expect(parts[3].hasPrefix(parts[1] + parts[2]))
            #expect(try await fixture.blobs.read(committed.key, scope: fixture.scope(.read)) == bytes)
            #expect(try await fixture.blobs.size(of: committed.key, scope: fixture.scope(.read)) == 300_000)
            var streamed = ByteBuffer()
            let chunkCount = try await fixture.blobs.withChunks(
                of: committed.key, chunkSize: 100_000, scope: fixture.scope(.read)
            ) { chunks in
                var count = 0
                for try await var chunk in chunks {
                    #expect(chunk.readableBytes <= 100_000)
                    streamed.writeBuffer(&chunk)
                    count += 1
                }
                return count
            }
            #expect(streamed == bytes)
            #expect(chunkCount == 3)
            let readScope = try fixture.scope(.read)
            #expect(try await fixture.blobs.read(committed.key, range: 1000..<1500, scope: readScope)
                == bytes.getSlice(at: 1000, length: 500))
            #expect(try await fixture.blobs.read(committed.key, range: 299_990..<400_000, scope: readScope)
                == bytes.getSlice(at: 299_990, length: 10))
            #expect(try await fixture.blobs.read(committed.key, range: 300_000..<Int64.max, scope: readScope).readableBytes == 0)
            #expect(try await fixture.allKeys() == [committed.key])
        }
    }

    @Test("nothing is visible under any key before commit; abort and a dropped upload leave nothing")
    func atomicity() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            let scope = try fixture.scope()
            var upload = try await fixture.blobs.beginUpload(for: .defaultTenant, scope: scope)
            // More than an upload gathers in memory: the temporary exists.
            try await upload.write(Self.pattern(FileBlobStore.coalescedWriteBytes + 10_000))
            #expect(try await fixture.allKeys().isEmpty)
            let inProgress = try await fixture.blobs.temporaries(of: .defaultTenant, scope: scope)
            #expect(inProgress.count == 1)
            #expect(inProgress.first?.isAbandoned == false)
            #expect(try await fixture.blobs.removeAbandonedTemporaries(of: .defaultTenant, scope: scope) == 0)
            await upload.abort()
            #expect(try await fixture.blobs.temporaries(of: .defaultTenant, scope: scope).isEmpty)
            #expect(try await fixture.allKeys().isEmpty)

            // An upload dropped on an error path removes its temporary when it is destroyed.
            func dropAfterWriting() async throws {
                var dropped = try await fixture.blobs.beginUpload(for: .defaultTenant, scope: scope)
                try await dropped.write(Self.pattern(1000))
                _ = consume dropped
            }
            try await dropAfterWriting()
            #expect(try await fixture.blobs.temporaries(of: .defaultTenant, scope: scope).isEmpty)
            #expect(try await fixture.allKeys().isEmpty)
        }
    }

    @Test("an empty object commits")
    func emptyObject() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            let upload = try await fixture.blobs.beginUpload(for: .defaultTenant, scope: fixture.scope())
            let committed = try await upload.commit()
            #expect(committed.size == 0)
            #expect(try await fixture.blobs.read(committed.key, scope: fixture.scope()).readableBytes == 0)
        }
    }

    @Test("temporaries whose writer died are abandoned and removed; live uploads are not")
    func abandonedTemporaries() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            let scope = try fixture.scope()
            var live = try await fixture.blobs.beginUpload(for: .defaultTenant, scope: scope)
            try await live.write(Self.pattern(FileBlobStore.coalescedWriteBytes))
            // What a killed writer leaves: a temporary that nobody holds locked.
            let crashed = fixture.blobs.root + "/default/tmp/0123456789abcdef0123456789abcdef.tmp"
            #expect(FileManager.default.createFile(atPath: crashed, contents: Data([1, 2, 3])))
            let listed = try await fixture.blobs.temporaries(of: .defaultTenant, scope: scope)
            #expect(listed.count == 2)
            #expect(listed.count(where: \.isAbandoned) == 1)
            #expect(try await fixture.blobs.removeAbandonedTemporaries(of: .defaultTenant, scope: scope) == 1)
            #expect(!FileManager.default.fileExists(atPath: crashed))
            try await live.write(Self.pattern(100))
            let committed = try await live.commit()
            #expect(committed.size == Int64(FileBlobStore.coalescedWriteBytes) + 100)
        }
    }

    @Test("several objects are read into one buffer, in the order asked, each after its framing")
    func framedRead() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            let scope = try fixture.scope()
            var keys: [BlobKey] = []
            var contents: [ByteBuffer] = []
            for (index, size) in [70_000, 0, 3, 130_000].enumerated() {
                let bytes = Self.pattern(size, seed: UInt8(index))
                var upload = try await fixture.blobs.beginUpload(for: .defaultTenant, scope: scope)
                try await upload.write(bytes)
                keys.append(try await upload.commit().key)
                contents.append(bytes)
            }
            let readScope = try fixture.scope(.read)
            /// Each object framed by "<position size leading-bytes>", as the framing saw it.
            func framed(_ order: [Int], peek: Int) async throws -> (read: ByteBuffer, expected: ByteBuffer) {
                let read = try await fixture.blobs.readFramed(
                    order.map { keys[$0] }, scope: readScope, peek: peek, trailer: ByteBuffer(string: "END"),
                    capacity: 1000
                ) { position, size, leading, output in
                    output.writeString("<\(position) \(size) \(Array(leading.readableBytesView))>")
                }
                var expected = ByteBuffer()
                for (position, index) in order.enumerated() {
                    let leading = contents[index].getSlice(at: 0, length: min(peek, contents[index].readableBytes))
                    expected.writeString("<\(position) \(contents[index].readableBytes) \(Array(leading?.readableBytesView ?? ByteBuffer().readableBytesView))>")
                    expected.writeImmutableBuffer(contents[index])
                }
                expected.writeString("END")
                return (read, expected)
            }
            for (order, peek) in [([0, 1, 2, 3], 4), ([3, 2, 1, 0], 0), ([2, 2], 8), ([], 4)] {
                let (read, expected) = try await framed(order, peek: peek)
                #expect(read == expected, "order \(order), peek \(peek)")
            }
            try await fixture.blobs.delete(keys[3], scope: scope)
            await #expect(throws: BlobStoreError.notFound(keys[3])) { _ = try await framed([0, 3], peek: 0) }
        }
    }

    @Test("every call is confined to the scope's tenants")
    func tenantScoping() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            let hospital = try #require(TenantID(rawValue: "hospital-a"))
            let clinic = try #require(TenantID(rawValue: "clinic-b"))
            let hospitalScope = try fixture.scope(tenant: hospital)
            let clinicScope = try fixture.scope(tenant: clinic)
            await #expect(throws: BlobStoreError.outOfScope(tenant: "hospital-a")) {
                _ = try await fixture.blobs.beginUpload(for: hospital, scope: clinicScope)
            }
            var upload = try await fixture.blobs.beginUpload(for: hospital, scope: hospitalScope)
            try await upload.write(Self.pattern(64))
            let key = try await upload.commit().key
            await #expect(throws: BlobStoreError.outOfScope(tenant: "hospital-a")) {
                _ = try await fixture.blobs.read(key, scope: clinicScope)
            }
            await #expect(throws: BlobStoreError.outOfScope(tenant: "hospital-a")) {
                _ = try await fixture.blobs.read(key, range: 0..<8, scope: clinicScope)
            }
            await #expect(throws: BlobStoreError.outOfScope(tenant: "hospital-a")) {
                _ = try await fixture.blobs.readFramed(
                    [key], scope: clinicScope, peek: 0, trailer: ByteBuffer(), capacity: 0
                ) { _, _, _, _ in }
            }
            await #expect(throws: BlobStoreError.outOfScope(tenant: "hospital-a")) {
                try await fixture.blobs.delete(key, scope: clinicScope)
            }
            await #expect(throws: BlobStoreError.outOfScope(tenant: "hospital-a")) {
                _ = try await fixture.blobs.keys(of: hospital, after: nil, limit: 10, scope: clinicScope)
            }
            await #expect(throws: BlobStoreError.outOfScope(tenant: "hospital-a")) {
                _ = try await fixture.blobs.temporaries(of: hospital, scope: clinicScope)
            }
            #expect(try await fixture.blobs.keys(of: clinic, after: nil, limit: 10, scope: clinicScope).isEmpty)
            #expect(try await fixture.blobs.read(key, scope: hospitalScope).readableBytes == 64)
            #expect(try await fixture.blobs.tenants() == [hospital])
        }
    }

    static let hostileKeys: [String] = [
        "", "/", "../../etc/passwd", "/etc/passwd", "default", "default/../../../etc/passwd",
        "default/01/23/../../../../etc/passwd", "default/01/23/0123456789abcdef0123456789abcdef/..",
        "default/01/23/0123456789abcdef0123456789abcdef/", "default//23/0123456789abcdef0123456789abcdef",
        "default/01/24/0123456789abcdef0123456789abcdef", "default/ab/23/0123456789abcdef0123456789abcdef",
        "default/01/23/0123456789ABCDEF0123456789ABCDEF", "default/01/23/0123456789abcdef0123456789abcdeg",
        "default/01/23/0123456789abcdef0123456789abcde", "Default/01/23/0123456789abcdef0123456789abcdef",
        "default/01/23/0123456789abcdef0123456789abcdef.tmp", "default/tmp/0123456789abcdef0123456789abcdef.tmp",
        "default/01/23/0123\u{0}456789abcdef0123456789abcdef", "./default/01/23/0123456789abcdef0123456789abcdef",
        "default/01/23/0123456789abcdef0123456789abcdef\n", "..\\..\\windows",
        "other/default/01/23/0123456789abcdef0123456789abcdef", "d\u{E9}fault/01/23/0123456789abcdef0123456789abcdef",
        "/01/23/0123456789abcdef0123456789abcdef", "default/01/23\u{E9}/0123456789abcdef0123456789abcdef",
    ]

    @Test("keys that are not of the store's making are refused", arguments: hostileKeys)
    func hostileKeyIsRefused(_ text: String) async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            let key = BlobKey(rawValue: text)
            let scope = try fixture.scope()
            await #expect(throws: BlobStoreError.invalidKey(text)) {
                _ = try await fixture.blobs.read(key, scope: scope)
            }
            await #expect(throws: BlobStoreError.invalidKey(text)) {
                _ = try await fixture.blobs.size(of: key, scope: scope)
            }
            await #expect(throws: BlobStoreError.invalidKey(text)) {
                _ = try await fixture.blobs.readFramed(
                    [key], scope: scope, peek: 0, trailer: ByteBuffer(), capacity: 0
                ) { _, _, _, _ in }
            }
            await #expect(throws: BlobStoreError.invalidKey(text)) { try await fixture.blobs.delete(key, scope: scope) }
            await #expect(throws: BlobStoreError.invalidKey(text)) {
                _ = try await fixture.blobs.keys(of: .defaultTenant, after: key, limit: 1, scope: scope)
            }
        }
    }

    @Test("listing pages through every key in order, across shard directories, and deletion is reflected")
    func listingAndDeletion() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            let scope = try fixture.scope()
            // Three objects per shard directory: the 40 objects spread over 14 directories.
            let blobs = FileBlobStore(root: fixture.blobs.root, io: fixture.io, objectsPerShard: 3)
            var committed: [BlobKey] = []
            for index in 0..<40 {
                var upload = try await blobs.beginUpload(for: .defaultTenant, scope: scope)
                try await upload.write(Self.pattern(10, seed: UInt8(index)))
                committed.append(try await upload.commit().key)
            }
            #expect(Set(committed.map { $0.rawValue.split(separator: "/")[1...2] }).count > 10)
            var listed: [BlobKey] = []
            var cursor: BlobKey?
            while true {
                let page = try await blobs.keys(of: .defaultTenant, after: cursor, limit: 7, scope: scope)
                guard let last = page.last else { break }
                #expect(page.count <= 7)
                listed += page
                cursor = last
            }
            #expect(listed == committed.sorted())
            #expect(try await blobs.delete(committed[0], scope: scope))
            #expect(try await blobs.delete(committed[0], scope: scope) == false)
            await #expect(throws: BlobStoreError.notFound(committed[0])) {
                _ = try await blobs.read(committed[0], scope: scope)
            }
            #expect(try await fixture.allKeys().count == 39)
        }
    }

    @Test("concurrent uploads all commit with distinct keys")
    func concurrentUploads() async throws {
        try await ArchiveFixture.with { (fixture: ArchiveFixture) async throws in
            let scope = try fixture.scope()
            let blobs = fixture.blobs
            let keys = try await withThrowingTaskGroup(of: CommittedBlob.self) { group in
                for index in 0..<64 {
                    group.addTask {
                        var upload = try await blobs.beginUpload(for: .defaultTenant, scope: scope)
                        try await upload.write(Self.pattern(4096, seed: UInt8(index)))
                        return try await upload.commit()
                    }
                }
                var all: [CommittedBlob] = []
                for try await blob in group { all.append(blob) }
                return all
            }
            #expect(Set(keys.map(\.key)).count == 64)
            for blob in keys {
                #expect(try await blobs.read(blob.key, scope: scope).readableBytes == 4096)
            }
        }
    }
}
