public import DICOMCore
import DICOMDictionary

/// What to render: which frame, the VOI window, the viewport and the output quality.
///
/// The PS3.18 §8.3.5 rendered-resource query parameters map onto these: `window=center,width,function`,
/// `viewport=width,height` (the image is scaled to fit, keeping its aspect ratio), `quality` (JPEG 1…100).
public struct RenderParameters: Hashable, Sendable {
    /// The frame (0-based).
    public var frame: Int
    /// A window to apply instead of the data set's; nil uses Window Center/Width, else the VOI LUT Sequence, else
    /// the frame's minimum and maximum.
    public var window: VOIWindow?
    /// The largest output size; nil keeps the image's.
    public var viewport: Viewport?

    public init(frame: Int = 0, window: VOIWindow? = nil, viewport: Viewport? = nil) {
        self.frame = frame
        self.window = window
        self.viewport = viewport
    }
}

/// A viewport in pixels (PS3.18 §8.3.5.1.3).
public struct Viewport: Hashable, Sendable {
    public var width: Int
    public var height: Int

    /// A viewport; throws `invalidParameter` unless both sides are 1…65500.
    public init(width: Int, height: Int) throws(PixelDataError) {
        guard (1...65_500).contains(width), (1...65_500).contains(height) else {
            throw PixelDataError(.invalidParameter, "viewport \(width)×\(height) is out of range")
        }
        self.width = width
        self.height = height
    }
}

/// Renders frames of an image to 8-bit grey or RGB for display: the grayscale pipeline of PS3.4 §N.2.
///
/// Monochrome: stored values → Modality LUT (Rescale Slope/Intercept or the Modality LUT Sequence) → VOI (window
/// LINEAR, LINEAR_EXACT or SIGMOID, or the VOI LUT Sequence, or the frame's range) → Presentation LUT (INVERSE, or
/// MONOCHROME1) → 0…255. Colour: RGB as is (wider samples scaled to 8 bits), YBR_FULL converted to RGB
/// (PS3.3 §C.7.6.3.1.2), PALETTE COLOR through its red, green and blue tables. Then scaled to the viewport.
public struct ImageRenderer: Sendable {
    public let pixelData: PixelData
    private let dataSet: DataSet

    /// Locates the frames of a data set; throws what `PixelData.init` throws.
    public init(dataSet: DataSet, transferSyntax: TransferSyntax) throws(PixelDataError) {
        self.pixelData = try PixelData(dataSet: dataSet, transferSyntax: transferSyntax)
        self.dataSet = dataSet
    }

    /// Decodes and renders one frame.
    public func render(_ parameters: RenderParameters = RenderParameters()) throws(PixelDataError) -> RenderedImage {
        let frame = try pixelData.frame(at: parameters.frame)
        let image = try render(frame, window: parameters.window)
        guard let viewport = parameters.viewport else { return image }
        return image.scaledToFit(viewport)
    }

    /// A thumbnail: the first frame (or the middle one of a multi-frame), default window, fitted in a square.
    public func thumbnail(size: Int = 128) throws(PixelDataError) -> RenderedImage {
        try render(
            RenderParameters(
                frame: pixelData.numberOfFrames / 2, viewport: try Viewport(width: size, height: size)))
    }

    /// Renders a decoded frame.
    public func render(_ frame: PixelBuffer, window: VOIWindow? = nil) throws(PixelDataError) -> RenderedImage {
        let layout = frame.pixelDescription
        if layout.photometricInterpretation.isMonochrome {
            return try renderMonochrome(frame, window: window)
        }
        if layout.photometricInterpretation == .paletteColor {
            return try renderPalette(frame)
        }
        guard layout.samplesPerPixel == 3 else {
            throw PixelDataError(
                .unsupportedLayout,
                "cannot render \(layout.photometricInterpretation) with \(layout.samplesPerPixel) samples per pixel")
        }
        var pixels = ColourConversion.eightBit(frame)
        switch layout.photometricInterpretation {
        case .ybrFull, .ybrFull422, .ybrPartial420, .ybrICT:
            ColourConversion.ybrFullToRGB(&pixels)
        default: break
        }
        return RenderedImage(width: layout.columns, height: layout.rows, components: 3, pixels: pixels)
    }

