import Archive
import DICOM
import DICOMCore
import DICOMDictionary
import DICOMImaging
import HTTPTypes
import NIOCore
import Synchronization

/// Reads byte ranges of one stored object: `ArchiveService.content(of:range:context:)` bound to an instance and a
/// caller.
typealias RangeReader = (Range<Int64>) async throws -> ByteBuffer

/// The header of a stored instance (its data set up to Pixel Data) read with ranged reads, and where its Pixel Data
/// value starts in the object.
///
/// PS3.10 §7 / PS3.5 §7.1. The parser is fed 16 KiB, then twice as much each time it needs more; values of
/// `bulkDataThreshold` bytes or more are skipped, not read, and stay in the data set as `.bulkData(.file(…))`
/// references whose offset and length name bytes of the object. A header that needs more than
/// `maximumHeaderBytes` of buffered values is refused.
struct StoredHeader {
    static let bulkDataThreshold: UInt32 = 4096
    static let maximumHeaderBytes: Int64 = 64 << 20

    /// The file up to Pixel Data (the whole file when it has none).
    let file: DICOMFile
    /// The object offset of the Pixel Data value (native) or of its first item (encapsulated); nil without Pixel Data.
    let pixelDataOffset: Int64?
    /// The size of the stored object.
    let size: Int64

    /// Reads the header of an object of `size` bytes through `read`: values of `bulkDataThreshold` bytes or more
    /// are left in the object (`value(of:_:)` reads them), unless `keepsLongValues`. A stored object that does not
    /// parse (it was checked at ingest) is a server fault: 500.
    static func read(size: Int64, _ read: RangeReader, keepsLongValues: Bool = false) async throws -> StoredHeader {
        let options = DICOMReadOptions(
            stopsBeforePixelData: true, bulkDataThreshold: keepsLongValues ? nil : bulkDataThreshold)
        // The path only enables references to byte ranges of the input; it names nothing on disk here.
        var parser = Part10Parser(options: options, filePath: "")
        var buffer = ByteBuffer()
        var bufferStart: Int64 = 0
        var nextRead: Int64 = 0
        var readLength: Int64 = 16 << 10
        do {
            while true {
                let before = buffer.readableBytes
                let step = try parser.parse(&buffer, isEndOfInput: nextRead >= size)
                bufferStart += Int64(before - buffer.readableBytes)
                switch step {
                case .needsMoreInput:
                    guard nextRead < size, nextRead - bufferStart < maximumHeaderBytes else {
                        throw Problem(.internalServerError, "the stored instance's header cannot be read")
                    }
                    var chunk = try await read(nextRead..<min(size, nextRead + readLength))
                    guard chunk.readableBytes > 0 else {
                        throw Problem(.internalServerError, "the stored instance is shorter than recorded")
                    }
                    nextRead += Int64(chunk.readableBytes)
                    readLength = min(readLength * 2, 4 << 20)
                    buffer.discardReadBytes()
                    buffer.writeBuffer(&chunk)
                case .skipInput(let count):
                    bufferStart += Int64(count)
                    nextRead = bufferStart
                    buffer.clear()
                case .finished(let file):
                    return StoredHeader(
                        file: file, pixelDataOffset: file.stoppedBeforePixelData ? bufferStart : nil, size: size)
                }
            }
        } catch let error as DICOMParseError {
            throw Problem(.internalServerError, "the stored instance cannot be read: \(error.code)")
        }
    }

    /// The bytes of a top-level value: in the header, or read from the object when it was left there.
    func value(of element: DataElement, _ read: RangeReader) async throws -> ByteBuffer? {
        switch element.value {
        case .bytes(let bytes): return bytes
        case .bulkData(let reference):
            guard case .file(_, let offset, let length) = reference.location else { return nil }
            return try await StoredFrames.readExactly(Int64(offset)..<Int64(offset + length), read)
        default: return nil
        }
    }
}

