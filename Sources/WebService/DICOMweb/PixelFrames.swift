import DICOM
import DICOMCore
import DICOMDictionary
import NIOCore

/// The frames of an instance's Pixel Data (PS3.5 §8.2 native, §A.4 encapsulated), for WADO-RS frame retrieval.
///
/// Native data is cut into frames of Rows × Columns × Samples per Pixel × Bits Allocated / 8 bytes (bit-packed
/// 1-bit data is not cut: 406). Encapsulated data gives one fragment per frame when the counts agree, the fragments
/// between Basic Offset Table entries otherwise, or all fragments for a single frame.
struct PixelFrames {
    let count: Int
    /// The media type of a frame: application/octet-stream for native data, the compressed form's type otherwise.
    let mediaType: String
    /// The Content-Type of each part (with transfer-syntax for compressed data).
    let partContentType: String
    private let native: (bytes: ByteBuffer, frameLength: Int)?
    private let fragments: [ByteBuffer]
    private let offsets: [UInt32]

    init(_ file: DICOMFile) throws {
        guard let pixelData = file.dataSet[.pixelData] else { throw Problem.notFound("the instance has no pixel data") }
        let dataSet = file.dataSet
        let frameCount = max(1, (try? dataSet.integerString(.numberOfFrames)) ?? 1)
        switch pixelData.value {
        case .bytes(let bytes):
            let rows = Self.us(dataSet, .rows)
            let columns = Self.us(dataSet, .columns)
            let samples = max(1, Self.us(dataSet, .samplesPerPixel))
            let bits = Self.us(dataSet, .bitsAllocated)
            guard bits % 8 == 0, rows > 0, columns > 0 else {
                throw Problem.notAcceptable("bit-packed or dimensionless pixel data cannot be cut into frames yet")
            }
            let frameLength = rows * columns * samples * bits / 8
            count = min(frameCount, frameLength > 0 ? bytes.readableBytes / frameLength : 0)
            native = (bytes, frameLength)
            fragments = []
            offsets = []
            mediaType = "application/octet-stream"
            partContentType = mediaType
        case .fragments(let encapsulated):
            count = frameCount
            native = nil
            fragments = encapsulated.fragments
            offsets = encapsulated.basicOffsets
            let uid = file.transferSyntax.uid.rawValue
            mediaType = Self.mediaType(transferSyntaxUID: uid)
            partContentType = "\(mediaType); transfer-syntax=\(uid)"
        default:
            throw Problem.notFound("the pixel data of the instance is not stored in it")
        }
    }

    /// Frame `number` (1-based, at most `count`).
    func frame(_ number: Int) throws -> ByteBuffer {
        if let native {
            return native.bytes.getSlice(at: native.bytes.readerIndex + (number - 1) * native.frameLength, length: native.frameLength)
                ?? ByteBuffer()
        }
        if fragments.count == count { return fragments[number - 1] }
        if count == 1 { return Self.joined(fragments[...]) }
        guard offsets.count == count else {
            throw Problem.notAcceptable("the frames of this multi-frame instance cannot be located without an offset table")
        }
        // Offsets count bytes from the first fragment's item tag; each fragment adds an 8-byte item header.
        var position: UInt32 = 0
        var selected: [ByteBuffer] = []
        let start = offsets[number - 1]
        let end = number < count ? offsets[number] : UInt32.max
        for fragment in fragments {
            if position >= start && position < end { selected.append(fragment) }
            position &+= 8 &+ UInt32(truncatingIfNeeded: fragment.readableBytes)
        }
        return Self.joined(selected[...])
    }

    private static func joined(_ buffers: ArraySlice<ByteBuffer>) -> ByteBuffer {
        var output = ByteBuffer()
        for var buffer in buffers { output.writeBuffer(&buffer) }
        return output
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
