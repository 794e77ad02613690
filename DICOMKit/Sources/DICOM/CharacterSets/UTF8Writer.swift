/// Writes UTF-8 into a string's uninitialised storage. Stops writing rather than overrun it, which the callers'
/// capacity (three bytes per byte read) rules out.
struct UTF8Writer {
    private let output: UnsafeMutableBufferPointer<UInt8>
    private(set) var count = 0

    init(_ output: UnsafeMutableBufferPointer<UInt8>) {
        self.output = output
    }

    /// Appends an ASCII byte.
    @inline(__always)
    mutating func append(_ byte: UInt8) {
        guard count < output.count else { return }
        output[count] = byte
        count += 1
    }

    /// Appends a character.
    @inline(__always)
    mutating func append(_ character: Unicode.Scalar) {
        let value = character.value
        switch value {
        case 0..<0x80:
            append(UInt8(truncatingIfNeeded: value))
        case 0x80..<0x800:
            guard count + 2 <= output.count else { return }
            output[count] = 0xC0 | UInt8(truncatingIfNeeded: value >> 6)
            output[count + 1] = 0x80 | UInt8(truncatingIfNeeded: value & 0x3F)
            count += 2
        case 0x800..<0x10000:
            guard count + 3 <= output.count else { return }
            output[count] = 0xE0 | UInt8(truncatingIfNeeded: value >> 12)
            output[count + 1] = 0x80 | UInt8(truncatingIfNeeded: (value >> 6) & 0x3F)
            output[count + 2] = 0x80 | UInt8(truncatingIfNeeded: value & 0x3F)
            count += 3
        default:
            guard count + 4 <= output.count else { return }
            output[count] = 0xF0 | UInt8(truncatingIfNeeded: value >> 18)
            output[count + 1] = 0x80 | UInt8(truncatingIfNeeded: (value >> 12) & 0x3F)
            output[count + 2] = 0x80 | UInt8(truncatingIfNeeded: (value >> 6) & 0x3F)
            output[count + 3] = 0x80 | UInt8(truncatingIfNeeded: value & 0x3F)
            count += 4
        }
    }
}