/// Where each frame of an instance's Pixel Data lies in the stored object (PS3.5 §8.2 native, §A.4 encapsulated),
/// so that WADO-RS frames and bulk data read those bytes only.
///
/// Native frames are Rows × Columns × Samples per Pixel × Bits Allocated / 8 bytes each, one after the other from
/// the value's start (bit-packed 1-bit data and retired big-endian data are not cut: 406). Encapsulated frames are
/// found from the item headers, read one window at a time: through the Extended Offset Table, else a Basic Offset
/// Table with one entry per frame, else all fragments for a single frame, one fragment per frame, or the fragments
/// that open a code stream (JPEG or JPEG-LS SOI, JPEG 2000 SOC) each starting a frame: the toolkit's
/// `EncapsulatedFrames` rules, which decoding and rendering follow too (otherwise 406).
struct StoredFrames: Sendable {
    let count: Int
    /// The media type of a frame: application/octet-stream for native data, the compressed form's type otherwise.
    let mediaType: String
    /// The Content-Type of each part (with transfer-syntax for compressed data).
    let partContentType: String
    private let layout: Layout

    private enum Layout: Sendable {
        case native(offset: Int64, frameLength: Int64)
        /// The value ranges of each frame's fragments.
        case encapsulated([[Range<Int64>]])
    }

    /// The frames of the instance whose header is `header` (404 when it has no Pixel Data).
    init(_ header: StoredHeader, _ read: RangeReader) async throws {
        guard let offset = header.pixelDataOffset else { throw Problem.notFound("the instance has no pixel data") }
        let dataSet = header.file.dataSet
        let syntax = header.file.transferSyntax
        let frameCount = max(1, (try? dataSet.integerString(.numberOfFrames)) ?? 1)
        guard !syntax.isDeflated else {
            // Offsets in a deflated data set name bytes of the inflated stream, not of the object.
            throw Problem.notAcceptable("frames of a deflated data set are cut from the inflated object")
        }
        if syntax.isEncapsulated {
            let frames = try await Self.encapsulatedFrames(
                at: offset, size: header.size, frameCount: frameCount,
                extendedOffsets: try await Self.extendedOffsets(header, read), read)
            count = frames.count
            layout = .encapsulated(frames)
            let uid = syntax.uid.rawValue
            mediaType = Self.mediaType(transferSyntaxUID: uid)
            partContentType = "\(mediaType); transfer-syntax=\(uid)"
        } else {
            let frameLength = Int64(try Self.nativeFrameLength(dataSet, syntax: syntax))
            count = min(frameCount, Int((header.size - offset) / frameLength))
            layout = .native(offset: offset, frameLength: frameLength)
            mediaType = "application/octet-stream"
            partContentType = mediaType
        }
    }

    /// The length of one native frame: Rows × Columns × Samples per Pixel × Bits Allocated / 8 (406 for bit-packed,
    /// dimensionless or big-endian data).
    static func nativeFrameLength(_ dataSet: DataSet, syntax: TransferSyntax) throws -> Int {
        let rows = Self.us(dataSet, .rows)
        let columns = Self.us(dataSet, .columns)
        let samples = max(1, Self.us(dataSet, .samplesPerPixel))
        let bits = Self.us(dataSet, .bitsAllocated)
        // Bounded so that the frame length cannot overflow, whatever the stored header says.
        guard bits % 8 == 0, (8...64).contains(bits), rows > 0, columns > 0, samples <= 4 else {
            throw Problem.notAcceptable("bit-packed or dimensionless pixel data cannot be cut into frames yet")
        }
        guard syntax.byteOrder == .littleEndian || bits == 8 else {
            throw Problem.notAcceptable("frames of big-endian pixel data are not offered: retrieve the instance")
        }
        return rows * columns * samples * bits / 8
    }

    /// The frames of a deflated data set, whose offsets name bytes of the inflated stream: the object is read whole
    /// and inflated, every time (nothing cached: deflated images are rare, and the cache holds offsets, not pixels).
    static func inflatedFrames(of object: ByteBuffer) throws -> [ByteBuffer] {
        let file: DICOMFile
        do {
            file = try DICOMFile(bytes: object)
        } catch {
            throw Problem(.internalServerError, "the stored instance cannot be read: \(error)")
        }
        guard let pixelData = file.dataSet[.pixelData] else { throw Problem.notFound("the instance has no pixel data") }
        guard case .bytes(let bytes) = pixelData.value else {
            throw Problem.notAcceptable("the pixel data of this deflated instance is not native")
        }
        let frameLength = try nativeFrameLength(file.dataSet, syntax: file.transferSyntax)
        let frameCount = max(1, (try? file.dataSet.integerString(.numberOfFrames)) ?? 1)
        let count = min(frameCount, bytes.readableBytes / frameLength)
        return (0..<count).compactMap { index in
            bytes.getSlice(at: bytes.readerIndex + index * frameLength, length: frameLength)
        }
    }

