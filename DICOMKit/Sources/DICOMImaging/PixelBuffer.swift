/// One decoded frame: its samples in memory and the description of what they are.
///
/// Samples are interleaved (colour-by-pixel), little-endian, each `pixelDescription.bytesPerSample` bytes; 1-bit
/// data is unpacked to one byte (0 or 1) per sample. Bits above Bits Stored are kept as decoded; `storedValues()`
/// masks them and applies the sign.
public struct PixelBuffer: Hashable, Sendable {
    public var pixelDescription: PixelDescription
    public var bytes: [UInt8]

    /// A buffer of the given bytes. The byte count must be `pixelDescription.frameLength`.
    public init(pixelDescription: PixelDescription, bytes: [UInt8]) {
        self.pixelDescription = pixelDescription
        self.bytes = bytes
    }

    /// The sample values as Bits Stored and Pixel Representation define them: bits above the high bit dropped,
    /// two's complement extended when signed. One value per sample, interleaved.
    public func storedValues() -> [Int64] {
        let layout = pixelDescription
        let width = layout.bytesPerSample
        let bitsStored = min(layout.bitsStored, 64)
        let shift = layout.highBit + 1 - bitsStored
        let mask: UInt64 = bitsStored >= 64 ? .max : (1 << UInt64(bitsStored)) - 1
        let signBit: UInt64 = 1 << UInt64(bitsStored - 1)
        let isSigned = layout.pixelRepresentation == .signed
        let count = min(layout.sampleCount, bytes.count / width)
        return [Int64](unsafeUninitializedCapacity: count) { values, initialized in
            bytes.withUnsafeBufferPointer { source in
                for index in 0..<count {
                    var raw: UInt64 = 0
                    let start = index * width
                    for byte in 0..<width { raw |= UInt64(source[start + byte]) << UInt64(8 * byte) }
                    var value = (shift > 0 ? raw >> UInt64(shift) : raw) & mask
                    if isSigned && value & signBit != 0 { value |= ~mask }
                    values[index] = Int64(bitPattern: value)
                }
            }
            initialized = count
        }
    }
}
