/// A media type with its parameters, as found in Content-Type and Accept (RFC 9110 §8.3.1, §12.5.1).
///
/// Type, subtype and parameter names are lower-cased; parameter values keep their case, without quotes. Parsing
/// never fails: text that is not a media type gives an empty type, which matches nothing a route accepts.
public struct MediaType: Hashable, Sendable, CustomStringConvertible {
    public var type: String
    public var subtype: String
    public var parameters: [String: String]
    /// The `q` weight of an Accept entry (1 when absent or unreadable).
    public var quality: Double

    public init(type: String, subtype: String, parameters: [String: String] = [:], quality: Double = 1) {
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
        self.parameters = parameters
        self.quality = quality
    }

    /// Parses one media type (`multipart/related; type="application/dicom"; boundary=abc`).
    public init(parsing text: some StringProtocol) {
        let pieces = Self.splitOutsideQuotes(Substring(text), separator: UInt8(ascii: ";"))
        let essence = Self.trimmed(pieces.first ?? "")
        let slash = essence.split(separator: "/", maxSplits: 1)
        var parameters: [String: String] = [:]
        var quality = 1.0
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            let name = Self.trimmed(piece[..<equals]).lowercased()
            let value = Self.unquoted(Self.trimmed(piece[piece.index(after: equals)...]))
            if name == "q" {
                quality = Double(value) ?? 1
            } else {
                parameters[name] = value
            }
        }
        self.init(
            type: slash.count == 2 ? String(slash[0]) : "", subtype: slash.count == 2 ? String(slash[1]) : "",
            parameters: parameters, quality: quality)
    }

    /// The entries of an Accept header (several header lines are joined with commas first), highest quality
    /// first, in header order among equals. An absent or empty header gives `*/*`.
    public static func acceptList(_ header: String?) -> [MediaType] {
        guard let header, !trimmed(Substring(header)).isEmpty else {
            return [MediaType(type: "*", subtype: "*")]
        }
        let entries = splitOutsideQuotes(Substring(header), separator: UInt8(ascii: ",")).map { MediaType(parsing: $0) }
            .filter { !$0.type.isEmpty }
        return entries.enumerated().sorted { ($0.element.quality, -$0.offset) > ($1.element.quality, -$1.offset) }
            .map(\.element).filter { $0.quality > 0 }
    }

    /// `type/subtype`.
    public var essence: String { "\(type)/\(subtype)" }

    /// Whether this (an Accept entry, possibly with wildcards) admits `type/subtype`.
    public func admits(_ type: String, _ subtype: String) -> Bool {
        (self.type == "*" || self.type == type) && (self.subtype == "*" || self.subtype == subtype)
    }

    public var description: String {
        ([essence] + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" })
            .joined(separator: "; ")
    }

    /// The pieces of `text` between the `separator`s that are outside quoted strings (an ASCII separator).
    static func splitOutsideQuotes(_ text: Substring, separator: UInt8) -> [Substring] {
        var pieces: [Substring] = []
        var start = text.startIndex
        var inQuotes = false
        var escaped = false
        let bytes = text.utf8
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") && inQuotes {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inQuotes.toggle()
            } else if byte == separator && !inQuotes {
                pieces.append(text[start..<index])
                start = bytes.index(after: index)
            }
            index = bytes.index(after: index)
        }
        pieces.append(text[start...])
        return pieces
    }

    /// The text without its leading and trailing spaces and tabs (RFC 9110 §5.6.3, OWS).
    static func trimmed(_ text: Substring) -> Substring {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let bytes = text.utf8
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return text[text.endIndex...] }
        return text[first...last]
    }

    /// A parameter value: a quoted string's content with its quoted pairs (`\x`) resolved (RFC 9110 §5.6.4), or
    /// the token as it is.
    static func unquoted(_ value: Substring) -> String {
        guard value.utf8.count >= 2, value.utf8.first == UInt8(ascii: "\""), value.utf8.last == UInt8(ascii: "\"")
        else { return String(value) }
        var result = ""
        var escaped = false
        for character in value.dropFirst().dropLast() {
            if !escaped && character == "\\" {
                escaped = true
                continue
            }
            escaped = false
            result.append(character)
        }
        return result
    }
}
