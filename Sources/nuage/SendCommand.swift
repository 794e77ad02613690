import Archive
import ArgumentParser
import DICOMCore
import DICOMNetwork
import DICOMNetworkNIO
import Glibc
import NIOConcurrencyHelpers

/// `nuage send HOST PORT PATH…`: C-STORE of files and folders, over several associations in parallel.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send DICOM files and folders (recursively) to a peer with C-STORE.",
        discussion: """
            Each file is sent in its own transfer syntax (one presentation context is proposed per SOP class and \
            transfer syntax found), its data set streamed from disk. Files are shared among --associations \
            associations that send in parallel. Exit status: 0 when the peer stored every file (success or warning), \
            1 otherwise.
            """
    )

    @OptionGroup var peer: DIMSEPeerOptions

    @Argument(help: "Files and folders to send.")
    var paths: [String]

    @Option(help: "Associations that send in parallel.")
    var associations = 1

    func validate() throws {
        guard (1...64).contains(associations) else { throw ValidationError("--associations is 1 to 64") }
    }

    func run() async throws {
        let found = FileWalker.files(under: paths)
        for (path, reason) in found.unreadable { printError("nuage send: \(path): \(reason)") }
        var headers: [(ImportFile, Part10Header)] = []
        let tally = SendTally(total: found.files.count)
        for file in found.files {
            do {
                headers.append((file, try await Part10Header(contentsOf: file.path)))
            } catch {
                tally.record(path: file.path, bytes: 0, outcome: "skipped (\(error))")
            }
        }
        // One context per (SOP class, transfer syntax); at most 128 contexts on an association (PS3.8 §9.3.2.2).
        var pairs: [UID: Set<UID>] = [:]
        for (_, header) in headers { pairs[header.sopClassUID, default: []].insert(header.transferSyntax) }
        var parameters = try peer.parameters()
        for (sopClass, syntaxes) in pairs.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            for syntax in syntaxes.sorted(by: { $0.rawValue < $1.rawValue }) { parameters.propose([sopClass], transferSyntaxes: [syntax]) }
        }
        guard parameters.presentationContexts.count <= 128 else {
            printError("nuage send: \(parameters.presentationContexts.count) SOP class and transfer syntax pairs; at most 128")
            throw ExitCode(1)
        }
        let client = peer.makeClient()
        let shares = (0..<associations).map { index in stride(from: index, to: headers.count, by: associations).map { headers[$0] } }
        let clock = ContinuousClock()
        let start = clock.now
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await showProgress(of: tally) }
            await withTaskGroup(of: Void.self) { senders in
                for share in shares where !share.isEmpty {
                    senders.addTask { [peer, parameters] in
                        do {
                            try await client.withAssociation(host: peer.host, port: peer.port, parameters: parameters) { association in
                                for (file, header) in share {
                                    let outcome: String
                                    do {
                                        let response = try await association.store(
                                            sopClassUID: header.sopClassUID, sopInstanceUID: header.sopInstanceUID,
                                            transferSyntax: header.transferSyntax,
                                            dataSet: FileChunks(path: file.path, offset: header.dataSetOffset))
                                        outcome = response.status.isSuccessOrWarning ? "stored" : "refused (\(response.status))"
                                    } catch let error as DIMSEClientError {
                                        guard case .noPresentationContext = error else { throw error }
                                        outcome = "refused (\(error))"
                                    }
                                    tally.record(path: file.path, bytes: Int(file.size), outcome: outcome)
                                }
                            }
                        } catch {
                            printError("nuage send: association failed: \(error)")
                            tally.failRemaining(of: share.map(\.0.path))
                        }
                    }
                }
            }
            group.cancelAll()
        }
        if isatty(STDERR_FILENO) != 0 { writeError("\r\u{1B}[K") }
        printError(tally.summary(elapsed: clock.now - start))
        if !tally.allStored { throw ExitCode(1) }
    }
}

/// Counts of a `nuage send`, shared by its associations.
final class SendTally: Sendable {
    private struct State {
        var outcomes: [String: Int] = [:]
        var done = 0
        var bytes = 0
        var recorded: Set<String> = []
        var examples: [String: String] = [:]
    }

    let total: Int
    private let state = NIOLockedValueBox(State())

    init(total: Int) {
        self.total = total
    }

    func record(path: String, bytes: Int, outcome: String) {
        state.withLockedValue { state in
            state.recorded.insert(path)
            state.done += 1
            state.bytes += outcome == "stored" ? bytes : 0
            state.outcomes[outcome, default: 0] += 1
            if state.examples[outcome] == nil { state.examples[outcome] = path }
        }
    }

    func failRemaining(of paths: [String]) {
        for path in paths where !state.withLockedValue({ $0.recorded.contains(path) }) {
            record(path: path, bytes: 0, outcome: "failed (association)")
        }
    }

    var allStored: Bool { state.withLockedValue { $0.outcomes.keys.allSatisfy { $0 == "stored" } } }

    func progressLine() -> String {
        state.withLockedValue { "nuage send: \($0.done)/\(total) files, \($0.bytes / 1_000_000) MB" }
    }

    func summary(elapsed: Duration) -> String {
        state.withLockedValue { state in
            let seconds = elapsed.seconds
            let rate = seconds > 0 ? Double(state.bytes) / seconds : 0
            var lines = [
                "nuage send: \(state.done) files in \(ImportTally.format(duration: seconds)), "
                    + "\(ImportTally.format(bytes: Int64(state.bytes))) stored (\(ImportTally.format(megabytesPerSecond: rate)))"
            ]
            for (outcome, count) in state.outcomes.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(outcome): \(count)" + (outcome == "stored" ? "" : " (e.g. \(state.examples[outcome] ?? ""))"))
            }
            return lines.joined(separator: "\n")
        }
    }
}

/// Redraws a progress line on a terminal, or prints one every few seconds otherwise.
private func showProgress(of tally: SendTally) async {
    let isTerminal = isatty(STDERR_FILENO) != 0
    while true {
        try? await Task.sleep(for: isTerminal ? .milliseconds(250) : .seconds(5))
        if Task.isCancelled { return }
        writeError(isTerminal ? "\r\u{1B}[K" + tally.progressLine() : tally.progressLine() + "\n")
    }
}
