public import NIOCore

/// An 8-bit image ready for display: grey (1 component) or RGB (3), row by row, interleaved.
public struct RenderedImage: Hashable, Sendable {
    public var width: Int
    public var height: Int
    public var components: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, components: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.components = components
        self.pixels = pixels
    }

    /// The image as a PNG file (ISO/IEC 15948), compressed through zlib.
    public func pngData() throws(PixelDataError) -> ByteBuffer {
        try PNGEncoder.encode(self)
    }

    /// The image as a baseline JPEG file (libjpeg-turbo), quality 1…100.
    public func jpegData(quality: Int = 90) throws(PixelDataError) -> ByteBuffer {
        try JPEGCodec.encode(pixels, width: width, height: height, components: components, quality: quality)
    }

    /// The image scaled to fit the viewport, keeping its aspect ratio: each output pixel the mean of the source
    /// pixels it covers when shrinking, the nearest source pixel when enlarging.
    public func scaledToFit(_ viewport: Viewport) -> RenderedImage {
        let scale = min(Double(viewport.width) / Double(width), Double(viewport.height) / Double(height))
        let targetWidth = max(1, Int((Double(width) * scale).rounded()))
        let targetHeight = max(1, Int((Double(height) * scale).rounded()))
        if targetWidth == width && targetHeight == height { return self }
        var output = [UInt8](repeating: 0, count: targetWidth * targetHeight * components)
        for row in 0..<targetHeight {
            let top = row * height / targetHeight
            let bottom = max(top + 1, (row + 1) * height / targetHeight)
            for column in 0..<targetWidth {
                let left = column * width / targetWidth
                let right = max(left + 1, (column + 1) * width / targetWidth)
                let count = (bottom - top) * (right - left)
                for channel in 0..<components {
                    var sum = 0
                    for y in top..<bottom {
                        var index = (y * width + left) * components + channel
                        for _ in left..<right {
                            sum += Int(pixels[index])
                            index += components
                        }
                    }
                    output[(row * targetWidth + column) * components + channel] = UInt8((sum + count / 2) / count)
                }
            }
        }
        return RenderedImage(width: targetWidth, height: targetHeight, components: components, pixels: output)
    }
}
