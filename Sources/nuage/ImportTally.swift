import Archive
import Glibc
import Synchronization

/// The running counts of an import, shared by its workers and its progress line.
final class ImportTally: Sendable {
    struct Counts: Sendable {
        var filesDone = 0
        var bytesDone: Int64 = 0
        var stored = 0
        var alreadyStored = 0
        var keptFirst = 0
        var replaced = 0
        /// Files that are not DICOM (or not instances), by reason.
        var skipped: [String: Int] = [:]
        /// DICOM objects refused (invalid, truncated…), by reason.
        var rejected: [String: Int] = [:]
        /// The archive failed to store them (I/O, index): to be retried.
        var failed: [String: Int] = [:]
        /// A few examples of each problem, with their paths.
        var examples: [String] = []

        var skippedCount: Int { skipped.values.reduce(0, +) }
        var rejectedCount: Int { rejected.values.reduce(0, +) }
        var failedCount: Int { failed.values.reduce(0, +) }
    }

    let totalFiles: Int
    let totalBytes: Int64
    private let counts = Mutex(Counts())
    private let start = ContinuousClock.now
    static let maximumExamples = 20

    init(totalFiles: Int, totalBytes: Int64) {
        self.totalFiles = totalFiles
        self.totalBytes = totalBytes
    }

    var snapshot: Counts { counts.withLock { $0 } }
    var elapsed: Duration { ContinuousClock.now - start }

    func record(_ result: IngestResult, size: Int64) {
        counts.withLock { counts in
            counts.filesDone += 1
            counts.bytesDone += size
            switch result.disposition {
            case .stored: counts.stored += 1
            case .alreadyStored: counts.alreadyStored += 1
            case .keptFirst: counts.keptFirst += 1
            case .replaced: counts.replaced += 1
            }
        }
    }

    enum Problem {
        case skipped, rejected, failed
    }

    func record(_ problem: Problem, reason: String, path: String, size: Int64) {
        counts.withLock { counts in
            counts.filesDone += 1
            counts.bytesDone += size
            switch problem {
            case .skipped: counts.skipped[reason, default: 0] += 1
            case .rejected: counts.rejected[reason, default: 0] += 1
            case .failed: counts.failed[reason, default: 0] += 1
            }
            if counts.examples.count < Self.maximumExamples {
                counts.examples.append("\(path): \(reason)")
            }
        }
    }

    /// "files 1234/5000 (24%), 12.3 MB/s, 456 files/s, ETA 0:42".
    func progressLine() -> String {
        let counts = snapshot
        let seconds = max(elapsed.seconds, 0.001)
        let rate = Double(counts.bytesDone) / seconds
        let filesRate = Double(counts.filesDone) / seconds
        var line = "files \(counts.filesDone)/\(totalFiles)"
        if totalBytes > 0 { line += " (\(Int(Double(counts.bytesDone) * 100 / Double(totalBytes)))%)" }
        line += ", " + Self.format(megabytesPerSecond: rate) + ", \(Int(filesRate.rounded())) files/s"
        if rate > 0 && counts.filesDone < totalFiles {
            line += ", ETA " + Self.format(duration: Double(totalBytes - counts.bytesDone) / rate)
        }
        return line
    }

    /// The summary printed at the end.
    func summary() -> String {
        let counts = snapshot
        let seconds = max(elapsed.seconds, 0.001)
        var lines: [String] = []
        lines.append(
            "imported \(counts.filesDone) files (\(Self.format(bytes: counts.bytesDone))) in "
                + "\(Self.format(duration: seconds)): "
                + "\(Self.format(megabytesPerSecond: Double(counts.bytesDone) / seconds)), "
                + "\(Int((Double(counts.filesDone) / seconds).rounded())) files/s")
        lines.append("  stored:                 \(counts.stored)")
        lines.append("  already stored:         \(counts.alreadyStored)")
        lines.append("  duplicates (kept first): \(counts.keptFirst)")
        if counts.replaced > 0 { lines.append("  replaced:               \(counts.replaced)") }
        lines.append("  skipped (not DICOM):    \(counts.skippedCount)")
        for (reason, count) in counts.skipped.sorted(by: { $0.value > $1.value }) {
            lines.append("    \(count) × \(reason)")
        }
        lines.append("  rejected:               \(counts.rejectedCount)")
        for (reason, count) in counts.rejected.sorted(by: { $0.value > $1.value }) {
            lines.append("    \(count) × \(reason)")
        }
        if counts.failedCount > 0 {
            lines.append("  failed (not stored, retry): \(counts.failedCount)")
            for (reason, count) in counts.failed.sorted(by: { $0.value > $1.value }) {
                lines.append("    \(count) × \(reason)")
            }
        }
        if !counts.examples.isEmpty {
            lines.append("  first problems:")
            lines += counts.examples.map { "    " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    static func format(megabytesPerSecond rate: Double) -> String {
        "\((rate / 1_000_000 * 10).rounded() / 10) MB/s"
    }

    static func format(bytes: Int64) -> String {
        "\((Double(bytes) / 1_000_000 * 10).rounded() / 10) MB"
    }

    static func format(duration seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let total = Int(seconds.rounded())
        let minutes = total / 60
        let remainder = total % 60
        return "\(minutes / 60 > 0 ? "\(minutes / 60):" : "")\(minutes % 60):\(remainder < 10 ? "0" : "")\(remainder)"
    }
}
