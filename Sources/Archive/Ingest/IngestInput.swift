import Crypto
import Glibc
import NIOCore

/// Where an ingest's bytes come from, one chunk at a time.
protocol IngestInput {
    /// The next chunk, nil at the end.
    mutating func next() async throws -> ByteBuffer?
}

/// Chunks of an async sequence (a PDU stream, a multipart body).
struct AsyncSequenceInput<Iterator: AsyncIteratorProtocol>: IngestInput where Iterator.Element == ByteBuffer {
    var iterator: Iterator

    mutating func next() async throws -> ByteBuffer? {
        try await iterator.next()
    }
}

/// A local file read in chunks on the blocking I/O threads. Opened and closed by `withFile(at:io:chunkSize:_:)`.
struct FileInput: IngestInput, Sendable {
    /// The open file; closed when the scope of `withFile` ends.
    private final class Handle: Sendable {
        let descriptor: Int32
        let path: String

        init(descriptor: Int32, path: String) {
            self.descriptor = descriptor
            self.path = path
        }
    }

    private let handle: Handle
    private let io: BlockingIO
    private let chunkSize: Int
    /// The file's size when it was opened.
    let size: Int64
    /// The first chunk, read with the opening (one trip to the I/O threads instead of two).
    private var firstChunk: ByteBuffer?
    /// Set by a short read: a regular file has nothing more.
    private var isAtEnd: Bool

    private init(handle: Handle, io: BlockingIO, chunkSize: Int, size: Int64, firstChunk: ByteBuffer) {
        self.handle = handle
        self.io = io
        self.chunkSize = chunkSize
        self.size = size
        self.isAtEnd = firstChunk.readableBytes < chunkSize
        self.firstChunk = firstChunk.readableBytes > 0 ? firstChunk : nil
    }

    /// Opens a regular file, runs `body` with its input, and closes it.
    static func withFile<Result>(
        at path: String, io: BlockingIO, chunkSize: Int, _ body: (FileInput) async throws(IngestError) -> Result
    ) async throws(IngestError) -> Result {
        let chunkSize = max(4096, chunkSize)
        let opened: (Int32, Int64, ByteBuffer)
        do {
            opened = try await io.run { () throws(BlobStoreError) -> (Int32, Int64, ByteBuffer) in
                let descriptor = try POSIXFile.open(path, O_RDONLY)
                let status: stat
                do throws(BlobStoreError) {
                    status = try POSIXFile.status(of: descriptor, path: path)
                } catch {
                    POSIXFile.close(descriptor)
                    throw error
                }
                guard status.st_mode & S_IFMT == S_IFREG else {
                    POSIXFile.close(descriptor)
                    throw .io(operation: "open (not a regular file)", path: path, errno: EINVAL)
                }
                var firstChunk = ByteBuffer()
                do throws(BlobStoreError) {
                    _ = try POSIXFile.read(descriptor, count: chunkSize, into: &firstChunk, path: path)
                } catch {
                    POSIXFile.close(descriptor)
                    throw error
                }
                return (descriptor, Int64(status.st_size), firstChunk)
            }
        } catch {
            throw .source(error)
        }
        let input = FileInput(
            handle: Handle(descriptor: opened.0, path: path), io: io, chunkSize: chunkSize, size: opened.1,
            firstChunk: opened.2)
        defer { POSIXFile.close(opened.0) }
        return try await body(input)
    }

    mutating func next() async throws -> ByteBuffer? {
        if let chunk = firstChunk {
            firstChunk = nil
            return chunk
        }
        if isAtEnd { return nil }
        let handle = handle
        let chunkSize = chunkSize
        let chunk = try await io.run { () throws(BlobStoreError) -> ByteBuffer in
            var buffer = ByteBuffer()
            _ = try POSIXFile.read(handle.descriptor, count: chunkSize, into: &buffer, path: handle.path)
            return buffer
        }
        isAtEnd = chunk.readableBytes < chunkSize
        return chunk.readableBytes > 0 ? chunk : nil
    }

    /// The SHA-256 of the whole file (from its start, whatever was read already), lower-case hexadecimal.
    func sha256() async throws -> String {
        let handle = handle
        let chunkSize = chunkSize
        return try await io.run { () throws(BlobStoreError) -> String in
            var hasher = SHA256()
            var offset: off_t = 0
            var buffer = ByteBuffer()
            while true {
                buffer.clear()
                var failure: Int32 = 0
                let read = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: chunkSize) { target in
                    let result = pread(handle.descriptor, target.baseAddress, chunkSize, offset)
                    if result < 0 { failure = errno }
                    return max(result, 0)
                }
                if failure == EINTR { continue }
                if failure != 0 { throw .io(operation: "pread", path: handle.path, errno: failure) }
                if read == 0 { break }
                offset += off_t(read)
                buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            }
            return hasher.finalize().hexString
        }
    }
}
