import Testing

@testable import NuageServer

@Suite("Allocator tuning")
struct AllocatorTuningTests {
    /// glibc refuses an mmap threshold above 32 MiB on 64-bit systems (`DEFAULT_MMAP_THRESHOLD_MAX`) and answers 0:
    /// the server would then run with the defaults and only a warning would say so.
    @Test("glibc takes the server's allocator settings")
    func glibcTakesTheSettings() {
        #expect(AllocatorTuning.apply())
    }
}
