/// A VOI window: Window Center (0028,1050), Window Width (0028,1051) and VOI LUT Function (0028,1056).
///
/// PS3.3 §C.11.2.1.2. `apply` maps a modality value to 0…1.
public struct VOIWindow: Hashable, Sendable {
    /// VOI LUT Function (0028,1056).
    public enum Function: String, Hashable, Sendable {
        case linear = "LINEAR"
        case linearExact = "LINEAR_EXACT"
        case sigmoid = "SIGMOID"
    }

    public var center: Double
    public var width: Double
    public var function: Function

    /// A window; throws `invalidParameter` for a width below 1 (LINEAR) or not above 0 (the others).
    public init(center: Double, width: Double, function: Function = .linear) throws(PixelDataError) {
        guard center.isFinite, width.isFinite, function == .linear ? width >= 1 : width > 0 else {
            throw PixelDataError(.invalidParameter, "window width \(width) is out of range for \(function.rawValue)")
        }
        self.center = center
        self.width = width
        self.function = function
    }

    /// The output of the window for input `x`, from 0 (minimum) to 1 (maximum), by PS3.3 §C.11.2.1.2.1 (LINEAR),
    /// §C.11.2.1.3.1 (SIGMOID) and §C.11.2.1.3.2 (LINEAR_EXACT).
    public func apply(_ x: Double) -> Double {
        switch function {
        case .linear:
            let lower = center - 0.5 - (width - 1) / 2
            let upper = center - 0.5 + (width - 1) / 2
            if x <= lower { return 0 }
            if x > upper { return 1 }
            return (x - (center - 0.5)) / (width - 1) + 0.5
        case .linearExact:
            if x <= center - width / 2 { return 0 }
            if x > center + width / 2 { return 1 }
            return (x - center) / width + 0.5
        case .sigmoid:
            return 1 / (1 + exp(-4 * (x - center) / width))
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
