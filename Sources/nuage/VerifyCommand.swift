import Archive
import ArgumentParser
import Glibc
import Synchronization

/// `nuage verify`: checks every blob against its recorded SHA-256, and the index against the blobs.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every stored object against its recorded size and SHA-256, and the index against the blobs.",
        discussion: "Exit status 1 when any object is missing, altered or not indexed."
    )

    @Option(help: "Verify only this tenant (default: every tenant).")
    var tenant: String?

    @Option(help: "Objects read at once.")
    var jobs = 4

    @OptionGroup var data: DataOptions

    func validate() throws {
        if let tenant, TenantID(rawValue: tenant) == nil { throw ValidationError("--tenant: not a valid tenant") }
    }

    func run() async throws {
        let clean = try await data.withArchive { archive in
            let tenants: [TenantID]
            if let tenant = tenant.flatMap(TenantID.init(rawValue:)) {
                tenants = [tenant]
            } else {
                tenants = try await data.tenants(of: archive)
            }
            var clean = true
            for tenant in tenants {
                let isTerminal = isatty(STDERR_FILENO) != 0
                let lastShown = Mutex(ContinuousClock.now)
                let report = try await archive.verify(
                    context: .system(tenant, task: "verify"), parallelism: jobs
                ) { instances, bytes in
                    let now = ContinuousClock.now
                    let due = lastShown.withLock { last in
                        guard now - last > (isTerminal ? .milliseconds(250) : .seconds(5)) else { return false }
                        last = now
                        return true
                    }
                    guard due else { return }
                    let line = "\(tenant): \(instances) objects, \(ImportTally.format(bytes: bytes)) checked"
                    writeError(isTerminal ? "\r\u{1B}[K" + line : line + "\n")
                }
                if isTerminal { writeError("\r\u{1B}[K") }
                for problem in report.problems { print("\(tenant): \(problem)") }
                for key in report.unindexedBlobs { print("\(tenant): not indexed: \(key)") }
                print(
                    "\(tenant): \(report.instancesChecked) objects, \(ImportTally.format(bytes: report.bytesChecked)): "
                        + (report.isClean
                            ? "OK"
                            : "\(report.problems.count) problems, \(report.unindexedBlobs.count) blobs not indexed")
                        + (report.abandonedTemporaries > 0
                            ? " (\(report.abandonedTemporaries) abandoned temporaries; import reconciles them)" : ""))
                clean = clean && report.isClean
            }
            return clean
        }
        if !clean { throw ExitCode(1) }
    }
}

/// `nuage stats`: counts per tenant.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print per-tenant counts: patients, studies, series, instances, bytes."
    )

    @Flag(help: "Print JSON (an array of objects, one per tenant).")
    var json = false

    @OptionGroup var data: DataOptions

    func run() async throws {
        let statistics = try await data.withArchive { archive in
            var all: [TenantStatistics] = []
            for tenant in try await data.tenants(of: archive) {
                all += try await archive.statistics(context: .system(tenant, task: "stats"))
            }
            return all
        }
        if json {
            print(Self.json(statistics))
        } else {
            print("tenant".padding(20) + "patients".padding(10) + "studies".padding(10) + "series".padding(10)
                + "instances".padding(12) + "bytes")
            for row in statistics {
                print(
                    row.tenant.padding(20) + String(row.patients).padding(10) + String(row.studies).padding(10)
                        + String(row.series).padding(10) + String(row.instances).padding(12) + String(row.bytes))
            }
        }
    }

    /// `[{"tenant":"default","patients":1,…}]`; tenant IDs are slugs, so no escaping is needed.
    static func json(_ statistics: [TenantStatistics]) -> String {
        let rows = statistics.map { row in
            "{\"tenant\":\"\(row.tenant)\",\"patients\":\(row.patients),\"studies\":\(row.studies),"
                + "\"series\":\(row.series),\"instances\":\(row.instances),\"bytes\":\(row.bytes)}"
        }
        return "[" + rows.joined(separator: ",") + "]"
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
