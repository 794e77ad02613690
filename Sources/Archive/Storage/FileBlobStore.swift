import Foundation
import Glibc
public import NIOCore
import Synchronization

/// A blob store in a local folder: one file per object, written atomically and durably.
///
/// Layout under `root`:
/// ```
/// <tenant>/tmp/<name>.tmp       uploads in progress (each locked with flock(2) by its writer)
/// <tenant>/<aa>/<bb>/<name>     committed objects; the key is "<tenant>/<aa>/<bb>/<name>"
/// ```
/// Two levels of 256 shard directories; new objects fill a randomly chosen shard `objectsPerShard` at a time.
/// An upload writes a temporary created with O_EXCL as bytes arrive, then `fdatasync`, `rename` into place and
/// `fsync` of the destination directory (and of every directory it had to create, up to the root): once `commit`
/// returns, the object survives a crash; before, nothing is visible under its key. A crash leaves at most an
/// unlocked temporary, which `removeAbandonedTemporaries` removes: the writer's lock dies with its process, so a
/// temporary whose lock can be taken has no writer (no clock or age heuristics).
///
/// Every system call runs on `BlockingIO` threads: an `fsync` waits milliseconds for the disk and must not hold one
/// of the cooperative pool's few threads. Concurrent uploads' `fdatasync`s then overlap, and the file system's
/// journal commits them together.
public final class FileBlobStore: BlobStore {
    /// The folder of the store.
    public let root: String
    private let io: BlockingIO
    /// Directories known to exist durably (created or found, and their parent synced), relative to `root`.
    private let durableDirectories: Mutex<Set<String>>
    /// The shard directory that new objects of each tenant go to, and how many more it takes before the next.
    private let currentShards: Mutex<[TenantID: (shard: UInt16, remaining: Int)]>
    /// Shared fsyncs of shard directories after renames (group commit for the directory entries of new objects).
    fileprivate let directorySyncs: DirectorySyncs
    /// New objects go to one shard directory, chosen at random, this many at a time: a fresh archive then creates
    /// one directory per this many objects rather than one per object, and objects written together (a study) sit
    /// together. Over time every shard fills evenly, as with a random shard per object.
    public let objectsPerShard: Int

    /// An upload gathers written bytes up to this many before a trip to an I/O thread (its temporary is created
    /// then): most objects (a CT slice, an MR image) cost one trip, for open, write, sync and rename together,
    /// instead of one per network chunk. Memory per upload stays bounded by it.
    public static let coalescedWriteBytes = 1 << 20

    /// A store in `root`, which is created (with its parents) on first use.
    public init(root: String, io: BlockingIO, objectsPerShard: Int = 1024) {
        self.objectsPerShard = max(1, objectsPerShard)
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
        self.io = io
        self.durableDirectories = Mutex([])
        self.currentShards = Mutex([:])
        self.directorySyncs = DirectorySyncs { [io] (path: String) async throws(BlobStoreError) in
            do {
                try await io.run { () throws(BlobStoreError) in try POSIXFile.syncDirectory(path) }
            } catch let error as BlobStoreError {
                throw error
            } catch {
                throw .cancelled
            }
        }
    }

    // MARK: - Uploads

    public func prepare(tenant: TenantID, scope: AccessScope) async throws(BlobStoreError) {
        try check(tenant, in: scope)
        try await run { [self] () throws(BlobStoreError) in try ensureTemporaryArea(of: tenant) }
    }

    public func beginUpload(for tenant: TenantID, scope: AccessScope) async throws(BlobStoreError) -> BlobUpload {
        try check(tenant, in: scope)
        let objectsPerShard = objectsPerShard
        let shard = currentShards.withLock { shards in
            var current = shards[tenant] ?? (UInt16.random(in: 0...UInt16.max), objectsPerShard)
            if current.remaining == 0 { current = (UInt16.random(in: 0...UInt16.max), objectsPerShard) }
            current.remaining -= 1
            shards[tenant] = current
            return current.shard
        }
        return BlobUpload(sink: FileUploadSink(store: self, location: .random(for: tenant, shard: shard)))
    }

    /// Creates the tenant's folder and temporary area if needed, durably.
    fileprivate func ensureTemporaryArea(of tenant: TenantID) throws(BlobStoreError) {
        try ensureDirectory(tenant.rawValue)
        try ensureDirectory(tenant.rawValue + "/" + FileBlobLocation.temporaryDirectory)
    }

