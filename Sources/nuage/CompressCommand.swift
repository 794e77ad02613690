import Archive
import ArchiveCompression
import ArgumentParser
import Foundation
import NuageServer

/// `nuage compress`: compression at rest of the establishments that opted in (`nuage tenant set-compression`).
struct CompressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "Re-encode the uncompressed instances of opted-in tenants losslessly (verified bit-exact).",
        discussion: "Each instance keeps its SOP Instance UID; the index switches to the compressed blob in one "
            + "transaction, then the original is deleted. Tenants whose compression is none are not touched. If "
            + "interrupted, at most one blob per tenant is left over, which `nuage reconcile` removes. Safe while "
            + "`nuage serve` runs."
    )

    @Option(help: "Only this establishment (it must have opted in).")
    var tenant: String?

    @Option(help: "At most this many instances per establishment.")
    var limit: Int?

    @OptionGroup var data: DataOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be positive") }
    }

    func run() async throws {
        let only = try tenant.map(parsedTenant)
        let failed = try await data.storage.withArchive(logger: data.makeLogger()) { archive, directory, _ in
            let outcomes = try await CompressionPass(archive: archive, directory: directory).run(
                tenant: only, limit: limit)
            if outcomes.isEmpty {
                let who = only.map { "\($0) has not" } ?? "no establishment has"
                print("\(who) opted in to compression at rest (nuage tenant set-compression)")
            }
            var failed = false
            for outcome in outcomes {
                let report = outcome.report
                let totals = try await archive.compressionTotals(context: .system(outcome.tenant.id, task: "compress"))
                print(
                    "\(outcome.tenant.id) (\(outcome.tenant.compression.rawValue)): compressed \(report.compressed) of "
                        + "\(report.examined) uncompressed instances, \(report.bytesBefore) → \(report.bytesAfter) "
                        + "bytes, ratio \(Self.ratio(report.ratio)); left as stored \(report.leftAsStored), failed "
                        + "\(report.failures.count)")
                for total in totals {
                    print(
                        "\(outcome.tenant.id) so far: \(total.instances) instances, \(total.bytesBefore) → "
                            + "\(total.bytesAfter) bytes, ratio \(Self.ratio(total.ratio))")
                }
                for failure in report.failures { printError("nuage: \(outcome.tenant.id): \(failure)") }
                failed = failed || !report.failures.isEmpty
            }
            return failed
        }
        if failed { throw ExitCode(1) }
    }

    static func ratio(_ value: Double?) -> String {
        value.map { String(format: "%.2f", $0) } ?? "-"
    }
}
