import DICOM
import DICOMCore
import DICOMImaging
import Testing

/// Every pydicom test file with pixel data, decoded frame by frame and compared with pydicom 3 + pylibjpeg
/// (scripts/pixel-reference.py): bit-exact for lossless syntaxes and for JPEG-LS / JPEG 2000 (the same algorithms
/// as the reference's), within a small error for lossy JPEG (libjpeg-turbo against the reference's libjpeg, whose
/// inverse DCT and upsampling differ).
@Suite struct PydicomReferenceTests {
    /// Files whose frames both decoders decode.
    static let comparedFiles = [
        // native
        "CT_small.dcm", "MR_small.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm", "MR_small_implicit.dcm",
        "MR_small_padded.dcm", "ExplVR_BigEnd.dcm", "SC_rgb_small_odd.dcm", "SC_rgb_small_odd_big_endian.dcm",
        "SC_ybr_full_422_uncompressed.dcm", "SC_rgb_jpeg_dcmd.dcm", "examples_overlay.dcm", "examples_palette.dcm",
        "examples_rgb_color.dcm", "image_dfl.dcm", "liver_1frame.dcm", "liver_expb_1frame.dcm", "rtdose.dcm",
        "rtdose_1frame.dcm", "rtdose_expb.dcm", "rtdose_expb_1frame.dcm",
        // RLE
        "MR_small_RLE.dcm", "SC_rgb_rle.dcm", "SC_rgb_rle_16bit.dcm", "SC_rgb_rle_16bit_2frame.dcm",
        "SC_rgb_rle_2frame.dcm", "SC_rgb_rle_32bit.dcm", "SC_rgb_rle_32bit_2frame.dcm", "rtdose_rle.dcm",
        "rtdose_rle_1frame.dcm",
        // JPEG-LS
        "MR_small_jpeg_ls_lossless.dcm", "JPEGLSNearLossless_08.dcm", "JPEGLSNearLossless_16.dcm",
        "SC_rgb_jls_lossy_line.dcm", "SC_rgb_jls_lossy_sample.dcm",
        // JPEG 2000
        "693_J2KI.dcm", "GDCMJ2K_TextGBR.dcm", "J2K_pixelrep_mismatch.dcm", "JPEG2000.dcm", "MR_small_jp2klossless.dcm",
        "SC_rgb_gdcm_KY.dcm", "examples_jpeg2k.dcm",
        // JPEG baseline (lossy)
        "SC_jpeg_no_color_transform.dcm", "SC_jpeg_no_color_transform_2.dcm", "SC_rgb_dcmtk_+eb+cr.dcm",
        "SC_rgb_dcmtk_+eb+cy+n1.dcm", "SC_rgb_dcmtk_+eb+cy+n2.dcm", "SC_rgb_dcmtk_+eb+cy+np.dcm",
        "SC_rgb_dcmtk_+eb+cy+s2.dcm", "SC_rgb_dcmtk_+eb+cy+s4.dcm", "SC_rgb_jpeg.dcm", "SC_rgb_jpeg_app14_dcmd.dcm",
        "SC_rgb_jpeg_dcmtk.dcm", "SC_rgb_jpeg_lossy_gdcm.dcm", "SC_rgb_small_odd_jpeg.dcm", "examples_ybr_color.dcm",
        // JPEG lossless SV1 and 12-bit extended (the Swift decoder)
        "SC_rgb_jpeg_gdcm.dcm", "JPGExtended.dcm",
    ]

    static let references = PixelTestFiles.referenceDecodes(comparedFiles)

    @Test(arguments: comparedFiles)
    func decodesLikeTheReference(_ name: String) throws {
        let reference = try #require(Self.references[name], "no reference decode for \(name)").get()
        let file = try PixelTestFiles.read(name)
        let pixelData = try PixelData(dataSet: file.dataSet, transferSyntax: file.transferSyntax)
        #expect(pixelData.numberOfFrames == reference.count)
        let lossy = Transcoder.isLossy(file.transferSyntax)
            && file.transferSyntax.uid != TransferSyntax.jpegLSNearLossless.uid
            && file.transferSyntax.uid != TransferSyntax.jpeg2000.uid
        for (index, expected) in reference.enumerated() {
            var frame = try pixelData.frame(at: index)
            if frame.pixelDescription.photometricInterpretation == .ybrFull {
                ColourConversion.ybrFullToRGB(&frame.bytes)
            }
            #expect(frame.bytes.count == expected.bytes.count, "\(name) frame \(index): byte count")
            guard frame.bytes.count == expected.bytes.count else { continue }
            if lossy {
                var total = 0
                var largest = 0
                for (mine, theirs) in zip(frame.bytes, expected.bytes) {
                    let difference = abs(Int(mine) - Int(theirs))
                    total += difference
                    largest = max(largest, difference)
                }
                let mean = Double(total) / Double(frame.bytes.count)
                #expect(mean < 1.5 && largest <= 32, "\(name) frame \(index): mean error \(mean), largest \(largest)")
            } else {
                let differing = zip(frame.bytes, expected.bytes).filter { $0 != $1 }.count
                #expect(differing == 0, "\(name) frame \(index): \(differing) bytes differ from the reference")
            }
        }
    }

    /// A file the reference cannot decode either (its J2K code stream has a sequence delimiter inside), and what
    /// this decoder says. (MR_truncated.dcm, the other, is refused by the Part 10 reader as truncated.)
    @Test func failsAsTheReferenceDoes() throws {
        let file = try PixelTestFiles.read("JPEG2000-embedded-sequence-delimiter.dcm")
        let error = try #require(throws: PixelDataError.self) {
            let pixelData = try PixelData(dataSet: file.dataSet, transferSyntax: file.transferSyntax)
            _ = try pixelData.frame(at: 0)
        }
        #expect(error.code == .corruptCodeStream, "\(error)")
        #expect(error.frame == 0)
    }
}
