import Testing
@testable import AddonManagerCommand

/// `LargeBlockPages`: what `run` and `dev` ask of glibc's malloc at start.
@Suite struct LargeBlockPagesTests {
    @Test func anOperatorsOwnThresholdIsLeftAlone() {
        #expect(LargeBlockPages.apply(environment: ["MALLOC_MMAP_THRESHOLD_": "131072"]) == .leftToEnvironment)
        #expect(LargeBlockPages.apply(environment: ["GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=131072"]) == .leftToEnvironment)
    }

    #if os(Linux)
    /// glibc takes the setting (for this whole test process: harmless, it is what `run` does).
    /// (Whether a given block then gets pages of its own depends on the
    /// room free in the heap at that moment, so no test can tell it from here.)
    @Test func glibcTakesTheThreshold() {
        #expect(LargeBlockPages.apply(environment: ["GLIBC_TUNABLES": "glibc.malloc.check=0"]) == .applied(threshold: 16 * 1024))
        #expect(LargeBlockPages.apply(environment: [:]) == .applied(threshold: 16 * 1024))
    }
    #endif
}
