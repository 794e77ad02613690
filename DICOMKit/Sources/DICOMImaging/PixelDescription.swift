public import DICOMCore
import DICOMDictionary

/// The colour model of pixel samples: Photometric Interpretation (0028,0004), PS3.3 §C.7.6.3.1.2.
public struct PhotometricInterpretation: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public static let monochrome1 = Self(rawValue: "MONOCHROME1")
    public static let monochrome2 = Self(rawValue: "MONOCHROME2")
    public static let paletteColor = Self(rawValue: "PALETTE COLOR")
    public static let rgb = Self(rawValue: "RGB")
    public static let ybrFull = Self(rawValue: "YBR_FULL")
    public static let ybrFull422 = Self(rawValue: "YBR_FULL_422")
    public static let ybrPartial420 = Self(rawValue: "YBR_PARTIAL_420")
    public static let ybrRCT = Self(rawValue: "YBR_RCT")
    public static let ybrICT = Self(rawValue: "YBR_ICT")

    /// MONOCHROME1 or MONOCHROME2: one grey sample per pixel.
    public var isMonochrome: Bool { self == .monochrome1 || self == .monochrome2 }

    public var description: String { rawValue }
}

/// Whether sample values are unsigned or two's complement: Pixel Representation (0028,0103).
public enum PixelRepresentation: UInt16, Hashable, Sendable {
    case unsigned = 0
    case signed = 1
}

/// How the samples of a colour pixel are laid out: Planar Configuration (0028,0006).
public enum PlanarConfiguration: UInt16, Hashable, Sendable {
    /// R1 G1 B1 R2 G2 B2… (colour-by-pixel).
    case interleaved = 0
    /// R1 R2… G1 G2… B1 B2… (colour-by-plane), per frame.
    case planar = 1
}

/// What one frame of pixel data looks like: the Image Pixel module's attributes (PS3.3 §C.7.6.3).
///
/// Read from a data set with `init(_:)`, which validates the combination; decoders return it for what they
/// produced (a JPEG decoder hands back RGB from YBR_FULL_422, a JPEG 2000 one RGB from YBR_RCT).
public struct PixelDescription: Hashable, Sendable {
    public var rows: Int
    public var columns: Int
    public var samplesPerPixel: Int
    public var bitsAllocated: Int
    public var bitsStored: Int
    public var highBit: Int
    public var pixelRepresentation: PixelRepresentation
    public var photometricInterpretation: PhotometricInterpretation
    public var planarConfiguration: PlanarConfiguration
    /// Number of Frames (0028,0008); 1 when absent.
    public var numberOfFrames: Int

    public init(
        rows: Int, columns: Int, samplesPerPixel: Int = 1, bitsAllocated: Int, bitsStored: Int? = nil,
        highBit: Int? = nil, pixelRepresentation: PixelRepresentation = .unsigned,
        photometricInterpretation: PhotometricInterpretation = .monochrome2,
        planarConfiguration: PlanarConfiguration = .interleaved, numberOfFrames: Int = 1
    ) {
        self.rows = rows
        self.columns = columns
        self.samplesPerPixel = samplesPerPixel
        self.bitsAllocated = bitsAllocated
        self.bitsStored = bitsStored ?? bitsAllocated
        self.highBit = highBit ?? (bitsStored ?? bitsAllocated) - 1
        self.pixelRepresentation = pixelRepresentation
        self.photometricInterpretation = photometricInterpretation
        self.planarConfiguration = planarConfiguration
        self.numberOfFrames = numberOfFrames
    }

