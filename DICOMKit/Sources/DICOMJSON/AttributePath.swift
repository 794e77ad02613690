public import DICOMCore

/// Where an attribute sits in a data set: the tags from the top level down to its own, and in each sequence on the
/// way the index of the item that holds the rest.
///
/// PS3.18 §F.2.6 leaves the form of a BulkDataURI to the origin server, but each must name one value: the same tag
/// in two items of a sequence needs two URIs, so the encoders hand this path, item indices included, to their
/// `bulkDataURI` closure. A collection of the tags, outermost first, ending with the attribute's own.
public struct AttributePath: RandomAccessCollection, Hashable, Sendable, CustomStringConvertible {
    /// The tags, outermost sequence first, ending with the attribute's own.
    public private(set) var tags: [Tag]
    /// For each sequence on the way (each tag but the last): the 0-based index of the item that holds the rest.
    public private(set) var itemIndices: [Int]

    /// A path; `itemIndices` has one index per tag but the last.
    public init(tags: [Tag], itemIndices: [Int]) {
        self.tags = tags
        self.itemIndices = itemIndices
    }

    public var startIndex: Int { tags.startIndex }
    public var endIndex: Int { tags.endIndex }
    public subscript(position: Int) -> Tag { tags[position] }

    /// Eight upper-case hexadecimal digits per tag with each item index between, separated by slashes, as a URI
    /// path takes it: `00081140/0/00081155` is (0008,1155) in the first item of (0008,1140).
    public var description: String {
        var parts: [String] = []
        for (position, tag) in tags.enumerated() {
            if position > 0, position - 1 < itemIndices.count { parts.append(String(itemIndices[position - 1])) }
            parts.append(tag.hexString)
        }
        return parts.joined(separator: "/")
    }

    /// Steps into an attribute of the current data set.
    mutating func enter(_ tag: Tag) { tags.append(tag) }

    /// Steps out of the current attribute.
    mutating func leave() { tags.removeLast() }

    /// Steps into an item of the current sequence.
    mutating func enterItem(_ index: Int) { itemIndices.append(index) }

    /// Steps out of the current item.
    mutating func leaveItem() { itemIndices.removeLast() }
}
