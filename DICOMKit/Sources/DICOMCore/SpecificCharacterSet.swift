public import NIOCore

/// The defined terms of Specific Character Set (0008,0005), as written (PS3.3 §C.12.1.1.2).
///
/// Only the terms live here; decoding and encoding text with them is the `DICOM` target's work. The first term
/// may be empty, meaning the default repertoire for the G0 set of a data set that uses code extensions.
public struct SpecificCharacterSet: Hashable, Sendable, CustomStringConvertible {
    public var terms: [String]

    public init(terms: [String]) {
        self.terms = terms
    }

    /// Reads the terms from the element's encoded value: backslash-separated, surrounding spaces dropped.
    public init(encodedValue: ByteBuffer) {
        let text = String(decoding: encodedValue.readableBytesView, as: UTF8.self)
        let values = ValueText.split(text, vr: .CS)
        self.init(terms: values.count == 1 && values[0].isEmpty ? [] : values)
    }

    /// ISO-IR 6, the default repertoire: no Specific Character Set element.
    public static let defaultRepertoire = SpecificCharacterSet(terms: [])

    /// No terms, or only empty ones and ISO_IR 6.
    public var isDefaultRepertoire: Bool {
        terms.allSatisfy { $0.isEmpty || $0 == "ISO_IR 6" }
    }

    /// Whether ISO 2022 escape sequences switch between the listed character sets (PS3.5 §6.1.2.5).
    public var usesCodeExtensions: Bool {
        terms.count > 1 || terms.contains { $0.hasPrefix("ISO 2022") }
    }

    public var description: String { terms.joined(separator: "\\") }
}
