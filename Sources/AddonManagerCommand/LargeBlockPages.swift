#if os(Linux)
import CSystemMemory
#endif

/// Blocks of 16 KB and more get pages of their own, where malloc's heap would otherwise have to
/// grow for them: the process asks glibc once, at start (`mallopt(M_MMAP_THRESHOLD)`).
///
/// glibc's default bound is 128 KB (and it raises the bound as large blocks are freed): the blocks
/// of 16–128 KB that a fleet's reconciles and answers allocate, and free again, grow the heap,
/// and what they leave behind stays resident between the blocks that outlive them. A block of
/// pages of its own is resident only where written and goes back to the system when freed. glibc
/// still uses room already free in the heap for such a block; only growth moves to pages. The
/// connections' own long-lived buffers are always on pages of their own
/// (`ConnectionBufferPages`, in KubernetesClient).
///
/// Measured at 1000 clusters (`Benchmarks/README.md`, "2026-12-07 (late morning)"): this one
/// alone lowered the manager's peak resident memory by 27 MB, and by 21 MB once idle, for the
/// same CPU in that run; with `ConnectionBufferPages` the two lowered it by 41 and 34 MB. The cost
/// is a system call for each such block allocated or freed where glibc would have grown its heap.
///
/// An operator's own `MALLOC_MMAP_THRESHOLD_`, or a `GLIBC_TUNABLES` mmap threshold, wins: then
/// nothing is changed.
enum LargeBlockPages {
    /// The smallest block given pages of its own.
    static let threshold = 16 * 1024

    /// What was done, for the start-up log line.
    enum Outcome: Equatable {
        /// glibc grows no heap for a block of `threshold` bytes or more: it maps pages for it.
        case applied(threshold: Int)
        /// The environment sets the threshold: left as the operator asked.
        case leftToEnvironment
        /// Not glibc (macOS in development), or glibc refused the setting.
        case unavailable
    }

    static func apply(environment: [String: String]) -> Outcome {
        if environment["MALLOC_MMAP_THRESHOLD_"] != nil || environment["GLIBC_TUNABLES"]?.contains("mmap_threshold") == true {
            return .leftToEnvironment
        }
        #if os(Linux)
        return mallopt(M_MMAP_THRESHOLD, Int32(threshold)) == 1 ? .applied(threshold: threshold) : .unavailable
        #else
        return .unavailable
        #endif
    }
}
