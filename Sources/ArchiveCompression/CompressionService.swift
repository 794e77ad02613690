import Archive
public import Logging
public import ServiceLifecycle

/// The maintenance service of `nuage serve` that compresses opted-in tenants' instances at rest, in the
/// background: ingest stores as received and acknowledges at once; this pass re-encodes afterwards.
///
/// Runs a `CompressionPass` of at most `batchSize` instances per tenant, then waits `interval` when there was
/// nothing left to do (at once otherwise), until graceful shutdown. Shutdown can interrupt a compression between
/// any two steps: at worst one orphan blob remains, which reconciliation removes.
public struct CompressionService: Service {
    private let pass: CompressionPass
    private let interval: Duration
    private let batchSize: Int
    private let logger: Logger

    public init(pass: CompressionPass, interval: Duration, batchSize: Int = 100, logger: Logger) {
        self.pass = pass
        self.interval = interval
        self.batchSize = max(1, batchSize)
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                var busy = false
                do {
                    let outcomes = try await pass.run(limit: batchSize)
                    busy = outcomes.contains { $0.report.compressed >= batchSize }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("compression at rest pass failed", metadata: ["nuage.error": "\(error)"])
                }
                if !busy {
                    do { try await Task.sleep(for: interval) } catch { return }
                }
            }
        }
    }
}
