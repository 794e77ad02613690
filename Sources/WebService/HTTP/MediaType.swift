import Foundation

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
        let pieces = Self.splitOutsideQuotes(String(text), separator: ";")
        let essence = pieces.first?.trimmingCharacters(in: .whitespaces) ?? ""
        let slash = essence.split(separator: "/", maxSplits: 1)
        var parameters: [String: String] = [:]
        var quality = 1.0
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            let name = piece[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = piece[piece.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            }
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
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else {
            return [MediaType(type: "*", subtype: "*")]
        }
        let entries = splitOutsideQuotes(header, separator: ",").map { MediaType(parsing: $0) }
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

    static func splitOutsideQuotes(_ text: String, separator: Character) -> [String] {
        var pieces: [String] = []
        var current = ""
        var inQuotes = false
        var escaped = false
        for character in text {
            if escaped {
                escaped = false
            } else if character == "\\" && inQuotes {
                escaped = true
            } else if character == "\"" {
                inQuotes.toggle()
            } else if character == separator && !inQuotes {
                pieces.append(current)
                current = ""
                continue
            }
            current.append(character)
        }
        pieces.append(current)
        return pieces
    }
}
