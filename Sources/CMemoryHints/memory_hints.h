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

/// Zeroed memory for `length` bytes straight from the kernel (release it with zonesep_unmap and the same
/// length): its pages are touched only as they are used. From 2 MiB up it is aligned to 2 MiB and backed by
/// transparent huge pages, two megabytes a page fault instead of four kilobytes (mmap alone aligns to 4 KiB,
/// and the unaligned ends of a region never get huge pages). NULL when out of memory.
static inline void *zonesep_map_zeroed(size_t length) {
    const size_t huge = (size_t)2 << 20;
    length = (length + 4095) & ~(size_t)4095;
    if (length == 0) length = 4096;
    size_t span = length >= huge ? length + huge : length;
    // MAP_NORESERVE: a table is sized for its cap but filled only as flows come; charging the whole cap
    // against the kernel's overcommit limit at the start refused a --max-flows the machine could hold.
    void *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return NULL;
    if (length < huge) return p;
    uintptr_t start = ((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1);
    size_t head = start - (uintptr_t)p;
    if (head > 0) munmap(p, head);
    size_t tail = span - head - length;
    if (tail > 0) munmap((void *)(start + length), tail);
#ifdef MADV_HUGEPAGE
    madvise((void *)start, length, MADV_HUGEPAGE);
#endif
    return (void *)start;
}

/// Keeps the first `length` bytes of a region of zonesep_map_zeroed on small pages (a table that usually
/// stays small would otherwise fault in a whole huge page for its first few kilobytes).
static inline void zonesep_small_pages(void *p, size_t length) {
#ifdef MADV_NOHUGEPAGE
    madvise(p, (length + 4095) & ~(size_t)4095, MADV_NOHUGEPAGE);
#endif
}

/// Returns memory of zonesep_map_zeroed to the kernel.
static inline void zonesep_unmap(void *p, size_t length) {
    length = (length + 4095) & ~(size_t)4095;
    munmap(p, length == 0 ? 4096 : length);
}

#endif
