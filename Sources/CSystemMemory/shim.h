// What Swift cannot call of the system's memory functions as they are declared: glibc's malloc
// tuning (mallopt, in malloc.h, which Swift's Glibc module leaves out) and mremap (variadic).
// Linux only.
#if defined(__linux__)
#include <malloc.h>
#include <stddef.h>
#include <sys/mman.h>

extern void *mremap(void *old_address, size_t old_size, size_t new_size, int flags, ...);

/// Moves a mapping to a new length (MREMAP_MAYMOVE): its pages move without being touched, so
/// pages never written stay not resident. MAP_FAILED on failure.
static inline void *system_memory_resize_mapping(void *start, size_t old_length, size_t new_length) {
    return mremap(start, old_length, new_length, 1 /* MREMAP_MAYMOVE */);
}

/// Asks that a mapping never be backed by transparent huge pages (MADV_NOHUGEPAGE), which would
/// make a 2 MB range resident for one written page.
static inline int system_memory_no_huge_pages(void *start, size_t length) {
    return madvise(start, length, 15 /* MADV_NOHUGEPAGE */);
}
#endif
