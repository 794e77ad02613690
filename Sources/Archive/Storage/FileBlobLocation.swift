/// Where one object of the file blob store lives, parsed from its key or made for a new upload.
///
/// A key is `<tenant>/<aa>/<bb>/<name>`: `name` is 32 lower-case hexadecimal digits and `aa`, `bb` are its first
/// two pairs of digits, the shard directory (the other 28 digits are random). Two levels of 256 directories per
/// tenant keep every directory small (about 15,000 entries at a billion objects per tenant). The grammar leaves no
/// room for "..", "/" or any other path trick: a key that does not match it exactly names no file.
struct FileBlobLocation: Hashable, Sendable {
    let tenant: TenantID
    /// 32 lower-case hexadecimal digits.
    let name: String

    static let nameLength = 32

    /// A location in the shard directory `shard` (its 16 bits are the name's first four digits) with a fresh
    /// random name.
    static func random(for tenant: TenantID, shard: UInt16) -> FileBlobLocation {
        var generator = SystemRandomNumberGenerator()
        var name = ""
        name.reserveCapacity(nameLength)
        for shift in stride(from: 12, through: 0, by: -4) {
            name.append(hexDigit(Int((shard >> UInt16(shift)) & 0xF)))
        }
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        // 28 more random digits: 112 bits, so that names never collide in practice.
        for shift in stride(from: 44, through: 0, by: -4) {
            name.append(hexDigit(Int((high >> UInt64(shift)) & 0xF)))
        }
        for shift in stride(from: 60, through: 0, by: -4) {
            name.append(hexDigit(Int((low >> UInt64(shift)) & 0xF)))
        }
        return FileBlobLocation(tenant: tenant, name: name)
    }

    private init(tenant: TenantID, name: String) {
        self.tenant = tenant
        self.name = name
    }

    /// Parses a key; nil unless it has exactly the shape the store makes.
    init?(key: BlobKey) {
        let parts = key.rawValue.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard parts.count == 4, let tenantText = String(parts[0]), let tenant = TenantID(rawValue: tenantText),
            let name = String(parts[3]), Self.isValidName(name),
            parts[1].elementsEqual(name.utf8.prefix(2)), parts[2].elementsEqual(name.utf8.dropFirst(2).prefix(2))
        else { return nil }
        self.init(tenant: tenant, name: name)
    }

    /// Whether the text is 32 lower-case hexadecimal digits.
    static func isValidName(_ text: String) -> Bool {
        text.utf8.count == nameLength && text.utf8.allSatisfy(isLowerHex)
    }

    /// Whether the text is a shard directory name: two lower-case hexadecimal digits.
    static func isValidShard(_ text: String) -> Bool {
        text.utf8.count == 2 && text.utf8.allSatisfy(isLowerHex)
    }

    var firstShard: String { String(name.prefix(2)) }
    var secondShard: String { String(name.dropFirst(2).prefix(2)) }

    var key: BlobKey { BlobKey(rawValue: "\(tenant.rawValue)/\(firstShard)/\(secondShard)/\(name)") }

    /// The directory of the object, relative to the store's root.
    var directory: String { "\(tenant.rawValue)/\(firstShard)/\(secondShard)" }

    /// The object's path relative to the store's root.
    var relativePath: String { directory + "/" + name }

    /// The name of the upload's temporary in the tenant's temporary area.
    var temporaryName: String { name + FileBlobLocation.temporarySuffix }

    static let temporarySuffix = ".tmp"
    /// The tenant's temporary area, relative to its folder.
    static let temporaryDirectory = "tmp"

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func hexDigit(_ value: Int) -> Character {
        Character(Unicode.Scalar(UInt8(value < 10 ? 48 + value : 87 + value)))
    }
}
