public import NIOCore

extension ArchiveService {
    /// Matches a query (C-FIND, QIDO-RS) over what the context may read, as PS3.4 §C.2 describes.
    public func find(_ query: IndexQuery, context: AccessContext) async throws -> IndexQueryResult {
        let scope = try policy.scope(for: context, action: .read)
        return try await index.find(query, scope: scope)
    }

    /// The current versions of the instances that the selector names and the context may read, in study, series,
    /// instance number and SOP Instance UID order (C-MOVE, C-GET, WADO-RS). Empty when nothing matches: another
    /// establishment's data is indistinguishable from no data.
    public func instances(_ selector: InstanceSelector, context: AccessContext) async throws -> [StoredInstance] {
        let scope = try policy.scope(for: context, action: .read)
        return try await index.instances(selector, scope: scope)
    }

    /// Reads a stored instance as received, a chunk at a time (never the whole object in memory), inside `body`.
    ///
    /// The instance must come from `instances(_:context:)` or `find` under a context that may read its tenant; the
    /// blob read is scoped again here, so a `StoredInstance` of another tenant reaches nothing.
    public func withContent<Result: Sendable>(
        of instance: StoredInstance, context: AccessContext, chunkSize: Int? = nil,
        _ body: (BlobChunks) async throws -> Result
    ) async throws -> Result {
        let scope = try policy.scope(for: context, action: .read)
        return try await blobs.withChunks(
            of: instance.object.blobKey, chunkSize: chunkSize ?? configuration.readChunkSize, scope: scope, body)
    }

    /// A stored instance as received, whole in memory: for small objects (a header, a report); use
    /// `withContent(of:context:_:)` for images.
    public func content(of instance: StoredInstance, context: AccessContext) async throws -> ByteBuffer {
        let scope = try policy.scope(for: context, action: .read)
        return try await blobs.read(instance.object.blobKey, scope: scope)
    }

    /// Several stored instances as received, whole, in the order given, read one after another into one buffer
    /// in one read of the blob store, each preceded by the bytes `framing` makes for it (see
    /// `BlobStore.readFramed`): for a run of small objects sent one after another (WADO-RS retrieval of a study of
    /// MR or CR images), framed as multipart parts without copying them.
    ///
    /// - Parameter framingBytes: About how many bytes `framing` adds per instance (reserved with the objects' sizes).
    public func framedContents(
        of instances: ArraySlice<StoredInstance>, context: AccessContext, peek: Int, trailer: ByteBuffer,
        framingBytes: Int,
        framing: @escaping @Sendable (_ position: Int, _ size: Int64, _ leading: ByteBuffer, _ output: inout ByteBuffer)
            -> Void
    ) async throws -> ByteBuffer {
        let scope = try policy.scope(for: context, action: .read)
        // A concrete slice, read in place: through a generic collection from another module, each element was
        // copied (every string retained and released) once for the sum and once for the keys.
        var capacity = trailer.readableBytes
        var keys: [BlobKey] = []
        keys.reserveCapacity(instances.count)
        for index in instances.indices {
            capacity += Int(instances[index].object.size) + framingBytes
            keys.append(instances[index].object.blobKey)
        }
        return try await blobs.readFramed(
            keys, scope: scope, peek: peek, trailer: trailer, capacity: capacity, framing: framing)
    }

    /// The bytes `range` of a stored instance (offsets from the first byte of the object as received): fewer when
    /// the object ends inside the range. For a frame or a bulk value of a large object without reading the rest
    /// (WADO-RS frames and bulk data); scoped like `withContent(of:context:chunkSize:_:)`.
    public func content(of instance: StoredInstance, range: Range<Int64>, context: AccessContext) async throws
        -> ByteBuffer
    {
        let scope = try policy.scope(for: context, action: .read)
        return try await blobs.read(instance.object.blobKey, range: range, scope: scope)
    }
}
