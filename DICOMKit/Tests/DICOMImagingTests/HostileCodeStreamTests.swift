import DICOM
import DICOMCore
import DICOMDictionary
import DICOMImaging
import NIOCore
import Testing

/// Truncated and corrupted code streams: each a typed error for its frame, never a crash.
@Suite struct HostileCodeStreamTests {
    static let files = [
        "MR_small_RLE.dcm", "SC_rgb_jpeg_dcmtk.dcm", "MR_small_jpeg_ls_lossless.dcm", "MR_small_jp2klossless.dcm",
        "SC_rgb_jpeg_gdcm.dcm", "SC_rgb_gdcm_KY.dcm", "SC_rgb_jls_lossy_sample.dcm",
    ]

    @Test(arguments: files)
    func truncatedAndCorruptedFramesAreTypedErrors(_ name: String) throws {
        let file = try PixelTestFiles.read(name)
        let pixelData = try PixelData(dataSet: file.dataSet, transferSyntax: file.transferSyntax)
        let decoder = try #require(PixelCodecs.decoder(for: file.transferSyntax))
        let frame = try pixelData.encodedFrame(at: 0)
        let bytes = Array(frame.readableBytesView)
        var generator = SplitMix(seed: UInt64(bytes.count))
        var failures = 0
        // Truncations at several points, and random byte overwrites: decoding may succeed with garbage (a flipped
        // bit in entropy-coded data can still decode) but must never trap.
        for cut in [0, 1, 2, 10, bytes.count / 4, bytes.count / 2, bytes.count - 2] where cut < bytes.count {
            do { _ = try decoder.decode(ByteBuffer(bytes: bytes.prefix(cut)), as: pixelData.frameDescription) } catch {
                failures += 1
            }
        }
        for _ in 0..<10 {
            var damaged = bytes
            for _ in 0..<8 {
                damaged[Int(generator.next() % UInt64(damaged.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            _ = try? decoder.decode(ByteBuffer(bytes: damaged), as: pixelData.frameDescription)
        }
        #expect(failures >= 4, "\(name): truncated streams should mostly fail")
    }

    /// A header that claims a huge image is refused before the codec allocates for it.
    @Test(arguments: [("SC_rgb_jpeg_dcmtk.dcm", [UInt8]([0xFF, 0xC0]), 5), ("MR_small_jp2klossless.dcm", [0xFF, 0x51], 6)])
    func forgedImageSizesAreRefusedBeforeDecoding(_ name: String, _ marker: [UInt8], _ sizeOffset: Int) throws {
        let file = try PixelTestFiles.read(name)
        let pixelData = try PixelData(dataSet: file.dataSet, transferSyntax: file.transferSyntax)
        var bytes = Array(try pixelData.encodedFrame(at: 0).readableBytesView)
        let position = try #require(bytes.indices.first { bytes[$0] == marker[0] && bytes[$0 + 1] == marker[1] })
        for index in 0..<(marker[1] == 0x51 ? 8 : 4) { bytes[position + sizeOffset + index] = 0x7F }
        let decoder = try #require(PixelCodecs.decoder(for: file.transferSyntax))
        let error = try #require(throws: PixelDataError.self) {
            try decoder.decode(ByteBuffer(bytes: bytes), as: pixelData.frameDescription)
        }
        #expect(error.code == .mismatchedCodeStream || error.code == .corruptCodeStream, "\(error)")
    }

    @Test func errorsNameTheFrameAndSyntax() throws {
        let file = try PixelTestFiles.read("SC_rgb_rle_2frame.dcm")
        var dataSet = file.dataSet
        var fragments = try #require(dataSet[.pixelData]?.fragments)
        fragments.fragments[1] = fragments.fragments[1].getSlice(at: fragments.fragments[1].readerIndex, length: 70)!
        dataSet[.pixelData] = DataElement(tag: .pixelData, vr: .OB, value: .fragments(fragments))
        let pixelData = try PixelData(dataSet: dataSet, transferSyntax: file.transferSyntax)
        _ = try pixelData.frame(at: 0)
        let error = try #require(throws: PixelDataError.self) { try pixelData.frame(at: 1) }
        #expect(error.code == .corruptCodeStream && error.frame == 1)
        #expect(error.transferSyntax == TransferSyntax.rleLossless.uid)
        #expect(throws: PixelDataError.self) { try pixelData.frame(at: 2) }
    }

    @Test func nativeDataShorterThanItsFramesIsRejected() throws {
        var dataSet = try PixelTestFiles.read("CT_small.dcm").dataSet
        dataSet[.numberOfFrames] = DataElement(tag: .numberOfFrames, vr: .IS, asciiStrings: ["2"])
        let error = try #require(throws: PixelDataError.self) {
            try PixelData(dataSet: dataSet, transferSyntax: .explicitVRLittleEndian)
        }
        #expect(error.code == .missingFrame)
    }

    @Test func framesAreLocatedByOffsetTableOrByScanning() throws {
        let jpeg = Array(try PixelTestFiles.read("SC_rgb_jpeg_dcmtk.dcm").dataSet[.pixelData]!.fragments!.fragments[0]
            .readableBytesView)
        let half = jpeg.count / 2
        let split = [ByteBuffer(bytes: jpeg[..<half]), ByteBuffer(bytes: jpeg[half...])]
        // Two frames of two fragments each, no offset table: found by their SOI markers.
        let scanned = try EncapsulatedFrames.locate(PixelFragments(fragments: split + split), numberOfFrames: 2)
        #expect(scanned == [0..<2, 2..<4])
        // The same through a Basic Offset Table, and through an Extended Offset Table.
        var table = ByteBuffer()
        table.writeInteger(UInt32(0), endianness: .little)
        table.writeInteger(UInt32(16 + jpeg.count), endianness: .little)
        let basic = try EncapsulatedFrames.locate(
            PixelFragments(offsetTable: table, fragments: split + split), numberOfFrames: 2)
        #expect(basic == [0..<2, 2..<4])
        let extended = try EncapsulatedFrames.locate(
            PixelFragments(fragments: split + split), numberOfFrames: 2, extendedOffsets: [0, UInt64(16 + jpeg.count)])
        #expect(extended == [0..<2, 2..<4])
        #expect(throws: PixelDataError.self) {
            try EncapsulatedFrames.locate(PixelFragments(fragments: split + split), numberOfFrames: 2, extendedOffsets: [0, 5])
        }
        #expect(throws: PixelDataError.self) {
            try EncapsulatedFrames.locate(PixelFragments(fragments: split + split + split), numberOfFrames: 2)
        }
    }