    /// Creates a directory (relative to `root`) and its missing parents, each followed by an fsync of its parent,
    /// so that an entry renamed into it afterwards is reachable after a crash.
    fileprivate func ensureDirectory(_ relative: String) throws(BlobStoreError) {
        if durableDirectories.withLock({ $0.contains(relative) }) { return }
        let parentRelative: String?
        if let slash = relative.lastIndex(of: "/") {
            parentRelative = String(relative[..<slash])
        } else {
            parentRelative = nil
        }
        if let parentRelative {
            try ensureDirectory(parentRelative)
        } else {
            try ensureRoot()
        }
        _ = try POSIXFile.makeDirectory(path(relative))
        // Synced even when it existed: another thread may have created it and not synced its parent yet.
        try POSIXFile.syncDirectory(parentRelative.map(path) ?? root)
        durableDirectories.withLock { _ = $0.insert(relative) }
    }

    private func ensureRoot() throws(BlobStoreError) {
        if durableDirectories.withLock({ $0.contains("") }) { return }
        var prefix = root.hasPrefix("/") ? "" : "."
        for component in root.split(separator: "/") {
            let parent = prefix.isEmpty ? "/" : prefix
            prefix += "/" + component
            if try POSIXFile.makeDirectory(prefix) { try POSIXFile.syncDirectory(parent) }
        }
        durableDirectories.withLock { _ = $0.insert("") }
    }

    fileprivate func path(_ relative: String) -> String { root + "/" + relative }

    // MARK: - Reading

    public func read(_ key: BlobKey, scope: AccessScope) async throws(BlobStoreError) -> ByteBuffer {
        let path = try objectPath(of: key, scope: scope)
        return try await run { () throws(BlobStoreError) -> ByteBuffer in
            guard let descriptor = try POSIXFile.openForReadingIfPresent(path) else { throw .notFound(key) }
            defer { POSIXFile.close(descriptor) }
            // Objects are immutable: the size fstat gives is all there is, read into a buffer of exactly that size
            // (asking for more would grow it: a reallocation and a copy of every object).
            let size = Int(try POSIXFile.status(of: descriptor, path: path).st_size)
            var buffer = ByteBuffer()
            buffer.reserveCapacity(size)
            if size > 0 { _ = try POSIXFile.read(descriptor, count: size, into: &buffer, path: path) }
            return buffer
        }
    }

    public func readFramed(
        _ keys: [BlobKey], scope: AccessScope, peek: Int, trailer: ByteBuffer, capacity: Int,
        framing: @escaping @Sendable (_ position: Int, _ size: Int64, _ leading: ByteBuffer, _ output: inout ByteBuffer)
            -> Void
    ) async throws(BlobStoreError) -> ByteBuffer {
        var located: [String] = []
        located.reserveCapacity(keys.count)
        for key in keys { located.append(try objectPath(of: key, scope: scope)) }
        let paths = located
        return try await run { () throws(BlobStoreError) -> ByteBuffer in
            // One object open at a time, so that a batch costs one descriptor however many objects it holds.
            var buffer = ByteBuffer()
            buffer.reserveCapacity(capacity)
            var leading = ByteBuffer()
            for (position, (key, path)) in zip(keys, paths).enumerated() {
                guard let descriptor = try POSIXFile.openForReadingIfPresent(path) else { throw .notFound(key) }
                defer { POSIXFile.close(descriptor) }
                let size = Int(try POSIXFile.status(of: descriptor, path: path).st_size)
                leading.clear()
                if peek > 0 && size > 0 {
                    _ = try POSIXFile.read(descriptor, at: 0, count: min(peek, size), into: &leading, path: path)
                }
                framing(position, Int64(size), leading, &buffer)
                // Objects are immutable: fewer bytes than fstat measured is a damaged store, never a framing that
                // lies about its object's length.
                if size > 0, try POSIXFile.read(descriptor, at: 0, count: size, into: &buffer, path: path) != size {
                    throw .io(operation: "read", path: path, errno: EIO)
                }
            }
            buffer.writeImmutableBuffer(trailer)
            return buffer
        }
    }

    public func read(_ key: BlobKey, range: Range<Int64>, scope: AccessScope) async throws(BlobStoreError)
        -> ByteBuffer
    {
        let path = try objectPath(of: key, scope: scope)
        guard range.lowerBound >= 0 else { throw .io(operation: "pread", path: path, errno: EINVAL) }
        return try await run { () throws(BlobStoreError) -> ByteBuffer in
            guard let descriptor = try POSIXFile.openForReadingIfPresent(path) else { throw .notFound(key) }
            defer { POSIXFile.close(descriptor) }
            // Bounded by the object: a range past its end allocates nothing.
            let size = Int64(try POSIXFile.status(of: descriptor, path: path).st_size)
            let count = max(0, min(range.upperBound, size) - range.lowerBound)
            var buffer = ByteBuffer()
            guard count > 0 else { return buffer }
            _ = try POSIXFile.read(descriptor, at: range.lowerBound, count: Int(count), into: &buffer, path: path)
            return buffer
        }
    }

