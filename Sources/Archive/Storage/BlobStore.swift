import Crypto
public import Foundation
public import NIOCore

/// Where the archive keeps the bytes of every instance, exactly as received: local files now, an S3-compatible
/// object store later.
///
/// DESIGN §5. Every call takes an `AccessScope` and refuses keys of tenants outside it. Keys are made by the store
/// when an upload begins (`tenant/aa/bb/<random>`), never from client input, and every key read back (from the
/// index, from a listing) is validated before it names a file or an object, so no input can reach outside the
/// store. Objects are immutable: written once through a `BlobUpload`, read, deleted.
public protocol BlobStore: Sendable {
    /// Makes the tenant's space in the store (idempotent); uploads also make it on first use.
    func prepare(tenant: TenantID, scope: AccessScope) async throws(BlobStoreError)

    /// Starts writing a new object for `tenant`. The upload must be committed or aborted (it is `~Copyable`);
    /// until it commits, nothing is visible under its key.
    func beginUpload(for tenant: TenantID, scope: AccessScope) async throws(BlobStoreError) -> BlobUpload

    /// The whole object in memory (for objects known to be small; use `withChunks` for the others).
    func read(_ key: BlobKey, scope: AccessScope) async throws(BlobStoreError) -> ByteBuffer

    /// Several whole objects, in the order of `keys`, read one after another into one buffer in one trip to the
    /// store's I/O, for runs of objects known to be small that are sent one after another (the images of a study).
    ///
    /// Before each object goes what `framing` writes for it into the buffer, given its position in `keys`, its size
    /// and its first `peek` bytes (fewer for a shorter object); after the last object goes `trailer`. So a caller
    /// frames every object (a multipart part's header, say) without copying the objects. `capacity` is reserved up
    /// front (the objects' sizes as the caller knows them, and the framing); the buffer grows past it if need be.
    /// Throws `notFound` for the first key without an object.
    func readFramed(
        _ keys: [BlobKey], scope: AccessScope, peek: Int, trailer: ByteBuffer, capacity: Int,
        framing: @escaping @Sendable (_ position: Int, _ size: Int64, _ leading: ByteBuffer, _ output: inout ByteBuffer)
            -> Void
    ) async throws(BlobStoreError) -> ByteBuffer

    /// The bytes of the object in `range` (offsets from its first byte): fewer when the object ends inside the
    /// range, none when it ends before. For parts of large objects (a frame, a bulk value) without reading the rest.
    func read(_ key: BlobKey, range: Range<Int64>, scope: AccessScope) async throws(BlobStoreError) -> ByteBuffer

    /// Reads the object as a sequence of chunks of at most `chunkSize` bytes, valid only inside `body`.
    func withChunks<Result: Sendable>(
        of key: BlobKey, chunkSize: Int, scope: AccessScope,
        _ body: (BlobChunks) async throws -> Result
    ) async throws -> Result

    /// The size of the object, or nil when there is none under the key.
    func size(of key: BlobKey, scope: AccessScope) async throws(BlobStoreError) -> Int64?

    /// Removes the object; true when it existed.
    @discardableResult
    func delete(_ key: BlobKey, scope: AccessScope) async throws(BlobStoreError) -> Bool

    /// Up to `limit` keys of the tenant in ascending order, those after `cursor` (nil for the first page); an
    /// empty page ends the listing. For reconciliation and verification.
    func keys(of tenant: TenantID, after cursor: BlobKey?, limit: Int, scope: AccessScope)
        async throws(BlobStoreError) -> [BlobKey]

    /// The tenant's temporaries: uploads in progress, and those that a crash left behind.
    func temporaries(of tenant: TenantID, scope: AccessScope) async throws(BlobStoreError) -> [BlobTemporary]

    /// Removes the temporaries whose upload has ended without a commit or an abort (the writer died); uploads in
    /// progress are left alone. Returns how many were removed.
    func removeAbandonedTemporaries(of tenant: TenantID, scope: AccessScope) async throws(BlobStoreError) -> Int

    /// The tenants that have objects or temporaries in the store.
    func tenants() async throws(BlobStoreError) -> [TenantID]
}

/// A committed object: its key, size and SHA-256, as the store wrote them durably.
public struct CommittedBlob: Hashable, Sendable {
    public var key: BlobKey
    public var size: Int64
    /// SHA-256 of the bytes, lower-case hexadecimal.
    public var sha256: String

    public init(key: BlobKey, size: Int64, sha256: String) {
        self.key = key
        self.size = size
        self.sha256 = sha256
    }
}

/// A temporary object of an upload, as listed by `BlobStore.temporaries(of:scope:)`.
public struct BlobTemporary: Hashable, Sendable {
    /// The temporary's name in the tenant's temporary area.
    public var name: String
    public var size: Int64
    public var modifiedAt: Date
    /// True when no writer holds it any more: a crash left it behind and reconciliation may remove it.
    public var isAbandoned: Bool

