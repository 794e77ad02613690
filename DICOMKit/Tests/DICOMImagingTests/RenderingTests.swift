import DICOM
import DICOMCore
import DICOMDictionary
import DICOMImaging
import Foundation
import NIOCore
import Testing

/// Rendering compared with scripts/pixel-render-reference.py, which computes the same PS3.3 §C.11 pipeline with
/// numpy from pydicom's stored values; and PNG output decoded by that script's zlib-only PNG reader.
@Suite struct RenderingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var file: String
        var window: (center: Double, width: Double, function: VOIWindow.Function)?
        var testDescription: String { "\(file) \(window.map { "\($0.center)/\($0.width) \($0.function)" } ?? "default")" }
        var argument: String {
            guard let window else { return "\(file),-,-,-" }
            return "\(file),\(window.center),\(window.width),\(window.function.rawValue)"
        }
    }

    static let cases: [Case] = [
        Case(file: "CT_small.dcm", window: (40, 400, .linear)),
        Case(file: "CT_small.dcm", window: (40, 400, .linearExact)),
        Case(file: "CT_small.dcm", window: (40, 400, .sigmoid)),
        Case(file: "CT_small.dcm", window: nil),  // no window: the frame's range
        Case(file: "MR_small.dcm", window: nil),  // the data set's window
        Case(file: "dicomdirtests/77654033/CR1/6154", window: nil),  // MONOCHROME1, rescaled, data set window
        Case(file: "rtdose_1frame.dcm", window: nil),  // 32-bit
        Case(file: "examples_palette.dcm", window: nil),  // PALETTE COLOR
        Case(file: "JPEG2000.dcm", window: (1000, 2000, .linear)),
    ]

    static let expected: [[UInt8]] = {
        guard let directory = PixelTestFiles.pydicomDirectory else { return [] }
        let dump = FileManager.default.temporaryDirectory.appendingPathComponent("nuage-render-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dump, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dump) }
        let script = PixelTestFiles.repositoryRoot.appendingPathComponent("scripts/pixel-render-reference.py").path
        let arguments = cases.map { case_ in
            var withPath = case_
            withPath.file = directory + "/" + case_.file
            return withPath.argument
        }
        guard PixelTestFiles.run(["python3", script, dump.path] + arguments) != nil else { return [] }
        return cases.indices.map { index in
            [UInt8]((try? Data(contentsOf: dump.appendingPathComponent("\(index).raw"))) ?? Data())
        }
    }()

    @Test(arguments: zip(cases, cases.indices))
    func rendersLikeNumpy(_ renderCase: Case, _ index: Int) throws {
        let expected = try #require(Self.expected.count == Self.cases.count ? Self.expected[index] : nil)
        let file = try PixelTestFiles.read(renderCase.file)
        let renderer = try ImageRenderer(dataSet: file.dataSet, transferSyntax: file.transferSyntax)
        let window = try renderCase.window.map { w throws(PixelDataError) in
            try VOIWindow(center: w.center, width: w.width, function: w.function)
        }
        let image = try renderer.render(RenderParameters(window: window))
        #expect(image.pixels.count == expected.count)
        let differences = zip(image.pixels, expected).map { abs(Int($0) - Int($1)) }
        #expect((differences.max() ?? 0) <= 1, "largest difference \(differences.max() ?? 0)")
        let off = differences.filter { $0 != 0 }.count
        #expect(off * 1000 <= max(expected.count, 1), "\(off) of \(expected.count) samples off by one")
    }

    @Test func pngDecodesToTheRenderedPixels() throws {
        let file = try PixelTestFiles.read("examples_palette.dcm")
        for scaled in [false, true] {
            let renderer = try ImageRenderer(dataSet: file.dataSet, transferSyntax: file.transferSyntax)
            let image = try scaled ? renderer.thumbnail(size: 64) : renderer.render()
            let png = try image.pngData()
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("nuage-\(UUID().uuidString).png")
            try Data(png.readableBytesView).write(to: path)
            defer { try? FileManager.default.removeItem(at: path) }
            let script = PixelTestFiles.repositoryRoot.appendingPathComponent("scripts/pixel-render-reference.py").path
            let output = try #require(PixelTestFiles.run(["python3", script, "--png", path.path]))
            let fields = output.split(separator: " ")
            try #require(fields.count == 4)
            #expect(Int(fields[0]) == image.width && Int(fields[1]) == image.height && fields[2] == "2")
            let hex = image.pixels.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            #expect(fields[3].trimmingCharacters(in: .whitespacesAndNewlines) == hex.joined())
        }
    }

    @Test func thumbnailFitsTheViewportKeepingTheAspectRatio() throws {
        let file = try PixelTestFiles.read("examples_palette.dcm")  // 800 × 350
        let image = try ImageRenderer(dataSet: file.dataSet, transferSyntax: file.transferSyntax).thumbnail(size: 128)
        #expect(image.width == 128 && image.height == 56 && image.components == 3)
    }

    /// A monochrome thumbnail is resampled before the grayscale pipeline; it must look like the full rendering
    /// shrunk (the same within a few grey levels on average).
    @Test func monochromeThumbnailMatchesTheShrunkRendering() throws {
        let file = try PixelTestFiles.read("CT_small.dcm")
        let renderer = try ImageRenderer(dataSet: file.dataSet, transferSyntax: file.transferSyntax)
        let window = try VOIWindow(center: 40, width: 400)
        let thumbnail = try renderer.render(RenderParameters(window: window, viewport: try Viewport(width: 32, height: 32)))
        let shrunk = try renderer.render(RenderParameters(window: window)).scaledToFit(try Viewport(width: 32, height: 32))
        #expect(thumbnail.width == 32 && thumbnail.height == 32 && thumbnail.components == 1)
        let error = zip(thumbnail.pixels, shrunk.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +)
        #expect(Double(error) / Double(thumbnail.pixels.count) < 4)
    }

    /// JPEG 2000 thumbnails decode only the lower resolution levels; the result looks like the native image's.
    @Test func jpeg2000ThumbnailsDecodeAReducedResolution() throws {
        let j2k = try PixelTestFiles.read("MR_small_jp2klossless.dcm")  // 64×64, the pixels of MR_small.dcm
        let native = try PixelTestFiles.read("MR_small.dcm")
        let pixelData = try PixelData(dataSet: j2k.dataSet, transferSyntax: j2k.transferSyntax)
        let reduced = try pixelData.frame(at: 0, toFit: try Viewport(width: 16, height: 16))
        #expect(reduced.pixelDescription.columns == 16 && reduced.pixelDescription.rows == 16)
        #expect(reduced.bytes.count == 16 * 16 * 2)
        let window = try VOIWindow(center: 600, width: 1600)
        let parameters = RenderParameters(window: window, viewport: try Viewport(width: 16, height: 16))
        let fromJ2K = try ImageRenderer(dataSet: j2k.dataSet, transferSyntax: j2k.transferSyntax).render(parameters)
        let fromNative = try ImageRenderer(dataSet: native.dataSet, transferSyntax: native.transferSyntax).render(parameters)
        #expect(fromJ2K.width == 16 && fromNative.width == 16)
        let error = zip(fromJ2K.pixels, fromNative.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +)
        // The wavelet's low-pass band is not a box average: the images agree in brightness and roughly per pixel
        // (a wrong scale, sign or level would be off by far more).
        let meanJ2K = Double(fromJ2K.pixels.reduce(0) { $0 + Int($1) }) / 256
        let meanNative = Double(fromNative.pixels.reduce(0) { $0 + Int($1) }) / 256
        #expect(abs(meanJ2K - meanNative) < 4, "means \(meanJ2K), \(meanNative)")
        #expect(Double(error) / 256 < 24, "mean difference \(Double(error) / 256)")
    }

    @Test func jpegOutputDecodesBackCloseToTheRenderedPixels() throws {
        let file = try PixelTestFiles.read("CT_small.dcm")
        let image = try ImageRenderer(dataSet: file.dataSet, transferSyntax: file.transferSyntax)
            .render(RenderParameters(window: try VOIWindow(center: 40, width: 400)))
        let jpeg = try image.jpegData(quality: 95)
        let decoded = try JPEGCodec().decode(
            jpeg, as: PixelDescription(rows: image.height, columns: image.width, bitsAllocated: 8))
        let error = zip(decoded.bytes, image.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +)
        #expect(Double(error) / Double(image.pixels.count) < 3)
        let small = try image.jpegData(quality: 10)
        #expect(small.readableBytes < jpeg.readableBytes)
    }

    /// A VOI LUT Sequence and a Modality LUT Sequence (PS3.3 §C.11.1, §C.11.2), with values worked out by hand.
    @Test func lookupTableSequencesMapValues() throws {
        var dataSet = DataSet()
        dataSet[.rows] = DataElement(tag: .rows, vr: .US, integers: [UInt16(1)])
        dataSet[.columns] = DataElement(tag: .columns, vr: .US, integers: [UInt16(4)])
        dataSet[.bitsAllocated] = DataElement(tag: .bitsAllocated, vr: .US, integers: [UInt16(16)])
        dataSet[.bitsStored] = DataElement(tag: .bitsStored, vr: .US, integers: [UInt16(12)])
        dataSet[.samplesPerPixel] = DataElement(tag: .samplesPerPixel, vr: .US, integers: [UInt16(1)])
        dataSet[.photometricInterpretation] = DataElement(tag: .photometricInterpretation, vr: .CS, asciiStrings: ["MONOCHROME2"])
        dataSet[.pixelData] = DataElement(tag: .pixelData, vr: .OW, integers: [UInt16(0), 1, 2, 3])
        // Modality LUT: 4 entries from 0: 0, 1, 2, 3 → 0, 10, 11, 12.
        var modality = DataSet()
        modality[.lutDescriptor] = DataElement(tag: .lutDescriptor, vr: .US, integers: [UInt16(4), 0, 16])
        modality[.lutData] = DataElement(tag: .lutData, vr: .OW, integers: [UInt16(0), 10, 11, 12])
        dataSet[.modalityLUTSequence] = DataElement(tag: .modalityLUTSequence, items: [modality])
        // VOI LUT: 3 entries from 10, 8 bits: 10 → 0, 11 → 100, 12 → 255; 0 is below the table (first entry).
        var voi = DataSet()
        voi[.lutDescriptor] = DataElement(tag: .lutDescriptor, vr: .US, integers: [UInt16(3), 10, 8])
        voi[.lutData] = DataElement(tag: .lutData, vr: .OW, integers: [UInt16(0), 100, 255])
        dataSet[.voilutSequence] = DataElement(tag: .voilutSequence, items: [voi])
        let image = try ImageRenderer(dataSet: dataSet, transferSyntax: .explicitVRLittleEndian).render()
        #expect(image.pixels == [0, 0, 100, 255])
        // Presentation LUT Shape INVERSE inverts the output.
        dataSet[Tag(rawValue: 0x2050_0020)] = DataElement(tag: Tag(rawValue: 0x2050_0020), vr: .CS, asciiStrings: ["INVERSE"])
        let inverted = try ImageRenderer(dataSet: dataSet, transferSyntax: .explicitVRLittleEndian).render()
        #expect(inverted.pixels == [255, 255, 155, 0])
    }

    @Test func windowsOutOfRangeAreRejected() {
        #expect(throws: PixelDataError.self) { try VOIWindow(center: 0, width: 0.5, function: .linear) }
        #expect(throws: PixelDataError.self) { try VOIWindow(center: 0, width: 0, function: .sigmoid) }
        #expect(throws: PixelDataError.self) { try Viewport(width: 0, height: 10) }
    }
}
