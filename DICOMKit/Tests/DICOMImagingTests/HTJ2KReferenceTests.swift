import DICOMCore
import DICOMImaging
import Foundation
import NIOCore
import Testing

/// HTJ2K (PS3.5 §A.4.9: 1.2.840.10008.1.2.4.201, .202, .203) decoded by OpenJPEG through `JPEG2000Codec`, against
/// OpenJPH, the reference HTJ2K implementation (Debian's openjph-tools, installed by scripts/bootstrap): synthetic
/// images are encoded with `ojph_compress` (reversible for the lossless syntaxes, RPCL progression for 202,
/// irreversible 9/7 for 203) and must decode to exactly what `ojph_expand` gives, and, when lossless, to the
/// original samples.
@Suite struct HTJ2KReferenceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var syntax: TransferSyntax
        var colour: Bool
        var options: [String]
        var isLossless: Bool
        var testDescription: String { "\(syntax.uid.rawValue) \(colour ? "RGB 8-bit" : "grey 12-bit")" }
    }

    static let cases: [Case] = [false, true].flatMap { colour in
        [
            Case(syntax: .htj2kLossless, colour: colour, options: ["-reversible", "true", "-prog_order", "CPRL"], isLossless: true),
            Case(syntax: .htj2kLosslessRPCL, colour: colour, options: ["-reversible", "true", "-prog_order", "RPCL"], isLossless: true),
            Case(syntax: .htj2k, colour: colour, options: ["-qstep", "0.005"], isLossless: false),
        ]
    }

    @Test(arguments: cases)
    func decodesLikeOpenJPH(_ testCase: Case) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nuage-htj2k-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (rows, columns) = (48, 40)
        let image = testCase.colour ? Self.rgbImage(rows: rows, columns: columns) : Self.greyImage(rows: rows, columns: columns)
        let suffix = testCase.colour ? "ppm" : "pgm"
        let source = folder.appendingPathComponent("source.\(suffix)").path
        let stream = folder.appendingPathComponent("frame.j2c").path
        let expanded = folder.appendingPathComponent("expanded.\(suffix)").path
        try Data(image.netpbm).write(to: URL(fileURLWithPath: source))
        try #require(
            PixelTestFiles.run(["/usr/bin/ojph_compress", "-i", source, "-o", stream] + testCase.options) != nil,
            "ojph_compress failed (is openjph-tools installed? scripts/bootstrap)")
        try #require(PixelTestFiles.run(["/usr/bin/ojph_expand", "-i", stream, "-o", expanded]) != nil, "ojph_expand failed")

        let codeStream = [UInt8](try Data(contentsOf: URL(fileURLWithPath: stream)))
        // An HTJ2K code stream announces Part 15 in a CAP marker segment (FF50) of its main header.
        #expect(zip(codeStream, codeStream.dropFirst()).contains { $0 == 0xFF && $1 == 0x50 })
        let description = PixelDescription(
            rows: rows, columns: columns, samplesPerPixel: testCase.colour ? 3 : 1,
            bitsAllocated: testCase.colour ? 8 : 16, bitsStored: testCase.colour ? 8 : 12,
            photometricInterpretation: testCase.colour ? .rgb : .monochrome2)
        let decoder = try #require(PixelCodecs.decoder(for: testCase.syntax))
        let frame = try decoder.decode(ByteBuffer(bytes: codeStream), as: description)

        let reference = try Self.samples(ofNetpbm: [UInt8](try Data(contentsOf: URL(fileURLWithPath: expanded))))
        try #require(frame.bytes.count == reference.count)
        if testCase.isLossless {
            #expect(frame.bytes == reference, "differs from ojph_expand")
            #expect(frame.bytes == image.samples, "differs from the original")
        } else {
            // The 9/7 wavelet and the irreversible colour transform are computed in floating point, and the
            // standard leaves their rounding to the decoder: OpenJPEG and OpenJPH differ by one unit at most (in
            // 3.5% of the 12-bit image's samples here).
            let sampleBytes = testCase.colour ? 1 : 2
            let differences = zip(Self.values(frame.bytes, sampleBytes), Self.values(reference, sampleBytes))
                .map { abs($0 - $1) }
            let largest = differences.max() ?? 0
            let identical = differences.count(where: { $0 == 0 })
            #expect(largest <= 1, "largest difference from ojph_expand \(largest)")
            #expect(identical * 100 >= differences.count * 95, "\(identical) of \(differences.count) samples as ojph_expand")
            #expect(frame.bytes != image.samples, "a lossy stream that decodes to the original tests nothing")
        }
    }

    /// Samples of 1 or 2 bytes (little endian) as integers.
    static func values(_ bytes: [UInt8], _ width: Int) -> [Int] {
        stride(from: 0, to: bytes.count - width + 1, by: width).map { index in
            width == 1 ? Int(bytes[index]) : Int(bytes[index]) | Int(bytes[index + 1]) << 8
        }
    }

    /// An image as decoded frames hold it (interleaved, 16-bit little endian) and as a PGM/PPM file.
    struct Image {
        var samples: [UInt8]
        var netpbm: [UInt8]
    }

    /// 12 bits stored in 16: rings and a ramp.
    static func greyImage(rows: Int, columns: Int) -> Image {
        var samples: [UInt8] = []
        var file = Array("P5\n\(columns) \(rows)\n4095\n".utf8)
        for row in 0..<rows {
            for column in 0..<columns {
                let radius = Double((row - 20) * (row - 20) + (column - 17) * (column - 17)).squareRoot()
                let value = UInt16(2048 + 1500 * sin(radius / 3)) + UInt16((column * 7 + row * 13) % 5)
                samples += [UInt8(value & 0xFF), UInt8(value >> 8)]
                file += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
        }
        return Image(samples: samples, netpbm: file)
    }

    /// 8-bit RGB gradients.
    static func rgbImage(rows: Int, columns: Int) -> Image {
        var samples: [UInt8] = []
        for row in 0..<rows {
            for column in 0..<columns {
                samples += [UInt8((column * 6) % 256), UInt8((row * 5) % 256), UInt8(((column + row) * 3) % 256)]
            }
        }
        return Image(samples: samples, netpbm: Array("P6\n\(columns) \(rows)\n255\n".utf8) + samples)
    }

    /// The samples of a binary PGM or PPM written by ojph_expand, as a decoded frame holds them.
    static func samples(ofNetpbm file: [UInt8]) throws -> [UInt8] {
        // Header: magic, width, height, maximum, each followed by one whitespace byte; no comments from ojph.
        var fields: [String] = []
        var index = 0
        var current = ""
        while fields.count < 4, index < file.count {
            let byte = file[index]
            index += 1
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                if !current.isEmpty { fields.append(current) }
                current = ""
            } else {
                current.append(Character(Unicode.Scalar(byte)))
            }
        }
        guard fields.count == 4, let maximum = Int(fields[3]) else { throw NetpbmError() }
        let body = Array(file[index...])
        guard maximum > 255 else { return body }
        var samples: [UInt8] = []
        samples.reserveCapacity(body.count)
        for pair in stride(from: 0, to: body.count - 1, by: 2) { samples += [body[pair + 1], body[pair]] }
        return samples
    }

    struct NetpbmError: Error {}
}