    /// The byte ranges of frame `number` (1-based, at most `count`).
    func ranges(ofFrame number: Int) -> [Range<Int64>] {
        switch layout {
        case .native(let offset, let frameLength):
            let start = offset + Int64(number - 1) * frameLength
            return [start..<(start + frameLength)]
        case .encapsulated(let frames):
            return frames[number - 1]
        }
    }

    /// The bytes of frame `number`, read from the object.
    func frame(_ number: Int, _ read: RangeReader) async throws -> ByteBuffer {
        try await Self.read(ranges(ofFrame: number), read)
    }

    /// The bytes of every frame, one after the other (the Pixel Data value as bulk data, fragments joined).
    func allFrames(_ read: RangeReader) async throws -> ByteBuffer {
        try await Self.read((1...max(1, count)).flatMap(ranges(ofFrame:)), read)
    }

    /// The bytes of `ranges` joined, adjacent ranges read together (native frames in one read).
    private static func read(_ ranges: [Range<Int64>], _ read: RangeReader) async throws -> ByteBuffer {
        var merged: [Range<Int64>] = []
        for range in ranges {
            if let last = merged.last, last.upperBound == range.lowerBound {
                merged[merged.count - 1] = last.lowerBound..<range.upperBound
            } else {
                merged.append(range)
            }
        }
        if merged.count == 1, let only = merged.first { return try await readExactly(only, read) }
        var joined = ByteBuffer()
        for range in merged {
            var bytes = try await readExactly(range, read)
            joined.writeBuffer(&bytes)
        }
        return joined
    }

    /// Reads `range`, which the header said the object holds: a shorter answer is a damaged object (500).
    static func readExactly(_ range: Range<Int64>, _ read: RangeReader) async throws -> ByteBuffer {
        let bytes = try await read(range)
        guard bytes.readableBytes == range.count else {
            throw Problem(.internalServerError, "the stored instance is shorter than its header says")
        }
        return bytes
    }

    /// The Extended Offset Table (7FE0,0001), read from the object when it was left there; nil when absent.
    private static func extendedOffsets(_ header: StoredHeader, _ read: RangeReader) async throws -> [UInt64]? {
        guard let element = header.file.dataSet[Tag(rawValue: 0x7FE0_0001)],
            let bytes = try await header.value(of: element, read)
        else { return nil }
        let offsets = try? DataElement(tag: element.tag, vr: .OV, bytes: bytes).integers(as: UInt64.self)
        return offsets?.isEmpty == false ? offsets : nil
    }

    /// Reads the item headers of encapsulated Pixel Data from `offset` (its first item, the Basic Offset Table) to
    /// the sequence delimiter, with the first bytes of each fragment, and groups the fragments into frames by the
    /// toolkit's rules (`EncapsulatedFrames`); frames it cannot place are a 406.
    private static func encapsulatedFrames(
        at offset: Int64, size: Int64, frameCount: Int, extendedOffsets: [UInt64]?, _ read: RangeReader
    ) async throws -> [[Range<Int64>]] {
        var items = ItemHeaderReader(size: size)
        guard let tableLength = try await items.itemLength(at: offset, read), tableLength <= size - offset - 8 else {
            throw damagedPixelData
        }
        let basicTable = tableLength > 0 ? try await readExactly((offset + 8)..<(offset + 8 + tableLength), read) : nil
        var fragments: [Range<Int64>] = []
        var outlines: [FragmentOutline] = []
        var position = offset + 8 + tableLength
        while let length = try await items.itemLength(at: position, read, endsAtDelimiter: true) {
            let start = position + 8
            guard length <= size - start, fragments.count < 1 << 20 else { throw damagedPixelData }
            // The first bytes are in the window that held the item header, but for a header at its very end.
            let leadingBytes = length >= 4 ? try await items.leadingBytes(at: start, read) : nil
            fragments.append(start..<(start + length))
            outlines.append(FragmentOutline(length: Int(length), leadingBytes: leadingBytes))
            position = start + length
        }
        guard !fragments.isEmpty else { throw damagedPixelData }
        let basicOffsets: [UInt64] = basicTable.map { table in
            (0..<(table.readableBytes / 4)).compactMap {
                table.getInteger(at: table.readerIndex + $0 * 4, endianness: .little, as: UInt32.self).map(UInt64.init)
            }
        } ?? []
        do {
            return try EncapsulatedFrames.locate(
                outlines, basicOffsets: basicOffsets, numberOfFrames: frameCount, extendedOffsets: extendedOffsets
            ).map { Array(fragments[$0]) }
        } catch {
            throw Problem.notAcceptable("the frames of this instance cannot be located: \(error.reason)")
        }
    }

