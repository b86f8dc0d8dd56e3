#if os(Linux)
import CMalloc
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
/// Measured at 1000 clusters (`Benchmarks/README.md`, "2026-12-07 (late morning)"): with both,
/// the manager's peak resident memory 30 MB lower, and 24 MB lower once idle, for the same CPU;
/// this one alone, 27 and 21 MB.
///
/// An operator's own `MALLOC_MMAP_THRESHOLD_`, or a `GLIBC_TUNABLES` mmap threshold, wins: then
/// nothing is changed.
enum LargeBlockPages {
    /// The smallest block given pages of its own.
    static let threshold = 16 * 1024

    /// What was done, for the start-up log line.
    enum Outcome: Equatable {
        /// glibc serves blocks of `threshold` bytes and more from pages of their own.
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
