import DICOMCore
import DICOMImaging
import NIOCore

/// Runs one input as a frame's code stream through a pixel decoder, with image attributes taken from the input's
/// first bytes, and traps when a decoder misbehaves.
///
/// Layout: byte 0 picks the transfer syntax (`syntaxes`, modulo their count); bytes 1–2 and 3–4 are rows and
/// columns (little endian, each bounded to 1…1024, at most 2^20 pixels); byte 5 holds flags (bit 0: three samples,
/// bit 1: signed, bit 2: 16 bits allocated, bit 3: YBR_FULL_422 rather than RGB for colour); byte 6 is Bits Stored
/// (bounded to 1…bits allocated); the rest is the code stream. A thrown `PixelDataError` is an answer; a trap, a
/// sanitizer report or a time-out is a finding, and so is:
/// - a decoded frame whose length is not the one its own description gives;
/// - a decoded frame that RLE (our encoder, any layout of 8- or 16-bit samples) does not give back unchanged.
enum CodecFuzzHarness {
    static let syntaxes: [TransferSyntax] = [
        .rleLossless, .jpegBaseline8Bit, .jpegExtended12Bit, .jpegLossless, .jpegLosslessSV1, .jpegLSLossless,
        .jpegLSNearLossless, .jpeg2000Lossless, .jpeg2000, .htj2kLossless, .htj2k, .deflatedImageFrame,
        .encapsulatedUncompressedExplicitVRLittleEndian,
    ]
    static let headerLength = 7

    static func run(_ input: UnsafeRawBufferPointer) {
        guard input.count >= headerLength else { return }
        let syntax = syntaxes[Int(input[0]) % syntaxes.count]
        let rows = min(1024, max(1, Int(input[1]) | Int(input[2]) << 8))
        let columns = min(1024, max(1, Int(input[3]) | Int(input[4]) << 8))
        guard rows * columns <= 1 << 20 else { return }
        let flags = input[5]
        let samples = flags & 1 != 0 ? 3 : 1
        let bitsAllocated = flags & 4 != 0 ? 16 : 8
        let description = PixelDescription(
            rows: rows, columns: columns, samplesPerPixel: samples, bitsAllocated: bitsAllocated,
            bitsStored: min(bitsAllocated, max(1, Int(input[6]))),
            pixelRepresentation: flags & 2 != 0 ? .signed : .unsigned,
            photometricInterpretation: samples == 1 ? .monochrome2 : (flags & 8 != 0 ? .ybrFull422 : .rgb))
        guard let decoder = PixelCodecs.decoder(for: syntax) else {
            fatalError("no decoder for \(syntax.uid.rawValue), which the harness lists")
        }
        let codeStream = ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: input[headerLength...]))
        guard let frame = try? decoder.decode(codeStream, as: description) else { return }
        guard frame.bytes.count == frame.pixelDescription.frameLength else {
            fatalError(
                "\(syntax.uid.rawValue): decoded \(frame.bytes.count) bytes, the frame's description says "
                    + "\(frame.pixelDescription.frameLength)")
        }
        checkRLERoundTrip(frame, from: syntax)
    }

    /// Any decoded frame of 8- or 16-bit samples goes through RLE and back unchanged.
    private static func checkRLERoundTrip(_ frame: PixelBuffer, from syntax: TransferSyntax) {
        guard [8, 16].contains(frame.pixelDescription.bitsAllocated),
            let encoder = PixelCodecs.encoder(for: .rleLossless), let decoder = PixelCodecs.decoder(for: .rleLossless)
        else { return }
        let encoded: ByteBuffer
        do {
            encoded = try encoder.encode(frame)
        } catch {
            fatalError("\(syntax.uid.rawValue): RLE could not encode a decoded frame: \(error)")
        }
        let again: PixelBuffer
        do {
            again = try decoder.decode(encoded, as: frame.pixelDescription)
        } catch {
            fatalError("\(syntax.uid.rawValue): RLE could not decode what it encoded: \(error)")
        }
        if again.bytes != frame.bytes {
            fatalError("\(syntax.uid.rawValue): RLE changed a decoded frame")
        }
    }
}