    public func withChunks<Result: Sendable>(
        of key: BlobKey, chunkSize: Int, scope: AccessScope, _ body: (BlobChunks) async throws -> Result
    ) async throws -> Result {
        let path = try objectPath(of: key, scope: scope)
        let chunkSize = max(4096, chunkSize)
        // The open and the first read share one trip to an I/O thread; a short read is the end of the file (`read`
        // loops until `count` or the end), so an object smaller than a chunk costs that one trip.
        let (descriptor, first) = try await run { () throws(BlobStoreError) -> (Int32, ByteBuffer) in
            guard let descriptor = try POSIXFile.openForReadingIfPresent(path) else { throw .notFound(key) }
            var buffer = ByteBuffer()
            do throws(BlobStoreError) {
                _ = try POSIXFile.read(descriptor, count: chunkSize, into: &buffer, path: path)
            } catch {
                POSIXFile.close(descriptor)
                throw error
            }
            return (descriptor, buffer)
        }
        defer { POSIXFile.close(descriptor) }
        let cursor = Mutex((next: Optional(first), isAtEnd: first.readableBytes < chunkSize))
        let chunks = BlobChunks { [self] () async throws -> ByteBuffer? in
            let (ready, isAtEnd) = cursor.withLock { cursor in
                defer { cursor.next = nil }
                return (cursor.next, cursor.isAtEnd)
            }
            if let ready { return ready.readableBytes > 0 ? ready : nil }
            if isAtEnd { return nil }
            return try await self.run { () throws(BlobStoreError) -> ByteBuffer? in
                var buffer = ByteBuffer()
                let read = try POSIXFile.read(descriptor, count: chunkSize, into: &buffer, path: path)
                if read < chunkSize { cursor.withLock { $0.isAtEnd = true } }
                return read == 0 ? nil : buffer
            }
        }
        return try await body(chunks)
    }

    public func size(of key: BlobKey, scope: AccessScope) async throws(BlobStoreError) -> Int64? {
        let path = try objectPath(of: key, scope: scope)
        return try await run { () throws(BlobStoreError) -> Int64? in
            try POSIXFile.status(path).map { Int64($0.st_size) }
        }
    }

    // MARK: - Deleting

    /// Removes the object, then syncs its directory: a deleted object must not come back after a crash (where
    /// reconciliation would take it for an object waiting to be indexed).
    @discardableResult
    public func delete(_ key: BlobKey, scope: AccessScope) async throws(BlobStoreError) -> Bool {
        let location = try self.location(of: key, scope: scope)
        let path = path(location.relativePath)
        let directory = self.path(location.directory)
        return try await run { () throws(BlobStoreError) -> Bool in
            guard try POSIXFile.unlink(path) else { return false }
            try POSIXFile.syncDirectory(directory)
            return true
        }
    }

    // MARK: - Listing

    public func keys(of tenant: TenantID, after cursor: BlobKey?, limit: Int, scope: AccessScope)
        async throws(BlobStoreError) -> [BlobKey]
    {
        try check(tenant, in: scope)
        var start: FileBlobLocation?
        if let cursor {
            start = try location(of: cursor, scope: scope)
            guard start?.tenant == tenant else { throw .invalidKey(cursor.rawValue) }
        }
        let tenantPath = path(tenant.rawValue)
        let limit = max(1, limit)
        return try await run { [start] () throws(BlobStoreError) -> [BlobKey] in
            var keys: [BlobKey] = []
            let firstShards = try POSIXFile.entries(of: tenantPath).filter(FileBlobLocation.isValidShard).sorted()
            for first in firstShards where first >= (start?.firstShard ?? "") {
                let firstPath = tenantPath + "/" + first
                let secondShards = try POSIXFile.entries(of: firstPath).filter(FileBlobLocation.isValidShard).sorted()
                let sameFirst = first == start?.firstShard
                for second in secondShards where !sameFirst || second >= (start?.secondShard ?? "") {
                    let sameDirectory = sameFirst && second == start?.secondShard
                    let names = try POSIXFile.entries(of: firstPath + "/" + second).filter {
                        FileBlobLocation.isValidName($0) && $0.hasPrefix(first + second)
                            && (!sameDirectory || $0 > (start?.name ?? ""))
                    }.sorted()
                    for name in names {
                        keys.append(BlobKey(rawValue: "\(tenant.rawValue)/\(first)/\(second)/\(name)"))
                        if keys.count == limit { return keys }
                    }
                }
            }
            return keys
        }
    }

