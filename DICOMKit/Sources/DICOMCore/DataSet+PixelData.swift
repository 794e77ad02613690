extension DataSet {
    /// The Extended Offset Table (7FE0,0001) and its lengths (7FE0,0002): for each frame of encapsulated pixel
    /// data, the byte offset of its first fragment's item from the first fragment after the Basic Offset Table,
    /// and its length (PS3.5 §A.4, PS3.3 §C.7.6.3.1.8). Nil when the table is absent.
    ///
    /// Throws `invalidValue` when the two elements do not hold the same number of 64-bit values.
    public func extendedOffsetTable() throws(DICOMParseError) -> (offsets: [UInt64], lengths: [UInt64])? {
        guard let offsetsElement = self[Tag(rawValue: 0x7FE0_0001)] else { return nil }
        let offsets = try offsetsElement.integers(as: UInt64.self)
        let lengths = try self[Tag(rawValue: 0x7FE0_0002)]?.integers(as: UInt64.self) ?? []
        guard lengths.count == offsets.count else {
            throw DICOMParseError(
                .invalidValue, "\(offsets.count) extended offsets but \(lengths.count) lengths",
                tagPath: [Tag(rawValue: 0x7FE0_0002)])
        }
        return (offsets, lengths)
    }
}
