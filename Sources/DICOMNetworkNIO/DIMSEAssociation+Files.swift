import DICOM
import DICOMDictionary
public import DICOMCore
public import DICOMNetwork
import Glibc
public import NIOCore
import NIOPosix

/// The file meta information of a Part 10 file that a C-STORE needs, and where its data set starts.
///
/// PS3.10 §7.1: 128-byte preamble, "DICM", then group 0002 in Explicit VR Little Endian.
public struct Part10Header: Hashable, Sendable {
    public var sopClassUID: UID
    public var sopInstanceUID: UID
    public var transferSyntax: UID
    /// The byte offset of the data set in the file.
    public var dataSetOffset: Int

    /// Reads the header from the first bytes of a file; throws `DICOMNetworkError.invalidParameter` when the file
    /// is not Part 10, its meta group is cut short, or it lacks a UID.
    public init(bytes: ByteBuffer) throws {
        guard bytes.readableBytes >= 132, bytes.getString(at: bytes.readerIndex + 128, length: 4) == "DICM" else {
            throw DICOMNetworkError(.invalidParameter, "not a DICOM Part 10 file (no DICM prefix)")
        }
        guard let offset = try FileMetaInformation.dataSetOffset(in: bytes),
            let metaBytes = bytes.getSlice(at: bytes.readerIndex + 132, length: offset - 132)
        else {
            throw DICOMNetworkError(.invalidParameter, "file meta information truncated")
        }
        let meta = try DataSet(decoding: metaBytes, transferSyntax: TransferSyntax.explicitVRLittleEndian.uid)
        guard let sopClass = meta.string(.mediaStorageSOPClassUID), let sopInstance = meta.string(.mediaStorageSOPInstanceUID),
            let syntax = meta.string(.transferSyntaxUID)
        else {
            throw DICOMNetworkError(.invalidParameter, "file meta information without SOP class, instance or transfer syntax UID")
        }
        self.sopClassUID = UID(sopClass)
        self.sopInstanceUID = UID(sopInstance)
        self.transferSyntax = UID(syntax)
        self.dataSetOffset = offset
    }

    /// Reads the header of the file at `path`.
    public init(contentsOf path: String) async throws {
        let bytes = try await FileChunks.read(path: path, offset: 0, length: 64 * 1024)
        try self.init(bytes: bytes)
    }
}

/// A file's bytes from an offset, read in chunks on NIO's thread pool (never on the cooperative pool).
public struct FileChunks: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    public let path: String
    public let offset: Int
    public let chunkSize: Int

    public init(path: String, offset: Int = 0, chunkSize: Int = 256 * 1024) {
        self.path = path
        self.offset = offset
        self.chunkSize = chunkSize
    }

    public func makeAsyncIterator() -> Iterator { Iterator(path: path, offset: offset, chunkSize: chunkSize) }

    public struct Iterator: AsyncIteratorProtocol {
        let path: String
        var offset: Int
        let chunkSize: Int
        var finished = false

        public mutating func next() async throws -> ByteBuffer? {
            guard !finished else { return nil }
            let chunk = try await FileChunks.read(path: path, offset: offset, length: chunkSize)
            offset += chunk.readableBytes
            if chunk.readableBytes < chunkSize { finished = true }
            return chunk.readableBytes == 0 ? nil : chunk
        }
    }

    /// Up to `length` bytes at `offset` (fewer at the end of the file).
    static func read(path: String, offset: Int, length: Int) async throws -> ByteBuffer {
        try await NIOThreadPool.singleton.runIfActive {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "open \(path)") }
            defer { close(descriptor) }
            var buffer = ByteBuffer()
            buffer.reserveCapacity(length)
            while buffer.readableBytes < length {
                let wanted = length - buffer.readableBytes
                let position = off_t(offset + buffer.readableBytes)
                let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { pointer in
                    Swift.max(0, pread(descriptor, pointer.baseAddress, wanted, position))
                }
                if count == 0 { break }
            }
            return buffer
        }
    }
}

extension DIMSEAssociation {
    /// C-STORE of a Part 10 file: its data set streamed from disk in its own transfer syntax (which must have been
    /// accepted for its SOP class).
    public func storeFile(at path: String, priority: DIMSEPriority = .medium) async throws -> CStoreResponse {
        let header = try await Part10Header(contentsOf: path)
        return try await store(
            sopClassUID: header.sopClassUID, sopInstanceUID: header.sopInstanceUID, transferSyntax: header.transferSyntax,
            dataSet: FileChunks(path: path, offset: header.dataSetOffset), priority: priority)
    }
}
