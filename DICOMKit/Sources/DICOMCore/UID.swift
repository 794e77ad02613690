/// A DICOM unique identifier: dot-separated numeric components, at most 64 characters (PS3.5 §9.1).
///
/// Holds the identifier as written, without the trailing NUL padding of its encoded form.
public struct UID: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    public var description: String { rawValue }

    /// Whether the identifier has the shape of one: 1–64 characters, digits separated by single dots, no empty
    /// component. Unlike `isValid` it tolerates leading zeros, which stored objects from real modalities have.
    public var isWellFormed: Bool {
        let utf8 = rawValue.utf8
        guard (1...64).contains(utf8.count), utf8.first != UInt8(ascii: "."), utf8.last != UInt8(ascii: ".")
        else { return false }
        var previousWasDot = false
        for byte in utf8 {
            if byte == UInt8(ascii: ".") {
                if previousWasDot { return false }
                previousWasDot = true
            } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                previousWasDot = false
            } else {
                return false
            }
        }
        return true
    }

    /// Whether the identifier follows PS3.5 §9.1: 1–64 characters, components of digits separated by single
    /// dots, no component with a leading zero unless it is the single digit 0.
    public var isValid: Bool {
        let utf8 = rawValue.utf8
        guard !utf8.isEmpty, utf8.count <= 64 else { return false }
        var componentLength = 0
        var componentStartsWithZero = false
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "."):
                guard componentLength > 0 else { return false }
                componentLength = 0
                componentStartsWithZero = false
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if componentLength == 0 {
                    componentStartsWithZero = byte == UInt8(ascii: "0")
                } else if componentStartsWithZero {
                    return false
                }
                componentLength += 1
            default:
                return false
            }
        }
        return componentLength > 0
    }
}