    public func temporaries(of tenant: TenantID, scope: AccessScope) async throws(BlobStoreError) -> [BlobTemporary] {
        try await scanTemporaries(of: tenant, removingAbandoned: false, scope: scope)
    }

    public func removeAbandonedTemporaries(of tenant: TenantID, scope: AccessScope) async throws(BlobStoreError)
        -> Int
    {
        try await scanTemporaries(of: tenant, removingAbandoned: true, scope: scope).count(where: \.isAbandoned)
    }

    private func scanTemporaries(of tenant: TenantID, removingAbandoned: Bool, scope: AccessScope)
        async throws(BlobStoreError) -> [BlobTemporary]
    {
        try check(tenant, in: scope)
        let directory = path(tenant.rawValue + "/" + FileBlobLocation.temporaryDirectory)
        return try await run { () throws(BlobStoreError) -> [BlobTemporary] in
            var temporaries: [BlobTemporary] = []
            var removedAny = false
            for name in try POSIXFile.entries(of: directory).sorted() {
                guard name.hasSuffix(FileBlobLocation.temporarySuffix) else { continue }
                let path = directory + "/" + name
                guard let descriptor = try POSIXFile.openForReadingIfPresent(path) else { continue }
                defer { POSIXFile.close(descriptor) }
                let status = try POSIXFile.status(of: descriptor, path: path)
                // A writer holds an exclusive lock from creation to commit or abort; it is released when its process
                // dies. Taking it here means nobody is writing.
                let isAbandoned = try POSIXFile.tryLock(descriptor, exclusive: true, path: path)
                if isAbandoned && removingAbandoned {
                    removedAny = try POSIXFile.unlink(path) || removedAny
                }
                let modified = Date(
                    timeIntervalSince1970: Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9)
                temporaries.append(
                    BlobTemporary(
                        name: name, size: Int64(status.st_size), modifiedAt: modified, isAbandoned: isAbandoned))
            }
            if removedAny { try POSIXFile.syncDirectory(directory) }
            return temporaries
        }
    }

    public func tenants() async throws(BlobStoreError) -> [TenantID] {
        let root = self.root
        return try await run { () throws(BlobStoreError) -> [TenantID] in
            var tenants: [TenantID] = []
            for tenant in try POSIXFile.entries(of: root).compactMap(TenantID.init(rawValue:)).sorted() {
                if let status = try POSIXFile.status(root + "/" + tenant.rawValue), status.st_mode & S_IFMT == S_IFDIR {
                    tenants.append(tenant)
                }
            }
            return tenants
        }
    }

    // MARK: - Keys and scopes

    private func check(_ tenant: TenantID, in scope: AccessScope) throws(BlobStoreError) {
        guard scope.covers(tenant) else { throw .outOfScope(tenant: tenant.rawValue) }
    }

    private func location(of key: BlobKey, scope: AccessScope) throws(BlobStoreError) -> FileBlobLocation {
        guard let location = FileBlobLocation(key: key) else { throw .invalidKey(key.rawValue) }
        try check(location.tenant, in: scope)
        return location
    }

    private func objectPath(of key: BlobKey, scope: AccessScope) throws(BlobStoreError) -> String {
        // A key that parses is exactly its location's relative path (the grammar has one spelling), so the checked
        // key is used as it is rather than spelled again.
        _ = try location(of: key, scope: scope)
        return path(key.rawValue)
    }

    /// Runs blocking work on the I/O threads.
    fileprivate func run<Value: Sendable>(
        _ body: @escaping @Sendable () throws(BlobStoreError) -> Value
    ) async throws(BlobStoreError) -> Value {
        do {
            return try await io.run(body)
        } catch let error as BlobStoreError {
            throw error
        } catch {
            throw .cancelled
        }
    }
}

/// The file store's side of an upload: the temporary, its descriptor and lock, and the commit protocol.
private final class FileUploadSink: BlobUploadSink {
    private enum Phase {
        case writing
        /// Renamed into place, directory not yet synced: an abort must remove the object.
        case renamed
        case finished
    }

