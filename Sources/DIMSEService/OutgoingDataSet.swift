import Archive
import DICOM
import DICOMCore
import NIOCore

/// The bare data set of a stored instance, as a C-STORE sub-operation sends it: the stored bytes after the
/// preamble and file meta group, streamed; or a transcoded copy in memory.
struct OutgoingDataSet: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    fileprivate enum Source: Sendable {
        case stored(BlobChunks)
        case encoded(ByteBuffer)
    }

    fileprivate let source: Source

    /// The stored object's data set, read as its chunks arrive (the meta group is dropped on the way).
    static func stored(_ chunks: BlobChunks) -> OutgoingDataSet { OutgoingDataSet(source: .stored(chunks)) }

    /// An encoded data set held in memory.
    static func encoded(_ bytes: ByteBuffer) -> OutgoingDataSet { OutgoingDataSet(source: .encoded(bytes)) }

    struct AsyncIterator: AsyncIteratorProtocol {
        private var chunks: BlobChunks.AsyncIterator?
        private var pending: ByteBuffer?
        private var isPastMeta: Bool

        fileprivate init(source: Source) {
            switch source {
            case .stored(let chunks):
                self.chunks = chunks.makeAsyncIterator()
                self.isPastMeta = false
            case .encoded(let bytes):
                self.pending = bytes
                self.isPastMeta = true
            }
        }

        mutating func next() async throws -> ByteBuffer? {
            if let pending {
                self.pending = nil
                return pending
            }
            guard var chunks else { return nil }
            defer { self.chunks = chunks }
            guard !isPastMeta else { return try await chunks.next() }
            // Gather the first chunks until the meta group's end is known (it is bounded: 1 MiB per element).
            var prefix = ByteBuffer()
            while true {
                guard var chunk = try await chunks.next() else {
                    throw DICOMParseError(.truncated, "a stored object ends inside its file meta group")
                }
                prefix.writeBuffer(&chunk)
                if let offset = try FileMetaInformation.dataSetOffset(in: prefix) {
                    isPastMeta = true
                    prefix.moveReaderIndex(forwardBy: offset)
                    return prefix
                }
                guard prefix.readableBytes <= 16 << 20 else {
                    throw DICOMParseError(.limitExceeded, "a stored object's file meta group exceeds 16 MiB")
                }
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: source) }
}
