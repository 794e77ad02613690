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
    /// is not Part 10 or its meta group lacks a UID.
    public init(bytes: ByteBuffer) throws {
        var buffer = bytes
        guard buffer.readableBytes >= 132, buffer.getString(at: buffer.readerIndex + 128, length: 4) == "DICM" else {
            throw DICOMNetworkError(.invalidParameter, "not a DICOM Part 10 file (no DICM prefix)")
        }
        buffer.moveReaderIndex(forwardBy: 132)
        var values: [UInt16: String] = [:]
        while let group = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: UInt16.self), group == 0x0002 {
            guard let element = buffer.getInteger(at: buffer.readerIndex + 2, endianness: .little, as: UInt16.self),
                let vr = buffer.getString(at: buffer.readerIndex + 4, length: 2)
            else { break }
            let longForm = ["OB", "OW", "OF", "SQ", "UT", "UN", "UC", "UR", "OD", "OL", "OV", "SV", "UV"].contains(vr)
            let length: Int
            let headerLength: Int
            if longForm {
                guard let value = buffer.getInteger(at: buffer.readerIndex + 8, endianness: .little, as: UInt32.self) else { break }
                (length, headerLength) = (Int(value), 12)
            } else {
                guard let value = buffer.getInteger(at: buffer.readerIndex + 6, endianness: .little, as: UInt16.self) else { break }
                (length, headerLength) = (Int(value), 8)
            }
            guard buffer.readableBytes >= headerLength + length else {
                throw DICOMNetworkError(.invalidParameter, "file meta information truncated")
            }
            buffer.moveReaderIndex(forwardBy: headerLength)
            if vr == "UI", let text = buffer.readString(length: length) {
                values[element] = String(text.utf8.prefix { $0 != 0 && $0 != UInt8(ascii: " ") }.map { Character(Unicode.Scalar($0)) })
            } else {
                buffer.moveReaderIndex(forwardBy: length)
            }
        }
        guard let sopClass = values[0x0002], let sopInstance = values[0x0003], let syntax = values[0x0010] else {
            throw DICOMNetworkError(.invalidParameter, "file meta information without SOP class, instance or transfer syntax UID")
        }
        self.sopClassUID = UID(sopClass)
        self.sopInstanceUID = UID(sopInstance)
        self.transferSyntax = UID(syntax)
        self.dataSetOffset = buffer.readerIndex - bytes.readerIndex
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
