import Crypto
import Foundation
import _CryptoExtras

/// Hashes and verifies local account passwords with scrypt (RFC 7914), stored in the PHC string format:
/// `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (salt and hash in unpadded base64).
///
/// The cost parameters travel with each hash, so raising the default later leaves existing accounts verifiable.
/// Verification compares in constant time and answers false (never throws) for a malformed stored string.
public enum PasswordHasher {
    /// scrypt's cost: N = 2^logRounds, block size r, parallelism p.
    public struct Cost: Hashable, Sendable {
        public var logRounds: Int
        public var blockSize: Int
        public var parallelism: Int

        public init(logRounds: Int, blockSize: Int = 8, parallelism: Int = 1) {
            self.logRounds = logRounds
            self.blockSize = blockSize
            self.parallelism = parallelism
        }

        /// N = 2^15, r = 8, p = 1: 32 MiB and some 100 ms a hash (OWASP's minimum is 2^17 with r = 8 at p = 1,
        /// or a lower N with more memory elsewhere; verified passwords are cached, so the cost is paid once).
        public static let standard = Cost(logRounds: 15)
    }

    /// Largest cost accepted when verifying a stored string (a hostile row must not make the server spend GiBs).
    static let maximumLogRounds = 20

    /// A new PHC string for the password, with a random 16-byte salt.
    public static func hash(_ password: String, cost: Cost = .standard) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let derived = try derive(password, salt: salt, cost: cost)
        return "$scrypt$ln=\(cost.logRounds),r=\(cost.blockSize),p=\(cost.parallelism)$\(unpadded(Data(salt)))$"
            + unpadded(Data(derived))
    }

    /// Whether the password is the one `phc` was made from.
    public static func verify(_ password: String, against phc: String) -> Bool {
        let fields = phc.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0].isEmpty, fields[1] == "scrypt",
            let cost = parseCost(fields[2]), let salt = decode(fields[3]), let expected = decode(fields[4]),
            !expected.isEmpty, expected.count <= 64,
            let derived = try? derive(password, salt: Array(salt), cost: cost, length: expected.count)
        else { return false }
        return constantTimeEqual(derived, Array(expected))
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    private static func derive(_ password: String, salt: [UInt8], cost: Cost, length: Int = 32) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: length, rounds: 1 << cost.logRounds,
            blockSize: cost.blockSize, parallelism: cost.parallelism)
        return key.withUnsafeBytes { Array($0) }
    }

    private static func parseCost(_ field: Substring) -> Cost? {
        var values: [Substring: Int] = [:]
        for pair in field.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Int(parts[1]) else { return nil }
            values[parts[0]] = value
        }
        guard let logRounds = values["ln"], (1...maximumLogRounds).contains(logRounds),
            let blockSize = values["r"], (1...32).contains(blockSize),
            let parallelism = values["p"], (1...16).contains(parallelism)
        else { return nil }
        return Cost(logRounds: logRounds, blockSize: blockSize, parallelism: parallelism)
    }

    private static func unpadded(_ data: Data) -> String {
        var text = data.base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    private static func decode(_ text: Substring) -> Data? {
        var padded = String(text)
        while padded.count % 4 != 0 { padded += "=" }
        return Data(base64Encoded: padded)
    }
}