    private func renderMonochrome(_ frame: PixelBuffer, window override: VOIWindow?) throws(PixelDataError)
        -> RenderedImage
    {
        let layout = frame.pixelDescription
        let signed = layout.pixelRepresentation == .signed
        let stored = frame.storedValues()
        let modality: [Double]
        if let table = try LookupTable.firstItem(of: .modalityLUTSequence, in: dataSet, signed: signed) {
            modality = stored.map { Double(table.lookup(Int($0))) }
        } else {
            let slope = (try? dataSet.decimal(.rescaleSlope)) ?? 1
            let intercept = (try? dataSet.decimal(.rescaleIntercept)) ?? 0
            modality = stored.map { Double($0) * slope + intercept }
        }
        let voi: (Double) -> Double
        let window: VOIWindow? = if let override { override } else { datasetWindow() }
        if let window {
            voi = window.apply
        } else if let table = try LookupTable.firstItem(of: .voilutSequence, in: dataSet, signed: signed) {
            let maximum = table.maximumOutput
            voi = { Double(table.lookup(Int($0.rounded()))) / maximum }
        } else {
            let low = modality.min() ?? 0
            let high = modality.max() ?? 0
            let window = try VOIWindow(center: (low + high) / 2, width: max(high - low, 1), function: .linearExact)
            voi = window.apply
        }
        let shape = (try? dataSet[.presentationLUTShape]?.asciiStrings().first) ?? nil
        let inverted = layout.photometricInterpretation == .monochrome1 || shape == "INVERSE"
        let pixels = modality.map { value -> UInt8 in
            let level = min(max(voi(value), 0), 1) * 255
            return UInt8((inverted ? 255 - level : level).rounded())
        }
        return RenderedImage(width: layout.columns, height: layout.rows, components: 1, pixels: pixels)
    }

    /// The data set's first Window Center and Width with its VOI LUT Function, nil when absent.
    private func datasetWindow() -> VOIWindow? {
        guard let center = (try? dataSet.decimal(.windowCenter)) ?? nil,
            let width = (try? dataSet.decimal(.windowWidth)) ?? nil
        else { return nil }
        let name = ((try? dataSet[.voilutFunction]?.asciiStrings().first) ?? nil) ?? "LINEAR"
        let function = VOIWindow.Function(rawValue: name) ?? .linear
        return try? VOIWindow(center: center, width: width, function: function)
    }

    private func renderPalette(_ frame: PixelBuffer) throws(PixelDataError) -> RenderedImage {
        let layout = frame.pixelDescription
        if dataSet.contains(.segmentedRedPaletteColorLookupTableData) {
            throw PixelDataError(.unsupportedLayout, "segmented palette colour lookup tables")
        }
        var tables: [LookupTable] = []
        for offset: UInt32 in 0..<3 {
            guard let descriptor = dataSet[Tag(rawValue: Tag.redPaletteColorLookupTableDescriptor.rawValue + offset)],
                let data = dataSet[Tag(rawValue: Tag.redPaletteColorLookupTableData.rawValue + offset)]
            else {
                throw PixelDataError(.missingAttribute, "PALETTE COLOR image without its lookup tables")
            }
            tables.append(
                try LookupTable(descriptor: descriptor, data: data, signedFirstValue: layout.pixelRepresentation == .signed))
        }
        let stored = frame.storedValues()
        var pixels = [UInt8](repeating: 0, count: stored.count * 3)
        for (index, value) in stored.enumerated() {
            for channel in 0..<3 {
                let table = tables[channel]
                let entry = table.lookup(Int(value))
                pixels[index * 3 + channel] = table.bitsPerEntry > 8 ? UInt8(entry >> 8) : UInt8(truncatingIfNeeded: entry)
            }
        }
        return RenderedImage(width: layout.columns, height: layout.rows, components: 3, pixels: pixels)
    }
}
