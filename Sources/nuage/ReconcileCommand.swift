import Archive
import ArgumentParser

/// `nuage reconcile`: brings blobs and index back into agreement (what `nuage import` does after a crash).
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Remove dead temporaries, index blobs that have no row, report rows whose blob is missing.",
        discussion: "Run it when nothing else writes to the data folder. Exit status 1 when something is left "
            + "inconsistent (an unreadable blob, a missing one)."
    )

    @OptionGroup var data: DataOptions

    func run() async throws {
        let consistent = try await data.withArchive(marksSession: true) { archive, _ in
            var consistent = true
            for tenant in try await data.tenants(of: archive) {
                let report = try await archive.reconcile(context: .system(tenant, task: "reconcile"))
                print(
                    "\(tenant): removed \(report.temporariesRemoved) temporaries, indexed \(report.reindexed.count) "
                        + "blobs, removed \(report.redundantRemoved.count) redundant")
                for problem in report.unindexable { print("\(tenant): unindexable blob \(problem)") }
                for instance in report.missingBlobs {
                    print(
                        "\(tenant): missing blob \(instance.object.blobKey) "
                            + "(SOP Instance \(instance.sopInstanceUID))")
                }
                consistent = consistent && report.isConsistent
            }
            return consistent
        }
        if !consistent { throw ExitCode(1) }
    }
}