    private static func us(_ dataSet: DataSet, _ tag: Tag) -> Int {
        ((try? dataSet[tag]?.integers(as: UInt16.self))?.first).map(Int.init) ?? 0
    }

    /// PS3.18 Table 8.7.3-2 (the image media types of compressed transfer syntaxes).
    static func mediaType(transferSyntaxUID uid: String) -> String {
        switch uid {
        case "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70":
            "image/jpeg"
        case "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81": "image/jls"
        case "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91": "image/jp2"
        case "1.2.840.10008.1.2.4.92", "1.2.840.10008.1.2.4.93": "image/jpx"
        case "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203": "image/jphc"
        case "1.2.840.10008.1.2.5": "image/dicom-rle"
        default: "application/octet-stream"
        }
    }
}

/// Reads the 8-byte item headers of encapsulated Pixel Data (PS3.5 §7.5, always little endian), and the first bytes
/// of each fragment, through a window of the object, so that small fragments cost one read per 64 KiB rather than
/// one per item.
private struct ItemHeaderReader {
    let size: Int64
    private var window = ByteBuffer()
    private var windowStart: Int64 = 0

    init(size: Int64) {
        self.size = size
    }

    /// The value length of the item at `position`; nil at a Sequence Delimitation Item when `endsAtDelimiter`.
    mutating func itemLength(at position: Int64, _ read: RangeReader, endsAtDelimiter: Bool = false) async throws
        -> Int64?
    {
        let at = try await windowIndex(of: position, count: 8, read)
        guard let group = window.getInteger(at: at, endianness: .little, as: UInt16.self),
            let element = window.getInteger(at: at + 2, endianness: .little, as: UInt16.self),
            let length = window.getInteger(at: at + 4, endianness: .little, as: UInt32.self), group == 0xFFFE
        else { throw damagedPixelData }
        if element == 0xE0DD && endsAtDelimiter { return nil }
        guard element == 0xE000, length != 0xFFFF_FFFF else { throw damagedPixelData }
        return Int64(length)
    }

    /// The four bytes at `position`, big-endian.
    mutating func leadingBytes(at position: Int64, _ read: RangeReader) async throws -> UInt32? {
        let at = try await windowIndex(of: position, count: 4, read)
        return window.getInteger(at: at, endianness: .big, as: UInt32.self)
    }

    /// The index in `window` of the byte at `position`, after moving the window there if it does not hold the
    /// `count` bytes from it.
    private mutating func windowIndex(of position: Int64, count: Int64, _ read: RangeReader) async throws -> Int {
        let windowEnd = windowStart + Int64(window.readableBytes)
        if position < windowStart || position + count > windowEnd {
            guard position >= 0, position + count <= size else { throw damagedPixelData }
            window = try await read(position..<min(size, position + (64 << 10)))
            windowStart = position
        }
        guard position + count <= windowStart + Int64(window.readableBytes) else { throw damagedPixelData }
        return window.readerIndex + Int(position - windowStart)
    }
}

private let damagedPixelData = Problem(
    .internalServerError, "the encapsulated pixel data of the stored instance is damaged")

/// Frame tables of recently read instances, by blob key (objects are immutable, so an entry never goes stale; a
/// deleted object's entry is never asked for again). Bounded: emptied when it reaches `capacity` entries.
final class StoredFramesCache: Sendable {
    private let entries = Mutex<[BlobKey: StoredFrames]>([:])
    let capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// The frames of the object under `key`, made by `make` when they are not cached.
    func frames(of key: BlobKey, make: () async throws -> StoredFrames) async throws -> StoredFrames {
        if let cached = entries.withLock({ $0[key] }) { return cached }
        let frames = try await make()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = frames
        }
        return frames
    }
}
