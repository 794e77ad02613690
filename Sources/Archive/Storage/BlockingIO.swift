import NIOPosix

/// A small pool of threads for blocking file system calls (read, write, fsync, rename, directory walks).
///
/// Swift's cooperative pool has one thread per core (two on the reference machine): an `fsync` that waits 5 ms on
/// the disk there stalls every task of the process. The blob store and the file readers of the ingest pipeline run
/// their system calls here instead. The pool is deliberately larger than the core count: its threads mostly wait
/// on the disk, and durability comes from overlapping many `fsync`s (the file system's journal commits them
/// together), which needs as many threads as ingests in flight.
///
/// Scoped: made and shut down by `withBlockingIO(threads:_:)`, so no thread outlives its user.
public final class BlockingIO: Sendable {
    private let pool: NIOThreadPool
    /// How many calls may block at once.
    public let threadCount: Int

    private init(threads: Int) {
        threadCount = max(1, threads)
        pool = NIOThreadPool(numberOfThreads: threadCount)
        pool.start()
    }

    /// Starts a pool of `threads` threads, runs `body` with it, then stops the pool (also when `body` throws).
    public static func withBlockingIO<Result: Sendable>(
        threads: Int = 16, _ body: (BlockingIO) async throws -> Result
    ) async throws -> Result {
        let io = BlockingIO(threads: threads)
        let result: Result
        do {
            result = try await body(io)
        } catch {
            try? await io.pool.shutdownGracefully()
            throw error
        }
        try await io.pool.shutdownGracefully()
        return result
    }

    /// Runs a blocking closure on one of the pool's threads and returns its result.
    ///
    /// When the calling task is cancelled before the closure has started, the closure does not run and this throws
    /// `CancellationError`; once started, it runs to its end.
    public func run<Value: Sendable, Failure: Error>(
        _ body: @escaping @Sendable () throws(Failure) -> Value
    ) async throws -> Value {
        try await pool.runIfActive { () throws -> Value in try body() }
    }
}
