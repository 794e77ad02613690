public import Archive
import Crypto
public import Foundation

/// Machine credentials: `nuage_<id>_<secret>`, of which the directory keeps the id and the SHA-256 of the secret.
public enum APIKeys {
    /// A new key for a tenant: the text to hand to the machine once, and the record to save in the directory.
    public static func make(
        tenant: TenantID, roles: Set<Role>, label: String, createdAt: Date = Date()
    ) -> (key: String, record: APIKeyRecord) {
        let id = randomToken(bytes: 9)
        let secret = randomToken(bytes: 24)
        let record = APIKeyRecord(
            id: id, tenant: tenant, roles: roles, secretSHA256: sha256Hex(secret), label: label, createdAt: createdAt)
        return ("nuage_\(id)_\(secret)", record)
    }

    /// The id and secret of a key's text; nil when it is not shaped as one.
    public static func parse(_ key: String) -> (id: String, secret: String)? {
        guard key.hasPrefix("nuage_"), key.utf8.count <= 200 else { return nil }
        let rest = key.dropFirst("nuage_".count)
        guard let separator = rest.firstIndex(of: "_") else { return nil }
        let id = String(rest[..<separator])
        let secret = String(rest[rest.index(after: separator)...])
        guard !id.isEmpty, !secret.isEmpty else { return nil }
        return (id, secret)
    }

    /// Whether `secret` is the one whose digest the record keeps (constant-time comparison).
    public static func matches(_ secret: String, _ record: APIKeyRecord) -> Bool {
        PasswordHasher.constantTimeEqual(Array(sha256Hex(secret).utf8), Array(record.secretSHA256.utf8))
    }

    package static func sha256Hex(_ text: String) -> String {
        var hex: [UInt8] = []
        hex.reserveCapacity(SHA256.byteCount * 2)
        for byte in SHA256.hash(data: Array(text.utf8)) {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
    private static let tokenAlphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    /// URL-safe random text (letters and digits only, so `_` stays the separator).
    ///
    /// Random bytes from the system's generator, eight at a time; a byte picks a symbol when it is below 248
    /// (4 × 62) and is skipped otherwise, so every symbol is equally likely.
    package static func randomToken(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        // 62 symbols: about 5.95 bits each; 8/5.95 symbols per requested byte of entropy.
        let length = (count * 8 * 100 + 594) / 595
        let limit = UInt8(tokenAlphabet.count * (256 / tokenAlphabet.count))
        var symbols: [UInt8] = []
        symbols.reserveCapacity(length)
        while symbols.count < length {
            var word = generator.next()
            for _ in 0..<8 where symbols.count < length {
                let byte = UInt8(truncatingIfNeeded: word)
                word >>= 8
                if byte < limit { symbols.append(tokenAlphabet[Int(byte) % tokenAlphabet.count]) }
            }
        }
        return String(decoding: symbols, as: UTF8.self)
    }
}