    public init(name: String, size: Int64, modifiedAt: Date, isAbandoned: Bool) {
        self.name = name
        self.size = size
        self.modifiedAt = modifiedAt
        self.isAbandoned = isAbandoned
    }
}

/// A blob store operation failed: which, on what, and why.
public enum BlobStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The key is not one this store makes (wrong shape, path characters, unknown tenant).
    case invalidKey(String)
    /// The key or tenant is outside the caller's scope. Answer it as "not found" to outsiders.
    case outOfScope(tenant: String)
    /// No object under the key.
    case notFound(BlobKey)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// The upload was used after it failed, or committed twice.
    case uploadFailed(String)
    /// The work was cancelled before it ran, or the store is shut down.
    case cancelled

    public var description: String {
        switch self {
        case .invalidKey(let key): "invalid blob key \"\(key.prefix(80))\""
        case .outOfScope(let tenant): "blob of tenant \(tenant) is outside the caller's scope"
        case .notFound(let key): "no blob \(key)"
        case .io(let operation, let path, let code): "\(operation) \(path) failed: \(Self.message(for: code))"
        case .uploadFailed(let reason): "upload failed: \(reason)"
        case .cancelled: "blob store operation cancelled"
        }
    }

    private static func message(for code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return "\(String(cString: text)) (errno \(code))"
    }
}

/// The backend side of one upload: where its bytes go. Owned by exactly one `BlobUpload`.
public protocol BlobUploadSink: Sendable {
    /// Appends bytes.
    func write(_ bytes: ByteBuffer) async throws(BlobStoreError)
    /// Makes what was written durable and visible under the sink's key; called once, after the last write.
    func commit(size: Int64, sha256: String) async throws(BlobStoreError) -> CommittedBlob
    /// Discards what was written.
    func abort() async
    /// Last-resort clean-up of an upload dropped without `commit` or `abort` (an error path): must not block for
    /// long. Does nothing after `commit` or `abort`.
    func abandon()
}

/// One object being written: bytes go to a temporary as they arrive, with their SHA-256 computed on the way.
///
/// House rule 11: a must-complete handle. It cannot be copied, and `commit()` or `abort()` consumes it; one dropped
/// on an error path removes its temporary when it is destroyed.
public struct BlobUpload: ~Copyable {
    private let sink: any BlobUploadSink
    private var hasher: SHA256
    /// Bytes written so far.
    public private(set) var size: Int64
    private var failed: BlobStoreError?
    private var finished: Bool

    /// An upload writing into `sink` (for blob store implementations).
    public init(sink: any BlobUploadSink) {
        self.sink = sink
        self.hasher = SHA256()
        self.size = 0
        self.failed = nil
        self.finished = false
    }

    /// Appends bytes. After a failure every later call fails too, and only `abort()` remains.
    public mutating func write(_ bytes: ByteBuffer) async throws(BlobStoreError) {
        if let failed { throw failed }
        guard bytes.readableBytes > 0 else { return }
        bytes.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        size += Int64(bytes.readableBytes)
        do {
            try await sink.write(bytes)
        } catch {
            failed = error
            throw error
        }
    }

    /// Makes the object durable (data and directory entry on disk) and visible under its key, and returns it.
    /// On failure nothing is visible and the temporary is removed.
    public consuming func commit() async throws(BlobStoreError) -> CommittedBlob {
        finished = true
        if let failed {
            await sink.abort()
            throw failed
        }
        let digest = hasher.finalize()
        do {
            return try await sink.commit(size: size, sha256: digest.hexString)
        } catch {
            await sink.abort()
            throw error
        }
    }

    /// Discards the upload: nothing becomes visible, the temporary is removed.
    public consuming func abort() async {
        finished = true
        await sink.abort()
    }

    deinit {
        if !finished { sink.abandon() }
    }
}

/// The chunks of one object, read on demand; valid only inside the `withChunks` call that made it.
public struct BlobChunks: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    private let nextChunk: @Sendable () async throws -> ByteBuffer?

    /// Chunks produced by `nextChunk` until it returns nil (for blob store implementations).
    public init(nextChunk: @escaping @Sendable () async throws -> ByteBuffer?) {
        self.nextChunk = nextChunk
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate let nextChunk: @Sendable () async throws -> ByteBuffer?

        public mutating func next() async throws -> ByteBuffer? {
            try await nextChunk()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(nextChunk: nextChunk)
    }
}

extension Digest {
    /// The digest in lower-case hexadecimal.
    var hexString: String {
        var text = ""
        text.reserveCapacity(Self.byteCount * 2)
        for byte in self {
            text.append(Character(Unicode.Scalar(hexDigits[Int(byte >> 4)])))
            text.append(Character(Unicode.Scalar(hexDigits[Int(byte & 0x0F)])))
        }
        return text
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
