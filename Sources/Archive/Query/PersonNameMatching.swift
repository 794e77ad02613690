import Foundation

/// The normalised forms of person names that the index stores and matches on.
///
/// PS3.4 §C.2.2.2.1 leaves the case-sensitivity of PN matching to the SCP: the index matches PN single values and
/// wildcards case-insensitively, on the name upper-cased (`caseFolded`). Fuzzy matching (PS3.18 §8.3.4.1,
/// `fuzzymatching=true`) is case- and accent-insensitive and matches each word of the query against the start of
/// any word of the name (`fuzzyWords`).
package enum PersonNameMatching {
    /// The name upper-cased by Unicode's default case mapping, for case-insensitive single value and wildcard
    /// matching. Wildcard characters are kept, so the same function folds stored names and query patterns.
    package static func caseFolded(_ name: String) -> String {
        name.uppercased()
    }

    /// The words of a name (components of every component group, split further at spaces, hyphens, commas and
    /// periods), case- and accent-folded and upper-cased, each preceded by a space: " DOE JOHN". A fuzzy query word
    /// W matches when this contains " W" (`LIKE '% W%'`).
    package static func fuzzyWords(_ name: String) -> String {
        words(of: name).map { " " + $0 }.joined()
    }

    /// The words of a fuzzy query value, folded as `fuzzyWords`; wildcard characters are dropped (fuzzy matching
    /// is already a prefix match).
    package static func fuzzyQueryWords(_ value: String) -> [String] {
        words(of: value.filter { $0 != "*" && $0 != "?" })
    }

    private static func words(of text: String) -> [String] {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).uppercased()
        return folded.split(whereSeparator: { separators.contains($0) }).map(String.init)
    }

    private static let separators: Set<Character> = ["^", "=", " ", "-", ",", "."]
}
