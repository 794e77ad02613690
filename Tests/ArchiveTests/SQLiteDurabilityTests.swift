import Archive
import ArchiveSQLite
import Foundation
import Testing

@Suite("SQLite index: durability and query plans")
struct SQLiteDurabilityTests {
    /// A registration is acknowledged once `register` returns, so its commit must reach the disk: WAL mode with
    /// `synchronous = FULL` on the connection that commits (GRDB's pool would leave NORMAL).
    @Test func writerCommitsWithFullSynchronisation() async throws {
        try await withSQLiteIndexStore { (store: SQLiteIndexStore) async throws in
            #expect(try await store.writerSynchronousSetting() == 2)
        }
    }

    /// Every index begins with the tenant, and SQLite without statistics takes `tenant = ?` for a selective test.
    /// The selections must reach instances through their series (never every instance of a tenant), and pages in
    /// blob key order through the blob key index (never a sort of the whole tenant per page).
    @Test func selectionsReachInstancesThroughTheirParents() async throws {
        try await withSQLiteIndexStore { store in try await Self.checkPlans(of: store) }
    }

    private static func checkPlans(of store: SQLiteIndexStore) async throws {
        let tenant = TenantID.defaultTenant
        let scope = AccessScope(context: .system(tenant, task: "plan-tests"), action: .read, tenants: [tenant])
        func plan<Output>(_ program: SingleStepProgram<Output>) async throws -> [String] {
            var program = program
            guard case .run(let statements) = try program.start(), let first = statements.first else { return [] }
            return try await store.queryPlan(first)
        }
        for selector in [
            InstanceSelector.patient(patientID: "P", issuerOfPatientID: nil), .study(studyInstanceUID: "1.2"),
            .series(studyInstanceUID: "1.2", seriesInstanceUID: "1.2.3"),
        ] {
            let steps = try await plan(IndexReadPrograms.instances(selector, scope: scope, dialect: .sqlite))
            let instanceSteps = steps.filter { $0.hasPrefix("SEARCH i ") || $0.hasPrefix("SCAN i") }
            #expect(instanceSteps == ["SEARCH i USING INDEX instances_by_series (tenant=? AND series_fk=?)"], "\(selector)")
            #expect(!steps.contains { $0.hasPrefix("SCAN") }, "\(selector): \(steps)")
        }
        let page = try await plan(IndexReadPrograms.instancePage(after: nil, limit: 10, scope: scope, dialect: .sqlite))
        #expect(page.first == "SEARCH i USING INDEX instances_by_blob_key (tenant=?)")
        #expect(!page.contains { $0.contains("TEMP B-TREE") })
    }
}