    /// The rules applied to outlines alone (length and first bytes), as a reader of object ranges calls them.
    @Test func framesAreLocatedFromFragmentOutlines() throws {
        // SOC counts only followed by SIZ; a fragment under four bytes opens nothing.
        let outlines = [
            FragmentOutline(length: 100, leadingBytes: 0xFF4F_FF51), FragmentOutline(length: 50, leadingBytes: 0xFF4F_0000),
            FragmentOutline(length: 3, leadingBytes: nil), FragmentOutline(length: 80, leadingBytes: 0xFF4F_FF51),
        ]
        #expect(try EncapsulatedFrames.locate(outlines, basicOffsets: [], numberOfFrames: 2) == [0..<3, 3..<4])
        // Offsets count from the first item's tag: 8 + length per fragment (0, 108, 166, 177).
        #expect(try EncapsulatedFrames.locate(outlines, basicOffsets: [0, 166], numberOfFrames: 2) == [0..<2, 2..<4])
        #expect(throws: PixelDataError.self) {
            try EncapsulatedFrames.locate(outlines, basicOffsets: [], numberOfFrames: 3)
        }
        #expect(throws: PixelDataError.self) {
            try EncapsulatedFrames.locate(outlines, basicOffsets: [0, 150], numberOfFrames: 2)
        }
    }
}

/// A small deterministic generator for reproducible damage.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