    /// Reads the Image Pixel attributes of a data set.
    ///
    /// PS3.3 §C.7.6.3. Throws `missingAttribute` when Rows, Columns or Bits Allocated is absent and
    /// `invalidAttribute` for values no image can have: zero rows, bits allocated other than 1 or a multiple of 8
    /// up to 64, bits stored above bits allocated, more than 4 samples, a frame over 4 GiB.
    public init(_ dataSet: DataSet) throws(PixelDataError) {
        let rows = try Self.required(dataSet, .rows)
        let columns = try Self.required(dataSet, .columns)
        let bitsAllocated = try Self.required(dataSet, .bitsAllocated)
        let samples = Self.optional(dataSet, .samplesPerPixel) ?? 1
        let bitsStored = Self.optional(dataSet, .bitsStored) ?? bitsAllocated
        let highBit = Self.optional(dataSet, .highBit) ?? (bitsStored - 1)
        let representation = Self.optional(dataSet, .pixelRepresentation) ?? 0
        let planar = Self.optional(dataSet, .planarConfiguration) ?? 0
        var frames = 1
        if let element = dataSet[.numberOfFrames] {
            // Some writers put junk here (pydicom's badVR.dcm holds "1A"); a frame count that does not parse is 1.
            frames = ((try? element.integerString()) ?? 1) ?? 1
        }
        var photometric = PhotometricInterpretation.monochrome2
        if let text = try? dataSet[.photometricInterpretation]?.asciiStrings().first, !text.isEmpty {
            photometric = PhotometricInterpretation(rawValue: text)
        } else if samples == 3 {
            photometric = .rgb
        }
        self.init(
            rows: rows, columns: columns, samplesPerPixel: samples, bitsAllocated: bitsAllocated,
            bitsStored: bitsStored, highBit: highBit,
            pixelRepresentation: representation == 1 ? .signed : .unsigned,
            photometricInterpretation: photometric,
            planarConfiguration: planar == 1 && samples > 1 ? .planar : .interleaved, numberOfFrames: max(frames, 1))
        try validate()
    }

    /// Checks that the attributes describe an image that can exist and be held in memory.
    public func validate() throws(PixelDataError) {
        guard rows > 0, columns > 0 else {
            throw PixelDataError(.invalidAttribute, "Rows and Columns must be positive (\(rows)×\(columns))")
        }
        guard bitsAllocated == 1 || (bitsAllocated % 8 == 0 && bitsAllocated <= 64) else {
            throw PixelDataError(.invalidAttribute, "Bits Allocated \(bitsAllocated) is not 1 or a multiple of 8")
        }
        guard bitsStored >= 1, bitsStored <= bitsAllocated else {
            throw PixelDataError(
                .invalidAttribute, "Bits Stored \(bitsStored) is not within 1…Bits Allocated (\(bitsAllocated))")
        }
        guard (1...4).contains(samplesPerPixel) else {
            throw PixelDataError(.invalidAttribute, "Samples per Pixel \(samplesPerPixel) is not within 1…4")
        }
        guard frameLength <= Self.maximumFrameLength else {
            throw PixelDataError(.invalidAttribute, "a frame of \(frameLength) bytes is larger than supported")
        }
    }

    /// The largest frame decoded in memory: 4 GiB.
    public static let maximumFrameLength = 1 << 32

    /// This description for one decoded frame: Number of Frames 1, samples interleaved.
    public var decodedFrame: PixelDescription {
        var frame = self
        frame.numberOfFrames = 1
        frame.planarConfiguration = .interleaved
        return frame
    }

    /// Pixels in one frame.
    public var pixelCount: Int { rows * columns }

    /// Samples in one frame.
    public var sampleCount: Int { rows * columns * samplesPerPixel }

    /// Bytes of one sample in memory (1-bit data is unpacked to one byte per sample).
    public var bytesPerSample: Int { max(1, bitsAllocated / 8) }

    /// Bytes of one decoded frame: every sample in `bytesPerSample` bytes.
    public var frameLength: Int { sampleCount * bytesPerSample }

    /// Bits of one native (uncompressed) frame, which for 1-bit data need not end on a byte. YBR_FULL_422 native
    /// frames hold two luminance and two chrominance samples per horizontal pair of pixels (PS3.3 §C.7.6.3.1.2).
    public var nativeFrameBits: Int {
        if photometricInterpretation == .ybrFull422 && samplesPerPixel == 3 {
            return rows * ((columns + 1) / 2) * 4 * bitsAllocated
        }
        return sampleCount * bitsAllocated
    }

    private static func required(_ dataSet: DataSet, _ tag: Tag) throws(PixelDataError) -> Int {
        guard let value = optional(dataSet, tag) else {
            throw PixelDataError(.missingAttribute, "\(tag) is missing or empty")
        }
        return value
    }

    /// A US value (the first of several); nil when absent, empty or not a whole number of 16-bit values.
    private static func optional(_ dataSet: DataSet, _ tag: Tag) -> Int? {
        guard let element = dataSet[tag], let value = try? element.integers(as: UInt16.self).first else { return nil }
        return Int(value)
    }
}
