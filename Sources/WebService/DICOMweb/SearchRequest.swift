public import Archive
public import DICOMCore
import DICOMDictionary
import Foundation

/// A QIDO-RS request's query parameters turned into an `IndexQuery` (PS3.18 §8.3.4, §10.6.1.2).
///
/// `{attributeID}={value}` where the attribute is a keyword or eight hexadecimal digits; `includefield` (repeated
/// or comma-separated, `all`); `limit`, `offset`; `fuzzymatching`. UID lists are comma-separated (§8.3.4.1) or, as
/// C-FIND writes them, backslash-separated. Anything else (an unknown keyword, a sequence path, a negative limit, a
/// value its VR cannot match) throws a 400 `Problem`.
public struct SearchRequest: Sendable {
    public var query: IndexQuery
    /// Whether the client asked for `includefield=all`.
    public var includesAll: Bool
    /// The client's limit was larger than the server's maximum.
    public var limitWasCut: Bool

    public init(
        level: QueryLevel, parameters: [(name: String, value: String)], pathKeys: [(Tag, String)],
        maximumResults: Int
    ) throws(Problem) {
        var query = IndexQuery(level: level)
        var includesAll = false
        var limit: Int?
        var matchedTags: Set<Tag> = []
        for (name, value) in parameters {
            switch name {
            case "includefield":
                for field in value.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) {
                    if field == "all" {
                        includesAll = true
                    } else {
                        query.returnKeys.insert(try Self.tag(field))
                    }
                }
            case "limit":
                guard let number = Int(value), number >= 0 else {
                    throw .badRequest("limit must be a non-negative integer")
                }
                limit = number
            case "offset":
                guard let number = Int(value), number >= 0 else {
                    throw .badRequest("offset must be a non-negative integer")
                }
                query.offset = number
            case "fuzzymatching":
                guard let flag = Bool(value.lowercased()) else { throw .badRequest("fuzzymatching must be true or false") }
                query.fuzzyPersonNames = flag
            default:
                let tag = try Self.tag(name)
                guard matchedTags.insert(tag).inserted else {
                    throw .badRequest("the attribute \(name) is given more than once")
                }
                try Self.addKey(tag, value: value, to: &query)
            }
        }
        for (tag, value) in pathKeys where !matchedTags.contains(tag) {
            try Self.addKey(tag, value: value, to: &query)
        }
        let wanted = limit ?? maximumResults
        query.limit = min(wanted, maximumResults)
        self.query = query
        self.includesAll = includesAll
        self.limitWasCut = wanted > maximumResults
    }

    private static func addKey(_ tag: Tag, value: String, to query: inout IndexQuery) throws(Problem) {
        var value = value
        if DataDictionary.vr(for: tag) == .UI { value = value.replacingOccurrences(of: ",", with: "\\") }
        do {
            try query.addKey(tag, queryValue: value)
        } catch {
            throw .badRequest(error.description)
        }
    }

    /// The tag of an attribute ID: a keyword of the data dictionary or eight hexadecimal digits.
    static func tag(_ attribute: String) throws(Problem) -> Tag {
        if attribute.contains(".") {
            throw .badRequest("nested attribute paths (\(attribute.prefix(64))) are not supported in search")
        }
        if attribute.utf8.count == 8, let tag = Tag(hexString: attribute) { return tag }
        if let tag = DataDictionary.tag(forKeyword: attribute) { return tag }
        throw .badRequest("unknown query parameter or attribute: \(attribute.prefix(64))")
    }
}
