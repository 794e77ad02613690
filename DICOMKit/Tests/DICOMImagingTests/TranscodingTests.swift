import DICOM
import DICOMCore
import DICOMDictionary
import DICOMImaging
import NIOCore
import Testing

/// Transcoding between syntaxes: every lossless path checked bit-exact by decoding the result again, through a
/// Part 10 file written and read back.
@Suite struct TranscodingTests {
    static let sources = [
        "CT_small.dcm", "MR_small_RLE.dcm", "SC_rgb_rle_16bit_2frame.dcm", "MR_small_jpeg_ls_lossless.dcm",
        "MR_small_jp2klossless.dcm", "examples_jpeg2k.dcm", "SC_rgb_jpeg_gdcm.dcm", "rtdose.dcm", "SC_rgb_small_odd.dcm",
        "liver_1frame.dcm", "examples_palette.dcm",
    ]
    static let targets: [TransferSyntax] = [
        .explicitVRLittleEndian, .rleLossless, .jpegLSLossless, .jpeg2000Lossless, .deflatedImageFrame,
    ]

    @Test(arguments: sources)
    func losslessTargetsGiveBackTheSamePixels(_ name: String) throws {
        let file = try PixelTestFiles.read(name)
        let original = try PixelData(dataSet: file.dataSet, transferSyntax: file.transferSyntax)
        let frames = try (0..<original.numberOfFrames).map { try original.frame(at: $0) }
        for target in Self.targets {
            let layout = frames[0].pixelDescription
            if target == .jpegLSLossless && (layout.bitsAllocated > 16 || layout.bitsAllocated == 1) { continue }
            if target == .rleLossless && layout.bitsAllocated == 1 { continue }
            if target == .jpeg2000Lossless && (layout.bitsAllocated == 1 || layout.bitsStored > 24) { continue }
            let transcoded = try Transcoder.transcode(file, to: target)
            #expect(transcoded.transferSyntax == target)
            // Through bytes: write the Part 10 file and read it back.
            let reread = try DICOMFile(bytes: try transcoded.encoded())
            #expect(reread.fileMetaInformation[.transferSyntaxUID]?.bytes.map { String(buffer: $0) }?
                .hasPrefix(target.uid.rawValue) == true)
            let decoded = try PixelData(dataSet: reread.dataSet, transferSyntax: reread.transferSyntax)
            #expect(decoded.numberOfFrames == frames.count, "\(name) → \(target)")
            for (index, frame) in frames.enumerated() {
                let again = try decoded.frame(at: index)
                let differing = zip(again.bytes, frame.bytes).filter { $0 != $1 }.count
                #expect(again.bytes.count == frame.bytes.count && differing == 0, "\(name) → \(target), frame \(index)")
            }
            if target.isEncapsulated && target != file.transferSyntax {
                let fragments = try #require(reread.dataSet[.pixelData]?.fragments)
                #expect(fragments.basicOffsets.count == frames.count)
            }
        }
    }

    @Test func jpeg2000RefusesMoreThan24BitsRatherThanLosingThem() throws {
        let file = try PixelTestFiles.read("rtdose_1frame.dcm")
        let error = try #require(throws: PixelDataError.self) { try Transcoder.transcode(file, to: .jpeg2000Lossless) }
        #expect(error.code == .encodingFailed && error.frame == 0)
    }

    @Test func colourJPEG2000IsLabelledYBRRCTAndLossyHistoryIsKept() throws {
        let file = try PixelTestFiles.read("SC_rgb_small_odd.dcm")
        let j2k = try Transcoder.transcode(file, to: .jpeg2000Lossless)
        #expect(try j2k.dataSet[.photometricInterpretation]?.asciiStrings() == ["YBR_RCT"])
        let jpeg = try PixelTestFiles.read("SC_rgb_jpeg_dcmtk.dcm")
        let native = try Transcoder.transcode(jpeg, to: .explicitVRLittleEndian)
        #expect(try native.dataSet[.lossyImageCompression]?.asciiStrings() == ["01"])
        #expect(try native.dataSet[.photometricInterpretation]?.asciiStrings() == ["RGB"])
        #expect(native.dataSet[.pixelData]?.bytes?.readableBytes == 100 * 100 * 3)
    }

    @Test func rleEncodingMatchesPydicomsSegmentsForItsOwnFile() throws {
        // pydicom's RLE files were encoded by GDCM/pydicom; ours re-encodes to a stream that decodes identically and
        // is no larger than the native data plus headers.
        let file = try PixelTestFiles.read("MR_small_RLE.dcm")
        let rle = try Transcoder.transcode(
            try Transcoder.transcode(file, to: .explicitVRLittleEndian), to: .rleLossless)
        let fragment = try #require(rle.dataSet[.pixelData]?.fragments?.fragments.first)
        #expect(fragment.readableBytes < 64 * 64 * 2)
        #expect(Transcoder.canTranscode(from: .jpegBaseline8Bit, to: .jpeg2000Lossless))
        #expect(!Transcoder.canTranscode(from: .jpegBaseline8Bit, to: TransferSyntax(uid: "1.2.840.10008.1.2.4.100")!))
    }
}
