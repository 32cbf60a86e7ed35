// Hints about memory that Swift has no spelling for: the CPU's prefetch, and the kernel's huge pages.
// Header-only: each inlines into its caller.
#ifndef ZONESEP_MEMORY_HINTS_H
#define ZONESEP_MEMORY_HINTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

/// Asks for the cache line holding `address` without waiting for it (no fault on a bad address).
static inline __attribute__((always_inline)) void zonesep_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// The same, for a line about to be written.
static inline __attribute__((always_inline)) void zonesep_prefetch_for_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

/// Asks the kernel to back the whole 4 KiB pages inside [address, address + length) with transparent huge
/// pages (needed when THP is in "madvise" mode, as on Debian). Returns madvise's result; failure is harmless.
static inline int zonesep_advise_huge_pages(void *address, size_t length) {
    uintptr_t start = ((uintptr_t)address + 4095) & ~(uintptr_t)4095;
    uintptr_t end = ((uintptr_t)address + length) & ~(uintptr_t)4095;
    if (end <= start) return 0;
#ifdef MADV_HUGEPAGE
    return madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
    return 0;
#endif
}

#endif
