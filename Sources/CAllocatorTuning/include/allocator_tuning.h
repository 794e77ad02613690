// glibc's malloc tuning (mallopt), which Swift's Glibc module does not export.
#ifndef NUAGE_ALLOCATOR_TUNING_H
#define NUAGE_ALLOCATOR_TUNING_H

#include <malloc.h>
#include <stddef.h>

// Serves allocations below `mmap_threshold` bytes from the heap (not a fresh mapping each) and keeps up to
// `trim_threshold` free bytes at the top of each heap (not returned to the kernel at every free). Returns 1 when
// glibc took both, 0 otherwise.
static inline int nuage_tune_allocator(size_t mmap_threshold, size_t trim_threshold) {
    return mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold) == 1 && mallopt(M_TRIM_THRESHOLD, (int)trim_threshold) == 1;
}

#endif
