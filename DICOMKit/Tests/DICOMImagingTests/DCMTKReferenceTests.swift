import DICOM
import DICOMCore
import DICOMImaging
import Foundation
import Testing

/// 12-bit JPEG Extended, which pydicom's reference decodes for one file only, compared with DCMTK's dcmdjpeg (IJG's
/// 12-bit build; integer IDCT, so a small error is expected against our float IDCT).
@Suite struct DCMTKReferenceTests {
    @Test(arguments: ["JPGExtended.dcm", "JPEG-lossy.dcm"])
    func twelveBitJPEGDecodesLikeDCMTK(_ name: String) throws {
        let source = try #require(PixelTestFiles.path(name))
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("nuage-\(UUID().uuidString).dcm")
        defer { try? FileManager.default.removeItem(at: output) }
        try #require(PixelTestFiles.run(["/usr/bin/dcmdjpeg", source, output.path]) != nil, "dcmdjpeg failed")
        let reference = try DICOMFile(contentsOf: output.path)
        let expected = try PixelData(dataSet: reference.dataSet, transferSyntax: reference.transferSyntax).frame(at: 0)
        let file = try PixelTestFiles.read(name)
        let frame = try PixelData(dataSet: file.dataSet, transferSyntax: file.transferSyntax).frame(at: 0)
        let mine = frame.storedValues()
        let theirs = expected.storedValues()
        try #require(mine.count == theirs.count)
        let errors = zip(mine, theirs).map { abs($0 - $1) }
        let mean = Double(errors.reduce(0, +)) / Double(errors.count)
        #expect(mean < 0.5 && (errors.max() ?? 0) <= 4, "mean \(mean), largest \(errors.max() ?? 0)")
    }
}