    private struct State {
        /// -1 until the first write opens the temporary, and after it is closed.
        var descriptor: Int32 = -1
        var phase: Phase = .writing
        /// Bytes received but not yet written: written together once they reach `coalescedBytes`, or at commit.
        var pending: [ByteBuffer] = []
        var pendingBytes = 0
    }

    private let store: FileBlobStore
    private let location: FileBlobLocation
    private let temporaryPath: String
    private let state = Mutex(State())

    init(store: FileBlobStore, location: FileBlobLocation) {
        self.store = store
        self.location = location
        self.temporaryPath = store.path(
            location.tenant.rawValue + "/" + FileBlobLocation.temporaryDirectory + "/" + location.temporaryName)
    }

    func write(_ bytes: ByteBuffer) async throws(BlobStoreError) {
        let isFull = try state.withLock { (state: inout State) throws(BlobStoreError) -> Bool in
            guard state.phase == .writing else { throw .uploadFailed("the upload has ended") }
            state.pending.append(bytes)
            state.pendingBytes += bytes.readableBytes
            return state.pendingBytes >= FileBlobStore.coalescedWriteBytes
        }
        guard isFull else { return }
        try await store.run { [self] () throws(BlobStoreError) in
            try state.withLock { (state: inout State) throws(BlobStoreError) in try writePending(&state) }
        }
    }

    /// Opens the temporary if needed and writes the gathered bytes.
    private func writePending(_ state: inout State) throws(BlobStoreError) {
        try openIfNeeded(&state)
        for bytes in state.pending {
            try POSIXFile.writeAll(state.descriptor, bytes, path: temporaryPath)
        }
        state.pending.removeAll(keepingCapacity: true)
        state.pendingBytes = 0
    }

    /// Creates the temporary (O_EXCL: never an existing file) and takes its writer's lock.
    private func openIfNeeded(_ state: inout State) throws(BlobStoreError) {
        guard state.phase == .writing else { throw .uploadFailed("the upload has ended") }
        guard state.descriptor < 0 else { return }
        try store.ensureTemporaryArea(of: location.tenant)
        let descriptor = try POSIXFile.open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL, mode: 0o640)
        do throws(BlobStoreError) {
            guard try POSIXFile.tryLock(descriptor, exclusive: true, path: temporaryPath) else {
                throw BlobStoreError.uploadFailed("the new temporary \(location.temporaryName) is locked")
            }
        } catch {
            POSIXFile.close(descriptor)
            _ = try? POSIXFile.unlink(temporaryPath)
            throw error
        }
        state.descriptor = descriptor
    }

    func commit(size: Int64, sha256: String) async throws(BlobStoreError) -> CommittedBlob {
        let directory = location.directory
        let finalPath = store.path(location.relativePath)
        try await store.run { [self] () throws(BlobStoreError) in
            try state.withLock { (state: inout State) throws(BlobStoreError) in
                try writePending(&state)
                try POSIXFile.syncData(state.descriptor, path: temporaryPath)
                try store.ensureDirectory(directory)
                // 128 random bits never collide in practice; refuse rather than replace if they ever do.
                guard try POSIXFile.status(finalPath) == nil else {
                    throw BlobStoreError.uploadFailed("an object named \(location.name) exists")
                }
                // Renamed while still locked, so that no reconciliation takes it for abandoned meanwhile.
                try POSIXFile.rename(temporaryPath, to: finalPath)
                state.phase = .renamed
            }
        }
        // The directory entry is durable once the directory is synced after the rename: concurrent uploads into
        // this shard share that sync. Until then an abort removes the object (phase `.renamed`).
        try await store.directorySyncs.sync(store.path(directory))
        state.withLock { state in
            POSIXFile.close(state.descriptor)
            state.descriptor = -1
            state.phase = .finished
        }
        return CommittedBlob(key: location.key, size: size, sha256: sha256)
    }

    func abort() async {
        do {
            try await store.run { [self] () throws(BlobStoreError) in cleanUp() }
        } catch {
            cleanUp()
        }
    }

    func abandon() {
        cleanUp()
    }

    /// Closes and removes the temporary, or the object if it was renamed but not made durable.
    private func cleanUp() {
        let finalPath = store.path(location.relativePath)
        state.withLock { state in
            state.pending.removeAll()
            state.pendingBytes = 0
            if state.descriptor >= 0 {
                POSIXFile.close(state.descriptor)
                state.descriptor = -1
            }
            switch state.phase {
            case .writing: _ = try? POSIXFile.unlink(temporaryPath)
            case .renamed: _ = try? POSIXFile.unlink(finalPath)
            case .finished: break
            }
            state.phase = .finished
        }
    }
}
