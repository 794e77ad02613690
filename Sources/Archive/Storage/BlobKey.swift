/// The name of a stored object in a blob store: the tenant first, then a path that spreads objects over bounded
/// directories. Built by the blob store, never from client input.
public struct BlobKey: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: BlobKey, rhs: BlobKey) -> Bool { lhs.rawValue < rhs.rawValue }
}
