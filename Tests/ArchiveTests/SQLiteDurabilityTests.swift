import ArchiveSQLite
import Foundation
import Testing

@Suite("SQLite index durability")
struct SQLiteDurabilityTests {
    /// A registration is acknowledged once `register` returns, so its commit must reach the disk: WAL mode with
    /// `synchronous = FULL` on the connection that commits (GRDB's pool would leave NORMAL).
    @Test func writerCommitsWithFullSynchronisation() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nuage-sqlite-durability-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteIndexStore(path: directory.appendingPathComponent("index.sqlite").path)
        try await store.prepare()
        #expect(try await store.writerSynchronousSetting() == 2)
    }
}
