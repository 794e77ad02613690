/// Colour model conversions for display.
public enum ColourConversion {
    /// YBR_FULL to RGB in place (PS3.3 §C.7.6.3.1.2, the ITU-R BT.601 full-range matrix), 8-bit interleaved samples;
    /// rounded half up and clamped, as pydicom and DCMTK do.
    public static func ybrFullToRGB(_ pixels: inout [UInt8]) {
        var index = 0
        while index + 2 < pixels.count {
            let y = Float(pixels[index])
            let cb = Float(pixels[index + 1]) - 128
            let cr = Float(pixels[index + 2]) - 128
            let red = y + 1.402 * cr
            let green = y - (0.114 * 1.772 / 0.587) * cb - (0.299 * 1.402 / 0.587) * cr
            let blue = y + 1.772 * cb
            pixels[index] = clamped(red)
            pixels[index + 1] = clamped(green)
            pixels[index + 2] = clamped(blue)
            index += 3
        }
    }

    /// 8-bit samples of a colour frame: 8-bit frames as they are, wider ones shifted down to their top 8 stored bits.
    static func eightBit(_ frame: PixelBuffer) -> [UInt8] {
        let layout = frame.pixelDescription
        if layout.bytesPerSample == 1 { return frame.bytes }
        let shift = max(layout.bitsStored - 8, 0)
        return frame.storedValues().map { UInt8(clamping: $0 >> Int64(shift)) }
    }

    @inline(__always)
    private static func clamped(_ value: Float) -> UInt8 {
        UInt8(min(max((value + 0.5).rounded(.down), 0), 255))
    }
}
