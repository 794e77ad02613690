public import Archive
import Crypto
import Foundation
import Glibc
public import NIOCore

/// Precomputed WADO-RS series metadata (DICOM JSON of every instance of a series), kept as files: derived data,
/// rebuildable at any time, never the source of truth (DESIGN §5).
///
/// An entry is named by a fingerprint of what the index says the series holds (every current instance's SOP
/// Instance UID and SHA-256, in index order) and by the variant (the service URL written into BulkDataURIs): a store
/// or a deletion changes the fingerprint, so a stale entry is never served and no invalidation is needed, even with
/// several nodes sharing the folder. Writes go to a temporary file renamed into place; entries of an older
/// fingerprint of the series are removed when a new one is written. A nil folder disables the cache.
public struct SeriesMetadataCache: Sendable {
    public let folder: String?

    public init(folder: String?) {
        self.folder = folder
    }

    /// The comma-separated DICOM JSON objects of `instances` (one series of one tenant, as the index listed them
    /// for the caller), from the cache or from `build`, which is then cached.
    public func metadata(
        of instances: [StoredInstance], variant: String, build: () async throws -> ByteBuffer
    ) async throws -> ByteBuffer {
        guard let folder, let first = instances.first else { return try await build() }
        let directory = "\(folder)/\(first.tenant.rawValue)"
        let prefix = Self.hex(SHA256.hash(data: Array(first.seriesInstanceUID.utf8))).prefix(32)
        var hasher = SHA256()
        hasher.update(data: Array(variant.utf8))
        for instance in instances {
            hasher.update(data: Array("\u{0}\(instance.sopInstanceUID)\u{0}\(instance.object.sha256)".utf8))
        }
        let name = "\(prefix)-\(Self.hex(hasher.finalize()).prefix(32)).json"
        let path = "\(directory)/\(name)"
        if let data = FileManager.default.contents(atPath: path) {
            return ByteBuffer(bytes: data)
        }
        let built = try await build()
        store(built, directory: directory, name: name, seriesPrefix: String(prefix))
        return built
    }

    /// Writes an entry (best effort: a cache that cannot be written only costs a rebuild next time).
    private func store(_ bytes: ByteBuffer, directory: String, name: String, seriesPrefix: String) {
        let manager = FileManager.default
        try? manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = "\(directory)/.\(name).\(UUID().uuidString)"
        guard manager.createFile(atPath: temporary, contents: Data(bytes.readableBytesView)) else { return }
        if let stale = try? manager.contentsOfDirectory(atPath: directory) {
            for entry in stale where entry.hasPrefix(seriesPrefix + "-") && entry != name {
                try? manager.removeItem(atPath: "\(directory)/\(entry)")
            }
        }
        if rename(temporary, "\(directory)/\(name)") != 0 { try? manager.removeItem(atPath: temporary) }
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
